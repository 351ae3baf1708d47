"""Delivering integration events to webhook endpoints (Standard Webhooks v1).

Each delivery is signed at each attempt (a fresh `webhook-timestamp`, the same `webhook-id`,
so a receiver deduplicates on the id and checks freshness on the timestamp) with the
endpoint's secret and, during a rotation's overlap, also with the previous one: the
`webhook-signature` header then lists two signatures and a receiver holding either key
verifies. Signing is the `standardwebhooks` package's.

Retries follow RETRY_DELAYS with jitter, about three days in all. A 410 disables the endpoint
at once; 429, 502 and 504 wait what `Retry-After` asks (capped) when the receiver says. When a
delivery has used every attempt and the endpoint had no success since that delivery began, the
endpoint is disabled and its owner told (a notice, also e-mailed).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Final

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from backend.config import Settings
from backend.db.models.webhook_attempt import WebhookAttempt
from backend.db.models.webhook_endpoint import WebhookEndpoint
from backend.notify.repository import DeliveryRepository, OutboxRepository
from backend.notify.safe_http import AddressRefused, resolve
from backend.notify.service import NoticeDraft, add_notices
from backend.notify.webhooks import INTEGRATION_EVENT
from backend.stored_secrets import decrypt

log = logging.getLogger("coinet.webhooks")

# Waits after the first attempt, before jitter: quick retries for blips, then hours apart for
# outages; they add up to 71.6 hours, "about three days" as the specification suggests.
RETRY_DELAYS: Final = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=20),
)
MAX_ATTEMPTS: Final = len(RETRY_DELAYS) + 1
# Spread retries ±20% so endpoints that failed together do not all come back at once.
JITTER: Final = 0.2
# Statuses whose Retry-After we honour; any other non-2xx follows the schedule.
BACKOFF_STATUSES: Final = frozenset({429, 502, 504})
# A receiver asking for more than a day is treated as asking for a day (the retries would
# otherwise outlive the three-day window by far).
MAX_RETRY_AFTER: Final = timedelta(hours=24)
# Receivers should answer fast and do their work later; a slow one holds a worker slot.
REQUEST_TIMEOUT_SECONDS: Final = 10.0
# Deliveries attempted at once by one worker run (each holds one database connection).
CONCURRENCY: Final = 8
# What of a receiver's error answer is kept for the log.
KEPT_BODY_CHARS: Final = 300
# Deliveries inserted per statement (PostgreSQL caps a statement's parameters at 65,535).
INSERT_CHUNK: Final = 1000
SECRET_BYTES: Final = 32  # the specification asks for at least 24 random bytes
USER_AGENT: Final = "coinet-webhooks/1"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature_header(
    settings: Settings, endpoint: WebhookEndpoint, message_id: str, at: datetime, body: bytes
) -> str:
    keys = [decrypt(settings, endpoint.secret_encrypted)]
    if (
        endpoint.previous_secret_encrypted is not None
        and endpoint.previous_secret_until is not None
        and endpoint.previous_secret_until > at
    ):
        keys.append(decrypt(settings, endpoint.previous_secret_encrypted))
    return " ".join(Webhook(key).sign(message_id, at, body) for key in keys)


def absolute_links(settings: Settings, data: dict[str, Any]) -> dict[str, Any]:
    link = data.get("link")
    if isinstance(link, str) and link.startswith("/"):
        return {**data, "link": settings.base_url.rstrip("/") + link}
    return data


def retry_after(response: httpx.Response, now: datetime) -> timedelta | None:
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        wait = timedelta(seconds=int(raw))
    else:
        try:
            wait = parsedate_to_datetime(raw) - now
        except (TypeError, ValueError):
            return None
    return max(timedelta(0), min(wait, MAX_RETRY_AFTER))


def next_delay(attempts: int) -> timedelta:
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return base * (1 + random.uniform(-JITTER, JITTER))


async def dispatch(
    factory: async_sessionmaker[AsyncSession], settings: Settings, event_id: uuid.UUID
) -> list[uuid.UUID]:
    """One delivery per event and matching enabled endpoint (idempotent: a second run of the
    same outbox row adds nothing); returns the deliveries still pending."""
    async with factory() as session, session.begin():
        outbox = await OutboxRepository(session).event(event_id)
        if outbox is None or outbox.kind != INTEGRATION_EVENT:
            return []
        events = list(outbox.payload.get("events", []))
        organisations = {uuid.UUID(o) for e in events for o in e.get("organisations", [])}
        repo = DeliveryRepository(session)
        endpoints = await repo.enabled_endpoints_of(organisations)
        now = datetime.now(UTC)
        rows = []
        for event in events:
            event_type = str(event["type"])
            audience = set(event.get("organisations", []))
            body = {
                "type": event_type,
                "timestamp": event["occurred_at"],
                "data": absolute_links(settings, dict(event["data"])),
            }
            rows += [
                {
                    "id": uuid.uuid4(),
                    "endpoint_id": endpoint.id,
                    "organisation_id": endpoint.organisation_id,
                    "message_id": message_id(event["id"]),
                    "event_type": event_type,
                    "payload": body,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": "",
                    "created_at": now,
                }
                for endpoint in endpoints
                if str(endpoint.organisation_id) in audience
                and (not endpoint.event_types or event_type in endpoint.event_types)
            ]
        await repo.add_deliveries(rows, INSERT_CHUNK)
        if not rows:
            return []
        return await repo.pending_of_messages({str(r["message_id"]) for r in rows})


def message_id(event_id: str) -> str:
    return f"msg_{uuid.UUID(event_id).hex}"


async def due_deliveries(session: AsyncSession, limit: int) -> list[uuid.UUID]:
    return await DeliveryRepository(session).due(datetime.now(UTC), limit)


async def attempt_many(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    delivery_ids: Sequence[uuid.UUID],
    concurrency: int = CONCURRENCY,
) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(
        timeout=REQUEST_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
    ) as client:

        async def one(delivery_id: uuid.UUID) -> None:
            async with gate:
                outcome = await attempt(factory, settings, delivery_id, client)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

        await asyncio.gather(*(one(d) for d in delivery_ids))
    return outcomes


async def attempt(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    delivery_id: uuid.UUID,
    client: httpx.AsyncClient,
) -> str:
    """One HTTP attempt of one delivery; the row stays locked for its duration, so two
    workers never send the same attempt."""
    async with factory() as session, session.begin():
        delivery = await DeliveryRepository(session).pending_locked(delivery_id)
        if delivery is None:
            return "skipped"
        endpoint = await DeliveryRepository(session).endpoint_of(delivery)
        if endpoint is None or not endpoint.enabled:
            return "skipped"
        now = datetime.now(UTC)
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        status, error, response = None, "", None
        started = time.perf_counter()
        try:
            target = await resolve(endpoint.url, settings.webhooks_allow_private)
            headers = {
                "host": target.host_header,
                "content-type": "application/json",
                "user-agent": USER_AGENT,
                "webhook-id": delivery.message_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": signature_header(
                    settings, endpoint, delivery.message_id, now, body
                ),
            }
            response = await client.post(
                target.connect_url,
                content=body,
                headers=headers,
                extensions={"sni_hostname": target.server_name},
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}: {response.text[:KEPT_BODY_CHARS]}"
        except AddressRefused as exc:
            error = f"refused: {exc}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:KEPT_BODY_CHARS] or type(exc).__name__
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        session.add(
            WebhookAttempt(
                id=uuid.uuid4(),
                delivery_id=delivery.id,
                # The clock, not the transaction's start: the log shows when each try began.
                created_at=now,
                status_code=status,
                response_ms=elapsed_ms,
                error=error,
            )
        )
        delivery.attempts += 1
        delivery.last_status_code = status
        delivery.last_response_ms = elapsed_ms
        delivery.last_error = error
        if status is not None and 200 <= status < 300:
            delivery.state = "succeeded"
            delivery.delivered_at = datetime.now(UTC)
            delivery.next_attempt_at = None
            return "succeeded"
        if status == 410:
            delivery.state = "failed"
            delivery.next_attempt_at = None
            await disable(session, endpoint, "The receiver answered 410 Gone.")
            return "gone"
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = "failed"
            delivery.next_attempt_at = None
            if not await _succeeded_since(session, endpoint.id, delivery.created_at):
                await disable(
                    session,
                    endpoint,
                    f"Every attempt failed for about three days (last: {error or status}).",
                )
            return "failed"
        wait = (
            retry_after(response, now)
            if response is not None and status in BACKOFF_STATUSES
            else None
        )
        delivery.next_attempt_at = datetime.now(UTC) + (
            wait if wait is not None else next_delay(delivery.attempts)
        )
        return "retry"


async def _succeeded_since(session: AsyncSession, endpoint_id: uuid.UUID, since: datetime) -> bool:
    return await DeliveryRepository(session).succeeded_since(endpoint_id, since)


async def disable(session: AsyncSession, endpoint: WebhookEndpoint, reason: str) -> None:
    """Turn the endpoint off and tell whoever set it up (in the app and by e-mail)."""
    endpoint.enabled = False
    endpoint.disabled_at = datetime.now(UTC)
    endpoint.disabled_reason = reason
    log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)
    await add_notices(
        session,
        [
            NoticeDraft(
                recipient_id=endpoint.created_by_id,
                organisation_id=endpoint.organisation_id,
                engagement_id=None,
                kind="webhook_disabled",
                subject=f"Webhook endpoint disabled: {endpoint.url[:200]}",
                body=(
                    f"{reason}\nNo more events are sent to it. Fix the receiver, then enable "
                    "the endpoint again under Settings > Integrations; deliveries still "
                    "pending are sent then, and failed ones can be replayed one by one."
                ),
            )
        ],
    )
