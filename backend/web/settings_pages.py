"""The GC's requirement-set editor and notification settings; a sub's company settings (its
federal tax id)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Organisation
from backend.errors import DomainError
from backend.network.access import allowed, require
from backend.network.actor import Actor
from backend.network.company import CompanyService
from backend.network.tax_ids import TAX_ID_FIELD, format_ein
from backend.projects import requirement_sets
from backend.projects.certificate_review import (
    CERTIFICATE_MAX_AGE_SETTING,
    certificate_max_age,
)
from backend.projects.engine_input import alert_thresholds
from backend.projects.notification_settings import (
    EMAIL_NOTICES_SETTING,
    save_notification_settings,
)
from backend.web.common import page, require_gc, require_sub
from backend.web.forms import FormData, read_form, text
from backend.web.requirements_editor import (
    RATINGS,
    SEVERITIES,
    SIZE_CLASSES,
    body_from_form,
    editor_lines,
)


class SettingsPagesController(Controller):
    include_in_schema = False

    @get("/requirements")
    async def requirement_list(self, actor: Actor, db: AsyncSession) -> Template:
        require_gc(actor)
        return await page(
            db, actor, "gc/requirements.html", sets=await requirement_sets.sets_of(db, actor)
        )

    @get("/requirements/{set_id:uuid}")
    async def requirement_editor(
        self, actor: Actor, db: AsyncSession, set_id: uuid.UUID, saved: int = 0
    ) -> Template:
        require_gc(actor)
        return await self._editor(db, actor, set_id, None, None, saved)

    async def _editor(
        self,
        db: AsyncSession,
        actor: Actor,
        set_id: uuid.UUID,
        error: DomainError | None,
        form: FormData | None,
        saved: int = 0,
    ) -> Template:
        current = await requirement_sets.set_of(db, actor, set_id)
        body = current.latest.body
        if form is not None:
            try:
                body = body_from_form(body, form)
            except DomainError:
                pass  # show the stored body; the error box says what was wrong
        return await page(
            db,
            actor,
            "gc/requirement_editor.html",
            current=current,
            versions=await requirement_sets.versions_of(db, actor, set_id),
            body=body,
            lines=editor_lines(body),
            ratings=RATINGS,
            size_classes=SIZE_CLASSES,
            severities=SEVERITIES,
            error=error,
            saved=saved,
        )

    @post("/requirements/{set_id:uuid}")
    async def save_requirements(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, set_id: uuid.UUID
    ) -> Response[Any]:
        require_gc(actor)
        form = await read_form(request)
        try:
            async with db.begin_nested():
                current = await requirement_sets.set_of(db, actor, set_id)
                body = body_from_form(current.latest.body, form)
                version = await requirement_sets.save_version(db, actor, set_id, body)
        except DomainError as exc:
            return await self._editor(db, actor, set_id, exc, form)
        return Redirect(path=f"/requirements/{set_id}?saved={version.version}")

    @get("/settings/notifications")
    async def notifications(self, actor: Actor, db: AsyncSession, saved: bool = False) -> Template:
        require_gc(actor)
        return await _notifications_page(db, actor, None, saved)

    @post("/settings/notifications")
    async def save_notifications(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession
    ) -> Response[Any]:
        require_gc(actor)
        require(actor, "project.write")
        form = await read_form(request)
        try:
            await save_notification_settings(
                db,
                actor,
                text(form, "alert_days"),
                text(form, CERTIFICATE_MAX_AGE_SETTING),
                text(form, EMAIL_NOTICES_SETTING) == "on",
            )
        except DomainError as exc:
            return await _notifications_page(db, actor, exc, False)
        return Redirect(path="/settings/notifications?saved=true")


async def _notifications_page(
    db: AsyncSession, actor: Actor, error: DomainError | None, saved: bool
) -> Template:
    """The GC's notification settings as saved (a refused form is not kept: three short
    fields, the error box says which was wrong)."""
    settings = (await CompanyService(db).own(actor)).settings
    return await page(
        db,
        actor,
        "gc/notifications.html",
        alert_days=list(alert_thresholds(settings)),
        certificate_max_age=certificate_max_age(settings),
        email=(settings or {}).get(EMAIL_NOTICES_SETTING, True),
        error=error,
        saved=saved,
    )


class CompanySettingsController(Controller):
    """What a sub tells the network about itself beyond its legal name: its federal tax id,
    by which GCs that know it find the sub (they never see it)."""

    include_in_schema = False

    @get("/settings/company")
    async def company(self, actor: Actor, db: AsyncSession, saved: bool = False) -> Template:
        require_sub(actor)
        organisation = await CompanyService(db).own(actor)
        return await _company_page(db, actor, organisation, None, None, saved)

    @post("/settings/company")
    async def save_company(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession
    ) -> Response[Any]:
        require_sub(actor)
        require(actor, "tokens.manage")  # the sub's administrator speaks for the company
        form = await read_form(request)
        company = CompanyService(db)
        typed = text(form, TAX_ID_FIELD)
        try:
            async with db.begin_nested():
                await company.set_own_tax_id(actor, typed)
        except DomainError as exc:
            organisation = await company.own_as_stored(actor)
            return await _company_page(db, actor, organisation, exc, typed, False)
        return Redirect(path="/settings/company?saved=true")


async def _company_page(
    db: AsyncSession,
    actor: Actor,
    organisation: Organisation,
    error: DomainError | None,
    typed: str | None,
    saved: bool,
) -> Template:
    return await page(
        db,
        actor,
        "sub/company.html",
        company=organisation,
        tax_id=typed if typed is not None else format_ein(organisation.tax_id),
        # The sub's administrator speaks for the company (the save requires the same).
        may_change=allowed(actor, "tokens.manage"),
        error=error,
        saved=saved,
    )
