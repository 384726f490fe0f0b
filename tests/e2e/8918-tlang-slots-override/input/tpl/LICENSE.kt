Proprietary: {{project_name}}
