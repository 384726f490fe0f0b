"""The {{command}} command line."""

import argparse

from . import __version__

GREETING = "{{greeting:json}}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="{{command:json}}", description="{{project_description:json}}"
    )
    parser.add_argument("name", nargs="?", default="world")
    parser.add_argument("--version", action="version", version=__version__)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    print(f"{GREETING}, {args.name}!")
    return 0
