"""The outbox relay and the web app's nudge, with Redis up and with Redis down."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from arq.connections import ArqRedis
from httpx import ASGITransport, AsyncClient
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.app import create_app
from backend.config import Settings
from backend.db.models import OutboxEvent
from backend.notify import nudge
from backend.records.store import make_store
from tests.integration.factories import make_org, sign_in, term_payload
from tests.integration.fanout.helpers import confirm, initial_change
from workers.relay import relay_outbox


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def dead_redis() -> AsyncIterator[ArqRedis]:
    pool = ArqRedis(host="127.0.0.1", port=_closed_port(), socket_connect_timeout=0.5)
    yield pool
    await pool.aclose()


async def test_relay_with_redis_down_leaves_events_waiting_then_publishes_them(
    db: AsyncSession,
    session_factory: Any,
    settings: Settings,
    redis: ArqRedis,
    dead_redis: ArqRedis,
) -> None:
    sub = await make_org(db, "subcontractor")
    revision = await confirm(db, make_store(settings), sub, initial_change(date.today()))
    query = select(OutboxEvent).where(OutboxEvent.revision_id == revision.id)
    event = (await db.execute(query)).scalar_one()

    with pytest.raises(RedisConnectionError):
        await relay_outbox({"session_factory": session_factory, "redis": dead_redis})
    await db.refresh(event)
    assert event.published_at is None

    try:
        published = await relay_outbox({"session_factory": session_factory, "redis": redis})
        await db.refresh(event)
        assert published >= 1 and event.published_at is not None
        job = await redis.get(f"arq:job:event:{event.id}")
        assert job is not None
        again = await relay_outbox({"session_factory": session_factory, "redis": redis})
        assert again == 0  # published events are not sent twice
    finally:
        await redis.delete(f"arq:job:event:{event.id}")
        await redis.zrem("arq:queue", f"event:{event.id}")


async def test_nudge_never_raises_when_redis_is_down(dead_redis: ArqRedis) -> None:
    assert await nudge.nudge_relay(dead_redis) is False


async def test_a_confirmation_succeeds_with_redis_down_and_its_event_waits(
    settings: Settings,
    engine: AsyncEngine,
    session_factory: Any,
    db: AsyncSession,
    dead_redis: ArqRedis,
) -> None:
    app = create_app(settings)
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.redis = dead_redis
    sub = await make_org(db, "subcontractor")
    transport = ASGITransport(app=app)  # type: ignore[arg-type]
    async with AsyncClient(transport=transport, base_url="http://testserver") as web:
        csrf = await sign_in(web, sub.emails["sub_bookkeeper"])
        response = await web.post(
            f"/api/v1/subs/{sub.id}/revisions",
            headers={"x-csrf-token": csrf},
            json={"kind": "initial", "terms": [term_payload()]},
        )
    assert response.status_code == 201, response.text
    events = (
        (await db.execute(select(OutboxEvent).where(OutboxEvent.sub_org_id == sub.id)))
        .scalars()
        .all()
    )
    assert len(events) == 1 and events[0].published_at is None


def test_the_nudge_flag_follows_commits_that_wrote_outbox_events() -> None:
    from sqlalchemy.orm import Session

    nudge.install()
    nudge._Pending.committed = False
    session = Session()
    session.info["coinet_outbox_written"] = True
    nudge._after_commit(session)
    assert nudge.outbox_committed()
    nudge._Pending.committed = False
    nudge._after_commit(session)  # the flag was consumed by the first commit
    assert not nudge.outbox_committed()


async def test_a_confirmation_nudges_the_relay_when_redis_is_up(
    settings: Settings, engine: AsyncEngine, session_factory: Any, db: AsyncSession
) -> None:
    from tests.integration.fanout.test_worker_processes import _claim_redis_database

    pool, _url = await _claim_redis_database(settings.redis_url)
    app = create_app(settings)
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.redis = pool
    sub = await make_org(db, "subcontractor")
    try:
        transport = ASGITransport(app=app)  # type: ignore[arg-type]
        async with AsyncClient(transport=transport, base_url="http://testserver") as web:
            csrf = await sign_in(web, sub.emails["sub_bookkeeper"])
            assert await pool.get(f"arq:job:{nudge.RELAY_JOB_ID}") is None
            response = await web.post(
                f"/api/v1/subs/{sub.id}/revisions",
                headers={"x-csrf-token": csrf},
                json={"kind": "initial", "terms": [term_payload()]},
            )
        assert response.status_code == 201, response.text
        assert await pool.get(f"arq:job:{nudge.RELAY_JOB_ID}") is not None
        assert await pool.zscore("arq:queue", nudge.RELAY_JOB_ID) is not None
    finally:
        await pool.flushdb()
        await pool.aclose()
