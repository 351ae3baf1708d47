"""Webhook endpoints over HTTP: /api/v1/webhooks/... (JSON), for an organisation's admins."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from arq.connections import ArqRedis
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models.webhook_attempt import WebhookAttempt
from backend.db.models.webhook_delivery import WebhookDelivery
from backend.db.models.webhook_endpoint import WebhookEndpoint
from backend.network.actor import Actor
from backend.notify import webhooks_endpoints as service
from backend.notify.webhooks import EVENT_TYPES

DELIVER_JOB = "deliver_webhook"


ReceiverUrl = Annotated[
    str,
    msgspec.Meta(
        description="An https:// receiver on a public address (never a private or loopback one).",
        examples=["https://erp.harborpoint.example/hooks/coi"],
    ),
]
EventTypes = Annotated[
    list[str],
    msgspec.Meta(
        description="The events to send (none: all); GET /api/v1/webhooks/event-types lists them.",
        examples=[["hold.placed", "hold.released", "engagement.status_changed"]],
    ),
]
Description = Annotated[str, msgspec.Meta(examples=["Vista AP holds"])]


class EndpointInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    url: ReceiverUrl
    description: Description = ""
    event_types: EventTypes = msgspec.field(default_factory=list)


class EndpointPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    url: ReceiverUrl | None = None
    description: Description | None = None
    event_types: EventTypes | None = None
    enabled: Annotated[bool | None, msgspec.Meta(examples=[True])] = None


class RotateInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    overlap_hours: Annotated[
        int,
        msgspec.Meta(
            description="How long the old secret keeps signing beside the new one (0 to 168).",
            examples=[24],
        ),
    ] = 24


class EndpointView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str
    disabled_at: datetime | None
    rotating_until: datetime | None
    created_at: datetime


class CreatedView(msgspec.Struct, kw_only=True):
    endpoint: EndpointView
    secret: str


class SecretView(msgspec.Struct, kw_only=True):
    secret: str
    previous_secret_valid_until: datetime | None = None


class AttemptView(msgspec.Struct, kw_only=True):
    at: datetime
    status_code: int | None
    response_ms: int
    error: str


class DeliveryView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    message_id: str
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_response_ms: int | None
    last_error: str
    delivered_at: datetime | None
    replay_of_id: uuid.UUID | None
    created_at: datetime
    payload: dict[str, Any] | None = None
    log: list[AttemptView] | None = None


def endpoint_view(endpoint: WebhookEndpoint) -> EndpointView:
    return EndpointView(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        event_types=list(endpoint.event_types or []),
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        disabled_at=endpoint.disabled_at,
        rotating_until=endpoint.previous_secret_until,
        created_at=endpoint.created_at,
    )


def delivery_view(
    delivery: WebhookDelivery, attempts: list[WebhookAttempt] | None = None
) -> DeliveryView:
    return DeliveryView(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        message_id=delivery.message_id,
        event_type=delivery.event_type,
        state=delivery.state,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_status_code=delivery.last_status_code,
        last_response_ms=delivery.last_response_ms,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        replay_of_id=delivery.replay_of_id,
        created_at=delivery.created_at,
        payload=dict(delivery.payload) if attempts is not None else None,
        log=[
            AttemptView(
                at=a.created_at, status_code=a.status_code, response_ms=a.response_ms, error=a.error
            )
            for a in attempts
        ]
        if attempts is not None
        else None,
    )


async def enqueue_delivery(redis: ArqRedis, delivery_id: uuid.UUID) -> None:
    """After the commit: send now rather than at the next retry sweep (which is the backstop)."""
    try:
        await redis.enqueue_job(DELIVER_JOB, str(delivery_id), _job_id=f"webhook:{delivery_id}")
    except Exception:  # Redis down: the worker's due-delivery sweep sends it anyway
        return


class WebhookController(Controller):
    path = "/api/v1/webhooks"

    @get("/event-types", sync_to_thread=False)
    def event_types(self) -> list[str]:
        return list(EVENT_TYPES)

    @get("/endpoints")
    async def list_endpoints(self, actor: Actor, db: AsyncSession) -> list[EndpointView]:
        return [endpoint_view(e) for e in await service.endpoints_of(db, actor)]

    @post("/endpoints", status_code=201)
    async def create(
        self, actor: Actor, db: AsyncSession, settings: Settings, data: EndpointInput
    ) -> CreatedView:
        created = await service.create_endpoint(
            db, settings, actor, data.url, data.description, data.event_types
        )
        return CreatedView(endpoint=endpoint_view(created.endpoint), secret=created.secret)

    @get("/endpoints/{endpoint_id:uuid}")
    async def show(self, actor: Actor, db: AsyncSession, endpoint_id: uuid.UUID) -> EndpointView:
        return endpoint_view(await service.endpoint_of(db, actor, endpoint_id))

    @patch("/endpoints/{endpoint_id:uuid}")
    async def edit(
        self,
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        endpoint_id: uuid.UUID,
        data: EndpointPatch,
    ) -> EndpointView:
        endpoint = await service.update_endpoint(
            db,
            settings,
            actor,
            endpoint_id,
            url=data.url,
            description=data.description,
            event_types=data.event_types,
            enabled=data.enabled,
        )
        return endpoint_view(endpoint)

    @delete("/endpoints/{endpoint_id:uuid}", status_code=204)
    async def remove(self, actor: Actor, db: AsyncSession, endpoint_id: uuid.UUID) -> None:
        await service.delete_endpoint(db, actor, endpoint_id)

    @get("/endpoints/{endpoint_id:uuid}/secret")
    async def secret(
        self, actor: Actor, db: AsyncSession, settings: Settings, endpoint_id: uuid.UUID
    ) -> SecretView:
        return SecretView(secret=await service.reveal_secret(db, settings, actor, endpoint_id))

    @post("/endpoints/{endpoint_id:uuid}/secret/rotate", status_code=200)
    async def rotate(
        self,
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        endpoint_id: uuid.UUID,
        data: RotateInput | None = None,
    ) -> SecretView:
        hours = data.overlap_hours if data is not None else 24
        secret, until = await service.rotate_secret(
            db, settings, actor, endpoint_id, timedelta(hours=hours)
        )
        return SecretView(secret=secret, previous_secret_valid_until=until)

    @get("/endpoints/{endpoint_id:uuid}/deliveries")
    async def deliveries(
        self,
        actor: Actor,
        db: AsyncSession,
        endpoint_id: uuid.UUID,
        delivery_state: Annotated[str | None, Parameter(query="state")] = None,
        limit: int = 50,
        before: datetime | None = None,
    ) -> list[DeliveryView]:
        found = await service.deliveries_of(db, actor, endpoint_id, delivery_state, limit, before)
        return [delivery_view(d) for d in found]

    @get("/deliveries/{delivery_id:uuid}")
    async def delivery(
        self, actor: Actor, db: AsyncSession, delivery_id: uuid.UUID
    ) -> DeliveryView:
        delivery, attempts = await service.delivery_of(db, actor, delivery_id)
        return delivery_view(delivery, attempts)

    @post("/deliveries/{delivery_id:uuid}/replay", status_code=202)
    async def replay(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        delivery_id: uuid.UUID,
    ) -> Response[DeliveryView]:
        copy = await service.replay(db, actor, delivery_id)
        return Response(
            delivery_view(copy),
            status_code=202,
            background=BackgroundTask(enqueue_delivery, request.app.state.redis, copy.id),
        )
