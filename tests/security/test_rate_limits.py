"""Rate limits from the attacker's side: hammering sign-in, uploads or the public /verify from
one address gets 429 with Retry-After and a message saying when to come back; another address
is not affected by it; uploads into one record are limited whoever sends them; and with Redis
down the read-side limits fail open (the site keeps serving) and the log says so (sign-in,
resets and mail fail closed: test_redteam_limits_outage.py)."""

from __future__ import annotations

import dataclasses
import logging
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.app import create_app
from backend.config import Settings
from backend.web_security.rate_limits import (
    SIGN_IN_PER_IP,
    TAX_ID_LOOKUPS_PER_IP,
    UPLOAD_PER_RECORD,
    VERIFY_PER_IP,
)
from tests.integration.factories import make_org, sign_in

ClientFor = Callable[[str], Awaitable[AsyncClient]]


def _address() -> str:
    # A fresh documentation-range address each time: counts left in Redis by an earlier test
    # or run never decide this one.
    return f"2001:db8::{random.randrange(1, 0xFFFF):x}:{random.randrange(1, 0xFFFF):x}"


@pytest.fixture
async def limited(
    settings: Settings, engine: AsyncEngine, session_factory: object
) -> AsyncIterator[ClientFor]:
    """Clients of an app with the rate limits on, each from the address it is given."""
    app = create_app(dataclasses.replace(settings, rate_limits=True))
    app.state.engine = engine
    app.state.session_factory = session_factory
    clients: list[AsyncClient] = []

    async def client_for(address: str) -> AsyncClient:
        transport = ASGITransport(app=app, client=(address, 40000))
        http = AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(http)
        return http

    yield client_for
    for http in clients:
        await http.aclose()


def _assert_limited(response: Response, words: str) -> None:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 3600
    message = response.json()["error"]["message"]
    assert words in message and "Try again in" in message, message


async def test_public_verify_is_limited_per_address(limited: ClientFor) -> None:
    address = _address()
    attacker = await limited(address)
    allowed = [await attacker.post("/verify") for _ in range(VERIFY_PER_IP.amount)]
    assert all(r.status_code != 429 for r in allowed), [r.status_code for r in allowed]
    _assert_limited(await attacker.post("/verify"), "bundle checks")
    # Someone else keeps being served.
    neighbour = await limited(_address())
    assert (await neighbour.post("/verify")).status_code != 429


async def test_sign_in_is_limited_per_address(limited: ClientFor) -> None:
    attacker = await limited(_address())
    form = {"email": "victim@example.test", "password": "guess"}
    for _ in range(SIGN_IN_PER_IP.amount):
        response = await attacker.post("/login", data=form, headers={"accept": "text/html"})
        assert response.status_code != 429
    blocked = await attacker.post("/login", data=form, headers={"accept": "application/json"})
    _assert_limited(blocked, "sign-in attempts")


async def test_uploads_into_one_record_are_limited_from_any_address(limited: ClientFor) -> None:
    record = uuid.uuid4()
    url = f"/api/v1/subs/{record}/documents"
    files = {"file": ("c.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
    # Spread over many addresses: the per-address limit is not what stops them.
    senders = [await limited(_address()) for _ in range(UPLOAD_PER_RECORD.amount // 10)]
    for index in range(UPLOAD_PER_RECORD.amount):
        assert (await senders[index % len(senders)].post(url, files=files)).status_code != 429
    _assert_limited(await (await limited(_address())).post(url, files=files), "this record")
    other_record = f"/api/v1/subs/{uuid.uuid4()}/documents"
    assert (await (await limited(_address())).post(other_record, files=files)).status_code != 429


async def test_limits_fail_open_when_redis_is_down(
    settings: Settings,
    engine: AsyncEngine,
    session_factory: object,
) -> None:
    closed_port = dataclasses.replace(settings, rate_limits=True, redis_url="redis://127.0.0.1:1/0")
    app = create_app(closed_port)
    app.state.engine = engine
    app.state.session_factory = session_factory
    # Listened to on the module's logger itself: the app's logging set-up replaces the root
    # logger's handlers, pytest's capture among them.
    seen: list[logging.LogRecord] = []
    listener = logging.Handler(logging.WARNING)
    listener.emit = seen.append  # type: ignore[method-assign]
    logger = logging.getLogger("coinet.ratelimit")
    logger.addHandler(listener)
    transport = ASGITransport(app=app, client=(_address(), 40000))
    try:
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            responses = [await http.post("/verify") for _ in range(VERIFY_PER_IP.amount + 3)]
            page = await http.get("/login")
    finally:
        logger.removeHandler(listener)
    assert all(r.status_code < 429 for r in responses), [r.status_code for r in responses]
    assert page.status_code == 200
    warnings = [r for r in seen if "rate limits not enforced" in r.getMessage()]
    assert len(warnings) == 1  # said once, not once per request


def test_every_limited_route_exists() -> None:
    """A renamed route would silently lose its limit: each rule names a route the app has."""
    from backend.web_security.rate_limits import RULES

    app = create_app(Settings.from_env())
    served = {
        (method, route.path.replace(":uuid", "").replace(":int", ""))
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        for method in getattr(handler, "http_methods", ())
    }
    assert set(RULES) <= served, set(RULES) - served


async def test_password_reset_requests_are_limited_per_address(limited: ClientFor) -> None:
    from backend.web_security.rate_limits import PASSWORD_RESET_PER_IP

    asker = await limited(_address())
    form = {"email": "someone@example.test"}
    for _ in range(PASSWORD_RESET_PER_IP.amount):
        assert (await asker.post("/password/forgot", data=form)).status_code != 429
    blocked = await asker.post(
        "/password/forgot", data=form, headers={"accept": "application/json"}
    )
    _assert_limited(blocked, "password-reset requests")


async def test_tax_id_lookups_are_limited_per_address(limited: ClientFor, db: AsyncSession) -> None:
    """A GC guessing EINs at the network search (exact match: a hit names the company) is
    stopped after TAX_ID_LOOKUPS_PER_IP; name searches from the same office are not counted."""
    gc = await make_org(db, "general_contractor")
    await db.flush()
    attacker = await limited(_address())
    await sign_in(attacker, gc.emails["gc_admin"])
    html = {"accept": "text/html"}
    for guess in range(TAX_ID_LOOKUPS_PER_IP.amount):
        found = await attacker.get("/network", params={"tax_id": f"12-{guess:07d}"}, headers=html)
        assert found.status_code == 200, found.status_code
    blocked = await attacker.get(
        "/network", params={"tax_id": "12-9999999"}, headers={"accept": "application/json"}
    )
    _assert_limited(blocked, "tax id lookups")
    assert (await attacker.get("/network", params={"q": "Acme"}, headers=html)).status_code == 200
    # The engage form searches again with the tax id it carries: the same counter.
    engage = await attacker.post(
        "/network/engage",
        data={"tax_id": "12-9999998", "sub_org_id": "x"},
        headers={"accept": "application/json"},
    )
    _assert_limited(engage, "tax id lookups")
