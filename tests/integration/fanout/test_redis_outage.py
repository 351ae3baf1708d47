"""The app with Redis down: it starts, serves, says "degraded", and the work queued meanwhile
(outbox events, uploads waiting to be read) is picked up once Redis answers again."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

from arq.connections import ArqRedis
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.config import Settings
from backend.db.models import Document
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.test_relay import _closed_port
from workers.read_job import read_job_id
from workers.relay import queue_pending_reads


async def test_app_starts_and_serves_with_redis_down_and_uploads_are_read_when_it_returns(
    settings: Settings, session_factory: Any, db: AsyncSession, redis: ArqRedis
) -> None:
    down = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    app = create_app(down)
    sub = await make_org(db, "subcontractor")
    transport = ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        app.lifespan(),  # the real start-up: connections opened as in production
        AsyncClient(transport=transport, base_url="http://testserver") as web,
    ):
        app.state.session_factory = session_factory
        assert (await web.get("/health/live")).json() == {"status": "ok"}
        ready = await web.get("/health/ready")
        assert ready.status_code == 200
        body = ready.json()
        assert body["status"] == "degraded" and body["postgresql"] == "ok"
        assert body["redis"].startswith("failed")
        csrf = await sign_in(web, sub.emails["sub_bookkeeper"])
        upload = await web.post(
            f"/api/v1/subs/{sub.id}/documents",
            files={"file": ("outage.pdf", b"%PDF-1.4 " + uuid.uuid4().bytes, "application/pdf")},
            headers={"x-csrf-token": csrf},
        )
        assert upload.status_code == 201, upload.text
    document = await db.get(Document, uuid.UUID(upload.json()["id"]))
    assert document is not None and document.read_state == "pending"

    # Redis is back; nobody opens a page: the workers' cron queues the read.
    ctx = {"session_factory": session_factory, "redis": redis}
    job_id = read_job_id(document.id)
    try:
        assert await queue_pending_reads(ctx, grace=timedelta(0)) >= 1
        assert await redis.get(f"arq:job:{job_id}") is not None
        assert await redis.zscore("arq:queue", job_id) is not None
    finally:
        await redis.delete(f"arq:job:{job_id}")
        await redis.zrem("arq:queue", job_id)
