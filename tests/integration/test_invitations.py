"""Brokers: invited by one sub, a single-use link e-mailed to the agent opens a session
limited to that sub, which ends when the invitation is revoked or its access period is over."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from httpx import AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation
from tests.integration.factories import make_org, sign_in, term_payload
from tests.integration.mailbox import mailed_link, token_of


async def _invite(
    client: AsyncClient, redis: ArqRedis, broker_id: object, csrf: str
) -> tuple[str, str]:
    email = f"agent.{uuid.uuid4().hex[:8]}@broker.example"
    response = await client.post(
        "/api/v1/broker-invitations",
        json={"email": email, "broker_org_id": str(broker_id), "days": 30},
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "sent" and "token" not in response.text
    return body["id"], token_of(await mailed_link(redis, email))


async def _accept_response(client: AsyncClient, token: str) -> Response:
    page = await client.get(f"/invitations/accept?token={token}")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    if page.status_code != 200:
        assert csrf is None  # a link that cannot be used shows why, and no form
        return page
    assert csrf
    return await client.post(
        "/invitations/accept", data={"_csrf": csrf.group(1), "token": token, "full_name": "Agent"}
    )


async def _accept(client: AsyncClient, token: str) -> int:
    return (await _accept_response(client, token)).status_code


async def test_broker_accepts_once_and_writes_only_into_the_inviting_sub(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    other_sub = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker")
    sub_csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    invitation_id, token = await _invite(client, redis, broker.id, sub_csrf)
    stored = (
        await db.execute(select(Invitation.token_hash).where(Invitation.issuer_org_id == sub.id))
    ).scalar_one()
    assert token.encode() not in stored

    client.cookies.clear()
    assert await _accept(client, token) == 302
    home = await client.get("/", headers={"accept": "text/html"})
    assert sub.organisation.legal_name in home.text
    csrf = re.search(r'name="_csrf" value="([^"]+)"', home.text)
    assert csrf
    headers = {"x-csrf-token": csrf.group(1)}
    ok = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "endorsement", "terms": [term_payload()]},
        headers=headers,
    )
    assert ok.status_code == 201, ok.text
    refused = await client.post(
        f"/api/v1/subs/{other_sub.id}/revisions",
        json={"kind": "endorsement", "terms": [term_payload()]},
        headers=headers,
    )
    assert refused.status_code == 404

    client.cookies.clear()
    assert await _accept(client, token) == 410  # the link works once
    client.cookies.clear()
    sub_csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    revoke = await client.delete(
        f"/api/v1/broker-invitations/{invitation_id}", headers={"x-csrf-token": sub_csrf}
    )
    assert revoke.status_code == 204


async def test_revoked_and_expired_links_are_refused_with_a_reason(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    revoked_id, revoked_token = await _invite(client, redis, broker.id, csrf)
    await client.delete(f"/api/v1/broker-invitations/{revoked_id}", headers={"x-csrf-token": csrf})
    expired_id, expired_token = await _invite(client, redis, broker.id, csrf)
    invitation = await db.get(Invitation, uuid.UUID(expired_id))
    assert invitation is not None
    invitation.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    await db.flush()
    client.cookies.clear()
    response = await _accept_response(client, revoked_token)
    assert response.status_code == 410 and "withdrawn" in response.text
    response = await _accept_response(client, expired_token)
    assert response.status_code == 410 and "expired" in response.text
    response = await _accept_response(client, "inv_made_up")
    assert response.status_code == 404


async def test_revoking_ends_a_live_broker_session(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    invitation_id, token = await _invite(client, redis, broker.id, csrf)
    client.cookies.clear()
    assert await _accept(client, token) == 302
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200
    invitation = await db.get(Invitation, uuid.UUID(invitation_id))
    assert invitation is not None
    invitation.revoked_at = datetime.now(UTC)
    await db.flush()
    # The session held to the grant ends with it: the next request is not signed in.
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 401
