"""The first page each role sees after signing in: a GC's portfolio dashboard, a sub's
master record, a broker's invited records."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Organisation
from backend.network.actor import Actor
from backend.network.invitations import InvitationService
from backend.notify.service import unread_notices
from backend.projects.service import ProjectService
from backend.records.service import RecordService
from backend.web.common import page
from backend.web.dashboard import PortfolioFilter
from backend.web.gc_pages import dashboard_context
from backend.web.sub_pages import HOME_NOTICES, document_states, record_page
from backend.web.sub_views import dependants

# The newest uploads listed per sub on a broker's home page; the sub's record lists them all.
BROKER_UPLOADS_SHOWN: Final = 10


async def broker_subs(db: AsyncSession, actor: Actor) -> list[Organisation]:
    return await InvitationService(db).broker_subs(actor)


class HomeController(Controller):
    include_in_schema = False

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        records: RecordService,
        projects: ProjectService,
    ) -> Template:
        if actor.is_gc:
            context = await dashboard_context(db, actor, projects, PortfolioFilter())
            return await page(db, actor, "gc/dashboard.html", **context)
        if actor.is_sub:
            return await record_page(db, actor, records, actor.organisation_id)
        subs = []
        for sub in await broker_subs(db, actor):
            documents = await records.documents(actor, sub.id)
            subs.append(
                {
                    "organisation": sub,
                    "record": await records.master_record(actor, sub.id),
                    "documents": documents,
                    # Where each upload stands: being read, needs manual entry, awaiting the
                    # sub's review, or confirmed as revision N (not the reader's bare state).
                    "states": await document_states(
                        records, actor, sub.id, documents[:BROKER_UPLOADS_SHOWN]
                    ),
                    "dependants": await dependants(db, actor, sub.id),
                }
            )
        unread, unread_total = await unread_notices(db, actor.person_id, HOME_NOTICES)
        return await page(
            db,
            actor,
            "home/broker.html",
            subs=subs,
            unread=unread,
            unread_total=unread_total,
            uploads_shown=BROKER_UPLOADS_SHOWN,
            today=date.today(),
        )
