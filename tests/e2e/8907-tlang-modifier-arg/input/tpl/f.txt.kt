a
{{t:slug=x}}
