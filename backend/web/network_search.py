"""Finding subcontractors already on the network (by name and state) and inviting one onto a
project in one step: the invitation goes to the sub's administrator and the sub accepts from
its home page, its record judged at once."""

from __future__ import annotations

import uuid
from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Engagement, Membership, Organisation, Person, Project, ProjectTrade
from backend.errors import BadInput, DomainError, NotFound
from backend.network.access import require
from backend.network.actor import Actor
from backend.network.invitations import InvitationService, Issued
from backend.web.common import page, require_gc
from backend.web.forms import read_form, text
from backend.web.invitation_mail import mail_after_commit

# Fewer letters than this match too much of the network to be a search (and would list it).
MIN_SEARCH_CHARS: Final = 2
# Results shown at once; a longer list asks for a narrower search.
MAX_RESULTS: Final = 25
# The member who receives a network sub's invitation: its administrator, else its bookkeeper.
INVITEE_ROLES: Final = ("sub_admin", "sub_bookkeeper")


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_subs(
    db: AsyncSession, actor: Actor, name: str, state: str
) -> list[tuple[Organisation, list[str]]]:
    """Subs whose legal name contains `name` (any case), in `state` when given, each with the
    numbers of the actor's projects it is already engaged on."""
    query = select(Organisation).where(Organisation.kind == "subcontractor")
    if name:
        query = query.where(Organisation.legal_name.ilike(_like(name), escape="\\"))
    if state:
        query = query.where(Organisation.state == state)
    found = list(
        (await db.execute(query.order_by(Organisation.legal_name).limit(MAX_RESULTS))).scalars()
    )
    engaged: dict[uuid.UUID, list[str]] = {}
    if found:
        rows = await db.execute(
            select(Engagement.sub_org_id, Project.number)
            .join(Project, Project.id == Engagement.project_id)
            .where(
                Engagement.gc_org_id == actor.organisation_id,
                Engagement.sub_org_id.in_([o.id for o in found]),
                Engagement.active.is_(True),
            )
        )
        for sub_id, number in rows.all():
            engaged.setdefault(sub_id, []).append(number)
    return [(o, sorted(engaged.get(o.id, []))) for o in found]


async def project_trades(db: AsyncSession, actor: Actor) -> list[tuple[Project, str]]:
    query = (
        select(Project, ProjectTrade.trade)
        .join(ProjectTrade, ProjectTrade.project_id == Project.id)
        .where(Project.gc_org_id == actor.organisation_id)
        .order_by(Project.number, ProjectTrade.trade)
    )
    return [(p, t) for p, t in (await db.execute(query)).all()]


async def invitee_email(db: AsyncSession, sub_org_id: uuid.UUID) -> str:
    query = (
        select(Person.email)
        .join(Membership, Membership.person_id == Person.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.organisation_id == sub_org_id,
            Organisation.kind == "subcontractor",
            Membership.role.in_(INVITEE_ROLES),
        )
        .order_by(Membership.role != "sub_admin", Membership.created_at)
        .limit(1)
    )
    email = (await db.execute(query)).scalar_one_or_none()
    if email is None:
        raise NotFound("No such subcontractor on the network, or it has no administrator yet.")
    return str(email)


class NetworkSearchController(Controller):
    include_in_schema = False

    @get("/network")
    async def search(
        self,
        actor: Actor,
        db: AsyncSession,
        q: str = "",
        us_state: str = Parameter(query="state", default=""),
        project: str = "",
    ) -> Template:
        require_gc(actor)
        return await _network_page(db, actor, q, us_state, project, None, None)

    @post("/network/engage")
    async def engage(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
    ) -> Template:
        """Invite a sub found on the network onto a project's trade in one step."""
        require_gc(actor)
        require(actor, "project.write")
        form = await read_form(request)
        q, state = text(form, "q"), text(form, "state")
        project_id, _, trade = text(form, "project_trade").partition("|")
        try:
            try:
                sub_id = uuid.UUID(text(form, "sub_org_id"))
                chosen = uuid.UUID(project_id)
            except ValueError as exc:
                raise BadInput("Choose a project and trade.", field="project_trade") from exc
            project = (
                await db.execute(
                    select(Project).where(
                        Project.id == chosen, Project.gc_org_id == actor.organisation_id
                    )
                )
            ).scalar_one_or_none()
            if project is None:
                raise NotFound("No such project in your organisation.")
            async with db.begin_nested():
                sent = await InvitationService(db).invite_sub(
                    actor, project, await invitee_email(db, sub_id), trade
                )
        except DomainError as exc:
            return await _network_page(db, actor, q, state, project_id, exc, None)
        response = await _network_page(db, actor, q, state, project_id, None, sent)
        response.background = mail_after_commit(
            request,
            sent.invitation.email,
            actor,
            f"to work on {project.name} ({project.number}) as {sent.invitation.trade}",
            sent.link(settings.base_url),
        )
        return response


async def _network_page(
    db: AsyncSession,
    actor: Actor,
    q: str,
    state: str,
    project: str,
    error: DomainError | None,
    sent: Issued | None,
) -> Template:
    name = q.strip()[:100]
    state_code = state.strip().upper()[:2]
    searched = len(name) >= MIN_SEARCH_CHARS or len(state_code) == 2
    results = await search_subs(db, actor, name, state_code) if searched else []
    return await page(
        db,
        actor,
        "gc/network.html",
        status_code=error.status_code if error else 200,
        q=name,
        state=state_code,
        project=project,
        searched=searched,
        results=results,
        max_results=MAX_RESULTS,
        min_chars=MIN_SEARCH_CHARS,
        trades=await project_trades(db, actor),
        error=error,
        sent=sent,
    )
