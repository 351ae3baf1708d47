"""Finding subcontractors already on the network (by name, state or federal tax id) and
inviting one onto a project in one step: the invitation goes to the sub's administrator and the
sub accepts from its home page, its record judged at once.

A tax id finds a sub only by exact match, and no result ever shows one: a GC that knows a
sub's EIN finds it, a GC that does not learns nothing. A sub whose legal name reads as another
sub's is flagged, so the GC checks which company it is inviting."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Organisation, Project
from backend.errors import BadInput, DomainError
from backend.network.access import require
from backend.network.actor import Actor
from backend.network.invitation_mail import project_mail_after_commit
from backend.network.invitations import InvitationService, Issued
from backend.network.tax_ids import normalise_ein
from backend.projects.service import ProjectService
from backend.web.common import page, require_gc
from backend.web.forms import read_form, text

# Fewer letters than this match too much of the network to be a search (and would list it).
MIN_SEARCH_CHARS: Final = 2
# Results shown at once; a longer list asks for a narrower search.
MAX_RESULTS: Final = 25


@dataclass(frozen=True)
class Found:
    """One sub in the results: what a GC may see of it (never its tax id)."""

    organisation: Organisation
    engaged_on: list[str]  # numbers of the GC's projects it is already engaged on
    namesake: bool  # another sub on the network has a legal name that reads the same


async def search_subs(
    db: AsyncSession, actor: Actor, name: str, state: str, tax_id: str | None = None
) -> list[Found]:
    """Subs whose legal name contains `name` (any case), in `state` when given, holding
    exactly `tax_id` when given."""
    found, namesakes = await InvitationService(db).search_subs(name, state, tax_id, MAX_RESULTS)
    engaged = await ProjectService(db).engaged_project_numbers(actor, [o.id for o in found])
    return [Found(o, engaged.get(o.id, []), o.id in namesakes) for o in found]


async def project_trades(db: AsyncSession, actor: Actor) -> list[tuple[Project, str]]:
    return await ProjectService(db).project_trades(actor)


class NetworkSearchController(Controller):
    include_in_schema = False

    @get("/network")
    async def search(
        self,
        actor: Actor,
        db: AsyncSession,
        q: str = "",
        us_state: str = Parameter(query="state", default=""),
        tax_id: str = "",
        project: str = "",
    ) -> Template:
        require_gc(actor)
        return await _network_page(db, actor, q, us_state, project, None, None, tax_id)

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
        q, state, tax_id = text(form, "q"), text(form, "state"), text(form, "tax_id")
        project_id, _, trade = text(form, "project_trade").partition("|")
        try:
            try:
                sub_id = uuid.UUID(text(form, "sub_org_id"))
                chosen = uuid.UUID(project_id)
            except ValueError as exc:
                raise BadInput("Choose a project and trade.", field="project_trade") from exc
            project = await ProjectService(db).project(actor, chosen)
            async with db.begin_nested():
                sent = await InvitationService(db).invite_sub(
                    actor,
                    project,
                    await InvitationService(db).sub_invitee_email(sub_id),
                    trade,
                    text(form, "contract"),
                )
        except DomainError as exc:
            # The refused row keeps the contract label typed into it.
            typed = (text(form, "sub_org_id"), text(form, "contract"))
            return await _network_page(db, actor, q, state, project_id, exc, None, tax_id, typed)
        response = await _network_page(db, actor, q, state, project_id, None, sent, tax_id)
        response.background = project_mail_after_commit(
            request, actor, project, sent, settings.base_url
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
    tax_id: str = "",
    typed: tuple[str, str] = ("", ""),
) -> Template:
    name = q.strip()[:100]
    state_code = state.strip().upper()[:2]
    typed_tax_id = tax_id.strip()[:20]
    ein: str | None = None
    try:
        ein = normalise_ein(typed_tax_id)
    except DomainError as exc:
        error = error or exc
    searched = (len(name) >= MIN_SEARCH_CHARS or len(state_code) == 2 or ein is not None) and not (
        typed_tax_id and ein is None
    )
    results = await search_subs(db, actor, name, state_code, ein) if searched else []
    return await page(
        db,
        actor,
        "gc/network.html",
        q=name,
        state=state_code,
        tax_id=typed_tax_id,
        project=project,
        searched=searched,
        results=results,
        max_results=MAX_RESULTS,
        min_chars=MIN_SEARCH_CHARS,
        trades=await project_trades(db, actor),
        error=error,
        sent=sent,
        typed_sub=typed[0],
        typed_contract=typed[1],
    )
