"""`coinet verify`: run the engine on what `coinet acord read --json` printed.

Prints the verdict as contracts/verify-json.md describes and exits 0 whatever the verdict; on
unusable input prints {"error": {"code", "message"}} and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from backend.requirements.codec import requirements_from_json
from backend.requirements.model import RequirementError, RequirementSet
from backend.requirements.ratings import EMPTY_RATINGS, RatingError, RatingTable, ratings_from_csv
from backend.requirements.templates import TEMPLATES
from backend.verification.acord_adapter import AcordRecordError, record_from_acord_json
from backend.verification.context import ContextError, VerificationContext
from backend.verification.engine import verify
from backend.verification.verdict import Verdict

EXIT_UNUSABLE = 2


class _Unusable(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify a certificate (ACORD JSON) against a tier template or requirement set",
        description="Verify what `coinet acord read --json` printed against requirements.",
    )
    parser.add_argument("--certificate", metavar="C.json", help="ACORD 25 JSON of the reader")
    parser.add_argument("--tier", choices=sorted(TEMPLATES), help="a ready trade-tier template")
    parser.add_argument(
        "--requirements",
        metavar="R.json",
        help="a requirement set (backend/requirements/FORMAT.md)",
    )
    parser.add_argument("--holder", help="exact legal name the certificate holder must be")
    parser.add_argument(
        "--additional-insured",
        action="append",
        default=[],
        metavar="NAME",
        help="a party that must be additional insured (repeatable)",
    )
    parser.add_argument("--work-start", metavar="DATE", help="the sub's first day on site")
    parser.add_argument("--project-start", metavar="DATE", help="the project's start")
    parser.add_argument("--project-end", metavar="DATE", help="the project's end")
    parser.add_argument("--closeout-days", metavar="N", help="close-out / punch-list days")
    parser.add_argument("--state", help="the project's state (two letters), for WC")
    parser.add_argument("--ratings", metavar="RATINGS.csv", help="insurer ratings by NAIC")
    parser.add_argument("--window-days", metavar="N", help="expiring-soon window (default 30)")
    parser.add_argument("--on", metavar="DATE", help="the date of the verdict (default today)")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        verdict = _verdict(args)
    except _Unusable as problem:
        error = {"error": {"code": problem.code, "message": problem.message}}
        if args.json:
            print(json.dumps(error, indent=2))
        else:
            print(f"coinet verify: {problem.message}", file=sys.stderr)
        return EXIT_UNUSABLE
    text = json.dumps(verdict.to_json(), indent=2) if args.json else _summary(verdict)
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader (e.g. `head`) stopped early; nothing left to tell it
    return 0


def _verdict(args: argparse.Namespace) -> Verdict:
    if not args.certificate:
        raise _Unusable("missing_argument", "--certificate C.json is required")
    if bool(args.tier) == bool(args.requirements):
        raise _Unusable("missing_argument", "give exactly one of --tier or --requirements")
    certificate = _read_json(args.certificate, "unreadable_certificate")
    try:
        record = record_from_acord_json(certificate, document_id=None)
    except AcordRecordError as exc:
        raise _Unusable("unusable_certificate", str(exc)) from None
    requirements = _requirements(args)
    ratings = _ratings(args.ratings)
    on = _date(args.on, "--on") or date.today()
    try:
        context = VerificationContext(
            project_start=_date(args.project_start, "--project-start"),
            project_end=_date(args.project_end, "--project-end"),
            closeout_days=_count(args.closeout_days, "--closeout-days", 0),
            certificate_holder=args.holder or None,
            additional_insured_parties=tuple(args.additional_insured),
            state=args.state.upper() if args.state else None,
            work_start=_date(args.work_start, "--work-start"),
            expiring_window_days=_count(args.window_days, "--window-days", 30),
            insurer_ratings=ratings,
        )
    except ContextError as exc:
        raise _Unusable("bad_context", str(exc)) from None
    return verify(requirements, record, context, on)


def _requirements(args: argparse.Namespace) -> RequirementSet:
    if args.tier:
        return TEMPLATES[args.tier]
    data = _read_json(args.requirements, "unreadable_requirements")
    try:
        return requirements_from_json(data)
    except RequirementError as exc:
        raise _Unusable("bad_requirements", f"requirement set refused: {exc}") from None


def _ratings(path: str | None) -> RatingTable:
    if not path:
        return EMPTY_RATINGS
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unusable("unreadable_ratings", f"cannot read {path}: {exc}") from None
    try:
        return ratings_from_csv(text)
    except RatingError as exc:
        raise _Unusable("bad_ratings", str(exc)) from None


def _read_json(path: str, code: str) -> object:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unusable(code, f"cannot read {path}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unusable(code, f"{path} is not JSON: {exc}") from None


def _date(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Unusable("bad_argument", f"{option} {text!r} is not a YYYY-MM-DD date") from None


def _count(text: str | None, option: str, default: int) -> int:
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise _Unusable("bad_argument", f"{option} {text!r} is not a whole number") from None
    if value < 0:
        raise _Unusable("bad_argument", f"{option} cannot be negative")
    return value


def _summary(verdict: Verdict) -> str:
    lines = [f"{verdict.status.upper()} on {verdict.on.isoformat()}"]
    for check in verdict.checks:
        if check.passed:
            continue
        mark = {"fail": "FAIL", "unknown": "????", "waived": "WAIV"}.get(check.outcome, "    ")
        lines.append(f"  {mark} {check.code:<45} {check.message}")
    passed = sum(1 for check in verdict.checks if check.passed)
    lines.append(f"{passed} of {len(verdict.checks)} checks passed")
    return "\n".join(lines)
