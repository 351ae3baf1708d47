"""`coinet audit ...`: verify a bundle offline, walk the log, checkpoint, and export bundles.

`verify` needs nothing but the bundle (and, ideally, the operator's published keys to pin);
the other commands talk to the database named by the settings.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from cryptography import x509
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.bundle import TrustAnchors, verify_bundle
from backend.audit.canonical import SnapshotError
from backend.audit.checkpoint import Keyring, NoteError
from backend.audit.context import AuditContext
from backend.audit.keys import KeyFileError, log_origin, rotate_signing_key
from backend.audit.report import ReportError, check_project_report
from backend.audit.service import (
    AuditError,
    bundle_for,
    check_log,
    find_entry,
    in_effect_on,
    make_checkpoint,
)
from backend.audit.timestamp import TimestampError
from backend.config import get_settings
from backend.db.session import make_engine, make_session_factory, transaction

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNUSABLE = 2

T = TypeVar("T")


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser("audit", help="the tamper-evident audit log")
    commands = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")

    verify = commands.add_parser("verify", help="check an evidence bundle offline")
    verify.add_argument("bundle", type=Path, help="the bundle zip")
    verify.add_argument("--trusted-keys", type=Path, help="the operator's published keyring")
    verify.add_argument("--pdf-cert", type=Path, help="PEM certificate(s) trusted for the PDF")
    verify.add_argument("--tsa-root", type=Path, help="PEM root(s) of the time-stamp authority")
    verify.set_defaults(handler=run_verify)

    report = commands.add_parser(
        "verify-report", help="check a signed project report (PDF) offline"
    )
    report.add_argument("report", type=Path, help="the project report PDF")
    report.add_argument(
        "--pdf-cert",
        type=Path,
        required=True,
        help="PEM certificate(s) of the operator's audit reports (as in a bundle's keys/)",
    )
    report.set_defaults(handler=run_verify_report)

    check = commands.add_parser("check", help="walk the whole log looking for tampering")
    check.set_defaults(handler=run_check)

    checkpoint = commands.add_parser("checkpoint", help="sign a checkpoint of the log now")
    checkpoint.add_argument("--force", action="store_true", help="even if nothing was added")
    checkpoint.set_defaults(handler=run_checkpoint)

    bundle = commands.add_parser("bundle", help="export the evidence bundle of one snapshot")
    bundle.add_argument("--snapshot", required=True, help="entry id, leaf index or SHA-256")
    bundle.add_argument("-o", "--output", required=True, type=Path)
    bundle.add_argument("--hashes-only", action="store_true", help="list documents by hash only")
    bundle.set_defaults(handler=run_bundle)

    in_effect = commands.add_parser("in-effect", help="bundle of the snapshot in force on a date")
    in_effect.add_argument("--project", required=True, help="project id")
    in_effect.add_argument("--sub", required=True, help="subcontractor organisation id")
    in_effect.add_argument("--on", required=True, help="the date, YYYY-MM-DD")
    in_effect.add_argument("-o", "--output", required=True, type=Path)
    in_effect.add_argument("--hashes-only", action="store_true")
    in_effect.set_defaults(handler=run_in_effect)

    keys = commands.add_parser("keys", help="print the checkpoint keyring to publish")
    keys.set_defaults(handler=run_keys)

    rotate = commands.add_parser("rotate-key", help="retire the checkpoint key, start a new one")
    rotate.set_defaults(handler=run_rotate_key)


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"coinet audit: {message}", file=sys.stderr)
    return code


def _quiet_pyhanko() -> None:
    # pyHanko logs every failed validation with a traceback; the verdict lines say it better.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _read_certificates(path: Path | None, what: str) -> list[x509.Certificate]:
    if path is None:
        return []
    certificates = x509.load_pem_x509_certificates(path.read_bytes())
    if not certificates:
        raise ValueError(f"{what} {path} holds no certificate")
    return certificates


def run_verify(args: argparse.Namespace) -> int:
    _quiet_pyhanko()
    try:
        data = args.bundle.read_bytes()
        keyring = None
        if args.trusted_keys is not None:
            keyring = Keyring.from_text(args.trusted_keys.read_text(encoding="utf-8"))
        anchors = TrustAnchors(
            checkpoint_keys=keyring,
            pdf_certificates=_read_certificates(args.pdf_cert, "--pdf-cert"),
            tsa_roots=_read_certificates(args.tsa_root, "--tsa-root"),
        )
    except (OSError, ValueError, NoteError, UnicodeDecodeError) as exc:
        return _fail(f"cannot use the arguments: {exc}", EXIT_UNUSABLE)
    report = asyncio.run(verify_bundle(data, anchors))
    sys.stdout.write(f"bundle {args.bundle}\n{report.to_text()}")
    return EXIT_OK if report.ok else EXIT_FAILED


def run_verify_report(args: argparse.Namespace) -> int:
    """Exit 0 when the report's signature holds, is by a trusted certificate, covers the whole
    file, and the facts attached are exactly the ones the report names; 1 otherwise."""
    _quiet_pyhanko()
    try:
        data = args.report.read_bytes()
        trusted = _read_certificates(args.pdf_cert, "--pdf-cert")
    except (OSError, ValueError) as exc:
        return _fail(f"cannot use the arguments: {exc}", EXIT_UNUSABLE)
    try:
        checked = asyncio.run(check_project_report(data, trusted))
    except ReportError as exc:
        return _fail(f"{args.report}: {exc}")
    signature = checked.signature
    lines = [
        ("signature intact", signature.signature_intact),
        ("signed by a trusted certificate", signature.signer_trusted),
        ("signature covers the whole file", signature.covers_whole_file),
        ("attached facts are the ones named", checked.facts_match),
    ]
    for label, held in lines:
        sys.stdout.write(f"{'ok  ' if held else 'FAIL'} {label}\n")
    if checked.facts is not None:
        project = checked.facts.get("project", {})
        sys.stdout.write(
            f"project {project.get('number', '')} {project.get('name', '')}, "
            f"as of {checked.facts.get('as_of', '')}, facts SHA-256 {checked.facts_sha256}\n"
        )
    return EXIT_OK if all(held for _, held in lines) else EXIT_FAILED


def _with_session(work: Callable[[AsyncSession, AuditContext], Awaitable[T]]) -> T:
    settings = get_settings()

    async def run() -> T:
        engine = make_engine(settings, pool_size=1, max_overflow=0)
        try:
            context = AuditContext.from_settings(settings)
            async with transaction(make_session_factory(engine)) as session:
                return await work(session, context)
        finally:
            await engine.dispose()

    return asyncio.run(run())


OPERATIONAL_ERRORS = (
    AuditError,
    SnapshotError,
    SQLAlchemyError,
    OSError,
    KeyFileError,
    NoteError,
    TimestampError,
    ReportError,
)


def run_check(args: argparse.Namespace) -> int:
    try:
        result = _with_session(check_log)
    except OPERATIONAL_ERRORS as exc:
        return _fail(f"the log could not be checked: {exc}")
    for finding in result.findings:
        where = f"entry {finding.seq}" if finding.seq is not None else "log"
        print(f"{finding.kind:>10}  {where}: {finding.detail}")
    print(
        f"checked {result.entries} entries against {result.checkpoints} signed checkpoints: "
        + ("no tampering found" if result.ok else f"{len(result.findings)} finding(s)")
    )
    return EXIT_OK if result.ok else EXIT_FAILED


def run_checkpoint(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, context: AuditContext) -> str:
        checkpoint = await make_checkpoint(session, context, force=args.force)
        if checkpoint is None:
            return "nothing was appended since the last checkpoint; none made"
        return checkpoint.note

    try:
        print(_with_session(work), end="")
    except OPERATIONAL_ERRORS as exc:
        return _fail(f"no checkpoint made: {exc}")
    return EXIT_OK


def _export(args: argparse.Namespace, locate: Callable[[AsyncSession], Awaitable[Any]]) -> int:
    async def work(session: AsyncSession, context: AuditContext) -> bytes | None:
        entry = await locate(session)
        if entry is None:
            return None
        return await bundle_for(session, entry, context, include_documents=not args.hashes_only)

    try:
        data = _with_session(work)
    except OPERATIONAL_ERRORS as exc:
        return _fail(f"no bundle written: {exc}")
    if data is None:
        return _fail("no such snapshot in the log")
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        return _fail(f"cannot write {args.output}: {exc}")
    print(f"wrote {args.output} ({len(data)} bytes)")
    return EXIT_OK


def run_bundle(args: argparse.Namespace) -> int:
    return _export(args, lambda session: find_entry(session, args.snapshot))


def run_in_effect(args: argparse.Namespace) -> int:
    try:
        project_id, sub_id = uuid.UUID(args.project), uuid.UUID(args.sub)
        on = date.fromisoformat(args.on)
    except ValueError as exc:
        return _fail(f"cannot use the arguments: {exc}", EXIT_UNUSABLE)
    return _export(args, lambda session: in_effect_on(session, project_id, sub_id, on))


def run_keys(args: argparse.Namespace) -> int:
    try:
        context = AuditContext.from_settings(get_settings())
    except (KeyFileError, NoteError, OSError) as exc:
        return _fail(f"keys unusable: {exc}")
    print(context.keyring.to_text(), end="")
    return EXIT_OK


def run_rotate_key(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.audit_signing_key or settings.audit_signing_key_file:
        return _fail(
            "the checkpoint key comes from configuration: list its vkey as retired in "
            f"{settings.keys_dir / 'audit-keyring.txt'} and configure the new key instead"
        )
    try:
        signer = rotate_signing_key(settings.keys_dir, log_origin(settings))
    except (KeyFileError, NoteError, OSError) as exc:
        return _fail(f"key not rotated: {exc}")
    print(f"new checkpoint key {signer.verifier.vkey()}; the old one is kept as retired")
    return EXIT_OK
