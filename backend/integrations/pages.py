"""The GC's integrations settings page: webhook endpoints (add, rotate the secret, enable or
disable, delete), each endpoint's delivery log with replay, and the accounting exports."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.errors import DomainError
from backend.network.actor import Actor
from backend.notify import webhooks_endpoints as service
from backend.notify.webhooks import EVENT_TYPES
from backend.notify.webhooks_controllers import enqueue_delivery
from backend.web.common import page, require_gc
from backend.web.forms import read_form, text, texts

PAGE = "gc/integrations.html"


class IntegrationPagesController(Controller):
    include_in_schema = False
    path = "/settings/integrations"

    async def _page(
        self,
        db: AsyncSession,
        actor: Actor,
        status_code: int = 200,
        error: DomainError | None = None,
        **context: Any,
    ) -> Template:
        return await page(
            db,
            actor,
            PAGE,
            status_code=status_code,
            endpoints=await service.endpoints_of(db, actor),
            event_types=EVENT_TYPES,
            error=error,
            **context,
        )

    @get("/")
    async def show(self, actor: Actor, db: AsyncSession) -> Template:
        require_gc(actor)
        return await self._page(db, actor)

    @post("/webhooks")
    async def add(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, settings: Settings
    ) -> Template:
        require_gc(actor)
        form = await read_form(request)
        try:
            async with db.begin_nested():
                created = await service.create_endpoint(
                    db,
                    settings,
                    actor,
                    text(form, "url"),
                    text(form, "description"),
                    texts(form, "event_types"),
                )
        except DomainError as exc:
            return await self._page(db, actor, exc.status_code, exc, form_url=text(form, "url"))
        # Shown once here; an admin can reveal it again through the API.
        return await self._page(
            db, actor, 201, new_secret=created.secret, secret_for=created.endpoint.url
        )

    @post("/webhooks/{endpoint_id:uuid}/rotate")
    async def rotate(
        self, actor: Actor, db: AsyncSession, settings: Settings, endpoint_id: uuid.UUID
    ) -> Template:
        require_gc(actor)
        secret, until = await service.rotate_secret(db, settings, actor, endpoint_id)
        endpoint = await service.endpoint_of(db, actor, endpoint_id)
        return await self._page(
            db, actor, new_secret=secret, secret_for=endpoint.url, overlap_until=until
        )

    @post("/webhooks/{endpoint_id:uuid}/enabled")
    async def toggle(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        endpoint_id: uuid.UUID,
    ) -> Response[Any]:
        require_gc(actor)
        form = await read_form(request)
        await service.update_endpoint(
            db, settings, actor, endpoint_id, enabled=text(form, "enabled") == "true"
        )
        return Redirect(path="/settings/integrations")

    @post("/webhooks/{endpoint_id:uuid}/delete")
    async def remove(self, actor: Actor, db: AsyncSession, endpoint_id: uuid.UUID) -> Response[Any]:
        require_gc(actor)
        await service.delete_endpoint(db, actor, endpoint_id)
        return Redirect(path="/settings/integrations")

    @get("/webhooks/{endpoint_id:uuid}")
    async def deliveries(self, actor: Actor, db: AsyncSession, endpoint_id: uuid.UUID) -> Template:
        require_gc(actor)
        return await page(
            db,
            actor,
            "gc/integrations_endpoint.html",
            endpoint=await service.endpoint_of(db, actor, endpoint_id),
            deliveries=await service.deliveries_of(db, actor, endpoint_id, limit=100),
        )

    @post("/deliveries/{delivery_id:uuid}/replay")
    async def replay(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        delivery_id: uuid.UUID,
    ) -> Response[Any]:
        require_gc(actor)
        copy = await service.replay(db, actor, delivery_id)
        return Redirect(
            path=f"/settings/integrations/webhooks/{copy.endpoint_id}",
            background=BackgroundTask(enqueue_delivery, request.app.state.redis, copy.id),
        )
