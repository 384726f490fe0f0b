service: {{service_name}}
port: {{port}}
database: {{#use_db}}{{db_engine}}{{/use_db}}{{^use_db}}none{{/use_db}}
