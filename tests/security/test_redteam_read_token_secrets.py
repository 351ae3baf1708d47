"""Red team: a read-only API token is the key a webhook receiver or a dashboard keeps (the
README tells receivers to read the rest with one). Whoever holds it, leaked from that
integration, must not come away with a credential that acts: the endpoint's signing secret
lets its holder sign deliveries the GC's receiver trusts ("hold.released" for a sub on hold).
A GET it is, but a key all the same: shown to the GC admin's session and write tokens only."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.factories import make_org, sign_in

ENDPOINTS = "/api/v1/webhooks/endpoints"


async def test_a_read_token_cannot_read_or_rotate_a_webhook_signing_secret(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.commit()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    session = {"x-csrf-token": csrf}
    made = await client.post(
        ENDPOINTS, json={"url": "https://hooks.example.com/in"}, headers=session
    )
    assert made.status_code == 201, made.text
    endpoint_id, secret = made.json()["endpoint"]["id"], made.json()["secret"]
    tokens = {}
    for scope in ("read", "write"):
        found = await client.post(
            "/api/v1/tokens", json={"name": f"receiver {scope}", "scope": scope}, headers=session
        )
        assert found.status_code == 201, found.text
        tokens[scope] = {"authorization": f"Bearer {found.json()['token']}"}
    client.cookies.clear()

    # The leaked read token: it lists and reads the endpoint, but gets no key out of it.
    read = tokens["read"]
    assert (await client.get(f"{ENDPOINTS}/{endpoint_id}", headers=read)).status_code == 200
    revealed = await client.get(f"{ENDPOINTS}/{endpoint_id}/secret", headers=read)
    assert revealed.status_code == 403, revealed.text
    assert secret not in revealed.text
    rotated = await client.post(f"{ENDPOINTS}/{endpoint_id}/secret/rotate", headers=read)
    assert rotated.status_code == 403
    # The integration's owner, with a write token, still reads it.
    owned = await client.get(f"{ENDPOINTS}/{endpoint_id}/secret", headers=tokens["write"])
    assert owned.status_code == 200 and owned.json()["secret"] == secret
