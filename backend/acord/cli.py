"""`coinet acord read FILE --json`: read a certificate in the sandbox and print its JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from backend.acord.errors import error_json
from backend.acord.limits import MAX_BYTES


def register(subparsers: Any) -> None:
    acord = subparsers.add_parser("acord", help="read ACORD 25 certificates and endorsements")
    commands = acord.add_subparsers(dest="acord_command", required=True, metavar="COMMAND")
    read = commands.add_parser("read", help="read one file (PDF or image) and print its values")
    read.add_argument("file", type=Path)
    read.add_argument("--json", action="store_true", help="print the contract JSON (default)")
    read.add_argument("--timeout", type=float, default=60.0, help="seconds before giving up")
    read.set_defaults(handler=run_read)


def run_read(args: argparse.Namespace) -> int:
    from backend.acord import read_document_isolated

    path: Path = args.file
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            result = error_json(
                "too_large",
                f"The file is {size / 1_048_576:.1f} MB; the limit is "
                f"{MAX_BYTES / 1_048_576:.0f} MB.",
            )
        else:
            result = read_document_isolated(
                path.read_bytes(), filename=path.name, timeout_s=args.timeout
            )
    except OSError as exc:
        result = error_json("unreadable", f"{path}: {exc.strerror or exc}")
    sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 2 if "error" in result else 0
