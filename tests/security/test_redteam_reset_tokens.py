"""Red team: someone who learned a sub admin's password signs in and makes an API token. The
owner notices and sets a new password from an e-mailed link, which "signs out whoever knew the
old password". The intruder's API token is a sign-in of its own and must not outlive that:
every token the person made is revoked with the reset."""

from __future__ import annotations

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.factories import make_org, sign_in
from tests.integration.mailbox import mailed_link, token_of
from tests.security.helpers import form_csrf


async def test_an_intruders_api_token_dies_when_the_owner_resets_the_password(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    email = sub.emails["sub_admin"]
    csrf = await sign_in(client, email)
    made = await client.post(
        "/api/v1/tokens", json={"name": "intruder"}, headers={"x-csrf-token": csrf}
    )
    assert made.status_code == 201, made.text
    secret = made.json()["token"]
    client.cookies.clear()

    forgot = await form_csrf(client, "/password/forgot")
    await client.post("/password/forgot", data={"_csrf": forgot, "email": email})
    reset_token = token_of(await mailed_link(redis, email))
    page_csrf = await form_csrf(client, f"/password/reset?token={reset_token}")
    done = await client.post(
        "/password/reset",
        data={
            "_csrf": page_csrf,
            "token": reset_token,
            "password": "owner's new password",
            "password_again": "owner's new password",
        },
    )
    assert done.status_code == 302
    client.cookies.clear()

    after = await client.get(
        f"/api/v1/subs/{sub.id}/record", headers={"authorization": f"Bearer {secret}"}
    )
    assert after.status_code == 401
