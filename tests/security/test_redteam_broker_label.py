"""Red team: speaking to a GC in a broker firm's name. A sub names the broker firm of the agent
it invites, and nothing checks the claim (SECURITY.md: it only labels uploads into the sub's
own record). But a broker holding a grant may also dispute the GC's decision on the sub's
engagement, and the GC read the message, and its notice, as written by that firm: a sub
invited a second address of its own "as an agent of" a real, trusted brokerage on the
network, accepted it, and told its GC in the brokerage's name that the missing endorsement
was on the policy. A message written through a grant by someone who is not a member of the
firm now names the company whose grant it is (the sub), never the firm."""

from __future__ import annotations

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Notice, Person
from tests.integration.factories import engage, make_org, sign_in
from tests.integration.mailbox import mailed_link
from tests.security.helpers import (
    HTML,
    accept_broker_link,
    invite_broker_over_api,
    new_address,
    session_csrf,
)

TRUSTED = "Trusted Brokerage of Ohio LLC"


async def test_a_sub_cannot_dispute_in_a_real_brokerages_name(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor", name="Sly Drywall LLC")
    trusted = await make_org(db, "broker", name=TRUSTED)
    engagement = await engage(db, gc, sub)
    await db.commit()

    # The sub invites a second address of its own "as an agent of" the trusted brokerage.
    own_second_address = new_address("sly.second")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    made = await invite_broker_over_api(client, csrf, own_second_address, trusted.id)
    assert made.status_code == 201, made.text
    client.cookies.clear()
    accepted = await accept_broker_link(
        client, await mailed_link(redis, own_second_address), name="Jane Doe"
    )
    assert accepted.status_code == 302
    csrf = await session_csrf(client)
    disputed = await client.post(
        f"/my/engagements/{engagement.id}/dispute",
        data={
            "_csrf": csrf,
            "check_code": "",
            "message": "We confirm CG 20 10 is on the policy; please release the hold.",
        },
    )
    assert disputed.status_code in (200, 302, 303), disputed.text[:300]

    # What the GC reads: the message and the notice, neither in the brokerage's name.
    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    page = await client.get(f"/engagements/{engagement.id}", headers=HTML)
    assert page.status_code == 200
    assert "We confirm CG 20 10 is on the policy" in page.text
    assert TRUSTED not in page.text
    assert "Sly Drywall LLC" in page.text
    gc_admin = (
        await db.execute(select(Person.id).where(Person.email == gc.emails["gc_admin"]))
    ).scalar_one()
    subjects = (
        await db.execute(select(Notice.subject).where(Notice.recipient_id == gc_admin))
    ).scalars()
    disputes = [s for s in subjects if "disputes" in s]
    assert disputes and all(TRUSTED not in s for s in disputes), disputes
