"""The security suite runs on the integration fixtures: a throw-away PostgreSQL database, real
Redis and the real app over ASGI, so each attack is tried against what production runs.
`client_at` adds browsers at other IP addresses (for per-IP sign-in delays)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from arq.connections import ArqRedis
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.app import create_app
from backend.config import Settings
from tests.integration.conftest import (  # noqa: F401 (fixtures are found by name)
    base_settings,
    client,
    connection,
    db,
    engine,
    redis,
    session_factory,
    settings,
)

ClientAt = Callable[[str], Awaitable[AsyncClient]]


@pytest.fixture
async def client_at(
    settings: Settings,  # noqa: F811
    engine: AsyncEngine,  # noqa: F811
    session_factory: object,  # noqa: F811
    redis: ArqRedis,  # noqa: F811
) -> AsyncIterator[ClientAt]:
    """Makes clients whose requests come from a given IP address."""
    opened: list[AsyncClient] = []

    async def make(ip: str) -> AsyncClient:
        app = create_app(settings)
        app.state.engine = engine
        app.state.session_factory = session_factory
        app.state.redis = redis
        transport = ASGITransport(app=app, client=(ip, 50000))
        http = AsyncClient(transport=transport, base_url="http://testserver")
        opened.append(http)
        return http

    yield make
    for http in opened:
        await http.aclose()
