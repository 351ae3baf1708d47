"""The verification engine: requirements x record as of D x engagement context -> verdict.

Pure: no I/O, no clock, no randomness; equal inputs give equal verdicts. Every evaluated check
is listed, passed or not, with expected and found values and the evidence it was read from.

Rules worth knowing (CHECKS.md has the full table):
- Coverage is judged on the "coverage day": the verdict date, or the sub's work start when
  that is later (a sub onboarded before starting needs coverage from its first day on site).
- When no term of a line is in force on that day, the line fails LINE_IN_FORCE and the checks
  that read a term (limits, insurer, basis, ...) are not evaluated rather than read from a
  neighbouring term.
- An endorsement known only from a certificate is a claim: with `endorsements_on_file` the
  check is unknown (the verdict is incomplete) until the endorsement is in the record.

The checks a set asks for are compiled once per requirement set into a plan (plan.py); the
record, context, date and waivers are judged afresh on every call.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backend.requirements.model import RequirementSet
from backend.verification.checks import UNKNOWN, Check, Waiver, make_check
from backend.verification.context import VerificationContext
from backend.verification.plan import plan_for
from backend.verification.record import RecordAsOf
from backend.verification.verdict import ENGINE_VERSION, Verdict, conclude

__all__ = ["ENGINE_VERSION", "verify"]


def verify(
    requirements: RequirementSet,
    record: RecordAsOf | None,
    context: VerificationContext,
    on: date,
    waivers: Iterable[Waiver] = (),
) -> Verdict:
    """Judge `record` against `requirements` for the engagement `context` on day `on`."""
    checks: list[Check]
    if record is None:
        checks = [make_check("RECORD_PRESENT", UNKNOWN, None, "a record of insurance", None)]
    else:
        checks = plan_for(requirements).checks(record, context, on)
    return conclude(requirements, on, checks, waivers, context.expiring_window_days)


def verdict_for_missing_record(
    requirements: RequirementSet, context: VerificationContext, on: date
) -> Verdict:
    """Shorthand for an engagement whose sub has no record yet."""
    return verify(requirements, None, context, on)
