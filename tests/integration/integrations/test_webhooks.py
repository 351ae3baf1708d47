"""Outbound webhooks end to end: a decision made over the API writes integration events in its
transaction; the worker's jobs deliver them over real HTTP to a receiver process that verifies
each one with the standardwebhooks library. Rotation, retries, Retry-After, 410, replay,
persistent failure and the address guard are each checked against that receiver."""

from __future__ import annotations

import ipaddress
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Notice, OutboxEvent, Project
from backend.db.models.webhook_attempt import WebhookAttempt
from backend.db.models.webhook_delivery import WebhookDelivery
from backend.db.models.webhook_endpoint import WebhookEndpoint
from backend.notify.safe_http import is_public
from backend.notify.webhooks import INTEGRATION_EVENT
from backend.notify.webhooks_delivery import MAX_ATTEMPTS, attempt_many, dispatch
from tests.integration.factories import engage, make_org, sign_in
from tests.integration.integrations.conftest import Receiver


async def _dispatch_new(factory: Any, settings: Settings, seen: set[uuid.UUID]) -> list[str]:
    """What the relay + dispatch job do after commit, run in this process."""
    async with factory() as session:
        events = (
            await session.execute(
                select(OutboxEvent)
                .where(OutboxEvent.kind == INTEGRATION_EVENT)
                .order_by(OutboxEvent.created_at)
            )
        ).scalars()
        fresh = [e for e in events if e.id not in seen]
    types = []
    for event in fresh:
        seen.add(event.id)
        types += [e["type"] for e in event.payload["events"]]
        pending = await dispatch(factory, settings, event.id)
        # One at a time: the test's sessions share one connection (the worker's do not).
        await attempt_many(factory, settings, pending, concurrency=1)
    return types


async def _gc_admin(db: AsyncSession, client: AsyncClient) -> tuple[Any, Any, dict[str, str]]:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    await db.commit()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    return gc, engagement, {"x-csrf-token": csrf}


async def test_deliveries_verify_rotate_retry_replay_and_disable(
    db: AsyncSession,
    local_client: AsyncClient,
    local_settings: Settings,
    session_factory: Any,
    receiver: Receiver,
) -> None:
    client, settings = local_client, local_settings
    gc, engagement, headers = await _gc_admin(db, client)
    created = await client.post(
        "/api/v1/webhooks/endpoints",
        json={
            "url": receiver.url(),
            "event_types": ["decision.made", "hold.placed", "hold.released"],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    endpoint_id = created.json()["endpoint"]["id"]
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    receiver.secrets(secret)
    seen: set[uuid.UUID] = set()

    # A pay hold: decision.made and hold.placed, both verified by the receiver.
    hold = await client.post(
        f"/api/v1/engagements/{engagement.id}/decisions",
        json={"kind": "pay_hold", "reason": "no certificate"},
        headers=headers,
    )
    assert hold.status_code == 201, hold.text
    assert sorted(await _dispatch_new(session_factory, settings, seen)) == [
        "decision.made",
        "hold.placed",
    ]
    log = receiver.log()
    assert sorted(entry["body"]["type"] for entry in log) == ["decision.made", "hold.placed"]
    assert all(entry["verified_with"] == [0] for entry in log)
    data = log[0]["body"]["data"]
    assert data["engagement_id"] == str(engagement.id)
    assert data["link"] == f"{settings.base_url}/api/v1/engagements/{engagement.id}"
    assert set(data) <= {"engagement_id", "project_id", "sub_org_id", "decision_id", "link"}

    # Rotation: during the overlap both keys sign, so a receiver holding either verifies.
    rotated = await client.post(
        f"/api/v1/webhooks/endpoints/{endpoint_id}/secret/rotate",
        json={"overlap_hours": 2},
        headers=headers,
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != secret
    receiver.secrets(secret, new_secret)
    narrowed = await client.patch(
        f"/api/v1/webhooks/endpoints/{endpoint_id}",
        json={"event_types": ["hold.released", "hold.placed"]},
        headers=headers,
    )
    assert narrowed.json()["event_types"] == ["hold.placed", "hold.released"]
    # The receiver fails twice (503, then 429 asking for 7 s) before it accepts.
    receiver.script((503, None), (429, "7"))
    release = await client.post(
        f"/api/v1/engagements/{engagement.id}/decisions",
        json={"kind": "release", "reason": "certificate received"},
        headers=headers,
    )
    assert release.status_code == 201, release.text
    await _dispatch_new(session_factory, settings, seen)
    async with session_factory() as session:
        released = (
            await session.execute(
                select(WebhookDelivery).where(WebhookDelivery.event_type == "hold.released")
            )
        ).scalar_one()
    assert released.state == "pending" and released.last_status_code == 503
    await _retry_now(session_factory, settings, released.id)
    async with session_factory() as session:
        again = await session.get(WebhookDelivery, released.id)
        assert again is not None and again.last_status_code == 429
        last = (
            await session.execute(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == released.id)
                .order_by(WebhookAttempt.created_at.desc())
                .limit(1)
            )
        ).scalar_one()
        assert again.next_attempt_at is not None
        waited = again.next_attempt_at - last.created_at
        assert timedelta(seconds=6) <= waited <= timedelta(seconds=9)
    await _retry_now(session_factory, settings, released.id)
    shown = await client.get(f"/api/v1/webhooks/deliveries/{released.id}", headers=headers)
    assert shown.status_code == 200
    body = shown.json()
    assert body["state"] == "succeeded" and body["attempts"] == 3
    assert [a["status_code"] for a in body["log"]] == [503, 429, 204]
    assert all(a["response_ms"] >= 0 for a in body["log"])
    final = receiver.log()[-1]
    assert final["verified_with"] == [0, 1]
    assert len(final["signatures"].split(" ")) == 2

    # Replay one delivery: the same message id again, verified again.
    replayed = await client.post(
        f"/api/v1/webhooks/deliveries/{released.id}/replay", headers=headers
    )
    assert replayed.status_code == 202, replayed.text
    await attempt_many(session_factory, settings, [uuid.UUID(replayed.json()["id"])])
    entries = [e for e in receiver.log() if e["webhook_id"] == final["webhook_id"]]
    assert len(entries) == 4 and entries[-1]["answered"] == 204

    # 410 Gone disables the endpoint at once and tells its owner, by notice and e-mail.
    receiver.script((410, None))
    await client.post(
        f"/api/v1/engagements/{engagement.id}/decisions",
        json={"kind": "pay_hold", "reason": "lapsed again"},
        headers=headers,
    )
    await _dispatch_new(session_factory, settings, seen)
    endpoint = (
        await client.get(f"/api/v1/webhooks/endpoints/{endpoint_id}", headers=headers)
    ).json()
    assert endpoint["enabled"] is False and "410" in endpoint["disabled_reason"]
    async with session_factory() as session:
        notices = (
            await session.execute(select(Notice).where(Notice.kind == "webhook_disabled"))
        ).scalars()
        assert [(n.organisation_id, n.email_state) for n in notices] == [(gc.id, "queued")]


async def _retry_now(factory: Any, settings: Settings, delivery_id: uuid.UUID) -> None:
    """Bring the scheduled retry forward (instead of waiting for it), then run it."""
    async with factory() as session, session.begin():
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(next_attempt_at=datetime.now(UTC))
        )
    await attempt_many(factory, settings, [delivery_id])


async def test_persistent_failure_disables_endpoint(
    db: AsyncSession,
    local_client: AsyncClient,
    local_settings: Settings,
    session_factory: Any,
    receiver: Receiver,
) -> None:
    client, settings = local_client, local_settings
    gc, engagement, headers = await _gc_admin(db, client)
    created = await client.post(
        "/api/v1/webhooks/endpoints", json={"url": receiver.url()}, headers=headers
    )
    receiver.secrets(created.json()["secret"])
    receiver.script(*[(500, None)] * (2 * MAX_ATTEMPTS))
    await client.post(
        f"/api/v1/engagements/{engagement.id}/decisions",
        json={"kind": "work_stop", "reason": "no coverage"},
        headers=headers,
    )
    types = await _dispatch_new(session_factory, settings, set())
    assert sorted(types) == ["decision.made", "work_stop.ordered"]
    async with session_factory() as session:
        deliveries = list((await session.execute(select(WebhookDelivery))).scalars())
    assert len(deliveries) == 2
    for _ in range(MAX_ATTEMPTS - 1):
        for delivery in deliveries:
            await _retry_now(session_factory, settings, delivery.id)
    async with session_factory() as session:
        states = {d.state for d in (await session.execute(select(WebhookDelivery))).scalars()}
        endpoint = await session.get(WebhookEndpoint, uuid.UUID(created.json()["endpoint"]["id"]))
        assert endpoint is not None
        await session.refresh(endpoint)
    # The first delivery to use up its attempts disables the endpoint: the other one waits
    # (pending) for the endpoint to be enabled again instead of being sent its last attempt.
    assert states == {"failed", "pending"}
    assert endpoint.enabled is False and "three days" in endpoint.disabled_reason
    assert len(receiver.log()) == 2 * MAX_ATTEMPTS - 1
    # Its owner is told, in the app and by e-mail.
    async with session_factory() as session:
        notices = (
            await session.execute(select(Notice).where(Notice.kind == "webhook_disabled"))
        ).scalars()
        told = [(n.organisation_id, n.recipient_id, n.email_state) for n in notices]
    assert told == [(gc.id, endpoint.created_by_id, "queued")]


async def test_private_addresses_refused_without_the_development_setting(
    db: AsyncSession,
    client: AsyncClient,
    local_client: AsyncClient,
    settings: Settings,
    session_factory: Any,
    receiver: Receiver,
) -> None:
    _, engagement, headers = await _gc_admin(db, client)
    for url in (
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/x",
        "https://10.0.0.8/",
    ):
        refused = await client.post(
            "/api/v1/webhooks/endpoints", json={"url": url}, headers=headers
        )
        assert refused.status_code == 422, (url, refused.text)
    # A name that resolves to a private address now (this machine's own name) is refused
    # when saved ...
    own_name = socket.gethostname()
    addresses = {info[4][0] for info in socket.getaddrinfo(own_name, 443)}
    if all(not is_public(ipaddress.ip_address(a)) for a in addresses):
        refused = await client.post(
            "/api/v1/webhooks/endpoints", json={"url": f"https://{own_name}/x"}, headers=headers
        )
        assert refused.status_code == 422 and "resolves to one" in refused.text, refused.text
    named = f"https://localhost:{receiver.port}/hook"
    refused = await client.post("/api/v1/webhooks/endpoints", json={"url": named}, headers=headers)
    assert refused.status_code == 422 and "private addresses" in refused.text, refused.text
    # ... and one that came to resolve there after it was saved (DNS changed) is refused at
    # every delivery.
    created = await client.post(
        "/api/v1/webhooks/endpoints", json={"url": "https://hooks.example.com/in"}, headers=headers
    )
    assert created.status_code == 201, created.text
    await db.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == uuid.UUID(created.json()["endpoint"]["id"]))
        .values(url=named)
    )
    await db.commit()
    await client.post(
        f"/api/v1/engagements/{engagement.id}/decisions",
        json={"kind": "pay_hold", "reason": "x"},
        headers=headers,
    )
    await _dispatch_new(session_factory, settings, set())
    async with session_factory() as session:
        attempts = list((await session.execute(select(WebhookAttempt))).scalars())
    assert attempts and all(a.status_code is None and "refused" in a.error for a in attempts)
    assert receiver.log() == []


async def test_endpoints_are_private_to_their_organisation(
    db: AsyncSession, local_client: AsyncClient, client: AsyncClient
) -> None:
    _, _, headers = await _gc_admin(db, local_client)
    created = await local_client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": "https://hooks.example.com/in", "event_types": ["no.such"]},
        headers=headers,
    )
    assert created.status_code == 422
    created = await local_client.post(
        "/api/v1/webhooks/endpoints", json={"url": "https://hooks.example.com/in"}, headers=headers
    )
    endpoint_id = created.json()["endpoint"]["id"]
    _, _, other = await _gc_admin(db, client)
    for method, path in (
        ("GET", f"/api/v1/webhooks/endpoints/{endpoint_id}"),
        ("GET", f"/api/v1/webhooks/endpoints/{endpoint_id}/secret"),
        ("DELETE", f"/api/v1/webhooks/endpoints/{endpoint_id}"),
    ):
        answer = await client.request(method, path, headers=other)
        assert answer.status_code == 404, (method, path, answer.text)
    listed = await client.get("/api/v1/webhooks/endpoints", headers=other)
    assert listed.json() == []


async def test_settings_page_adds_an_endpoint_and_shows_its_secret_once(
    db: AsyncSession, local_client: AsyncClient
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.commit()
    csrf = await sign_in(local_client, gc.emails["gc_admin"])
    html = {"accept": "text/html"}
    shown = await local_client.get("/settings/integrations", headers=html)
    assert shown.status_code == 200 and "No webhook endpoint yet." in shown.text
    added = await local_client.post(
        "/settings/integrations/webhooks",
        data={
            "_csrf": csrf,
            "url": "https://hooks.example.com/coi",
            "event_types": ["hold.placed", "hold.released"],
        },
        headers=html,
    )
    assert added.status_code == 201, added.text
    assert 'id="new-secret">whsec_' in added.text
    again = await local_client.get("/settings/integrations", headers=html)
    assert "hooks.example.com/coi" in again.text and "whsec_" not in again.text
    assert "hold.placed, hold.released" in again.text
    bad = await local_client.post(
        "/settings/integrations/webhooks",
        data={"_csrf": csrf, "url": "ftp://example.com"},
        headers=html,
    )
    assert bad.status_code == 422 and "https://" in bad.text


async def test_a_confirmed_record_and_its_verdicts_reach_the_right_organisations(
    db: AsyncSession,
    local_settings: Settings,
    session_factory: Any,
    receiver: Receiver,
) -> None:
    from backend.network.actor import Actor
    from backend.notify.webhooks_endpoints import create_endpoint
    from backend.records.store import make_store
    from tests.integration.fanout.helpers import (
        confirm,
        engage_on_project,
        initial_change,
        person_of,
    )
    from tests.integration.fanout.test_fanout import event_of, ready_sub
    from tests.integration.integrations.world import RECORD_START, TODAY
    from workers.fanout import run_fan_out

    settings = local_settings
    gc = await make_org(db, "general_contractor")
    stranger = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    await engage_on_project(db, gc, sub)
    secrets = []
    for org, role, kind in (
        (gc, "gc_admin", "general_contractor"),
        (sub, "sub_admin", "subcontractor"),
        (stranger, "gc_admin", "general_contractor"),
    ):
        person = await person_of(db, org.emails[role])
        actor = Actor(
            person_id=person.id, organisation_id=org.id, organisation_kind=kind, role=role
        )
        created = await create_endpoint(db, settings, actor, receiver.url(f"/{org.id}"))
        secrets.append(created.secret)
    receiver.secrets(*secrets)
    revision = await confirm(db, make_store(settings), sub, initial_change(RECORD_START))
    await db.commit()
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    await _dispatch_new(session_factory, settings, set())
    heard: dict[str, set[str]] = {}
    for entry in receiver.log():
        assert entry["answered"] == 204 and len(entry["verified_with"]) == 1
        heard.setdefault(entry["path"].strip("/"), set()).add(entry["body"]["type"])
    assert heard == {
        str(gc.id): {"revision.confirmed", "engagement.status_changed"},
        str(sub.id): {"revision.confirmed"},
    }


async def test_each_event_type_is_sent_by_the_change_it_names(
    db: AsyncSession,
    local_client: AsyncClient,
    local_settings: Settings,
    session_factory: Any,
    receiver: Receiver,
) -> None:
    """The event types the other tests leave out, each from its own change on a judged
    engagement, to the GC's endpoint (and deficiencies also to the sub's): a rejection opens
    a deficiency, an approval clears it, a work stop is ordered and lifted, and the expiry
    sweep's lapse opens one and places a pay hold, which a release lifts."""
    from backend.network.actor import Actor
    from backend.notify.webhooks_endpoints import create_endpoint
    from backend.projects.sweep import run_sweep
    from tests.integration.fanout.helpers import person_of
    from tests.integration.integrations.world import RECORD_END, a_gc, verified_engagements

    client, settings = local_client, local_settings
    gc = await a_gc(db)
    sub, (engagement,) = await verified_engagements(db, session_factory, settings, gc)
    assert engagement.status == "compliant"
    secrets = []
    for org, role, kind in (
        (gc, "gc_admin", "general_contractor"),
        (sub, "sub_admin", "subcontractor"),
    ):
        person = await person_of(db, org.emails[role])
        actor = Actor(
            person_id=person.id, organisation_id=org.id, organisation_kind=kind, role=role
        )
        made = await create_endpoint(db, settings, actor, receiver.url(f"/{org.id}"))
        secrets.append(made.secret)
    await db.commit()
    receiver.secrets(*secrets)
    headers = {"x-csrf-token": await sign_in(client, gc.emails["gc_admin"])}
    seen: set[uuid.UUID] = set()
    # Whatever the fan-out of the record wrote before the endpoints existed is not ours.
    async with session_factory() as session:
        seen |= set((await session.execute(select(OutboxEvent.id))).scalars())

    async def decide(kind: str, **more: str) -> list[str]:
        made = await client.post(
            f"/api/v1/engagements/{engagement.id}/decisions",
            json={"kind": kind, "reason": f"{kind} for the test", **more},
            headers=headers,
        )
        assert made.status_code == 201, made.text
        return sorted(await _dispatch_new(session_factory, settings, seen))

    assert await decide("reject") == [
        "decision.made",
        "deficiency.opened",
        "engagement.status_changed",
    ]
    assert await decide("approve") == [
        "decision.made",
        "deficiency.cleared",
        "engagement.status_changed",
    ]
    lapse = {"lapse_began": (datetime.now(UTC).date() - timedelta(days=1)).isoformat()}
    assert await decide("work_stop", **lapse) == ["decision.made", "work_stop.ordered"]
    resumed = await decide("resume", evidence="Renewal certificate received and confirmed")
    assert resumed == ["decision.made", "work_stop.lifted"]
    # The work runs past the policy's end (else the lapse falls after close-out, in the
    # completed-operations phase, where the sweep places no hold).
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Project)
            .where(Project.id == engagement.project_id)
            .values(end_date=RECORD_END + timedelta(days=100))
        )
        await run_sweep(session, RECORD_END + timedelta(days=1))
    assert sorted(await _dispatch_new(session_factory, settings, seen)) == [
        "deficiency.opened",
        "engagement.status_changed",
        "hold.placed",
    ]
    assert await decide("release") == ["decision.made", "hold.released"]

    heard: dict[str, list[str]] = {}
    for entry in receiver.log():
        assert entry["answered"] == 204 and len(entry["verified_with"]) == 1
        assert entry["body"]["data"]["engagement_id"] == str(engagement.id)
        heard.setdefault(entry["path"].strip("/"), []).append(entry["body"]["type"])
    assert sorted(heard[str(sub.id)]) == [
        "deficiency.cleared",
        "deficiency.opened",
        "deficiency.opened",
    ]
    assert {
        "deficiency.opened",
        "deficiency.cleared",
        "work_stop.ordered",
        "work_stop.lifted",
        "hold.placed",
        "hold.released",
        "engagement.status_changed",
        "decision.made",
    } == set(heard[str(gc.id)])
