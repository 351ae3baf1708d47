"""What a sub (or its invited broker) sees of the engagements that depend on its record:
who, where, the current status, what each still needs, and how far a change has reached."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Verdict
from backend.network.actor import Actor
from backend.projects.service import ProjectService
from backend.projects.sweep import latest_verdicts


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


def open_warnings(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        c
        for c in checks
        if c.get("severity") != "blocking" and c.get("outcome") in ("fail", "unknown")
    ]


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
