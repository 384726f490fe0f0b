"""Sphinx configuration of
a-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-bc: make
html (warnings are errors).
"""

import sys
from pathlib import Path

# the project root, from this file's place, not from the directory
# sphinx-build runs in
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

project = "a-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-bc"
author = 'Ada "Countess" O\'Brien'
release = "0.1.0"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode"]
exclude_patterns = ["_build"]
html_theme = "alabaster"


def skip_module_docstrings(app, what, name, obj, options, lines):
    """Module docstrings hold free text (the project's description, its
    name): the index shows it escaped, autodoc would read it as markup."""
    if what == "module":
        lines.clear()


def setup(app):
    app.connect("autodoc-process-docstring", skip_module_docstrings)
