"""The first page each role sees after signing in, built from real rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, get
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation, Organisation
from backend.network.access import active_broker_grant
from backend.network.actor import Actor
from backend.projects.service import ProjectService
from backend.records.service import RecordService


async def _broker_subs(db: AsyncSession, actor: Actor) -> list[Organisation]:
    query = (
        select(Organisation)
        .where(Organisation.kind == "subcontractor", active_broker_grant(actor, Organisation.id))
        .order_by(Organisation.legal_name)
    )
    return list((await db.execute(query)).scalars())


class HomeController(Controller):
    @get("/", include_in_schema=False)
    async def home(
        self, actor: Actor, db: AsyncSession, records: RecordService, projects: ProjectService
    ) -> Template:
        today = date.today()
        organisation = await db.get(Organisation, actor.organisation_id)
        context: dict[str, Any] = {"actor": actor, "organisation": organisation, "today": today}
        if actor.is_gc:
            rows = await projects.engagements(actor, today)
            context["engagements"] = rows
            context["counts"] = {
                s: sum(1 for r in rows if r.status == s) for s in {r.status for r in rows}
            }
            return Template(template_name="home/gc.html", context=context)
        if actor.is_sub:
            context["record"] = await records.master_record(actor, actor.organisation_id)
            context["engagements"] = await projects.engagements(actor, today)
            context["documents"] = await records.documents(actor, actor.organisation_id)
            invitations = await db.execute(
                select(Invitation)
                .where(
                    Invitation.issuer_org_id == actor.organisation_id,
                    Invitation.kind == "broker_access",
                )
                .order_by(Invitation.created_at.desc())
            )
            context["invitations"] = list(invitations.scalars())
            return Template(template_name="home/sub.html", context=context)
        subs = await _broker_subs(db, actor)
        context["subs"] = [
            {
                "organisation": sub,
                "record": await records.master_record(actor, sub.id),
                "engagements": await projects.engagements(actor, today),
            }
            for sub in subs
        ]
        return Template(template_name="home/broker.html", context=context)
