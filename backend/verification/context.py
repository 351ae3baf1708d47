"""The engagement a verdict is for: the project's dates and parties and the sub's work start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from backend.requirements.ratings import EMPTY_RATINGS, RatingTable
from backend.requirements.vocabulary import US_STATES
from backend.verification.record import init_values


class ContextError(ValueError):
    """An engagement context that contradicts itself; `field` names the culprit."""

    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(f"{field_path}: {message}")
        self.field = field_path


@dataclass(frozen=True, slots=True)
class VerificationContext:
    """Project and engagement facts the requirements are measured against.

    `additional_insured_parties` are the exact legal names the contract requires as additional
    insured (GC, owner, lender, architect, and for a tier-2 sub the tier-1 sub).
    `expiring_window_days` is the GC's "expiring soon" window; `insurer_ratings` is the GC's
    rating table. Unknown facts are None and the checks that need them are not evaluated.
    """

    project_start: date | None = None
    project_end: date | None = None
    closeout_days: int = 0
    certificate_holder: str | None = None
    additional_insured_parties: tuple[str, ...] = ()
    state: str | None = None
    trade: str | None = None
    work_start: date | None = None
    employees_on_site: bool = True
    expiring_window_days: int = 30
    insurer_ratings: RatingTable = EMPTY_RATINGS

    def __post_init__(self) -> None:
        if (
            self.project_start is not None
            and self.project_end is not None
            and self.project_end < self.project_start
        ):
            raise ContextError(
                "project_end",
                f"{self.project_end.isoformat()} is before project start "
                f"{self.project_start.isoformat()}",
            )
        if (
            self.work_start is not None
            and self.project_end is not None
            and self.work_start > self.project_end
        ):
            raise ContextError(
                "work_start",
                f"{self.work_start.isoformat()} is after project end "
                f"{self.project_end.isoformat()}",
            )
        if self.closeout_days < 0 or self.closeout_days > 3650:
            raise ContextError("closeout_days", "close-out days must be between 0 and 3650")
        if self.expiring_window_days < 0 or self.expiring_window_days > 3650:
            raise ContextError("expiring_window_days", "the window must be between 0 and 3650")
        if self.state is not None and self.state not in US_STATES:
            raise ContextError("state", f"{self.state!r} is not a US state code")
        for party in self.additional_insured_parties:
            if not party.strip():
                raise ContextError("additional_insured_parties", "a party name is empty")

    def __reduce__(self) -> tuple[type[VerificationContext], tuple[object, ...]]:
        return (VerificationContext, init_values(self))

    @property
    def coverage_needed_until(self) -> date | None:
        """Project end plus the close-out / punch-list period."""
        if self.project_end is None:
            return None
        return self.project_end + timedelta(days=self.closeout_days)
