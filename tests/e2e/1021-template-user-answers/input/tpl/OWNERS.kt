# Owners of {{project_name}}
{{#owners}}
- {{item}}
{{/owners}}
