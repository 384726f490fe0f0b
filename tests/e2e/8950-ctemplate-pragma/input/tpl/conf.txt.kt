{{%KHORA strip=blank-lines undefined=empty}}
name: {{service}}

  {{#missing}}
hidden
  {{/missing}}
x={{nothing}}|{{service:u}}|{{service:x-upper}}
