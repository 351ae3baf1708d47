"""Managing an organisation's webhook endpoints: create (the secret is shown then and can be
revealed again by an admin, since it must stay recoverable to sign), edit, enable, disable,
rotate the secret with an overlap, list deliveries and their attempts, replay one delivery.

Only the organisation's admins (the roles that manage API tokens) may do any of it, and every
query is scoped to the actor's organisation: another organisation's endpoint is "not found".
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models.webhook_attempt import WebhookAttempt
from backend.db.models.webhook_delivery import WebhookDelivery
from backend.db.models.webhook_endpoint import WebhookEndpoint
from backend.errors import BadInput, Conflict, NotFound
from backend.network.access import require, require_may_see_credentials
from backend.network.actor import Actor
from backend.notify.repository import WebhookRepository
from backend.notify.safe_http import check_destination
from backend.notify.webhooks import EVENT_TYPES
from backend.notify.webhooks_delivery import new_secret
from backend.stored_secrets import decrypt, encrypt

# More receivers than this per organisation is a misconfiguration, and each one multiplies
# the work of every event.
MAX_ENDPOINTS: Final = 20
# How long the previous secret keeps signing after a rotation, by default and at most.
DEFAULT_OVERLAP: Final = timedelta(hours=24)
MAX_OVERLAP: Final = timedelta(days=7)
MAX_PAGE: Final = 200
# The description column's size: a label for people, not a document.
MAX_DESCRIPTION: Final = 300


def _manage(actor: Actor) -> None:
    require(actor, "tokens.manage")


def clean_description(description: str) -> str:
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise BadInput(
            f"A description has at most {MAX_DESCRIPTION} characters.", field="description"
        )
    return description


def clean_event_types(event_types: Sequence[str]) -> list[str]:
    unknown = sorted({e for e in event_types if e not in EVENT_TYPES})
    if unknown:
        raise BadInput(
            f"Unknown event type {unknown[0]!r}; use any of {', '.join(EVENT_TYPES)}.",
            field="event_types",
        )
    return sorted(set(event_types))


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str


async def endpoint_of(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    _manage(actor)
    endpoint = await WebhookRepository(session, actor.organisation_id).endpoint(endpoint_id)
    if endpoint is None:
        raise NotFound("No such webhook endpoint in your organisation.")
    return endpoint


async def endpoints_of(session: AsyncSession, actor: Actor) -> list[WebhookEndpoint]:
    _manage(actor)
    return await WebhookRepository(session, actor.organisation_id).endpoints()


async def create_endpoint(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    url: str,
    description: str = "",
    event_types: Sequence[str] = (),
) -> CreatedEndpoint:
    _manage(actor)
    url = await check_destination(url, settings.webhooks_allow_private)
    description = clean_description(description)
    types = clean_event_types(event_types)
    count = await WebhookRepository(session, actor.organisation_id).endpoint_count()
    if count >= MAX_ENDPOINTS:
        raise Conflict(f"An organisation may have at most {MAX_ENDPOINTS} webhook endpoints.")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        organisation_id=actor.organisation_id,
        created_by_id=actor.person_id,
        url=url,
        description=description,
        event_types=types,
        secret_encrypted=encrypt(settings, secret),
        enabled=True,
        disabled_reason="",
    )
    session.add(endpoint)
    await session.flush()
    # The row as stored (its server defaults, created_at among them), for the answer.
    await session.refresh(endpoint)
    return CreatedEndpoint(endpoint, secret)


async def update_endpoint(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    endpoint_id: uuid.UUID,
    *,
    url: str | None = None,
    description: str | None = None,
    event_types: Sequence[str] | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    endpoint = await endpoint_of(session, actor, endpoint_id)
    if url is not None:
        endpoint.url = await check_destination(url, settings.webhooks_allow_private)
    if description is not None:
        endpoint.description = clean_description(description)
    if event_types is not None:
        endpoint.event_types = clean_event_types(event_types)
    if enabled is not None and enabled != endpoint.enabled:
        endpoint.enabled = enabled
        endpoint.disabled_at = None if enabled else datetime.now(UTC)
        endpoint.disabled_reason = "" if enabled else f"Disabled by {actor.email or 'an admin'}."
    await session.flush()
    return endpoint


async def delete_endpoint(session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID) -> None:
    endpoint = await endpoint_of(session, actor, endpoint_id)
    await session.delete(endpoint)
    await session.flush()


async def reveal_secret(
    session: AsyncSession, settings: Settings, actor: Actor, endpoint_id: uuid.UUID
) -> str:
    endpoint = await endpoint_of(session, actor, endpoint_id)
    require_may_see_credentials(actor)
    return decrypt(settings, endpoint.secret_encrypted)


async def rotate_secret(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    endpoint_id: uuid.UUID,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> tuple[str, datetime]:
    """A new secret signs from now on; the current one keeps signing beside it until the
    overlap ends. Returns the new secret and when the old one stops."""
    if overlap < timedelta(0) or overlap > MAX_OVERLAP:
        raise BadInput("The overlap must be between 0 and 7 days.", field="overlap_hours")
    endpoint = await endpoint_of(session, actor, endpoint_id)
    secret = new_secret()
    until = datetime.now(UTC) + overlap
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_until = until
    endpoint.secret_encrypted = encrypt(settings, secret)
    await session.flush()
    return secret, until


async def deliveries_of(
    session: AsyncSession,
    actor: Actor,
    endpoint_id: uuid.UUID,
    state: str | None = None,
    limit: int = 50,
    before: datetime | None = None,
) -> list[WebhookDelivery]:
    """Newest first; `before` (a delivery's created_at) pages back through older ones."""
    await endpoint_of(session, actor, endpoint_id)
    return await WebhookRepository(session, actor.organisation_id).deliveries(
        endpoint_id, state, before, max(1, min(limit, MAX_PAGE))
    )


async def delivery_of(
    session: AsyncSession, actor: Actor, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    _manage(actor)
    repo = WebhookRepository(session, actor.organisation_id)
    delivery = await repo.delivery(delivery_id)
    if delivery is None:
        raise NotFound("No such webhook delivery in your organisation.")
    return delivery, await repo.attempts(delivery)


async def replay(session: AsyncSession, actor: Actor, delivery_id: uuid.UUID) -> WebhookDelivery:
    """Send one delivery again as a new delivery of the same message (same webhook-id)."""
    original, _ = await delivery_of(session, actor, delivery_id)
    endpoint = await endpoint_of(session, actor, original.endpoint_id)
    if not endpoint.enabled:
        raise Conflict("Enable the endpoint before replaying a delivery to it.")
    copy = WebhookDelivery(
        id=uuid.uuid4(),
        endpoint_id=original.endpoint_id,
        organisation_id=original.organisation_id,
        message_id=original.message_id,
        event_type=original.event_type,
        payload=original.payload,
        replay_of_id=original.replay_of_id or original.id,
        state="pending",
        attempts=0,
        next_attempt_at=datetime.now(UTC),
        last_error="",
        created_at=datetime.now(UTC),
    )
    session.add(copy)
    await session.flush()
    # The row as stored (its server defaults), for the answer.
    await session.refresh(copy)
    return copy
