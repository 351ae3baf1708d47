from __future__ import annotations

from datetime import date

import pytest

from backend.verification.context import ContextError, VerificationContext


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"project_start": date(2026, 6, 1), "project_end": date(2026, 1, 1)}, "project_end"),
        ({"work_start": date(2027, 6, 1), "project_end": date(2027, 1, 1)}, "work_start"),
        ({"closeout_days": -1}, "closeout_days"),
        ({"expiring_window_days": -5}, "expiring_window_days"),
        ({"state": "Ohio"}, "state"),
        ({"additional_insured_parties": ("GC LLC", " ")}, "additional_insured_parties"),
    ],
)
def test_a_self_contradicting_context_is_refused_naming_the_field(
    values: dict[str, object], field: str
) -> None:
    with pytest.raises(ContextError) as refused:
        VerificationContext(**values)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ")


def test_coverage_is_needed_through_end_plus_closeout() -> None:
    context = VerificationContext(project_end=date(2027, 1, 31), closeout_days=30)
    assert context.coverage_needed_until == date(2027, 3, 2)
    assert VerificationContext().coverage_needed_until is None
