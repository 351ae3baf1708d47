"""Red team: a paying account makes the product e-mail addresses it types (invitations, gaps
forwarded to "a broker", bulk lists of 200) with text it chose (project names, trades, notes).
Unlimited, that is the product's mail server as a spam and phishing relay under its own name.
From one address, past the limit, such requests get 429 before anything is sent."""

from __future__ import annotations

import uuid

from backend.web_security.rate_limits import BULK_INVITE_PER_IP, TYPED_MAIL_PER_IP
from tests.security.test_rate_limits import ClientFor, _address, limited  # noqa: F401


async def test_mail_to_typed_addresses_is_limited_per_address_across_routes(
    limited: ClientFor,  # noqa: F811
) -> None:
    attacker = await limited(_address())
    routes = [
        f"/my/engagements/{uuid.uuid4()}/forward",
        "/brokers",
        "/api/v1/broker-invitations",
        f"/projects/{uuid.uuid4()}/invitations",
        f"/depends/{uuid.uuid4()}/tier2",
    ]
    for n in range(TYPED_MAIL_PER_IP.amount):
        response = await attacker.post(routes[n % len(routes)], json={})
        assert response.status_code != 429, n
    for route in routes:
        blocked = await attacker.post(route, json={})
        assert blocked.status_code == 429, route
        assert "e-mails sent from your network" in blocked.json()["error"]["message"]
    neighbour = await limited(_address())
    assert (await neighbour.post(routes[0], json={})).status_code != 429


async def test_bulk_invitations_are_limited_per_address(limited: ClientFor) -> None:  # noqa: F811
    attacker = await limited(_address())
    for _ in range(BULK_INVITE_PER_IP.amount):
        assert (await attacker.post("/invitations/bulk", json={})).status_code != 429
    blocked = await attacker.post("/invitations/bulk", json={})
    assert blocked.status_code == 429
    assert "bulk invitations" in blocked.json()["error"]["message"]
