# {{project_name}}

{{project_description}}

## Use

    pip install .
    {{command}} Ada

or, without installing, `PYTHONPATH=src python3 -m {{package_name}} Ada`.

## Test

    python3 -m pytest

(`pyproject.toml` puts `src` on the path: no install step.)
