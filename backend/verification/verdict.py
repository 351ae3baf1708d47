"""Verdicts: the checks of one verification, the status they add up to, and their JSON form
(contracts/verify-json.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, Final, final

from backend.requirements.model import RequirementSet
from backend.verification.checks import BLOCKING, FAIL, PASS, UNKNOWN, WAIVED, Check, Waiver

COMPLIANT: Final = "compliant"
EXPIRING: Final = "expiring"
NON_COMPLIANT: Final = "non_compliant"
INCOMPLETE: Final = "incomplete"
STATUSES: Final = (COMPLIANT, EXPIRING, INCOMPLETE, NON_COMPLIANT)  # best first

ENGINE_VERSION: Final = "1.0.0"

_EXPIRY_SUFFIX: Final = "_EXPIRY_WINDOW"


@final
class Verdict:
    """The status and every evaluated check, with what produced them; treat it as immutable.

    A plain class (compared, hashed, copied and pickled by its fields) rather than a frozen
    dataclass: compiled with mypyc, making one is then a C call rather than five guarded
    attribute writes.
    """

    __slots__ = ("checks", "engine_version", "on", "requirement_set", "status")

    def __init__(
        self,
        status: str,
        on: date,
        checks: tuple[Check, ...],
        requirement_set: tuple[str, int],
        engine_version: str,
    ) -> None:
        self.status: Final = status
        self.on: Final = on
        self.checks: Final = checks
        self.requirement_set: Final = requirement_set
        self.engine_version: Final = engine_version

    def fields(self) -> tuple[str, date, tuple[Check, ...], tuple[str, int], str]:
        return (self.status, self.on, self.checks, self.requirement_set, self.engine_version)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        status, on, checks, requirement_set, engine_version = self.fields()
        return (
            f"Verdict(status={status!r}, on={on!r}, checks=<{len(checks)} checks>, "
            f"requirement_set={requirement_set!r}, engine_version={engine_version!r})"
        )

    def __reduce__(self) -> tuple[type[Verdict], tuple[object, ...]]:
        return (Verdict, self.fields())

    @property
    def open_blocking(self) -> tuple[Check, ...]:
        """Blocking checks neither passed nor waived: what stands between the sub and approval."""
        return tuple(
            check
            for check in self.checks
            if check.severity == BLOCKING and check.outcome in (FAIL, UNKNOWN)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "on": self.on.isoformat(),
            "engine_version": self.engine_version,
            "requirements": {"name": self.requirement_set[0], "version": self.requirement_set[1]},
            "checks": [check_to_json(check) for check in self.checks],
        }


def check_to_json(check: Check) -> dict[str, Any]:
    evidence = check.evidence
    result: dict[str, Any] = {
        "code": check.code,
        "passed": check.passed,
        "outcome": check.outcome,
        "line": check.line,
        "requirement": check.requirement,
        "expected": json_value(check.expected),
        "found": json_value(check.found),
        "severity": check.severity,
        "waivable": check.waivable,
        "message": check.message,
        "evidence": {
            "pointer": evidence.pointer if evidence else None,
            "page": evidence.page if evidence else None,
            "bbox": list(evidence.bbox) if evidence and evidence.bbox else None,
            "document": evidence.document if evidence else None,
        },
    }
    if check.waiver is not None:
        result["waiver"] = {
            "reason": check.waiver.reason,
            "expires_on": check.waiver.expires_on.isoformat(),
            "by": check.waiver.by,
        }
    return result


def json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    return value


def apply_waivers(checks: Sequence[Check], waivers: Iterable[Waiver], on: date) -> list[Check]:
    """Mark failed or unknown waivable checks that a live waiver covers as waived.

    A waiver is live through its `expires_on` day; afterwards it has no effect at all.
    """
    live = {(w.check_code, w.line): w for w in waivers if w.expires_on >= on}
    if not live:
        return list(checks)
    result = []
    for check in checks:
        waiver = live.get((check.code, check.line))
        if waiver is not None and check.waivable and check.outcome in (FAIL, UNKNOWN):
            check = check.with_outcome(WAIVED, waiver)
        result.append(check)
    return result


def status_of(checks: Iterable[Check], on: date, window_days: int) -> str:
    """non_compliant > incomplete > expiring > compliant, from the unwaived checks.

    Expiring: every blocking check passed (or is waived), but coverage ends within the window,
    or a waiver the verdict relies on runs out within it.
    """
    unknown = expiring = False
    for check in checks:
        outcome = check.outcome
        if outcome == PASS:
            continue
        if outcome == FAIL:
            if check.severity == BLOCKING:
                return NON_COMPLIANT
            if check.code.endswith(_EXPIRY_SUFFIX):
                expiring = True
        elif outcome == UNKNOWN:
            if check.severity == BLOCKING:
                unknown = True
        elif outcome == WAIVED and check.waiver is not None:
            if check.waiver.expires_on <= on + timedelta(days=window_days):
                expiring = True
    if unknown:
        return INCOMPLETE
    return EXPIRING if expiring else COMPLIANT


def conclude(
    requirements: RequirementSet,
    on: date,
    checks: list[Check],
    waivers: Iterable[Waiver],
    window_days: int,
) -> Verdict:
    final = tuple(apply_waivers(checks, waivers, on) if waivers else checks)
    return Verdict(
        status=status_of(final, on, window_days),
        on=on,
        checks=final,
        requirement_set=(requirements.name, requirements.version),
        engine_version=ENGINE_VERSION,
    )


def rewaive(verdict: Verdict, waivers: Iterable[Waiver], window_days: int = 30) -> Verdict:
    """Apply waivers recorded after a verdict was made (status recomputed)."""
    return with_checks(verdict, apply_waivers(verdict.checks, waivers, verdict.on), window_days)


def with_checks(verdict: Verdict, checks: Sequence[Check], window_days: int) -> Verdict:
    """The verdict with its checks replaced by `checks` and its status recomputed from them, on
    the same day, requirement set and engine version."""
    return Verdict(
        status=status_of(checks, verdict.on, window_days),
        on=verdict.on,
        checks=tuple(checks),
        requirement_set=verdict.requirement_set,
        engine_version=verdict.engine_version,
    )
