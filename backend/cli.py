"""The `coinet` console command: one entry point for everything an operator does.

Each domain that offers commands exposes `register(subparsers)` in its own `cli.py`;
this module only wires them together so that domains stay independent of each other.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# Domains whose `cli.py` adds sub-commands. Order is the order shown in `--help`.
COMMAND_MODULES = (
    "backend.ops_cli",
    "backend.acord.cli",
    "backend.verification.cli",
    "backend.audit.cli",
    "backend.projects.cli",
    "workers.dead_letter",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coinet", description="COI network operator commands")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
