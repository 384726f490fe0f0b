[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = {{project_name:x-toml}}
version = {{version:x-toml}}
description = {{project_description:x-toml}}
requires-python = ">={{python_version}}"
license = {text = {{license:x-toml}}}
authors = [{name = {{author:x-toml}}, email = {{author_email:x-toml}}}]

[project.scripts]
{{command}} = "{{package_name}}.cli:main"

[tool.setuptools.packages.find]
where = ["src"]

[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
