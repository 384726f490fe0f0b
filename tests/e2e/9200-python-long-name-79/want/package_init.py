"""a-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-bc
package.

Say "hi" & it's fine: #1 \\ {{x}} $(id) `w` ${HOME} "quoted\"
"""

from .core import greet

__all__ = ["__version__", "greet"]
__version__ = "0.1.0"
