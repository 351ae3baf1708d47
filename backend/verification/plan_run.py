"""What one verification works out before its checks: the days the checks compare against, the
record's terms by line and the GC's ratings, and the list the checks go into. Made afresh for
every verification; nothing in it outlives the call."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final, TypeVar, final

from backend.requirements.ratings import InsurerRating
from backend.verification.checks import Check
from backend.verification.context import VerificationContext
from backend.verification.record import Policy, RecordAsOf, Term

_T = TypeVar("_T")


def lookup(mapping: Mapping[str, _T], key: str) -> _T | None:
    """mapping.get(key); compiled, a dict (what records hold) takes the dict's own look-up
    rather than a method call through the Mapping protocol."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return mapping.get(key)


@final
class Run:
    """One verification in progress.

    Coverage is judged on the coverage day: the verdict date, or the sub's work start when that
    is later (a sub onboarded before starting needs coverage from its first day on site).
    """

    def __init__(
        self,
        record: RecordAsOf,
        context: VerificationContext,
        on: date,
        completed_phase: bool = False,
    ) -> None:
        self.record: Final = record
        self.context: Final = context
        self.checks: Final[list[Check]] = []
        # In the completed-operations phase the work is over: no work start to cover, no gap
        # window before it, only the renewals from now on.
        self.completed_phase: Final = completed_phase
        work_start = None if completed_phase else context.work_start
        self.work_start: Final = work_start
        self.coverage_day: Final = work_start if work_start is not None and work_start > on else on
        self.gap_window_start: Final = (
            on if completed_phase else work_start or context.project_start
        )
        # A claims-made policy must reach back to the first work, in every phase.
        self.retro_needed_by: Final = context.work_start or context.project_start
        project_end = None if completed_phase else context.project_end
        self.needed_until: Final = (
            None if project_end is None else project_end + timedelta(context.closeout_days)
        )
        self.window_end: Final = on + timedelta(context.expiring_window_days)
        self.ratings_by_naic: Final[Mapping[str, InsurerRating]] = context.insurer_ratings.by_naic
        self.terms_by_line: Final[Mapping[str, tuple[tuple[Policy, Term], ...]]] = (
            record.terms_by_line
        )
