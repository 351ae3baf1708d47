"""The chase loop's pages: the GC's reminder schedule, and the landing page of a single-use
upload link (no sign-in; the link is the only key, and it opens this one form)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase.holders import outstanding_for_sub
from backend.chase.reminders import reminders_sent
from backend.chase.schedule import SCHEDULE_SETTING, Schedule, parse_schedule, schedule_of
from backend.chase.upload_links import (
    LANDING_PATH,
    check_file,
    items_of,
    landing,
    upload_with_link,
)
from backend.config import Settings
from backend.errors import DomainError
from backend.http import check_pre_session_csrf, csrf_form
from backend.network.access import require
from backend.network.actor import Actor
from backend.network.company import CompanyService
from backend.records.store import DocumentStore
from backend.web.common import fragment, is_htmx, page, require_gc, require_sub
from backend.web.forms import checked, read_form, text

# The token is in the page's address: no cache keeps it (the app's Referrer-Policy already
# keeps the address from other sites, and the page links to none).
PRIVATE_HEADERS = {"cache-control": "no-store"}


def _landing(context: dict[str, Any], status: int = 200) -> Template:
    response = csrf_form("chase/upload_link.html", {"actor": None, **context}, status)
    response.headers.update(PRIVATE_HEADERS)
    return response


class ChasePagesController(Controller):
    include_in_schema = False

    @get("/settings/reminders")
    async def schedule_page(self, actor: Actor, db: AsyncSession, saved: bool = False) -> Template:
        require_gc(actor)
        organisation = await CompanyService(db).own(actor)
        return await self._schedule(db, actor, schedule_of(organisation.settings), None, saved)

    async def _schedule(
        self,
        db: AsyncSession,
        actor: Actor,
        schedule: Schedule,
        error: DomainError | None,
        saved: bool,
        typed: dict[str, str] | None = None,
    ) -> Template:
        return await page(
            db,
            actor,
            "chase/schedule.html",
            schedule=schedule,
            typed=typed
            or {
                "before_days": ", ".join(str(d) for d in schedule.before_days),
                "every_days": str(schedule.every_days),
                "escalate_after": str(schedule.escalate_after),
            },
            error=error,
            saved=saved,
        )

    @post("/settings/reminders")
    async def save_schedule(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession
    ) -> Response[Any]:
        require_gc(actor)
        require(actor, "project.write")
        form = await read_form(request)
        company = CompanyService(db)
        typed = {
            name: text(form, name)[:200] for name in ("before_days", "every_days", "escalate_after")
        }
        try:
            schedule = parse_schedule(
                typed["before_days"],
                typed["every_days"],
                typed["escalate_after"],
                checked(form, "enabled"),
            )
        except DomainError as exc:
            current = schedule_of((await company.own(actor)).settings)
            return await self._schedule(db, actor, current, exc, False, typed)
        await company.save_settings(actor, {SCHEDULE_SETTING: schedule.as_setting()})
        return Redirect(path="/settings/reminders?saved=true")

    @get("/certificates-needed")
    async def certificates_needed(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession
    ) -> Template:
        require_sub(actor)
        requests = await outstanding_for_sub(db, actor)
        if is_htmx(request):
            # The sub's home page loads this box into itself.
            return fragment("chase/_holders.html", actor, requests=requests)
        return await page(db, actor, "chase/holders.html", requests=requests)

    @get("/engagements/{engagement_id:uuid}/reminders")
    async def reminder_history(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, engagement_id: UUID
    ) -> Template:
        sent = await reminders_sent(db, actor, engagement_id)
        if is_htmx(request):
            # The engagement pages (the GC's and the sub's) load this box into themselves.
            return fragment("chase/_reminders.html", actor, reminders=sent)
        return await page(db, actor, "chase/reminders.html", reminders=sent)

    @get(LANDING_PATH)
    async def upload_landing(self, db: AsyncSession, token: str = "") -> Template:
        try:
            link, sub_name = await landing(db, token[:200])
        except DomainError as exc:
            return _landing({"error": exc.message, "dead": True}, exc.status_code)
        return _landing(
            {
                "token": token,
                "sub_name": sub_name,
                "items": items_of(link),
                "expires": link.expires_at.date().isoformat(),
                "error": None,
                "dead": False,
            }
        )

    @post(LANDING_PATH)
    async def upload_through_link(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        state: State,
        settings: Settings,
    ) -> Template:
        await check_pre_session_csrf(request)
        form = await request.form()
        token = form.get("token")
        token = token[:200] if isinstance(token, str) else ""
        upload = form.get("file")
        store: DocumentStore = state.store
        try:
            link, sub_name = await landing(db, token)
            context = {
                "token": token,
                "sub_name": sub_name,
                "items": items_of(link),
                "expires": link.expires_at.date().isoformat(),
                "dead": False,
            }
        except DomainError as exc:
            return _landing({"error": exc.message, "dead": True}, exc.status_code)
        if not isinstance(upload, UploadFile):
            return _landing({**context, "error": "Choose a PDF file to send."}, 422)
        data = await upload.read()
        try:
            check_file(data, settings.max_upload_bytes)
            async with db.begin_nested():
                document, sub_name = await upload_with_link(
                    db,
                    store,
                    settings.max_upload_bytes,
                    token,
                    upload.filename,
                    upload.content_type,
                    data,
                )
        except DomainError as exc:
            return _landing({**context, "error": exc.message}, exc.status_code)
        return _landing(
            {"sent": document.filename, "sub_name": sub_name, "dead": True, "error": None}
        )
