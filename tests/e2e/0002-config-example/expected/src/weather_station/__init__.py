"""Weather_Station package.

Reads "sensors" and reports: temperature, humidity, wind
"""

from .core import greet

__all__ = ["__version__", "greet"]
__version__ = "1.2.3"
