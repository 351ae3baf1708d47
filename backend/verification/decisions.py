"""Human decisions on a verdict: approve, reject with reasons, waive one check.

Pure values and the rules for making them; the projects domain persists them and turns each
into an audit snapshot. A waiver applies to later verdicts through `verify(..., waivers=...)`
until its `expires_on` day has passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from backend.verification.checks import FAIL, UNKNOWN, Check, Waiver
from backend.verification.verdict import Verdict


class DecisionError(ValueError):
    """A decision the rules refuse, with the reason."""


@dataclass(frozen=True, slots=True)
class Approval:
    by: str
    on: date
    verdict_status: str
    requirement_set: tuple[str, int]
    engine_version: str
    note: str = ""
    waived_checks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RejectionReason:
    text: str
    check_code: str | None = None
    line: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    by: str
    on: date
    verdict_status: str
    requirement_set: tuple[str, int]
    engine_version: str
    reasons: tuple[RejectionReason, ...]


def approve(verdict: Verdict, *, by: str, on: date, note: str = "") -> Approval:
    """Approve a verdict with nothing blocking left open.

    A failed or unverified blocking check must be waived (with its reason and expiry) before
    approval, so that every exception the GC accepted is on the record by name.
    """
    _require_actor(by)
    open_checks = verdict.open_blocking
    if open_checks:
        codes = ", ".join(_label(check) for check in open_checks)
        raise DecisionError(f"cannot approve while blocking checks are open: {codes}")
    waived = tuple(_label(check) for check in verdict.checks if check.waiver is not None)
    return Approval(
        by=by,
        on=on,
        verdict_status=verdict.status,
        requirement_set=verdict.requirement_set,
        engine_version=verdict.engine_version,
        note=note.strip(),
        waived_checks=waived,
    )


def reject(verdict: Verdict, *, by: str, on: date, reasons: Sequence[RejectionReason]) -> Rejection:
    """Reject with at least one reason; a reason naming a check must name one in the verdict."""
    _require_actor(by)
    cleaned = tuple(reason for reason in reasons if reason.text.strip())
    if not cleaned:
        raise DecisionError("a rejection needs at least one reason")
    known = {(check.code, check.line) for check in verdict.checks}
    for reason in cleaned:
        if reason.check_code is not None and (reason.check_code, reason.line) not in known:
            raise DecisionError(f"{reason.check_code} is not a check of this verdict")
    return Rejection(
        by=by,
        on=on,
        verdict_status=verdict.status,
        requirement_set=verdict.requirement_set,
        engine_version=verdict.engine_version,
        reasons=cleaned,
    )


def reasons_from_verdict(verdict: Verdict) -> tuple[RejectionReason, ...]:
    """One reason per open blocking check, worded as the check's message: a ready draft."""
    return tuple(
        RejectionReason(text=check.message, check_code=check.code, line=check.line)
        for check in verdict.open_blocking
    )


def waive(check: Check, *, reason: str, expires_on: date, by: str, on: date) -> Waiver:
    """A waiver of one failed or unverified check, until `expires_on` (inclusive)."""
    _require_actor(by)
    if not check.waivable:
        raise DecisionError(f"{check.code} cannot be waived")
    if check.outcome not in (FAIL, UNKNOWN):
        raise DecisionError(f"{check.code} has not failed; there is nothing to waive")
    if not reason.strip():
        raise DecisionError("a waiver needs a reason")
    if expires_on < on:
        raise DecisionError("a waiver cannot expire before it is granted")
    return Waiver(
        check_code=check.code,
        line=check.line,
        reason=reason.strip(),
        expires_on=expires_on,
        by=by,
    )


def _require_actor(by: str) -> None:
    if not by.strip():
        raise DecisionError("a decision needs the person who made it")


def _label(check: Check) -> str:
    return check.code if check.line is None else f"{check.code} ({check.line})"
