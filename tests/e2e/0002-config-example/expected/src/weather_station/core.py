"""Core functions of the package."""


def greet(name: str = "world") -> str:
    """Return a friendly greeting for *name*."""
    return f"Hello, {name}!"
