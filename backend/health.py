"""Liveness, readiness, and a Redis client that lets the app run while Redis is away.

The web app needs Redis only to queue work, and all such work is also recorded in PostgreSQL
(the outbox, documents waiting to be read) where the workers' crons find it. So the app starts
and serves with Redis down: the client connects on first use and again after every failure,
and readiness says "degraded" (still 200, so a load balancer keeps sending traffic) instead of
failing. Without PostgreSQL nothing works, and readiness fails (503).
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from arq.connections import ArqRedis, RedisSettings
from litestar import get
from litestar.datastructures import State
from litestar.response import Response
from sqlalchemy import text

from backend.config import Settings

# A request that nudges Redis must not wait on an unreachable server longer than this; the
# work it queues is picked up from PostgreSQL anyway.
REDIS_TIMEOUT_SECONDS: Final = 2.0
# A health probe answers well inside a typical 5 s probe timeout even when a check hangs.
CHECK_TIMEOUT_SECONDS: Final = 2.0


def open_redis(settings: Settings) -> ArqRedis:
    """An arq client that does not connect until used (arq's create_pool pings and fails when
    Redis is down, which would stop the app from starting)."""
    redis = RedisSettings.from_dsn(settings.redis_url)
    return ArqRedis(
        host=redis.host,
        port=redis.port,
        db=redis.database,
        username=redis.username,
        password=redis.password,
        ssl=redis.ssl,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        encoding="utf8",
    )


@get("/health/live", include_in_schema=False, sync_to_thread=False)
def live() -> dict[str, str]:
    return {"status": "ok"}


async def _check(probe: Any) -> str:
    try:
        await asyncio.wait_for(probe(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # readiness reports any failure, whatever its kind
        return f"failed: {type(exc).__name__}"
    return "ok"


@get("/health/ready", include_in_schema=False)
async def ready(state: State) -> Response[dict[str, Any]]:
    async def database() -> None:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def queue() -> None:
        await state.redis.ping()

    checks = {"postgresql": await _check(database), "redis": await _check(queue)}
    if checks["postgresql"] != "ok":
        return Response({"status": "failed", **checks}, status_code=503)
    status = "ok" if checks["redis"] == "ok" else "degraded"
    return Response({"status": status, **checks}, status_code=200)
