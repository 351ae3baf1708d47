"""Red team: "send again" as a mail cannon. Every route that e-mails an address a person typed
counts against one limit per client address (test_redteam_mail_limits.py), but sending an
invitation again mails that same address again with a fresh link, and the three "send again"
routes (a sub's broker invitations, on the page and over the API; a GC's project invitations)
were not counted: one invitation, sent again in a loop, filled the invitee's mailbox with the
product's mail under the inviter's name, without end. Past the limit, a resend is 429 and the
invitation keeps its link (nothing changed)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator

import pytest
from arq.connections import ArqRedis
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.app import create_app
from backend.config import Settings
from backend.db.models import Invitation, ProjectTrade
from backend.web_security.rate_limits import TYPED_MAIL_PER_IP
from tests.integration.factories import make_org, make_project, make_requirement_version, sign_in
from tests.security.test_rate_limits import _address

pytestmark = pytest.mark.integration


@pytest.fixture
async def limited_client(
    settings: Settings, engine: AsyncEngine, session_factory: object, redis: ArqRedis
) -> AsyncIterator[AsyncClient]:
    """A browser at a fresh address, on an app with the rate limits on."""
    app = create_app(dataclasses.replace(settings, rate_limits=True))
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.redis = redis
    transport = ASGITransport(app=app, client=(_address(), 40000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _token_hash(db: AsyncSession, invitation_id: uuid.UUID) -> bytes:
    db.expire_all()
    found = await db.execute(select(Invitation.token_hash).where(Invitation.id == invitation_id))
    return bytes(found.scalar_one())


async def _resend_until_refused(
    client: AsyncClient, db: AsyncSession, path: str, invitation_id: uuid.UUID, csrf: str
) -> None:
    """The first invitation used one of the limit's mails; the resends use up the rest, and
    one past the limit is refused and leaves the link as it was. (The limits fail open when
    Redis does not answer within half a second, so on a loaded machine a count may be missed:
    the refusal is looked for within twice the limit, which resends without a limit never
    reach.)"""
    for n in range(2 * TYPED_MAIL_PER_IP.amount):
        before = await _token_hash(db, invitation_id)
        sent = await client.post(path, headers={"x-csrf-token": csrf})
        if sent.status_code == 429:
            assert n >= TYPED_MAIL_PER_IP.amount - 1, n  # never before the limit
            assert "e-mails sent from your network" in sent.text
            assert await _token_hash(db, invitation_id) == before
            return
        assert sent.status_code in (200, 302), (n, sent.status_code, sent.text[:200])
    raise AssertionError(f"{2 * TYPED_MAIL_PER_IP.amount} resends and none refused")


async def test_a_broker_invitation_sent_again_in_a_loop_is_limited(
    limited_client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    await db.commit()
    csrf = await sign_in(limited_client, sub.emails["sub_admin"])
    made = await limited_client.post(
        "/api/v1/broker-invitations",
        json={"email": "victim@example.test", "broker_org_id": str(firm.id), "days": 30},
        headers={"x-csrf-token": csrf},
    )
    assert made.status_code == 201, made.text
    invitation_id = uuid.UUID(made.json()["id"])
    await _resend_until_refused(
        limited_client,
        db,
        f"/api/v1/broker-invitations/{invitation_id}/resend",
        invitation_id,
        csrf,
    )
    # The page's own "send again" counts against the same limit.
    page = await limited_client.post(
        f"/brokers/{invitation_id}/resend", headers={"x-csrf-token": csrf}
    )
    assert page.status_code == 429


async def test_a_project_invitation_sent_again_in_a_loop_is_limited(
    limited_client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    project = await make_project(db, gc)
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            id=uuid.uuid4(),
            project_id=project.id,
            trade="Drywall",
            requirement_set_id=version.requirement_set_id,
        )
    )
    await db.commit()
    csrf = await sign_in(limited_client, gc.emails["gc_admin"])
    made = await limited_client.post(
        f"/projects/{project.id}/invitations",
        data={"_csrf": csrf, "email": "victim@example.test", "trade": "Drywall"},
    )
    assert made.status_code == 200, made.text[:300]
    invitation_id = (
        await db.execute(select(Invitation.id).where(Invitation.project_id == project.id))
    ).scalar_one()
    await _resend_until_refused(
        limited_client,
        db,
        f"/projects/{project.id}/invitations/{invitation_id}/resend",
        invitation_id,
        csrf,
    )
