head
{{>partials/key}}
