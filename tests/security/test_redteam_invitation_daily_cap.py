"""Red team: bulk invitations as a mail cannon. The per-address limits (20 bulk posts of 200
rows an hour) let one office mail about 4,000 strangers an hour in a GC's name with text of its
choosing, and more from more addresses. An organisation now sends at most
DAILY_INVITATION_MAILS invitation e-mails (issued or sent again, of every kind) in any 24
hours, whatever address or key sends them; past it, each refused invitation says why and when
to try again, and nothing is mailed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import AccessEvent, Invitation, Project
from backend.network import access_log
from backend.network.invitations import DAILY_INVITATION_MAILS
from tests.integration.factories import Org, make_org, sign_in
from tests.integration.mailbox import mailed_to
from tests.security.helpers import invite_broker_over_api, new_address, project_with_trade


def _earlier_sends(db: AsyncSession, org: Org, count: int, hours_ago: float) -> None:
    """The organisation's invitations earlier in the day, as its access trail holds them."""
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    for _ in range(count):
        db.add(
            AccessEvent(
                id=uuid.uuid4(),
                created_at=at,
                event=access_log.INVITATION_ISSUED,
                actor_org_id=org.id,
                email="earlier@example.test",
                detail="engagement",
            )
        )


async def _invitations_of(db: AsyncSession, org: Org) -> int:
    count = select(func.count()).select_from(Invitation).where(Invitation.issuer_org_id == org.id)
    return int(await db.scalar(count) or 0)


async def test_an_organisation_mails_a_bounded_number_of_invitations_a_day(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    project_id = await project_with_trade(db, gc)
    project = await db.get(Project, project_id)
    assert project is not None
    # A day's invitations less two, and older ones that no longer count.
    _earlier_sends(db, gc, DAILY_INVITATION_MAILS - 2, hours_ago=3)
    _earlier_sends(db, gc, 50, hours_ago=25)
    await db.flush()

    csrf = await sign_in(client, gc.emails["gc_admin"])
    addresses = [new_address(f"bulk{n}") for n in range(4)]
    rows = "name,email,trade,project\n" + "".join(
        f"Sub {n},{a},Drywall,{project.number}\n" for n, a in enumerate(addresses)
    )
    sent = await client.post(
        "/invitations/bulk",
        data={"_csrf": csrf, "csv": rows, "action": "send"},
        headers={"accept": "text/html"},
    )
    assert sent.status_code == 200, sent.text
    assert await _invitations_of(db, gc) == 2
    assert "invitation e-mails" in sent.text and "24 hours" in sent.text
    assert [bool(await mailed_to(redis, a)) for a in addresses] == [True, True, False, False]

    # One by one over the API, a resend, likewise: 429 with Retry-After, nothing mailed.
    single = await client.post(
        f"/api/v1/projects/{project_id}/invitations",
        json={"email": new_address("one"), "trade": "Drywall"},
        headers={"x-csrf-token": csrf},
    )
    assert single.status_code == 429, single.text
    assert 1 <= int(single.headers["retry-after"]) <= 24 * 3600
    assert "invitation e-mails" in single.json()["error"]["message"]
    first = await db.scalar(select(Invitation.id).where(Invitation.email == addresses[0]))
    again = await client.post(
        f"/projects/{project_id}/invitations/{first}/resend",
        data={"_csrf": csrf},
        headers={"accept": "text/html"},
    )
    assert again.status_code in (200, 429) and "invitation e-mails" in again.text
    assert len(await mailed_to(redis, addresses[0])) == 1

    # Another GC is not held by this one's count.
    client.cookies.clear()
    await sign_in(client, other_gc.emails["gc_admin"])
    other_project = await project_with_trade(db, other_gc)
    fine = await client.post(
        f"/api/v1/projects/{other_project}/invitations",
        json={"email": new_address("fine"), "trade": "Drywall"},
        headers={"x-csrf-token": await _csrf(client)},
    )
    assert fine.status_code == 201, fine.text


async def test_a_subs_broker_invitations_count_too(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    _earlier_sends(db, sub, DAILY_INVITATION_MAILS, hours_ago=1)
    await db.flush()
    csrf = await sign_in(client, sub.emails["sub_admin"])
    refused = await invite_broker_over_api(client, csrf, new_address("agent"), firm.id)
    assert refused.status_code == 429, refused.text
    assert await _invitations_of(db, sub) == 0


async def _csrf(client: AsyncClient) -> str:
    from tests.security.helpers import session_csrf

    return await session_csrf(client)
