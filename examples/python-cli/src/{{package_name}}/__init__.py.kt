"""{{project_name}}: the {{command}} command."""

__version__ = "{{version:json}}"
