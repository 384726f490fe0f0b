"""Core functions of out."""


def greet(name: str = "world") -> str:
    """Return a friendly greeting for *name*."""
    return f"Hello, {name}!"
