"""Checks and their catalogue: every code the engine can emit, with its requirement sentence.

CHECKS.md documents the same catalogue in one table; a unit test keeps the two equal.
"""

from __future__ import annotations

from datetime import date
from typing import Final, NamedTuple, final

from backend.requirements.vocabulary import LIMIT_KINDS, LINE_CODE_PREFIX, limit_code
from backend.verification.messages import describe
from backend.verification.outcomes import BLOCKING, FAIL, PASS, UNKNOWN, WAIVED, WARNING
from backend.verification.record import Evidence

__all__ = [
    "BLOCKING",
    "CATALOGUE",
    "FAIL",
    "PASS",
    "SPECS",
    "UNKNOWN",
    "WAIVED",
    "WARNING",
    "Check",
    "CheckInfo",
    "CheckSpec",
    "Waiver",
    "make_check",
]


class Waiver(NamedTuple):
    """A GC's decision to accept one failed check until `expires_on` (inclusive).

    `line` must equal the check's line (None for checks about the whole record).
    """

    check_code: str
    line: str | None
    reason: str
    expires_on: date
    by: str


@final
class Check:
    """One evaluated check; treat it as immutable (its fields are Final).

    `outcome` is pass, fail, unknown (the value needed is missing or unreadable, or only claimed
    by a certificate while the set demands the endorsement on file) or waived (a failed or
    unknown check a live Waiver accepts). `passed` is true only for pass.

    A plain class rather than a NamedTuple: the engine is compiled with mypyc (see
    backend/verification/native.py), where building one is a C call, and a verification builds
    about seventy. Equality and hashing compare the fields, as the NamedTuple did.
    """

    __slots__ = (
        "code",
        "evidence",
        "expected",
        "found",
        "line",
        "outcome",
        "requirement",
        "severity",
        "waivable",
        "waiver",
    )

    def __init__(
        self,
        code: str,
        outcome: str,
        line: str | None,
        requirement: str,
        expected: object,
        found: object,
        severity: str,
        waivable: bool,
        evidence: Evidence | None = None,
        waiver: Waiver | None = None,
    ) -> None:
        self.code: Final = code
        self.outcome: Final = outcome
        self.line: Final = line
        self.requirement: Final = requirement
        self.expected: Final = expected
        self.found: Final = found
        self.severity: Final = severity
        self.waivable: Final = waivable
        self.evidence: Final = evidence
        self.waiver: Final = waiver

    @property
    def passed(self) -> bool:
        return self.outcome == PASS

    @property
    def message(self) -> str:
        return describe(self)

    def with_outcome(self, outcome: str, waiver: Waiver | None = None) -> Check:
        """The same check with another outcome (and the waiver that decided it, if any)."""
        return Check(
            self.code,
            outcome,
            self.line,
            self.requirement,
            self.expected,
            self.found,
            self.severity,
            self.waivable,
            self.evidence,
            waiver,
        )

    def fields(self) -> tuple[object, ...]:
        return (
            self.code,
            self.outcome,
            self.line,
            self.requirement,
            self.expected,
            self.found,
            self.severity,
            self.waivable,
            self.evidence,
            self.waiver,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Check):
            return NotImplemented
        return self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        return f"Check{self.fields()!r}"

    def __reduce__(self) -> tuple[type[Check], tuple[object, ...]]:
        # Compiled, the class has no default way to be copied or pickled: rebuild from fields.
        return (Check, self.fields())


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
    "WC_OWNERS_COVERED": (
        "Owners, partners and officers are not excluded from workers' compensation",
        True,
        BLOCKING,
    ),
    "WC_STOP_GAP_EL": (
        "Employer's liability in a monopolistic state comes from a stop-gap endorsement",
        True,
        BLOCKING,
    ),
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
    "AI_BOX_VS_DESCRIPTION": (
        "The ADDL INSD box agrees with the description's additional-insured wording",
        True,
        WARNING,
    ),
    "WOS_BOX_VS_DESCRIPTION": (
        "The SUBR WVD box of a line agrees with the description's waiver of subrogation",
        True,
        WARNING,
    ),
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


@final
class CheckSpec:
    """The fixed part of a check: code, requirement sentence, severity, waivability; a plan holds
    one per check it makes, with the severity the requirement set gives it."""

    __slots__ = ("code", "requirement", "severity", "waivable")

    def __init__(self, code: str, requirement: str, severity: str, waivable: bool) -> None:
        self.code: Final = code
        self.requirement: Final = requirement
        self.severity: Final = severity
        self.waivable: Final = waivable

    def make(
        self,
        outcome: str,
        line: str | None,
        expected: object,
        found: object,
        evidence: Evidence | None,
    ) -> Check:
        return Check(
            self.code,
            outcome,
            line,
            self.requirement,
            expected,
            found,
            self.severity,
            self.waivable,
            evidence,
            None,
        )

    def with_severity(self, severity: str) -> CheckSpec:
        return CheckSpec(self.code, self.requirement, severity, self.waivable)


SPECS: Final[dict[str, CheckSpec]] = {
    code: CheckSpec(code, info.requirement, info.severity, info.waivable)
    for code, info in CATALOGUE.items()
}


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
    spec = SPECS[code]
    if severity:
        spec = spec.with_severity(severity)
    return spec.make(outcome, line, expected, found, evidence)
