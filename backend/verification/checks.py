"""Checks and their catalogue: every code the engine can emit, with its requirement sentence.

CHECKS.md documents the same catalogue in one table; a unit test keeps the two equal.
"""

from __future__ import annotations

from datetime import date
from typing import Final, NamedTuple

from backend.requirements.vocabulary import LIMIT_KINDS, LINE_CODE_PREFIX, limit_code
from backend.verification.record import Evidence

PASS: Final = "pass"  # noqa: S105 - an outcome, not a password
FAIL: Final = "fail"
UNKNOWN: Final = "unknown"
WAIVED: Final = "waived"

BLOCKING: Final = "blocking"
WARNING: Final = "warning"


class Waiver(NamedTuple):
    """A GC's decision to accept one failed check until `expires_on` (inclusive).

    `line` must equal the check's line (None for checks about the whole record).
    """

    check_code: str
    line: str | None
    reason: str
    expires_on: date
    by: str


class Check(NamedTuple):
    """One evaluated check. A NamedTuple because a verdict builds dozens of them per call.

    `outcome` is pass, fail, unknown (the value needed is missing or unreadable, or only claimed
    by a certificate while the set demands the endorsement on file) or waived (a failed or
    unknown check a live Waiver accepts). `passed` is true only for pass.
    """

    code: str
    outcome: str
    line: str | None
    requirement: str
    expected: object
    found: object
    severity: str
    waivable: bool
    evidence: Evidence | None = None
    waiver: Waiver | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == PASS

    @property
    def message(self) -> str:
        from backend.verification.messages import describe

        return describe(self)


class CheckInfo(NamedTuple):
    requirement: str
    waivable: bool
    severity: str  # the usual severity; a few checks take theirs from the requirement set


_LINE_CHECKS: Final = {
    "PRESENT": ("The line is on the record", True, BLOCKING),
    "POLICY_NUMBER": ("The policy number is given (not blank, TBD or pending)", True, BLOCKING),
    "IN_FORCE": ("A policy term is in force on the verdict date (or work start)", False, BLOCKING),
    "EFFECTIVE_BY_WORK_START": ("Coverage is in force on the sub's work start", True, BLOCKING),
    "NO_GAP": ("Consecutive terms leave no gap during the engagement", True, BLOCKING),
    "THROUGH_CLOSEOUT": (
        "Continuous coverage reaches project end plus close-out days",
        True,
        WARNING,
    ),
    "EXPIRY_WINDOW": (
        "Continuous coverage lasts beyond the GC's expiring-soon window",
        True,
        WARNING,
    ),
    "INSURER_NAIC": ("The insurer is identified by a five-digit NAIC number", True, BLOCKING),
    "INSURER_RATING": (
        "The insurer's A.M. Best rating and size class are at or above the minimum",
        True,
        BLOCKING,
    ),
    "INSURER_SURPLUS_LINES": ("Surplus-lines insurers are flagged", True, WARNING),
    "WAIVER_OF_SUBROGATION": ("Waiver of subrogation endorsement on this line", True, BLOCKING),
}
_BASIS_CHECKS: Final = {
    "OCCURRENCE_BASIS": ("Occurrence basis (claims-made only where allowed)", True, BLOCKING),
    "RETRO_DATE": ("Claims-made retro date on or before work start", True, BLOCKING),
    "TAIL": ("Claims-made extended reporting (tail) of the required years", True, BLOCKING),
}
_SPECIFIC_CHECKS: Final = {
    "GL_PER_PROJECT_AGGREGATE": (
        "General aggregate applies per project (CG 25 03)",
        True,
        BLOCKING,
    ),
    "AUTO_ANY_AUTO": ("Auto liability covers any auto", True, BLOCKING),
    "UMB_FOLLOWS_FORM": (
        "Umbrella follows form over general, auto and employer's liability",
        True,
        BLOCKING,
    ),
    "WC_STATUTORY": ("Workers' compensation at statutory limits", True, BLOCKING),
    "WC_STATES": ("Workers' compensation covers every required state", True, BLOCKING),
}
_RECORD_CHECKS: Final = {
    "RECORD_PRESENT": ("The sub has a record of insurance to verify", False, BLOCKING),
    "CERTIFICATE_HOLDER_NAME": (
        "Certificate holder is the exact legal entity the contract names",
        True,
        BLOCKING,
    ),
    "AI_ONGOING": ("Additional insured endorsement for ongoing operations", True, BLOCKING),
    "AI_COMPLETED": ("Additional insured endorsement for completed operations", True, BLOCKING),
    "AI_ONGOING_FORM": ("Ongoing-operations AI form and edition are accepted", True, BLOCKING),
    "AI_COMPLETED_FORM": (
        "Completed-operations AI form and edition are accepted",
        True,
        BLOCKING,
    ),
    "AI_ONGOING_PARTIES": (
        "Every required party is additional insured for ongoing operations",
        True,
        BLOCKING,
    ),
    "AI_COMPLETED_PARTIES": (
        "Every required party is additional insured for completed operations",
        True,
        BLOCKING,
    ),
    "PRIMARY_NONCONTRIBUTORY": ("Primary and non-contributory endorsement", True, BLOCKING),
    "NOTICE_OF_CANCELLATION": (
        "Notice of cancellation of at least the days required",
        True,
        BLOCKING,
    ),
    "RED_FLAG_CONDITIONAL_WORDING": (
        'No conditional wording ("if/per written contract") without the endorsement on file',
        True,
        BLOCKING,
    ),
    "RED_FLAG_TO_BE_NAMED": ('No "to be named" or "TBD" parties', True, BLOCKING),
}


def _build_catalogue() -> dict[str, CheckInfo]:
    catalogue: dict[str, CheckInfo] = {}
    for line, prefix in LINE_CODE_PREFIX.items():
        for suffix, (text, waivable, severity) in _LINE_CHECKS.items():
            catalogue[f"{prefix}_{suffix}"] = CheckInfo(text, waivable, severity)
        for kind in LIMIT_KINDS[line]:
            catalogue[limit_code(line, kind)] = CheckInfo(
                f"{kind.replace('_', ' ').capitalize()} limit at least the minimum",
                True,
                BLOCKING,
            )
        if prefix in ("GL", "UMB"):
            for suffix, (text, waivable, severity) in _BASIS_CHECKS.items():
                catalogue[f"{prefix}_{suffix}"] = CheckInfo(text, waivable, severity)
    for table in (_SPECIFIC_CHECKS, _RECORD_CHECKS):
        for code, (text, waivable, severity) in table.items():
            catalogue[code] = CheckInfo(text, waivable, severity)
    return catalogue


CATALOGUE: Final[dict[str, CheckInfo]] = _build_catalogue()


class CheckSpec(NamedTuple):
    """The fixed part of a check: code, requirement sentence, usual severity, waivability."""

    code: str
    requirement: str
    severity: str
    waivable: bool


SPECS: Final = {
    code: CheckSpec(code, info.requirement, info.severity, info.waivable)
    for code, info in CATALOGUE.items()
}
# The same specs as plain tuples (code, requirement, severity, waivable): the engine unpacks one
# per check it builds, and a plain tuple unpacks much faster than a NamedTuple.
PLAIN_SPECS: Final = {
    code: (code, spec.requirement, spec.severity, spec.waivable) for code, spec in SPECS.items()
}
_new_check = tuple.__new__


def make_check(
    code: str,
    outcome: str,
    line: str | None,
    expected: object,
    found: object,
    evidence: Evidence | None = None,
    severity: str | None = None,
) -> Check:
    """A Check of a catalogued code; `severity` overrides the usual one where the set decides."""
    _code, requirement, usual_severity, waivable = PLAIN_SPECS[code]
    # tuple.__new__ skips the NamedTuple's Python-level constructor: dozens of checks per call.
    return _new_check(
        Check,
        (
            code,
            outcome,
            line,
            requirement,
            expected,
            found,
            severity or usual_severity,
            waivable,
            evidence,
            None,
        ),
    )
