"""The `coinet` console command: one entry point for everything an operator does.

Each domain that offers commands exposes `register(subparsers)` in its own `cli.py`. Importing
those modules pulls in most of the application (about 3 s), so the table below names each
command's module and one-line help: `coinet --help` imports none of them, and `coinet X ...`
imports only X's module. A module in the table that cannot be imported, or that no longer
registers the command the table promises, is an error naming it, never a command silently
missing. `tests/unit/test_cli.py` holds the table and the modules in step.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Final

# Command -> (the module whose register() adds it, the help shown by `coinet --help`).
# Order is the order shown in `--help`.
COMMANDS: Final[dict[str, tuple[str, str]]] = {
    "serve": ("backend.ops_cli", "serve the web app"),
    "worker": ("backend.ops_cli", "run a background worker (arq)"),
    "migrate": ("backend.ops_cli", "apply (or undo) database migrations"),
    "demo": ("backend.ops_cli", "demo network"),
    "org": ("backend.network.cli", "onboard organisations"),
    "acord": ("backend.acord.cli", "read ACORD 25 certificates and endorsements"),
    "verify": (
        "backend.verification.cli",
        "verify a certificate (ACORD JSON) against a tier template or requirement set",
    ),
    "audit": ("backend.audit.cli", "the tamper-evident audit log"),
    "sweep": ("backend.projects.cli", "run the expiry sweep now"),
    "fanout": ("workers.dead_letter", "fan-outs that failed (dead letters)"),
}


class CommandModuleError(RuntimeError):
    """A command's module is missing or no longer registers the command."""


def _chosen_command(argv: Sequence[str]) -> str | None:
    for argument in argv:
        if not argument.startswith("-"):
            return argument
    return None


def _register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], command: str
) -> set[str]:
    """Import the command's module and let it add its commands; the names it added."""
    module_name = COMMANDS[command][0]
    before = set(subparsers.choices)
    try:
        module = importlib.import_module(module_name)
        register: Callable[[object], None] = module.register
    except ImportError as exc:
        raise CommandModuleError(
            f"command {command!r}: its module {module_name} cannot be imported ({exc})"
        ) from exc
    except AttributeError as exc:
        raise CommandModuleError(f"{module_name} has no register(subparsers)") from exc
    register(subparsers)
    added = set(subparsers.choices) - before
    if command not in added:
        raise CommandModuleError(f"{module_name} no longer registers the command {command!r}")
    return added


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser for these arguments: the chosen command complete, the others as names with
    their help (enough for `--help` and for argparse's own "invalid choice")."""
    parser = argparse.ArgumentParser(prog="coinet", description="COI network operator commands")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = _chosen_command(argv)
    registered = _register(subparsers, chosen) if chosen in COMMANDS else set()
    for command, (_module, help_text) in COMMANDS.items():
        if command not in registered:
            subparsers.add_parser(command, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser(arguments)
    except CommandModuleError as exc:
        print(f"coinet: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(arguments)
    handler: Callable[[argparse.Namespace], int] = args.handler
    status = handler(args)
    _seal_audit_log()
    return status


def _seal_audit_log() -> None:
    """A command that appended to the audit log (the sweep's holds, the demo's verdicts) signs
    a checkpoint over it before exiting, as the web app and the workers do after each commit."""
    service = sys.modules.get("backend.audit.service")
    if service is None or not service.UnsealedAppends.committed:
        return
    from backend.audit.tail import seal_now
    from backend.config import get_settings

    seal_now(get_settings())


if __name__ == "__main__":
    sys.exit(main())
