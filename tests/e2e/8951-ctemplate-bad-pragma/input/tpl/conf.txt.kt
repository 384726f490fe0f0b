{{%KHORA strip=all}}
name: {{service}}
