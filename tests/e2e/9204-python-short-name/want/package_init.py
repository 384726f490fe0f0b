"""svc package.

A small service
"""

from .core import greet

__all__ = ["__version__", "greet"]
__version__ = "0.1.0"
