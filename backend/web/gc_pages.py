"""The GC contract admin's pages: portfolio dashboard (and its CSV), projects, project page
with its engagement tree and invitations."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Final
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Invitation, Project
from backend.errors import DomainError
from backend.network.access import require
from backend.network.actor import Actor
from backend.network.company import CompanyService
from backend.network.invitation_mail import project_mail_after_commit
from backend.network.invitations import PROJECT_KINDS, InvitationService, Issued
from backend.projects import requirement_sets
from backend.projects.schemas import EngagementRow, ProjectInput
from backend.projects.service import ProjectService, TradeMapping
from backend.projects.sweep import COMPLETED_OPERATIONS_ASK
from backend.requirements.model import TIERS
from backend.requirements.templates import TIER_TRADES
from backend.web.common import fragment, is_htmx, page, require_gc
from backend.web.dashboard import (
    WINDOWS,
    PortfolioFilter,
    csv_filename,
    phase_rows_html,
    portfolio,
    portfolio_csv,
    row_extras,
    rows_html,
    split_by_phase,
    status_counts,
)
from backend.web.forms import read_form, required_date, text, typed_values, whole_number

TRADE_ROWS = 3


def gc_portfolio_filter(
    actor: Actor,
    project: str | None = None,
    status: str | None = None,
    window: str | None = None,
    sort: str | None = None,
    order: str | None = None,
    phase: str | None = None,
) -> PortfolioFilter:
    """The dashboard's filter from its query string, read once for the page and its CSV; a
    GC's page, so anyone else is refused before the filter is judged."""
    require_gc(actor)
    return PortfolioFilter.parse(project, status, window, sort, order, phase)


# The page and its CSV take the same filter, as `chosen`.
PORTFOLIO_FILTER: Final = {"chosen": Provide(gc_portfolio_filter, sync_to_thread=False)}


async def dashboard_context(
    db: AsyncSession, actor: Actor, projects: ProjectService, chosen: PortfolioFilter
) -> dict[str, Any]:
    today = date.today()
    rows = await portfolio(db, actor, today, chosen)
    # Engagements in their completed-operations phase are shown apart, below the work's.
    work_rows, phase_rows = split_by_phase(rows)
    return {
        "rows": work_rows,
        "rows_html": rows_html(work_rows),
        "phase_rows": phase_rows,
        "phase_rows_html": phase_rows_html(phase_rows),
        "completed_operations_ask": COMPLETED_OPERATIONS_ASK,
        "counts": status_counts(rows),
        "chosen": chosen,
        "projects": await projects.projects(actor),
        "windows": WINDOWS,
        "today": today,
    }


class GcPagesController(Controller):
    include_in_schema = False

    @get("/dashboard", dependencies=PORTFOLIO_FILTER)
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
        settings: Settings,
        chosen: PortfolioFilter,
    ) -> Template:
        context = await dashboard_context(db, actor, projects, chosen)
        if is_htmx(request):
            return fragment("gc/_portfolio.html", actor, **context)
        return await page(
            db,
            actor,
            "gc/dashboard.html",
            refresh_seconds=settings.dashboard_refresh_seconds,
            **context,
        )

    @get("/dashboard.csv", dependencies=PORTFOLIO_FILTER)
    async def dashboard_csv(
        self, actor: Actor, db: AsyncSession, chosen: PortfolioFilter
    ) -> Response[str]:
        today = date.today()
        rows = await portfolio(db, actor, today, chosen)
        organisation = await CompanyService(db).own(actor)
        name = csv_filename(organisation.legal_name, today)
        return Response(
            portfolio_csv(rows, await row_extras(db, actor, [r.engagement_id for r in rows])),
            media_type="text/csv",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    @get("/projects")
    async def project_list(
        self, actor: Actor, db: AsyncSession, projects: ProjectService
    ) -> Template:
        require_gc(actor)
        return await self._projects_page(db, actor, projects, {}, None)

    async def _projects_page(
        self,
        db: AsyncSession,
        actor: Actor,
        projects: ProjectService,
        values: dict[str, Any],
        error: DomainError | None,
    ) -> Template:
        return await page(
            db,
            actor,
            "gc/projects.html",
            projects=await projects.projects(actor),
            sets=await requirement_sets.sets_of(db, actor),
            tiers=TIERS,
            tier_trades=TIER_TRADES,
            trade_rows=range(1, TRADE_ROWS + 1),
            values=values,
            error=error,
        )

    @post("/projects")
    async def create_project(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
    ) -> Response[Any]:
        require_gc(actor)
        form = await read_form(request)
        values = {k: v[-1] for k, v in typed_values(form).items()}
        try:
            async with db.begin_nested():
                project = await self._create(actor, projects, form)
        except DomainError as exc:
            return await self._projects_page(db, actor, projects, values, exc)
        return Redirect(path=f"/projects/{project.id}")

    async def _create(
        self, actor: Actor, projects: ProjectService, form: dict[str, list[str]]
    ) -> Project:
        data = ProjectInput(
            number=text(form, "number"),
            name=text(form, "name"),
            state=text(form, "state"),
            start_date=required_date(form, "start_date", "Start date"),
            end_date=required_date(form, "end_date", "End date"),
            closeout_days=whole_number(form, "closeout_days", "Close-out days", 30),
            certificate_holder=text(form, "certificate_holder"),
            additional_insureds=[
                line.strip()
                for line in text(form, "additional_insureds").splitlines()
                if line.strip()
            ],
            flowdown_required=text(form, "flowdown_required") == "on",
        )
        trades = [
            TradeMapping(text(form, f"trade_{row}"), text(form, f"set_{row}"))
            for row in range(1, TRADE_ROWS + 1)
        ]
        return await projects.create_project_with_trades(actor, data, trades)

    @get("/projects/{project_id:uuid}")
    async def project_page(
        self,
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
        settings: Settings,
        project_id: uuid.UUID,
        trade_added: str = "",
        new_trade: str = "",
    ) -> Template:
        require_gc(actor)
        # new_trade: the trade a refused CSV row named, filled into the add-a-trade form.
        response = await self._project_page(
            db, actor, projects, project_id, None, None, typed={"new_trade": new_trade[:80]}
        )
        response.context["trade_added"] = trade_added[:80]
        return response

    async def _project_page(
        self,
        db: AsyncSession,
        actor: Actor,
        projects: ProjectService,
        project_id: uuid.UUID,
        sent: Issued | None,
        error: DomainError | None,
        typed_address: bool = True,
        typed: dict[str, str] | None = None,
        trade_error: DomainError | None = None,
    ) -> Template:
        project = await projects.project(actor, project_id)
        rows = await projects.engagements(actor, date.today(), project_id)
        trades = await projects.trade_requirements(actor, project.id)
        latest_sets = await requirement_sets.sets_of(db, actor)
        latest = {s.requirement_set.id: s.latest for s in latest_sets}
        sent_invitations = InvitationService(db)
        invitations = await sent_invitations.issued(actor, PROJECT_KINDS, project.id)
        return await page(
            db,
            actor,
            "gc/project.html",
            project=project,
            tree=engagement_tree(rows),
            count=len(rows),
            trades=[(t, s, latest.get(s.id)) for t, s in trades],
            # The choices a new trade's requirements come from, as on the new-project form.
            sets=list(latest_sets),
            tiers=TIERS,
            tier_trades=TIER_TRADES,
            trade_error=trade_error,
            invitations=invitations,
            states=await sent_invitations.states(invitations),
            invitee_names=await _invitee_names(db, invitations),
            sent=sent,
            # A link sent again may go to an address network search filled in, not the GC.
            sent_to=sent.invitation.email if sent and typed_address else None,
            error=error,
            # What the GC typed into the invitation form, shown again when it was refused.
            typed=typed or {},
        )

    @post("/projects/{project_id:uuid}/trades")
    async def add_trade(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
        project_id: uuid.UUID,
    ) -> Response[Any]:
        """One more trade on the project, held to the requirements chosen: a sub can then be
        invited onto it (a refused CSV row "not one of the project's trades" points here)."""
        require_gc(actor)
        form = await read_form(request)
        mapping = TradeMapping(text(form, "trade_1"), text(form, "set_1"))
        try:
            async with db.begin_nested():
                added = await projects.add_trade(actor, project_id, mapping)
        except DomainError as exc:
            response = await self._project_page(
                db,
                actor,
                projects,
                project_id,
                None,
                None,
                typed={"new_trade": mapping.trade[:200], "new_set": mapping.requirements[:200]},
                trade_error=exc,
            )
            response.status_code = exc.status_code
            return response
        return Redirect(path=f"/projects/{project_id}?trade_added={quote(added.trade)}#trades")

    @post("/projects/{project_id:uuid}/invitations")
    async def invite(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
        settings: Settings,
        project_id: uuid.UUID,
    ) -> Template:
        require_gc(actor)
        require(actor, "project.write")
        form = await read_form(request)
        project = await projects.project(actor, project_id)
        try:
            async with db.begin_nested():
                sent = await InvitationService(db).invite_sub(
                    actor,
                    project,
                    text(form, "email"),
                    text(form, "trade"),
                    text(form, "contract"),
                )
        except DomainError as exc:
            typed = {name: text(form, name) for name in ("email", "trade", "contract")}
            return await self._project_page(db, actor, projects, project_id, None, exc, typed=typed)
        response = await self._project_page(db, actor, projects, project_id, sent, None)
        response.background = project_mail_after_commit(
            request, actor, project, sent, settings.base_url
        )
        return response

    @post("/projects/{project_id:uuid}/invitations/{invitation_id:uuid}/resend")
    async def resend(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
        settings: Settings,
        project_id: uuid.UUID,
        invitation_id: uuid.UUID,
    ) -> Template:
        """A fresh link for a project invitation not accepted yet: the old link stops."""
        require_gc(actor)
        project = await projects.project(actor, project_id)
        try:
            async with db.begin_nested():
                sent = await InvitationService(db).resend(
                    actor, invitation_id, PROJECT_KINDS, project_id=project.id
                )
        except DomainError as exc:
            return await self._project_page(db, actor, projects, project_id, None, exc)
        response = await self._project_page(
            db, actor, projects, project_id, sent, None, typed_address=False
        )
        response.background = project_mail_after_commit(
            request, actor, project, sent, settings.base_url
        )
        return response


def engagement_tree(rows: list[EngagementRow]) -> list[tuple[EngagementRow, list[EngagementRow]]]:
    children: dict[uuid.UUID, list[EngagementRow]] = {}
    for row in rows:
        if row.parent_engagement_id is not None:
            children.setdefault(row.parent_engagement_id, []).append(row)
    return [(row, children.get(row.id, [])) for row in rows if row.parent_engagement_id is None]


async def _invitee_names(db: AsyncSession, invitations: list[Invitation]) -> dict[uuid.UUID, str]:
    """Invitations to a sub already on the network are listed by its company name: the
    address may be one the GC never typed (network search fills in the sub's administrator),
    and a member's address is that sub's to give, not the GC's to collect."""
    ids = {i.invitee_org_id for i in invitations if i.invitee_org_id is not None}
    return await InvitationService(db).organisation_names(ids)
