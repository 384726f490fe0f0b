"""The {{service_name}} service."""

PORT = {{port}}
TOKEN_ENV = "API_TOKEN"
