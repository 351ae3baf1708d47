"""The GC's Procore page: connect (service account), vendor links to confirm, project links,
what was written and what Procore refused, reconcile now, revoke."""

from __future__ import annotations

import json
import secrets
import uuid
from collections import Counter
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import ProcoreInsuranceSync
from backend.errors import BadInput, DomainError
from backend.integrations.procore import commitments, mapping
from backend.integrations.procore.connection import (
    authorize_url,
    check_credentials,
    connect,
    find_connection,
    insurance_syncs,
    manage,
    revoke,
)
from backend.integrations.procore.controllers import enqueue, hook_url, write_back_after
from backend.network.actor import Actor
from backend.network.invitation_mail import project_mail_after_commit
from backend.projects.service import ProjectService
from backend.stored_secrets import decrypt, encrypt
from backend.web.common import page, parse_uuid, require_gc
from backend.web.forms import FormData, read_form, text, whole_number

PAGE = "gc/integrations_procore.html"
# The page's own address: where every change made on it comes back to.
PAGE_PATH = "/settings/integrations/procore"
PENDING_KEY = "coinet:procore:authorize:"
# A person has this long to approve us in Procore before the started connection is forgotten.
PENDING_SECONDS = 600


def callback_url(settings: Settings) -> str:
    return f"{settings.base_url.rstrip('/')}{PAGE_PATH}/callback"


def _chosen_project(form: FormData, missing: str) -> uuid.UUID:
    """The project picked in the form's project list; refused with `missing` (the list's own
    wording) when none is."""
    project_id = parse_uuid(text(form, "project_id"))
    if project_id is None:
        raise BadInput(missing, field="project_id")
    return project_id


class ProcorePagesController(Controller):
    include_in_schema = False
    path = PAGE_PATH

    async def _page(
        self,
        db: AsyncSession,
        actor: Actor,
        settings: Settings,
        status_code: int = 200,
        error: DomainError | None = None,
        **context: Any,
    ) -> Template:
        require_gc(actor)
        manage(actor)
        connection = await find_connection(db, actor.organisation_id)
        links, project_links, subs, projects, counts = [], [], [], [], Counter[str]()
        problems: list[ProcoreInsuranceSync] = []
        if connection is not None:
            links = await mapping.vendor_links(db, actor)
            project_links = await mapping.project_links(db, actor)
            subs = await mapping.engaged_subs(db, actor.organisation_id)
            projects = await ProjectService(db).projects(actor)
            rows = await insurance_syncs(db, actor)
            for row in rows:
                counts[row.state] += 1
                if row.state != "synced":
                    problems.append(row)
        names = {s.id: s.legal_name for s in subs}
        return await page(
            db,
            actor,
            PAGE,
            status_code=status_code,
            error=error,
            connection=connection,
            webhook_url=hook_url(settings, connection) if connection else "",
            links=links,
            sub_names=names,
            network_match=mapping.NETWORK_MATCH,
            subs=subs,
            projects=projects,
            linked={link.project_id: link.procore_project_id for link in project_links},
            counts=counts,
            problems=problems[:100],
            **context,
        )

    async def _refused(
        self, db: AsyncSession, actor: Actor, settings: Settings, refusal: DomainError
    ) -> Template:
        """The page again, saying what was refused, under the refusal's status. Nothing of a
        refused change stays: each change runs in a savepoint, rolled back by the refusal."""
        return await self._page(db, actor, settings, refusal.status_code, refusal)

    @get("/")
    async def show(
        self,
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        not_looked_up: int = 0,
        invited: int = 0,
    ) -> Template:
        return await self._page(
            db, actor, settings, not_looked_up=max(not_looked_up, 0), invited=invited
        )

    @post("/connection")
    async def connect(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, settings: Settings
    ) -> Template:
        require_gc(actor)
        form = await read_form(request)
        try:
            async with db.begin_nested():
                company = whole_number(form, "company_id", "Procore company id", 0)
                _, hook_token = await connect(
                    db,
                    settings,
                    actor,
                    company,
                    text(form, "client_id"),
                    text(form, "client_secret"),
                )
        except DomainError as exc:
            return await self._refused(db, actor, settings, exc)
        return await self._page(db, actor, settings, hook_authorization=f"Bearer {hook_token}")

    @post("/authorize")
    async def authorize(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, settings: Settings
    ) -> Response[Any]:
        """Authorization-code grant: remember the app's credentials for ten minutes under a
        random state (Redis, secret encrypted), and send the person to Procore to approve."""
        require_gc(actor)
        manage(actor)
        form = await read_form(request)
        try:
            company = whole_number(form, "company_id", "Procore company id", 0)
            client_id, secret = text(form, "client_id"), text(form, "client_secret")
            check_credentials(company, client_id, secret)
        except DomainError as exc:
            return await self._refused(db, actor, settings, exc)
        state = secrets.token_urlsafe(24)
        pending = {
            "organisation_id": str(actor.organisation_id),
            "person_id": str(actor.person_id),
            "company_id": company,
            "client_id": client_id,
            "client_secret": encrypt(settings, secret).decode(),
        }
        await request.app.state.redis.set(
            PENDING_KEY + state, json.dumps(pending), ex=PENDING_SECONDS
        )
        return Redirect(path=authorize_url(settings, client_id, callback_url(settings), state))

    @get("/callback")
    async def callback(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        code: str = "",
        approval: Annotated[str, Parameter(query="state")] = "",
    ) -> Template:
        require_gc(actor)
        raw = await request.app.state.redis.getdel(PENDING_KEY + approval) if approval else None
        pending = json.loads(raw) if raw else None
        if (
            pending is None
            or pending["organisation_id"] != str(actor.organisation_id)
            or pending["person_id"] != str(actor.person_id)
            or not code
        ):
            return await self._refused(
                db,
                actor,
                settings,
                BadInput("This Procore approval is unknown or expired: start again."),
            )
        try:
            async with db.begin_nested():
                _, hook_token = await connect(
                    db,
                    settings,
                    actor,
                    int(pending["company_id"]),
                    pending["client_id"],
                    decrypt(settings, pending["client_secret"].encode()),
                    code=code,
                    redirect_uri=callback_url(settings),
                )
        except DomainError as exc:
            return await self._refused(db, actor, settings, exc)
        return await self._page(db, actor, settings, hook_authorization=f"Bearer {hook_token}")

    @post("/revoke")
    async def revoke(self, actor: Actor, db: AsyncSession) -> Response[Any]:
        require_gc(actor)
        await revoke(db, actor)
        return Redirect(path=PAGE_PATH)

    @post("/vendors/refresh")
    async def refresh(self, actor: Actor, db: AsyncSession, settings: Settings) -> Response[Any]:
        require_gc(actor)
        try:
            async with db.begin_nested():
                done = await mapping.refresh_vendors(db, settings, actor)
        except DomainError as exc:
            return await self._refused(db, actor, settings, exc)
        if done.deferred:
            return Redirect(path=PAGE_PATH, query_params={"not_looked_up": str(done.deferred)})
        return Redirect(path=PAGE_PATH)

    @post("/vendors/{vendor_id:int}")
    async def decide_vendor(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        vendor_id: int,
    ) -> Response[Any]:
        require_gc(actor)
        form = await read_form(request)
        try:
            async with db.begin_nested():
                if text(form, "action") == "reject":
                    await mapping.reject_vendor(db, actor, vendor_id)
                else:
                    await mapping.confirm_vendor(
                        db, actor, vendor_id, parse_uuid(text(form, "sub_org_id"))
                    )
        except DomainError as exc:
            return await self._refused(db, actor, settings, exc)
        return Redirect(path=PAGE_PATH, background=write_back_after(request, actor))

    @post("/vendors/{vendor_id:int}/invite")
    async def invite_vendor(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        vendor_id: int,
    ) -> Response[Any]:
        """Invite this vendor: the project invitation to its e-mail address in Procore."""
        require_gc(actor)
        form = await read_form(request)
        try:
            async with db.begin_nested():
                project_id = _chosen_project(form, "Choose a linked project.")
                project, issued = await mapping.invite_vendor(
                    db, settings, actor, vendor_id, project_id
                )
        except DomainError as exc:
            return await self._refused(db, actor, settings, exc)
        return Redirect(
            path=PAGE_PATH,
            query_params={"invited": str(vendor_id)},
            background=project_mail_after_commit(
                request, actor, project, issued, settings.base_url
            ),
        )

    @post("/projects")
    async def link_project(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, settings: Settings
    ) -> Response[Any]:
        require_gc(actor)
        form = await read_form(request)
        try:
            async with db.begin_nested():
                project_id = _chosen_project(form, "Choose one of your projects.")
                procore_id = whole_number(form, "procore_project_id", "Procore project id", 0)
                await mapping.link_project(db, settings, actor, project_id, procore_id)
        except DomainError as exc:
            return await self._refused(db, actor, settings, exc)
        return Redirect(path=PAGE_PATH, background=write_back_after(request, actor))

    @post("/commitments/import")
    async def import_commitments(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, settings: Settings
    ) -> Response[Any]:
        require_gc(actor)
        form = await read_form(request)
        try:
            async with db.begin_nested():
                report = await commitments.import_commitments(
                    db,
                    settings,
                    actor,
                    parse_uuid(text(form, "project_id")),
                    commitments.check_default_trade(text(form, "default_trade") or None),
                )
        except DomainError as exc:
            return await self._refused(db, actor, settings, exc)
        template = await self._page(db, actor, settings, imported=report)
        template.background = write_back_after(request, actor)
        return template

    @post("/reconcile")
    async def reconcile(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, settings: Settings
    ) -> Template:
        template = await self._page(db, actor, settings, reconcile_queued=True)
        template.background = BackgroundTask(
            enqueue, request.app.state.redis, "procore_reconcile", str(actor.organisation_id)
        )
        return template
