"""The GC's portfolio: every engagement (project x sub) with its colour and days to expiry,
filtered, sorted and exported. One scoped query of plain columns keeps it fast."""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Final

from markupsafe import Markup, escape
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models.vocab import ENGAGEMENT_PHASES, ENGAGEMENT_STATUSES
from backend.errors import BadInput
from backend.network.actor import Actor
from backend.projects.service import ProjectService
from backend.projects.sweep import latest_verdicts
from backend.verification.plan import COMPLETED_OPERATIONS
from backend.web.common import COLOUR_OF_STATUS, STATUS_LABEL

SORT_KEYS: Final = ("project", "sub", "status", "expires")
# Worst first when sorting by status: what needs attention comes to the top.
STATUS_ORDER: Final = {
    "expired": 0,
    "non_compliant": 1,
    "incomplete": 2,
    "expiring": 3,
    "pending": 4,
    "compliant": 5,
}
COLOURS: Final = ("green", "yellow", "red", "grey")
WINDOWS: Final = (7, 30, 60, 90)


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    engagement_id: uuid.UUID
    project_id: uuid.UUID
    project_number: str
    project_name: str
    sub_org_id: uuid.UUID
    sub_name: str
    trade: str
    tier: int
    status: str
    expires_on: date | None
    days_to_expiry: int | None
    pay_hold: bool
    work_stopped: bool
    phase: str = "ongoing"
    # The last day completed-operations cover is asked for (None: the set asks for none).
    asked_until: date | None = None

    @property
    def in_completed_operations(self) -> bool:
        return self.phase == COMPLETED_OPERATIONS

    @property
    def colour(self) -> str:
        return COLOUR_OF_STATUS.get(self.status, "grey")

    @property
    def label(self) -> str:
        return STATUS_LABEL.get(self.status, self.status)

    # In words when no coverage is on record yet: a dash read as a value nobody could explain.
    @property
    def days_text(self) -> str:
        return "not known" if self.days_to_expiry is None else str(self.days_to_expiry)

    @property
    def expires_text(self) -> str:
        return self.expires_on.isoformat() if self.expires_on else "none on record"


@dataclass(frozen=True, slots=True)
class PortfolioFilter:
    project_id: uuid.UUID | None = None
    status: str = ""  # a status or a colour
    window_days: int | None = None  # expiring within this many days (or already expired)
    sort: str = "status"
    descending: bool = False
    # "" for every engagement, else one phase: the work, or the completed-operations years
    # after close-out (shown apart: they ask only for general liability renewals).
    phase: str = ""

    @classmethod
    def parse(
        cls,
        project: str | None,
        status: str | None,
        window: str | None,
        sort: str | None,
        order: str | None,
        phase: str | None = None,
    ) -> PortfolioFilter:
        project_id = None
        if project:
            try:
                project_id = uuid.UUID(project)
            except ValueError as exc:
                raise BadInput("Choose a project from the list.", field="project") from exc
        status = (status or "").strip()
        if status and status not in ENGAGEMENT_STATUSES and status not in COLOURS:
            raise BadInput(f"Unknown status {status!r}.", field="status")
        window_days = None
        if window:
            if not window.isdigit() or not 0 <= int(window) <= 3650:
                raise BadInput("The expiry window is a number of days.", field="window")
            window_days = int(window)
        sort = sort if sort in SORT_KEYS else "status"
        phase = (phase or "").strip()
        if phase and phase not in ENGAGEMENT_PHASES:
            raise BadInput(f"Unknown phase {phase[:40]!r}.", field="phase")
        return cls(project_id, status, window_days, sort, order == "desc", phase)

    def query_string(self, **changes: str) -> str:
        values = {
            "project": str(self.project_id) if self.project_id else "",
            "status": self.status,
            "window": str(self.window_days) if self.window_days is not None else "",
            "sort": self.sort,
            "order": "desc" if self.descending else "asc",
            "phase": self.phase,
        }
        values.update(changes)
        return "&".join(f"{k}={v}" for k, v in values.items() if v)


async def portfolio(
    session: AsyncSession, actor: Actor, today: date, chosen: PortfolioFilter
) -> list[PortfolioRow]:
    statuses: list[str] | None = None
    if chosen.status in ENGAGEMENT_STATUSES:
        statuses = [chosen.status]
    elif chosen.status in COLOURS:
        statuses = [s for s, c in COLOUR_OF_STATUS.items() if c == chosen.status]
    found = await ProjectService(session).portfolio_rows(actor, chosen.project_id, statuses)
    rows = []
    for r in found:
        if chosen.phase and r[12] != chosen.phase:
            continue
        days = (r[9] - today).days if r[9] is not None else None
        if chosen.window_days is not None and (days is None or days > chosen.window_days):
            continue
        rows.append(
            PortfolioRow(
                engagement_id=r[0],
                project_id=r[1],
                project_number=r[2],
                project_name=r[3],
                sub_org_id=r[4],
                sub_name=r[5],
                trade=r[6],
                tier=2 if r[7] else 1,
                status=r[8],
                expires_on=r[9],
                days_to_expiry=days,
                pay_hold=r[10],
                work_stopped=r[11],
                phase=r[12],
                asked_until=r[13],
            )
        )
    return sort_rows(rows, chosen.sort, chosen.descending)


def sort_rows(rows: list[PortfolioRow], key: str, descending: bool) -> list[PortfolioRow]:
    never = 10**6  # no expiry date sorts last
    keys = {
        "project": lambda r: (r.project_number, r.sub_name.lower()),
        "sub": lambda r: (r.sub_name.lower(), r.project_number),
        "status": lambda r: (
            STATUS_ORDER.get(r.status, 9),
            r.days_to_expiry if r.days_to_expiry is not None else never,
            r.sub_name.lower(),
        ),
        "expires": lambda r: (
            r.days_to_expiry if r.days_to_expiry is not None else never,
            r.sub_name.lower(),
        ),
    }
    return sorted(rows, key=keys[key], reverse=descending)


_ROW = (
    '<tr data-status="{status}"><td><a href="/projects/{project_id}">{project_number}</a> '
    '{project_name}</td><td><a href="/engagements/{engagement_id}">{sub_name}</a></td>'
    '<td>{trade}</td><td>{tier}</td><td><span class="badge c-{colour}">{label}</span>{flags}'
    '</td><td class="num">{days}</td><td>{expires}</td></tr>\n'
)
_PAY_HOLD = ' <span class="flag">Pay hold</span>'
_WORK_STOPPED = ' <span class="flag">Work stopped</span>'
_COMPLETED_OPERATIONS = ' <span class="flag">Completed operations</span>'


def split_by_phase(rows: list[PortfolioRow]) -> tuple[list[PortfolioRow], list[PortfolioRow]]:
    """(engagements of the work, and finished ones; engagements in their completed-operations
    phase), each in the order given. The dashboard shows the second apart: after close-out
    only general liability with completed-operations AI and the products-completed operations
    aggregate is asked, renewal after renewal, until the phase's last day."""
    work: list[PortfolioRow] = []
    after: list[PortfolioRow] = []
    for row in rows:
        (after if row.in_completed_operations else work).append(row)
    return work, after


_PHASE_ROW = (
    '<tr data-status="{status}" data-phase="completed_operations"><td><a '
    'href="/projects/{project_id}">{project_number}</a> {project_name}</td><td><a '
    'href="/engagements/{engagement_id}">{sub_name}</a></td><td>{trade}</td><td><span '
    'class="badge c-{colour}">{label}</span>{flags}</td><td class="num">{days}</td>'
    "<td>{expires}</td><td>{until}</td></tr>\n"
)


def _row_values(r: PortfolioRow) -> dict[str, object]:
    """The values both tables show of a row, escaped exactly as Jinja would."""
    return {
        "status": escape(r.status),
        "project_id": r.project_id,
        "project_number": escape(r.project_number),
        "project_name": escape(r.project_name),
        "engagement_id": r.engagement_id,
        "sub_name": escape(r.sub_name),
        "trade": escape(r.trade),
        "colour": r.colour,
        "label": escape(r.label),
        "flags": (_PAY_HOLD if r.pay_hold else "") + (_WORK_STOPPED if r.work_stopped else ""),
        "days": r.days_text,
        "expires": r.expires_text,
    }


def phase_rows_html(rows: list[PortfolioRow]) -> Markup:
    """The completed-operations table body: what the engagement asks, the general liability's
    expiry (the engagement's, in this phase) and until when it is asked."""
    parts = [
        _PHASE_ROW.format(
            **_row_values(r),
            until=r.asked_until.isoformat() if r.asked_until else "not known",
        )
        for r in rows
    ]
    return Markup("".join(parts))  # noqa: S704 - built from escaped values above


def rows_html(rows: list[PortfolioRow]) -> Markup:
    """The table body. The dashboard is the busiest page and a template loop over hundreds of
    rows costs several times this; every value is escaped here exactly as Jinja would."""
    parts = []
    for r in rows:
        values = _row_values(r)
        if r.in_completed_operations:
            values["flags"] = f"{values['flags']}{_COMPLETED_OPERATIONS}"
        parts.append(_ROW.format(**values, tier=r.tier))
    return Markup("".join(parts))  # noqa: S704 - built from escaped values above


def status_counts(rows: list[PortfolioRow]) -> dict[str, int]:
    counts = dict.fromkeys(COLOURS, 0)
    for row in rows:
        counts[row.colour] += 1
    return counts


CSV_COLUMNS: Final = (
    "project_number",
    "project_name",
    "subcontractor",
    "trade",
    "tier",
    "status",
    "colour",
    "expires_on",
    "days_to_expiry",
    "pay_hold",
    "work_stopped",
    "open_deficiencies",
    "last_decision",
)


@dataclass(frozen=True)
class RowExtras:
    """What a CSV row says beyond the dashboard: why it is deficient, what was decided."""

    deficiencies: tuple[str, ...] = ()
    decision: str = ""


def portfolio_csv(
    rows: list[PortfolioRow], extras: dict[uuid.UUID, RowExtras] | None = None
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        extra = (extras or {}).get(r.engagement_id, RowExtras())
        writer.writerow(
            [
                r.project_number,
                r.project_name,
                _safe_cell(r.sub_name),
                _safe_cell(r.trade),
                r.tier,
                r.status,
                r.colour,
                r.expires_on.isoformat() if r.expires_on else "",
                "" if r.days_to_expiry is None else r.days_to_expiry,
                "yes" if r.pay_hold else "no",
                "yes" if r.work_stopped else "no",
                _safe_cell("; ".join(extra.deficiencies)),
                _safe_cell(extra.decision),
            ]
        )
    return buffer.getvalue()


async def row_extras(
    session: AsyncSession, actor: Actor, engagement_ids: list[uuid.UUID]
) -> dict[uuid.UUID, RowExtras]:
    """Each engagement's open blocking checks (their messages) and its latest decision."""
    if not engagement_ids:
        return {}
    verdicts = await latest_verdicts(session, engagement_ids)
    decided = {
        row.engagement_id: (
            f"{row.kind.replace('_', ' ')} {row.created_at.date().isoformat()}"
            + (f": {row.reason}" if row.reason else "")
        )
        for row in await ProjectService(session).latest_decisions(actor, engagement_ids)
    }
    found: dict[uuid.UUID, RowExtras] = {}
    for engagement_id in engagement_ids:
        verdict = verdicts.get(engagement_id)
        checks = list(verdict[0].checks) if verdict else []
        open_checks = tuple(
            str(c.get("message") or c.get("code"))
            for c in checks
            if c.get("severity") == "blocking" and c.get("outcome") in ("fail", "unknown")
        )
        found[engagement_id] = RowExtras(open_checks, decided.get(engagement_id, ""))
    return found


def _safe_cell(text: str) -> str:
    # A cell starting with = + - @ would run as a formula when the file is opened in a
    # spreadsheet; a leading apostrophe keeps it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_filename(gc_name: str, today: date) -> str:
    slug = re.sub(r"[^A-Z0-9]+", "-", gc_name.upper()).strip("-")[:40] or "GC"
    return f"PORTFOLIO_{slug}_{today.isoformat()}.csv"
