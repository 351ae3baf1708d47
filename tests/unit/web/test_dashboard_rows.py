"""Portfolio filters, sorting, CSV and row HTML: pure functions, no database."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import pytest

from backend.errors import BadInput
from backend.web.dashboard import (
    CSV_COLUMNS,
    PortfolioFilter,
    PortfolioRow,
    csv_filename,
    phase_rows_html,
    portfolio_csv,
    rows_html,
    sort_rows,
    split_by_phase,
    status_counts,
)

TODAY = date(2026, 6, 1)


def row(sub: str, status: str, days: int | None, project: str = "P-1") -> PortfolioRow:
    return PortfolioRow(
        engagement_id=uuid.uuid4(),
        project_id=uuid.uuid4(),
        project_number=project,
        project_name="Harbor",
        sub_org_id=uuid.uuid4(),
        sub_name=sub,
        trade="Drywall",
        tier=1,
        status=status,
        expires_on=TODAY + timedelta(days=days) if days is not None else None,
        days_to_expiry=days,
        pay_hold=False,
        work_stopped=False,
    )


def test_status_sort_puts_the_worst_and_soonest_first() -> None:
    rows = [row("A", "compliant", 200), row("B", "expired", -3), row("C", "expiring", 10)]
    assert [r.sub_name for r in sort_rows(rows, "status", False)] == ["B", "C", "A"]
    assert [r.sub_name for r in sort_rows(rows, "status", True)] == ["A", "C", "B"]


def test_expiry_sort_puts_rows_without_a_date_last() -> None:
    rows = [row("A", "pending", None), row("B", "compliant", 40), row("C", "compliant", 5)]
    assert [r.sub_name for r in sort_rows(rows, "expires", False)] == ["C", "B", "A"]


def test_counts_by_colour_cover_every_status() -> None:
    rows = [
        row("A", s, 10)
        for s in ("compliant", "expiring", "expired", "non_compliant", "pending", "incomplete")
    ]
    assert status_counts(rows) == {"green": 1, "yellow": 1, "red": 2, "grey": 2}


@pytest.mark.parametrize(
    ("project", "status", "window"),
    [
        ("not-a-uuid", None, None),
        (None, "purple", None),
        (None, None, "soon"),
        (None, None, "99999"),
    ],
)
def test_filters_refuse_bad_values(
    project: str | None, status: str | None, window: str | None
) -> None:
    with pytest.raises(BadInput):
        PortfolioFilter.parse(project, status, window, None, None)


def test_filter_round_trips_through_its_query_string() -> None:
    project = uuid.uuid4()
    chosen = PortfolioFilter.parse(str(project), "red", "30", "expires", "desc")
    assert (
        chosen.query_string() == f"project={project}&status=red&window=30&sort=expires&order=desc"
    )
    assert "sort=sub&order=asc" in chosen.query_string(sort="sub", order="asc")
    assert PortfolioFilter.parse(None, None, None, "nonsense", None).sort == "status"


def test_csv_has_a_header_and_neutralises_formulas() -> None:
    text = portfolio_csv([row("=HYPERLINK(1)", "expired", -2), row("Plain LLC", "compliant", 90)])
    lines = list(csv.reader(io.StringIO(text)))
    assert tuple(lines[0]) == CSV_COLUMNS
    assert lines[1][2] == "'=HYPERLINK(1)"
    assert lines[1][5:9] == ["expired", "red", (TODAY - timedelta(days=2)).isoformat(), "-2"]
    assert lines[2][2] == "Plain LLC"


def test_csv_filename_follows_the_naming_convention() -> None:
    assert (
        csv_filename("Harbor Point Builders, LLC", TODAY)
        == "PORTFOLIO_HARBOR-POINT-BUILDERS-LLC_2026-06-01.csv"
    )


def test_row_html_escapes_every_value_and_keeps_the_status_word() -> None:
    html = str(rows_html([row("<script>alert(1)</script> & Co", "non_compliant", 3)]))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert 'data-status="non_compliant"' in html
    assert '<span class="badge c-red">Non-compliant</span>' in html


def test_engagements_in_completed_operations_are_listed_apart_with_their_last_day() -> None:
    work = row("Work & Co", "compliant", 40)
    done = row("Finished", "compliant", 40)
    after = row("<Closed> LLC", "non_compliant", 12)
    done = PortfolioRow(**{**_fields(done), "phase": "finished"})
    after = PortfolioRow(
        **{**_fields(after), "phase": "completed_operations", "asked_until": date(2029, 3, 1)}
    )
    kept, apart = split_by_phase([work, after, done])
    assert kept == [work, done] and apart == [after]
    html = str(phase_rows_html(apart))
    assert "&lt;Closed&gt; LLC" in html and "<Closed>" not in html
    assert "2029-03-01" in html and 'data-phase="completed_operations"' in html
    assert "2029-03-01" not in str(rows_html(kept))


def _fields(portfolio_row: PortfolioRow) -> dict[str, object]:
    return {name: getattr(portfolio_row, name) for name in PortfolioRow.__slots__}
