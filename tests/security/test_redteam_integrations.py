"""Red team on the integrations, from a paying customer's side: a GC pointing our webhook
deliveries at our own network (loopback, the cloud metadata address, IPv6 forms that carry
either, numeric host forms a resolver accepts, names resolving there, a receiver redirecting
there), replaying or reading another organisation's deliveries with its own write token,
reaching another GC's Procore connection, hook or projects, and oversized or malformed bodies.
Each is a 4xx with a message (or, for a redirect, an unfollowed answer) and nothing changes."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Person, ProcoreConnection, ProcoreProjectLink
from backend.db.models.webhook_attempt import WebhookAttempt
from backend.db.models.webhook_delivery import WebhookDelivery
from backend.db.models.webhook_endpoint import WebhookEndpoint
from backend.notify.webhooks_delivery import attempt_many
from tests.integration.factories import Org, engage, make_org, make_project, sign_in
from tests.integration.integrations.conftest import (  # noqa: F401 (fixtures are found by name)
    Receiver,
    local_client,
    local_settings,
    receiver,
)

pytestmark = pytest.mark.integration

ENDPOINTS = "/api/v1/webhooks/endpoints"
PROCORE = "/api/v1/integrations/procore"
HUGE_ID = 2**63 + 1  # past PostgreSQL's bigint

# Every one of these names our own machine or network, in a form some resolver accepts.
OUR_NETWORK = (
    "https://127.0.0.1/hook",
    "https://127.0.0.1:8000/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:a9fe:a9fe]/hook",  # 169.254.169.254, IPv4-mapped
    "https://[::127.0.0.1]/hook",  # IPv4-compatible (deprecated) loopback
    "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of the metadata address
    "https://[2002:7f00:1::1]/hook",  # 6to4 of loopback
    "https://[fd00:ec2::254]/hook",  # a cloud's IPv6 metadata address (unique local)
    "https://[fe80::1]/hook",
    "https://2130706433/hook",  # 127.0.0.1 as one number
    "https://0x7f.1/hook",
    "https://127.1/hook",
    "https://0177.0.0.1/hook",  # octal
    "https://0.0.0.0/hook",
    "https://10.1.2.3/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://192.168.0.10/hook",
    "https://localhost/hook",  # a name resolving to loopback
    "https://localhost./hook",
)
# Not a receiver at all, or not one we may send to.
MALFORMED = (
    "http://hooks.example.com/in",  # plain http outside development
    "file:///etc/passwd",
    "gopher://hooks.example.com/",
    "javascript:alert(1)",
    "https://user:secret@hooks.example.com/in",
    "https://hooks.example.com/in#frag",
    "https://hooks.example.com:99999/in",
    "https://hooks.example.com/in\r\nX-Injected: 1",
    "https://hooks.example.com/in with space",
    "https://" + "a" * 2100 + ".example.com/",
    "",
)


async def _admin(client: AsyncClient, org: Org) -> dict[str, str]:
    client.cookies.clear()
    return {"x-csrf-token": await sign_in(client, org.emails["gc_admin"])}


async def _count(db: AsyncSession, model: Any) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_webhook_urls_into_our_network_or_malformed_are_refused_and_nothing_is_saved(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.commit()
    headers = await _admin(client, gc)
    kept = await client.post(
        ENDPOINTS, json={"url": "https://hooks.example.com/in"}, headers=headers
    )
    assert kept.status_code == 201, kept.text
    kept_id = kept.json()["endpoint"]["id"]
    before = await _count(db, WebhookEndpoint)
    for url in OUR_NETWORK + MALFORMED:
        made = await client.post(ENDPOINTS, json={"url": url}, headers=headers)
        assert made.status_code == 422, (url, made.status_code, made.text[:200])
        assert "Traceback" not in made.text
        moved = await client.patch(f"{ENDPOINTS}/{kept_id}", json={"url": url}, headers=headers)
        assert moved.status_code == 422, (url, moved.status_code, moved.text[:200])
    for url in OUR_NETWORK:
        made = await client.post(ENDPOINTS, json={"url": url}, headers=headers)
        assert "private addresses" in made.json()["error"]["message"], (url, made.text[:200])
    assert await _count(db, WebhookEndpoint) == before
    shown = await client.get(f"{ENDPOINTS}/{kept_id}", headers=headers)
    assert shown.json()["url"] == "https://hooks.example.com/in"


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://hooks.example.com/in", "description": "d" * 20_000},
        {"url": "https://hooks.example.com/in", "event_types": ["hold.placed", "x" * 10_000]},
        {"url": "https://hooks.example.com/in", "event_types": "hold.placed"},
        {"url": ["https://hooks.example.com/in"]},
        {"url": "https://hooks.example.com/in", "secret": "whsec_mine"},
        {"url": "https://hooks.example.com/in", "organisation_id": str(uuid.uuid4())},
        [],
        "https://hooks.example.com/in",
    ],
)
async def test_malformed_endpoint_bodies_are_a_4xx_and_save_nothing(
    client: AsyncClient, db: AsyncSession, body: Any
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.commit()
    headers = await _admin(client, gc)
    before = await _count(db, WebhookEndpoint)
    made = await client.post(ENDPOINTS, json=body, headers=headers)
    assert 400 <= made.status_code < 500, (body, made.status_code, made.text[:300])
    assert await _count(db, WebhookEndpoint) == before


async def test_a_receiver_redirect_is_an_answer_never_followed(
    db: AsyncSession,
    local_client: AsyncClient,  # noqa: F811
    local_settings: Settings,  # noqa: F811
    session_factory: Any,
    receiver: Receiver,  # noqa: F811
) -> None:
    """A receiver answering 302 towards an address of ours (here: the receiver's own
    /internal path, which a followed redirect would reach) has failed that attempt."""
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    await db.commit()
    headers = await _admin(local_client, gc)
    made = await local_client.post(
        ENDPOINTS,
        json={"url": receiver.url("/hook"), "event_types": ["hold.placed"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    receiver.secrets(made.json()["secret"])
    receiver.script((302, None, receiver.url("/internal")), (307, None, receiver.url("/internal")))
    held = await local_client.post(
        f"/api/v1/engagements/{engagement.id}/decisions",
        json={"kind": "pay_hold", "reason": "x"},
        headers=headers,
    )
    assert held.status_code == 201, held.text
    delivery_id = await db.scalar(
        select(WebhookDelivery.id).where(
            WebhookDelivery.organisation_id == gc.id, WebhookDelivery.event_type == "hold.placed"
        )
    )
    if delivery_id is None:  # the relay's dispatch, as the worker runs it
        from tests.integration.integrations.test_webhooks import _dispatch_new

        await _dispatch_new(session_factory, local_settings, set())
        delivery_id = await db.scalar(
            select(WebhookDelivery.id).where(
                WebhookDelivery.organisation_id == gc.id,
                WebhookDelivery.event_type == "hold.placed",
            )
        )
    else:
        await attempt_many(session_factory, local_settings, [delivery_id])
    assert delivery_id is not None
    paths = [entry["path"] for entry in receiver.log()]
    assert paths == ["/hook"]
    async with session_factory() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        assert delivery.state == "pending" and delivery.last_status_code == 302
        assert "HTTP 302" in delivery.last_error


async def test_another_organisations_deliveries_cannot_be_read_or_replayed_with_a_write_token(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    victim, attacker = [await make_org(db, "general_contractor") for _ in range(2)]
    headers = await _admin(client, victim)
    endpoint = await client.post(
        ENDPOINTS, json={"url": "https://hooks.victim.example/in"}, headers=headers
    )
    endpoint_id = uuid.UUID(endpoint.json()["endpoint"]["id"])
    delivery = WebhookDelivery(
        id=uuid.uuid4(),
        endpoint_id=endpoint_id,
        organisation_id=victim.id,
        message_id=f"msg_{uuid.uuid4().hex}",
        event_type="hold.placed",
        payload={"type": "hold.placed", "data": {"engagement_id": str(uuid.uuid4())}},
        state="succeeded",
        attempts=1,
        last_error="",
    )
    db.add(delivery)
    await db.commit()
    attacker_headers = await _admin(client, attacker)
    token = await client.post(
        "/api/v1/tokens", json={"name": "ERP", "scope": "write"}, headers=attacker_headers
    )
    assert token.status_code == 201, token.text
    client.cookies.clear()
    bearer = {"authorization": f"Bearer {token.json()['token']}"}
    before = await _count(db, WebhookDelivery)
    queued_before = len(await redis.queued_jobs())
    for method, path in (
        ("POST", f"/api/v1/webhooks/deliveries/{delivery.id}/replay"),
        ("GET", f"/api/v1/webhooks/deliveries/{delivery.id}"),
        ("GET", f"{ENDPOINTS}/{endpoint_id}/deliveries"),
        ("GET", f"{ENDPOINTS}/{endpoint_id}/secret"),
        ("POST", f"{ENDPOINTS}/{endpoint_id}/secret/rotate"),
        ("PATCH", f"{ENDPOINTS}/{endpoint_id}"),
    ):
        body = {"url": "https://hooks.attacker.example/in"} if method == "PATCH" else None
        answer = await client.request(method, path, headers=bearer, json=body)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text[:200])
        assert str(delivery.message_id) not in answer.text
    listed = await client.get(
        "/api/v1/webhooks/deliveries", params={"endpoint_id": str(endpoint_id)}, headers=bearer
    )
    assert listed.status_code in (200, 404) and str(delivery.id) not in listed.text
    assert await _count(db, WebhookDelivery) == before
    assert len(await redis.queued_jobs()) == queued_before
    async with db.begin_nested():
        stored = await db.get(WebhookEndpoint, endpoint_id)
        assert stored is not None and stored.url == "https://hooks.victim.example/in"
    assert await _count(db, WebhookAttempt) == 0


async def test_procore_hooks_and_links_of_another_gc_are_out_of_reach(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    """Two GCs connected to Procore (rows as `connect` leaves them). The attacker holds its own
    hook token: on the victim's hook address it is refused; on its own address, an event
    naming the victim's company is refused; links to the victim's projects are refused; and
    bodies that are no Procore event, or far too large to be one, are a 4xx."""
    victim, attacker = [await make_org(db, "general_contractor") for _ in range(2)]
    victim_project = await make_project(db, victim)
    tokens = {}
    connections = {}
    for org, company in ((victim, 7001), (attacker, 7002)):
        tokens[org.id] = f"hook-token-{uuid.uuid4().hex}"
        connection = ProcoreConnection(
            id=uuid.uuid4(),
            organisation_id=org.id,
            created_by_id=await db.scalar(
                select(Person.id).where(Person.email == org.emails["gc_admin"])
            ),
            company_id=company,
            grant_type="client_credentials",
            client_id=f"client-{company}",
            hook_token_hash=hashlib.sha256(tokens[org.id].encode()).digest(),
            last_error="",
        )
        db.add(connection)
        connections[org.id] = connection
    await db.commit()
    event = {
        "company_id": 7001,
        "project_id": 1,
        "event_type": "update",
        "resource_name": "Insurances",
        "resource_id": 5,
    }
    mine = {"authorization": f"Bearer {tokens[attacker.id]}"}
    queued_before = len(await redis.queued_jobs())
    on_victims = await client.post(
        f"{PROCORE}/hooks/{connections[victim.id].id}", json=event, headers=mine
    )
    assert on_victims.status_code == 401, on_victims.text
    on_mine = await client.post(
        f"{PROCORE}/hooks/{connections[attacker.id].id}", json=event, headers=mine
    )
    assert on_mine.status_code == 404, on_mine.text
    own = {**event, "company_id": 7002}
    for bad in (
        b"not json",
        b"[]",
        b'{"event_type": "update"}',
        {**own, "resource_id": "5"},
        {**own, "resource_id": HUGE_ID},
        {**own, "resource_id": -5},
        {**own, "event_type": "drop_table"},
        {**own, "resource_name": "Insurances" * 100},
        {**own, "metadata": {"padding": "x" * 200_000}},
    ):
        kwargs: dict[str, Any] = (
            {"content": bad, "headers": {**mine, "content-type": "application/json"}}
            if isinstance(bad, bytes)
            else {"json": bad, "headers": mine}
        )
        answer = await client.post(f"{PROCORE}/hooks/{connections[attacker.id].id}", **kwargs)
        assert 400 <= answer.status_code < 500, (bad if isinstance(bad, bytes) else "", answer.text)
        assert "Traceback" not in answer.text
    assert len(await redis.queued_jobs()) == queued_before

    headers = await _admin(client, attacker)
    links_before = await _count(db, ProcoreProjectLink)
    for body in (
        {"project_id": str(victim_project.id), "procore_project_id": 55},
        {"project_id": str(victim_project.id), "procore_project_id": HUGE_ID},
    ):
        linked = await client.post(f"{PROCORE}/projects", json=body, headers=headers)
        assert linked.status_code in (404, 422), linked.text
        assert str(victim_project.id) not in linked.text or linked.status_code == 422
    own_project = await make_project(db, attacker)
    await db.commit()
    too_big = await client.post(
        f"{PROCORE}/projects",
        json={"project_id": str(own_project.id), "procore_project_id": HUGE_ID},
        headers=headers,
    )
    assert too_big.status_code == 422, too_big.text
    imported = await client.post(
        f"{PROCORE}/commitments/import",
        json={"project_id": str(victim_project.id)},
        headers=headers,
    )
    assert imported.status_code in (404, 409), imported.text
    assert await _count(db, ProcoreProjectLink) == links_before
    shown = (await client.get(f"{PROCORE}/connection", headers=headers)).json()
    assert shown["company_id"] == 7002
    for body in (
        {"company_id": HUGE_ID, "client_id": "c", "client_secret": "s"},
        {"company_id": 7002, "client_id": "c" * 10_000, "client_secret": "s"},
        {"company_id": 7002, "client_id": "c", "client_secret": "s" * 100_000},
        {"company_id": "7002", "client_id": "c", "client_secret": "s"},
    ):
        refused = await client.put(f"{PROCORE}/connection", json=body, headers=headers)
        assert 400 <= refused.status_code < 500, (refused.status_code, refused.text[:200])
    still = await db.get(ProcoreConnection, connections[attacker.id].id)
    assert still is not None
    await db.refresh(still)
    assert still.company_id == 7002 and still.client_id == "client-7002"
