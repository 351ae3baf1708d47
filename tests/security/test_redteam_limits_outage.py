"""Red team: the rate limits count in Redis, and with Redis down or hanging every limit let
requests through. Whoever could make Redis slow (or waited for an outage) had unlimited
sign-in attempts per address, password-reset mail, sign-ups and invitation e-mail. The limits
guarding sign-in, sign-up, resets and mail to typed addresses now fail closed: 503 with
Retry-After and a message saying so, never a 500 or a traceback. Reads, and the other limits
(uploads, the public bundle check), still fail open, so an outage does not take the site down."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.app import create_app
from backend.config import Settings

CLOSED_PORT = "redis://127.0.0.1:1/0"

REFUSED = [
    ("/login", {"email": "victim@example.test", "password": "guess"}),
    ("/signup", {"token": "inv_x", "legal_name": "X LLC"}),
    ("/password/forgot", {"email": "victim@example.test"}),
    ("/password/reset", {"token": "pwr_x", "password": "p", "password_again": "p"}),
    ("/brokers", {"email": "a@example.test"}),
    ("/api/v1/broker-invitations", {"email": "a@example.test"}),
    (f"/projects/{uuid.uuid4()}/invitations", {"email": "a@example.test"}),
    (f"/api/v1/projects/{uuid.uuid4()}/invitations", {"email": "a@example.test"}),
    ("/invitations/bulk", {"csv": "name,email,trade,project"}),
]


async def _hanging_redis() -> tuple[asyncio.Server, str]:
    """A server that takes connections and never answers: Redis stuck, not gone."""

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1 << 20)
        await asyncio.sleep(30)
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"redis://127.0.0.1:{port}/0"


@pytest.fixture
async def errors_logged() -> AsyncIterator[list[logging.LogRecord]]:
    seen: list[logging.LogRecord] = []
    listener = logging.Handler(logging.ERROR)
    listener.emit = seen.append  # type: ignore[method-assign]
    logger = logging.getLogger("coinet")
    logger.addHandler(listener)
    yield seen
    logger.removeHandler(listener)


def _app_client(
    settings: Settings, engine: AsyncEngine, session_factory: object, url: str
) -> AsyncClient:
    app = create_app(dataclasses.replace(settings, rate_limits=True, redis_url=url))
    app.state.engine = engine
    app.state.session_factory = session_factory
    transport = ASGITransport(app=app, client=("2001:db8::51", 40000))
    return AsyncClient(transport=transport, base_url="http://testserver")


def _assert_refused(response: Response, path: str) -> None:
    assert response.status_code == 503, (path, response.status_code, response.text[:300])
    assert 1 <= int(response.headers["retry-after"]) <= 300
    assert "Traceback" not in response.text
    if path.startswith("/api/"):
        message = response.json()["error"]["message"]
        assert "cannot be counted" in message, message


@pytest.mark.parametrize("how", ["down", "hanging"])
async def test_sign_in_reset_and_invitation_limits_fail_closed(
    settings: Settings,
    engine: AsyncEngine,
    session_factory: object,
    errors_logged: list[logging.LogRecord],
    how: str,
) -> None:
    server = None
    url = CLOSED_PORT
    if how == "hanging":
        server, url = await _hanging_redis()
    try:
        async with _app_client(settings, engine, session_factory, url) as http:
            for path, form in REFUSED:
                started = asyncio.get_running_loop().time()
                answered = await http.post(path, data=form)
                assert asyncio.get_running_loop().time() - started < 5
                _assert_refused(answered, path)
            sign_in = await http.post(
                "/login",
                data=REFUSED[0][1],
                headers={"accept": "text/html"},
            )
            assert sign_in.status_code == 503 and "cannot be counted" in sign_in.text
            # Reads, and the limits that fail open, are served.
            assert (await http.get("/login")).status_code == 200
            assert (await http.get("/password/forgot")).status_code == 200
            assert (await http.post("/verify")).status_code < 500
    finally:
        if server is not None:
            server.close()
    assert errors_logged == [], [r.getMessage() for r in errors_logged]
