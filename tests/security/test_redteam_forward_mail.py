"""Red team: a sub forwards its gaps to "its broker" through the product's own mail server,
with a note of its own. The address field must name one address: a list, a display name or a
line break would turn the product into a relay carrying the sub's text to many inboxes."""

from __future__ import annotations

import pytest
from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.notify.plain_mail import PLAIN_MAIL_JOB
from tests.integration.factories import engage, make_org, sign_in

NOT_ONE_ADDRESS = [
    "agent@broker.example,victim@other.example",
    "agent@broker.example,victim",
    "agent@broker.example;victim@other.example",
    "agent@broker.example\nBcc:victim@other.example",
    "agent@broker.example\r\nBcc: victim@other.example",
    '"Broker" <victim@other.example>',
]


async def _queued(redis: ArqRedis) -> list[str]:
    return [str(j.args[0]) for j in await redis.queued_jobs() if j.function == PLAIN_MAIL_JOB]


@pytest.mark.parametrize("address", NOT_ONE_ADDRESS)
async def test_forwarding_gaps_goes_to_exactly_one_address(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis, address: str
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    csrf = await sign_in(client, sub.emails["sub_admin"])
    before = await _queued(redis)
    response = await client.post(
        f"/my/engagements/{engagement.id}/forward",
        data={"_csrf": csrf, "email": address, "note": "Buy cheap certificates at ..."},
    )
    assert response.status_code == 422, response.status_code
    assert "Give the broker&#39;s e-mail address." in response.text
    assert await _queued(redis) == before

    sent = await client.post(
        f"/my/engagements/{engagement.id}/forward",
        data={"_csrf": csrf, "email": "agent@broker.example", "note": ""},
    )
    assert sent.status_code in (302, 303)
    assert await _queued(redis) == [*before, "agent@broker.example"]
