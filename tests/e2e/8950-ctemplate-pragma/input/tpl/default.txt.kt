name: {{service}}

{{#service}}
{{/service}}
