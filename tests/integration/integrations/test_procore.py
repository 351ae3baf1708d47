"""The Procore connection against the local Procore server process: connect with client
credentials, suggest and confirm vendor links, link projects, write each engagement's coverage
lines through the batch sync (partial failures retried item by item, 429 waited out, locked
fields reported), react to Procore's webhooks by reading again, reconcile, revoke."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Person, Policy, ProcoreConnection, ProcoreInsuranceSync
from backend.integrations.procore.connection import connected_among, gcs_to_reconcile
from backend.integrations.procore.inbound import reread
from backend.integrations.procore.push_queue import ALL, dirty_key
from backend.integrations.procore.writeback import push
from tests.integration.factories import make_org, sign_in
from tests.integration.integrations.conftest import ProcoreServer
from tests.integration.integrations.world import RECORD_END, a_gc, verified_engagements
from workers.procore import procore_hook, procore_on_event, procore_push

COMPANY = 77
CLIENT_ID, CLIENT_SECRET = "svc-account", "s3cret-of-the-service-account"


async def _connected_world(
    db: AsyncSession,
    client: AsyncClient,
    session_factory: Any,
    settings: Settings,
    procore: ProcoreServer,
) -> dict[str, Any]:
    gc = await a_gc(db)
    sub, engagements = await verified_engagements(db, session_factory, settings, gc, count=2)
    unmatched = await make_org(db, "subcontractor")
    await db.commit()
    procore.control(
        "seed",
        {
            "clients": {CLIENT_ID: CLIENT_SECRET},
            "companies": [
                {
                    "id": COMPANY,
                    "vendors": [
                        # Same legal name, other case and spacing: suggested, not confirmed.
                        {"id": 501, "name": "  " + sub.organisation.legal_name.upper() + " "},
                        {"id": 502, "name": "Nobody We Know LLC"},
                    ],
                    "projects": [9001, 9002],
                }
            ],
        },
    )
    headers = {"x-csrf-token": await sign_in(client, gc.emails["gc_admin"])}
    return {
        "gc": gc,
        "sub": sub,
        "engagements": engagements,
        "headers": headers,
        "other": unmatched,
    }


async def test_connect_map_write_back_retry_lock_and_revoke(
    db: AsyncSession,
    procore_client: AsyncClient,
    session_factory: Any,
    procore_settings: Settings,
    procore: ProcoreServer,
) -> None:
    client, settings = procore_client, procore_settings
    w = await _connected_world(db, client, session_factory, settings, procore)
    headers, gc = w["headers"], w["gc"]
    wrong = await client.put(
        "/api/v1/integrations/procore/connection",
        json={"company_id": COMPANY, "client_id": CLIENT_ID, "client_secret": "nope"},
        headers=headers,
    )
    assert wrong.status_code == 422 and "credentials" in wrong.text
    connected = await client.put(
        "/api/v1/integrations/procore/connection",
        json={"company_id": COMPANY, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        headers=headers,
    )
    assert connected.status_code == 200, connected.text
    assert connected.json()["webhook_authorization"].startswith("Bearer ")
    async with session_factory() as session:
        stored = (
            await session.execute(
                select(ProcoreConnection).where(ProcoreConnection.organisation_id == gc.id)
            )
        ).scalar_one()
    assert (
        stored.client_secret_encrypted
        and CLIENT_SECRET.encode() not in stored.client_secret_encrypted
    )
    assert stored.access_token_encrypted is not None

    refreshed = await client.post("/api/v1/integrations/procore/vendors/refresh", headers=headers)
    assert refreshed.json() == {"vendors": 2, "not_looked_up": 0}
    vendors = {
        v["procore_vendor_id"]: v
        for v in (await client.get("/api/v1/integrations/procore/vendors")).json()
    }
    assert vendors[501]["state"] == "suggested" and vendors[501]["sub_org_id"] == str(w["sub"].id)
    assert vendors[501]["match_reason"] == "legal name"
    assert vendors[502]["state"] == "unmatched"

    first, second = w["engagements"]
    for engagement, procore_project in ((first, 9001), (second, 9002)):
        linked = await client.post(
            "/api/v1/integrations/procore/projects",
            json={"project_id": str(engagement.project_id), "procore_project_id": procore_project},
            headers=headers,
        )
        assert linked.status_code == 201, linked.text
    unknown = await client.post(
        "/api/v1/integrations/procore/projects",
        json={"project_id": str(first.project_id), "procore_project_id": 4242},
        headers=headers,
    )
    assert unknown.status_code == 422

    # Nothing is written for a vendor nobody confirmed.
    assert (await push(session_factory, settings, gc.id)).sent == 0
    refused = await client.post(
        "/api/v1/integrations/procore/vendors/502/confirm",
        json={"sub_org_id": str(w["other"].id)},
        headers=headers,
    )
    assert refused.status_code == 422  # not a sub this GC engages
    confirmed = await client.post(
        "/api/v1/integrations/procore/vendors/501/confirm", headers=headers
    )
    assert confirmed.json()["state"] == "confirmed"

    # One item fails once: the batch partly fails and that item is retried alone.
    flaky = f"coinet:{first.id}:general_liability"
    procore.control("fail", {"origin_ids": [flaky], "times": 1})
    report = await push(session_factory, settings, gc.id)
    lines = report.considered
    assert lines >= 6 and (report.synced, report.failed, report.locked) == (lines, 0, 0)
    assert report.requests == 2  # one batch, one item retried
    records = procore.stats()["insurances"]
    assert len(records) == lines
    gl = next(r for r in records if r["origin_id"] == flaky)
    assert gl["status"] == "compliant" and gl["limit"] == "2000000.00"
    assert gl["expiration_date"] == RECORD_END.isoformat() and gl["vendor_id"] == 501
    assert gl["origin_data"].endswith(f"/engagements/{first.id}")
    assert gl["insurance_provider"]

    # Idempotent: nothing changed, nothing sent; forced, the same records are updated.
    assert (await push(session_factory, settings, gc.id)).sent == 0
    procore.control("throttle", {"next": 1})
    forced = await push(session_factory, settings, gc.id, force=True)
    assert forced.synced == lines and forced.throttled == 1
    assert len(procore.stats()["insurances"]) == lines

    # Sage 300 CRE locks the policy number: reported as locked, not retried; the record's
    # other fields (its status) are sent once more without it.
    procore.control("lock", {"company_id": COMPANY, "locked": True})
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Policy)
            .where(Policy.sub_org_id == w["sub"].id, Policy.line == "general_liability")
            .values(policy_number="GL-RENUMBERED-9")
        )
    before = procore.stats()["requests"]
    locked = await push(session_factory, settings, gc.id)
    assert (locked.sent, locked.locked, locked.failed) == (2, 2, 0)
    assert procore.stats()["requests"] == before + 2  # the batch, then the locked without it
    shown = (
        await client.get("/api/v1/integrations/procore/sync?state=locked", headers=headers)
    ).json()
    assert {row["line"] for row in shown} == {"general_liability"}
    assert "policy_number" in shown[0]["last_error"]
    assert (
        "locked"
        in (await client.get("/api/v1/integrations/procore/connection")).json()["last_error"]
    )
    # A status change still reaches Procore while the policy number stays locked ...
    rejected = await client.post(
        f"/api/v1/engagements/{first.id}/decisions",
        json={"kind": "reject", "reason": "wrong holder"},
        headers=headers,
    )
    assert rejected.status_code == 201, rejected.text
    moved = await push(session_factory, settings, gc.id, [first.id])
    assert (moved.locked, moved.failed) == (1, 0) and moved.synced == moved.sent - 1
    gl = next(r for r in procore.stats()["insurances"] if r["origin_id"] == flaky)
    assert gl["status"] == "non_compliant" and gl["policy_number"] != "GL-RENUMBERED-9"
    # ... and Procore's webhook about that write finds nothing to repair (no loop).
    outcome, _, drifted = await reread(
        session_factory,
        settings,
        stored.id,
        {"event_type": "update", "resource_name": "Insurances", "resource_id": gl["id"]},
    )
    assert (outcome, drifted) == ("unchanged", [])

    revoked = await client.delete("/api/v1/integrations/procore/connection", headers=headers)
    assert revoked.json()["connected"] is False
    async with session_factory() as session:
        wiped = await session.get(ProcoreConnection, stored.id)
        assert wiped is not None
        await session.refresh(wiped)
        assert wiped.client_secret_encrypted is None and wiped.access_token_encrypted is None
    assert (await push(session_factory, settings, gc.id)).sent == 0


async def test_status_change_and_procore_hook_reach_procore(
    db: AsyncSession,
    procore_client: AsyncClient,
    session_factory: Any,
    procore_settings: Settings,
    procore: ProcoreServer,
    redis: ArqRedis,
) -> None:
    client, settings = procore_client, procore_settings
    w = await _connected_world(db, client, session_factory, settings, procore)
    headers, gc = w["headers"], w["gc"]
    connected = (
        await client.put(
            "/api/v1/integrations/procore/connection",
            json={"company_id": COMPANY, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            headers=headers,
        )
    ).json()
    await client.post("/api/v1/integrations/procore/vendors/refresh", headers=headers)
    await client.post("/api/v1/integrations/procore/vendors/501/confirm", headers=headers)
    first, _ = w["engagements"]
    await client.post(
        "/api/v1/integrations/procore/projects",
        json={"project_id": str(first.project_id), "procore_project_id": 9001},
        headers=headers,
    )
    ctx = {"session_factory": session_factory, "settings": settings, "redis": redis}
    # Confirming the vendor and linking the project asked for everything now writable (the
    # engagement on the linked project) without waiting for a change.
    assert {m.decode() for m in await redis.smembers(dirty_key(str(gc.id)))} == {ALL}
    written = await procore_push(ctx, str(gc.id))
    assert written["synced"] == written["considered"] > 0
    assert {r["status"] for r in procore.stats()["insurances"]} == {"compliant"}

    # A rejection changes the status: its outbox event marks the engagement for writing.
    rejected = await client.post(
        f"/api/v1/engagements/{first.id}/decisions",
        json={"kind": "reject", "reason": "wrong holder"},
        headers=headers,
    )
    assert rejected.status_code == 201, rejected.text
    async with session_factory() as session:
        from backend.db.models import OutboxEvent

        events = [
            e
            for e in (await session.execute(select(OutboxEvent))).scalars()
            if any(x["type"] == "engagement.status_changed" for x in e.payload.get("events", []))
        ]
    assert len(events) == 1
    await procore_on_event(ctx, str(events[0].id))
    assert {m.decode() for m in await redis.smembers(dirty_key(str(gc.id)))} == {str(first.id)}
    report = await procore_push(ctx, str(gc.id))
    assert report["synced"] == report["sent"] > 0
    records = procore.stats()["insurances"]
    assert records and {r["status"] for r in records} == {"non_compliant"}

    # Someone edits our record in Procore; its webhook is a hint: we read it again and repair.
    tampered = records[0]
    token = (
        await AsyncClient().post(
            f"{procore.base}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
    ).json()["access_token"]
    async with AsyncClient() as http:
        patched = await http.patch(
            f"{procore.base}/rest/v1.0/companies/{COMPANY}/vendors/501/insurances/{tampered['id']}",
            json={"insurance": {"status": "compliant"}},
            headers={"Authorization": f"Bearer {token}", "Procore-Company-Id": str(COMPANY)},
        )
    assert patched.status_code == 200, patched.text
    hook_path = connected["webhook_url"].split("testserver", 1)[-1]
    event = {
        "api_version": "v2",
        "company_id": COMPANY,
        "project_id": None,
        "event_type": "update",
        "resource_name": "Insurances",
        "resource_id": tampered["id"],
        "timestamp": "2026-12-07T00:00:00Z",
        "user_id": 1,
        "id": 5,
        "metadata": {},
    }
    forged = await client.post(hook_path, json=event, headers={"authorization": "Bearer guess"})
    assert forged.status_code == 401
    accepted = await client.post(
        hook_path, json=event, headers={"authorization": connected["webhook_authorization"]}
    )
    assert accepted.status_code == 202, accepted.text
    outcome = await procore_hook(ctx, connected["webhook_url"].rsplit("/", 1)[-1], event)
    assert outcome == "drift: written again"
    repaired = next(r for r in procore.stats()["insurances"] if r["id"] == tampered["id"])
    assert repaired["status"] == "non_compliant"
    again = await procore_hook(ctx, connected["webhook_url"].rsplit("/", 1)[-1], event)
    assert again == "unchanged"
    async with session_factory() as session:
        rows = list((await session.execute(select(ProcoreInsuranceSync))).scalars())
    assert {r.state for r in rows} == {"synced"} and all(r.procore_insurance_id for r in rows)
    assert uuid.UUID(str(rows[0].engagement_id)) == first.id


async def test_procore_settings_page(
    db: AsyncSession,
    procore_client: AsyncClient,
    session_factory: Any,
    procore_settings: Settings,
    procore: ProcoreServer,
) -> None:
    client = procore_client
    w = await _connected_world(db, client, session_factory, procore_settings, procore)
    csrf, html = w["headers"]["x-csrf-token"], {"accept": "text/html"}
    shown = await client.get("/settings/integrations/procore", headers=html)
    assert shown.status_code == 200 and "Connect a service account" in shown.text
    form = {"_csrf": csrf, "company_id": str(COMPANY), "client_id": CLIENT_ID}
    bad = await client.post(
        "/settings/integrations/procore/connection",
        data={**form, "client_secret": "wrong"},
        headers=html,
    )
    assert bad.status_code == 422 and "did not accept" in bad.text
    good = await client.post(
        "/settings/integrations/procore/connection",
        data={**form, "client_secret": CLIENT_SECRET},
        headers=html,
    )
    assert good.status_code == 200 and 'id="hook-authorization">Bearer ' in good.text
    refreshed = await client.post(
        "/settings/integrations/procore/vendors/refresh", data={"_csrf": csrf}, headers=html
    )
    assert refreshed.status_code in (302, 303)
    page = (await client.get("/settings/integrations/procore", headers=html)).text
    assert "Nobody We Know LLC" in page and "(by legal name)" in page
    confirmed = await client.post(
        "/settings/integrations/procore/vendors/501",
        data={"_csrf": csrf, "action": "confirm", "sub_org_id": str(w["sub"].id)},
        headers=html,
    )
    assert confirmed.status_code in (302, 303)
    first, _ = w["engagements"]
    bad_link = await client.post(
        "/settings/integrations/procore/projects",
        data={"_csrf": csrf, "project_id": str(first.project_id), "procore_project_id": "abc"},
        headers=html,
    )
    assert bad_link.status_code == 422
    linked = await client.post(
        "/settings/integrations/procore/projects",
        data={"_csrf": csrf, "project_id": str(first.project_id), "procore_project_id": "9001"},
        headers=html,
    )
    assert linked.status_code in (302, 303)
    page = (await client.get("/settings/integrations/procore", headers=html)).text
    assert "confirmed" in page and ">9001<" in page
    queued = await client.post(
        "/settings/integrations/procore/reconcile", data={"_csrf": csrf}, headers=html
    )
    assert queued.status_code == 200 and "Reconciliation queued" in queued.text


async def test_authorization_code_connection_renews_with_its_refresh_token(
    db: AsyncSession,
    procore_client: AsyncClient,
    session_factory: Any,
    procore_settings: Settings,
    procore: ProcoreServer,
) -> None:
    from urllib.parse import parse_qs, urlsplit

    client = procore_client
    w = await _connected_world(db, client, session_factory, procore_settings, procore)
    csrf, html = w["headers"]["x-csrf-token"], {"accept": "text/html"}
    started = await client.post(
        "/settings/integrations/procore/authorize",
        data={
            "_csrf": csrf,
            "company_id": str(COMPANY),
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        headers=html,
    )
    assert started.status_code in (302, 303), started.text
    location = urlsplit(started.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == procore.base
    assert location.path == "/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    procore.control("seed", {"codes": {"code-1": CLIENT_ID}, "redirect_uri": query["redirect_uri"]})
    forged = await client.get(
        "/settings/integrations/procore/callback?code=code-1&state=made-up", headers=html
    )
    assert forged.status_code == 422
    back = await client.get(
        f"/settings/integrations/procore/callback?code=code-1&state={query['state']}", headers=html
    )
    assert back.status_code == 200 and 'id="hook-authorization">Bearer ' in back.text
    async with session_factory() as session:
        connection = (
            await session.execute(
                select(ProcoreConnection).where(ProcoreConnection.organisation_id == w["gc"].id)
            )
        ).scalar_one()
    assert connection.grant_type == "authorization_code"
    assert connection.refresh_token_encrypted is not None
    # Procore ends every access token: the next call renews it with the refresh token.
    procore.control("expire_tokens")
    refreshed = await client.post(
        "/api/v1/integrations/procore/vendors/refresh", headers=w["headers"]
    )
    assert refreshed.status_code == 200 and refreshed.json() == {"vendors": 2, "not_looked_up": 0}
    replayed = await client.get(
        f"/settings/integrations/procore/callback?code=code-1&state={query['state']}", headers=html
    )
    assert replayed.status_code == 422  # a state is good once


async def test_the_workers_act_only_for_gcs_with_a_live_connection(db: AsyncSession) -> None:
    """The GCs the Procore jobs act for with no GC acting: the nightly reconciliation (every
    GC, or one named) and the event hook (an event's audience) skip a revoked connection and
    an organisation that never connected."""
    live, revoked, never = [await make_org(db, "general_contractor") for _ in range(3)]
    for gc, revoked_at in ((live, None), (revoked, datetime.now(UTC))):
        admin = await db.scalar(select(Person.id).where(Person.email == gc.emails["gc_admin"]))
        assert admin is not None
        db.add(
            ProcoreConnection(
                id=uuid.uuid4(),
                organisation_id=gc.id,
                created_by_id=admin,
                company_id=COMPANY,
                grant_type="client_credentials",
                client_id=CLIENT_ID,
                revoked_at=revoked_at,
            )
        )
    await db.flush()
    ours = {live.id, revoked.id, never.id}
    assert ours & set(await gcs_to_reconcile(db, None)) == {live.id}
    assert await gcs_to_reconcile(db, live.id) == [live.id]
    assert await gcs_to_reconcile(db, revoked.id) == []
    assert await gcs_to_reconcile(db, never.id) == []
    assert await connected_among(db, ours) == [live.id]
