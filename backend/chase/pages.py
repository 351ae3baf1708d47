"""The chase loop's pages: the GC's reminder schedule, a sub forwarding its gaps to its broker
(with a single-use upload link when that broker never registered), and the landing page of a
single-use upload link (no sign-in; the link is the only key, and it opens this one form)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State, UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase.holders import outstanding_for_sub
from backend.chase.reminders import reminders_sent
from backend.chase.schedule import SCHEDULE_SETTING, Schedule, parse_schedule, schedule_of
from backend.chase.upload_links import (
    LANDING_PATH,
    ForwardOffer,
    check_file,
    forward_offer,
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
from backend.notify.plain_mail import queue_plain_mail
from backend.projects.engagement_messages import forward_to_broker
from backend.records.store import DocumentStore
from backend.web.common import fragment, is_htmx, page, require_gc, require_sub
from backend.web.forms import checked, read_form, text
from backend.web.sub_engagement import (
    engagement_context,
    forward_text,
    sub_engagement,
    sub_engagement_page,
)

# The token is in the page's address: no cache keeps it (the app's Referrer-Policy already
# keeps the address from other sites, and the page links to none).
PRIVATE_HEADERS = {"cache-control": "no-store"}


def _landing(context: dict[str, Any], status: int = 200) -> Template:
    response = csrf_form("chase/upload_link.html", {"actor": None, **context}, status)
    response.headers.update(PRIVATE_HEADERS)
    return response


def how_to_send(offer: ForwardOffer, sub_name: str, sender_email: str) -> list[str]:
    """The forwarded e-mail's last lines: how the broker sends the documents back."""
    if offer.upload_url and offer.expires is not None:
        return [
            f"Upload the certificate or endorsement for {sub_name} here, no account needed "
            f"(works once, until {offer.expires.date().isoformat()}):",
            offer.upload_url,
            f"{sub_name}'s bookkeeper reviews it before it goes into the record.",
        ]
    if offer.page_url:
        return [
            f"Sign in to the COI network to upload it for {sub_name} on this page:",
            offer.page_url,
        ]
    return [f"Please send the certificate and endorsements to {sender_email}."]


# Which confirmation the sub's page shows after a forward, by what the e-mail offered.
FORWARDED = {"link": "forwarded-link", "page": "forwarded-page", "none": "forwarded"}


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

    @post("/my/engagements/{engagement_id:uuid}/forward")
    async def forward(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        engagement_id: UUID,
    ) -> Template | Redirect:
        """The sub's gaps and the GC's requirements e-mailed to its broker, with the way to
        send the documents back inside the product (ForwardOffer)."""
        engagement = await sub_engagement(db, actor, engagement_id)
        form = await read_form(request)
        context = await engagement_context(db, actor, engagement)
        try:
            forward = forward_to_broker(actor, text(form, "email"), text(form, "note"))
        except DomainError as exc:
            return await sub_engagement_page(db, actor, context, exc, form)
        project, gc, sub = context["project"], context["gc"], context["sub"]
        where = f"{gc.legal_name}, {project.number} {project.name}"
        offer = await forward_offer(
            db,
            engagement.sub_org_id,
            engagement.id,
            forward.to,
            (where, [gap.message for gap in context["gaps"]]),
            settings.base_url,
            datetime.now(UTC),
        )
        sender = actor.email or ""
        subject, body = forward_text(
            context,
            forward.note,
            actor.full_name or sender,
            how_to_send(offer, sub.legal_name, sender),
        )
        way = "link" if offer.upload_url else "page" if offer.page_url else "none"
        redirect = Redirect(path=f"/my/engagements/{engagement_id}?done={FORWARDED[way]}")
        # Queued after the request's transaction commits: the link's hash is stored first.
        redirect.background = BackgroundTask(
            queue_plain_mail, request.app.state.redis, forward.to, subject, body, sender
        )
        return redirect
