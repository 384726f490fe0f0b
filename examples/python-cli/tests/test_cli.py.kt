"""Tests of the {{command}} command."""

import subprocess
import sys
from pathlib import Path

from {{package_name}} import __version__
from {{package_name}}.cli import GREETING, main

SRC = Path(__file__).resolve().parent.parent / "src"


def test_greets_the_world(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out == f"{GREETING}, world!\n"


def test_greets_by_name(capsys):
    assert main(["Ada"]) == 0
    assert capsys.readouterr().out == f"{GREETING}, Ada!\n"


def test_runs_as_a_module():
    out = subprocess.run(
        [sys.executable, "-m", "{{package_name}}", "--version"],
        capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(SRC)},
    )
    assert out.stdout.strip() == __version__
