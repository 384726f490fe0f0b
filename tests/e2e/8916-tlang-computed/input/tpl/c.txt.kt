service={{service}}
port={{port}}
