"""Core functions of weather_station."""


def greet(name: str = "world") -> str:
    """Return a friendly greeting for *name*."""
    return f"Hello, {name}!"
