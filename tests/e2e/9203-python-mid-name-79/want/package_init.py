"""order-service-for-the-catalogue-of-shops package.

An order service
"""

from .core import greet

__all__ = ["__version__", "greet"]
__version__ = "0.1.0"
