"""Red team attacks that held when tried (kept so they keep holding): a broker holding only a
grant reaching its firm's or anyone's administration, and a GC mapping its Procore vendor to a
sub that only another GC engages (its write-back would then carry that sub's compliance)."""

from __future__ import annotations

import uuid

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import ApiToken, ProcoreVendorLink, WebhookEndpoint
from tests.integration.factories import engage, make_org, sign_in
from tests.integration.mailbox import mailed_link
from tests.security.helpers import accept_broker_link, invite_broker_over_api, new_address


async def test_a_grant_holder_administers_nothing_of_the_firm_it_was_named_under(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    outsider = new_address("grant-only")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    assert (await invite_broker_over_api(client, csrf, outsider, firm.id)).status_code == 201
    client.cookies.clear()
    assert (await accept_broker_link(client, await mailed_link(redis, outsider))).status_code == 302
    home = await client.get("/", headers={"accept": "text/html"})
    token = home.text.split('name="_csrf" value="', 1)[1].split('"', 1)[0]
    headers = {"x-csrf-token": token}

    attempts = [
        await client.post("/api/v1/tokens", json={"name": "mine"}, headers=headers),
        await client.get("/api/v1/access-events"),
        await client.post(
            "/api/v1/webhooks/endpoints",
            json={"url": "https://receiver.example/hook"},
            headers=headers,
        ),
        await client.post(
            "/api/v1/broker-invitations",
            json={"email": new_address("x"), "broker_org_id": str(firm.id), "days": 30},
            headers=headers,
        ),
    ]
    assert [a.status_code for a in attempts] == [403, 403, 403, 403]
    assert await db.scalar(select(ApiToken.id).where(ApiToken.organisation_id == firm.id)) is None
    made = select(WebhookEndpoint.id).where(WebhookEndpoint.organisation_id == firm.id)
    assert await db.scalar(made) is None
    # What it was given still works: the inviting sub's record.
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200


async def test_a_gc_cannot_map_its_procore_vendor_to_another_gcs_sub(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    own_sub = await make_org(db, "subcontractor")
    their_sub = await make_org(db, "subcontractor")
    await engage(db, gc, own_sub)
    await engage(db, other_gc, their_sub)
    link = ProcoreVendorLink(
        id=uuid.uuid4(),
        organisation_id=gc.id,
        procore_vendor_id=4242,
        vendor_name="Some Vendor",
        state="unmatched",
    )
    db.add(link)
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    refused = await client.post(
        "/api/v1/integrations/procore/vendors/4242/confirm",
        json={"sub_org_id": str(their_sub.id)},
        headers={"x-csrf-token": csrf},
    )
    assert refused.status_code == 422, refused.text
    await db.refresh(link)
    assert link.state == "unmatched" and link.sub_org_id is None
    accepted = await client.post(
        "/api/v1/integrations/procore/vendors/4242/confirm",
        json={"sub_org_id": str(own_sub.id)},
        headers={"x-csrf-token": csrf},
    )
    assert accepted.status_code == 200, accepted.text
