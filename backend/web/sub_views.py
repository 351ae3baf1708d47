"""What a sub (or its invited broker) sees of the engagements that depend on its record:
who, where, the current status, what each still needs, and how far a change has reached."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Verdict
from backend.network.actor import Actor
from backend.projects.service import ProjectService
from backend.projects.sweep import latest_verdicts
from backend.requirements.vocabulary import LINE_LABEL


@dataclass
class Dependant:
    engagement_id: uuid.UUID
    gc_name: str
    project_id: uuid.UUID
    project_number: str
    project_name: str
    flowdown_required: bool
    trade: str
    tier: int
    status: str
    expires_on: date | None
    pay_hold: bool
    work_stopped: bool
    needs: list[dict[str, Any]] = field(default_factory=list)
    # Warnings neither passed nor waived: an expiry inside the GC's window is one.
    soon: list[dict[str, Any]] = field(default_factory=list)
    verdict_status: str | None = None  # for a given revision: None while still being checked


# The two line checks about when a line's continuous coverage ends: inside the GC's expiring
# window, and short of project end plus close-out. A policy ending soon fails both on the same
# date, and the page said "Soon:" twice per line for one act (send the renewal certificate).
EXPIRY_WINDOW_SUFFIX: Final = "_EXPIRY_WINDOW"
CLOSEOUT_SUFFIX: Final = "_THROUGH_CLOSEOUT"


def _ends_on(check: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(check.get("found")))
    except ValueError:
        return None


def _in_days(ends: date, today: date) -> str:
    days = (ends - today).days
    if days > 0:
        return f"in {days} day{'' if days == 1 else 's'}"
    return "today" if days == 0 else f"{-days} day{'' if days == -1 else 's'} ago"


def one_soon_per_line(warnings: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """The warnings with one per line about its end: where the expiring window fails, the
    close-out warning of the same line is folded into it and the one left says the date and
    the days left. A close-out warning alone (coverage ends after the window but before
    close-out) keeps its own sentence."""
    ending = {
        c.get("line")
        for c in warnings
        if str(c.get("code")).endswith(EXPIRY_WINDOW_SUFFIX) and _ends_on(c) is not None
    }
    shown = []
    for check in warnings:
        code, line = str(check.get("code")), check.get("line")
        if code.endswith(CLOSEOUT_SUFFIX) and line in ending:
            continue
        ends = _ends_on(check) if code.endswith(EXPIRY_WINDOW_SUFFIX) else None
        if ends is not None:
            label = LINE_LABEL.get(str(line), "The line's")
            check = {
                **check,
                "message": f"{label} coverage ends {ends.isoformat()}, {_in_days(ends, today)}: "
                "a renewal is due. Send the renewal certificate as soon as your broker issues it.",
            }
        shown.append(check)
    return shown


def open_warnings(checks: list[dict[str, Any]], today: date | None = None) -> list[dict[str, Any]]:
    """Warnings neither passed nor waived, one per line about its coverage ending."""
    return one_soon_per_line(
        [
            c
            for c in checks
            if c.get("severity") != "blocking" and c.get("outcome") in ("fail", "unknown")
        ],
        today or date.today(),
    )


def open_needs(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocking checks neither passed nor waived: what stands between the sub and approval."""
    return [
        c
        for c in checks
        if c.get("severity") == "blocking" and c.get("outcome") in ("fail", "unknown")
    ]


async def dependants(
    session: AsyncSession,
    actor: Actor,
    sub_org_id: uuid.UUID,
    revision_id: uuid.UUID | None = None,
) -> list[Dependant]:
    """Active engagements of the sub the actor may see. With `revision_id`, each carries the
    status of its verdict on that revision (None until the fan-out has reached it)."""
    projects = ProjectService(session)
    rows = await projects.engagements_of_sub(actor, sub_org_id)
    ids = [e.id for e, _, _ in rows]
    latest: dict[uuid.UUID, Verdict] = {}
    on_revision: dict[uuid.UUID, str] = {}
    if ids:
        latest = {e: found[0] for e, found in (await latest_verdicts(session, ids)).items()}
        if revision_id is not None:
            on_revision = await projects.statuses_on_revision(actor, ids, revision_id)
    result = []
    for engagement, project, gc_name in rows:
        verdict = latest.get(engagement.id)
        result.append(
            Dependant(
                engagement_id=engagement.id,
                gc_name=gc_name,
                project_id=project.id,
                project_number=project.number,
                project_name=project.name,
                flowdown_required=project.flowdown_required,
                trade=engagement.contract_label,
                tier=2 if engagement.parent_engagement_id else 1,
                status=engagement.status,
                expires_on=engagement.expires_on,
                pay_hold=engagement.pay_hold,
                work_stopped=engagement.work_stopped,
                needs=open_needs(list(verdict.checks)) if verdict else [],
                soon=open_warnings(list(verdict.checks)) if verdict else [],
                verdict_status=on_revision.get(engagement.id),
            )
        )
    return result


def reach_counts(items: list[Dependant]) -> tuple[int, int]:
    """(GCs, projects) a change fans out to."""
    return len({d.gc_name for d in items}), len({d.project_id for d in items})
