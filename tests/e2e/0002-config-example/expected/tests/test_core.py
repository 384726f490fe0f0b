"""Tests of the package's core, runnable as generated: python3 -m pytest."""

from weather_station import (
    __version__,
    greet,
)


def test_greet_default():
    assert greet() == "Hello, world!"


def test_greet_name():
    assert greet("khora") == "Hello, khora!"


def test_version():
    assert __version__ == "1.2.3"
