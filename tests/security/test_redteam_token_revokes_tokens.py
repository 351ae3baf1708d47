"""Red team: a leaked write token revokes its organisation's other tokens.

A GC's admin runs two integrations, each with its own write token (the ERP's, the scheduling
tool's). Whoever holds one of them (a leaked CI secret) listed the organisation's tokens and
revoked the others with `DELETE /api/v1/tokens/{id}`: the GC's integrations stopped, and the
revocation also withdrew every invitation those tokens had sent, all on the word of a key
nobody signed in with. Tokens are managed by a person in a signed-in session (as tokens are
made there); a token may still revoke itself, which takes nothing from anyone but its holder."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import AccessEvent, ApiToken
from tests.integration.factories import Org, make_org, sign_in

pytestmark = pytest.mark.integration


async def _write_token(client: AsyncClient, csrf: str, name: str) -> tuple[uuid.UUID, str]:
    made = await client.post(
        "/api/v1/tokens", json={"name": name, "scope": "write"}, headers={"x-csrf-token": csrf}
    )
    assert made.status_code == 201, made.text
    return uuid.UUID(made.json()["id"]), made.json()["token"]


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept": "application/json"}


async def _revoked(db: AsyncSession, token_id: uuid.UUID) -> bool:
    row = await db.scalar(
        select(ApiToken.revoked_at)
        .where(ApiToken.id == token_id)
        .execution_options(populate_existing=True)
    )
    return row is not None


async def _two_tokens(client: AsyncClient, org: Org, role: str) -> tuple[str, tuple, tuple]:
    csrf = await sign_in(client, org.emails[role])
    leaked = await _write_token(client, csrf, "CI deploy")
    other = await _write_token(client, csrf, "ERP")
    client.cookies.clear()
    return csrf, leaked, other


@pytest.mark.parametrize(
    ("kind", "role"), [("general_contractor", "gc_admin"), ("subcontractor", "sub_admin")]
)
async def test_a_write_token_does_not_revoke_the_organisations_other_tokens(
    client: AsyncClient, db: AsyncSession, kind: str, role: str
) -> None:
    org = await make_org(db, kind)
    _, (leaked_id, leaked), (other_id, other) = await _two_tokens(client, org, role)
    events_before = await db.scalar(
        select(AccessEvent.id).where(
            AccessEvent.subject_org_id == org.id, AccessEvent.event == "api_token.revoked"
        )
    )
    assert events_before is None

    listed = await client.get("/api/v1/tokens", headers=_bearer(leaked))
    assert listed.status_code == 200
    refused = await client.delete(f"/api/v1/tokens/{other_id}", headers=_bearer(leaked))
    assert refused.status_code == 403, refused.text
    assert "signed-in session" in refused.json()["error"]["message"]
    assert not await _revoked(db, other_id)
    # The other integration carries on; nothing was written to the trail.
    assert (await client.get("/api/v1/tokens", headers=_bearer(other))).status_code == 200
    revoked_events = await db.scalar(
        select(AccessEvent.id).where(
            AccessEvent.subject_org_id == org.id, AccessEvent.event == "api_token.revoked"
        )
    )
    assert revoked_events is None

    # A token may revoke itself: whoever holds it loses only its own key.
    itself = await client.delete(f"/api/v1/tokens/{leaked_id}", headers=_bearer(leaked))
    assert itself.status_code == 204, itself.text
    assert await _revoked(db, leaked_id)
    assert (await client.get("/api/v1/tokens", headers=_bearer(leaked))).status_code == 401

    # The organisation's admin, signed in, revokes any of them.
    csrf = await sign_in(client, org.emails[role])
    by_admin = await client.delete(f"/api/v1/tokens/{other_id}", headers={"x-csrf-token": csrf})
    assert by_admin.status_code == 204
    assert await _revoked(db, other_id)
