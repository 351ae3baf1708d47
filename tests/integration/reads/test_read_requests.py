"""An upload's read request is written in the upload's own transaction and survives Redis being
down: the relay queues it (under the read's own job id) once Redis answers, with nobody opening
a page; a duplicate upload asks for no second read."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from arq.connections import ArqRedis
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.config import Settings
from backend.db.models import OutboxEvent
from backend.records.service import DOCUMENT_UPLOADED
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.test_relay import _closed_port
from workers.read_job import READ_JOB, read_job_id
from workers.relay import relay_outbox


async def test_an_upload_made_while_redis_is_down_is_queued_by_the_relay_when_it_returns(
    settings: Settings, session_factory: Any, db: AsyncSession, redis: ArqRedis
) -> None:
    down = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    app = create_app(down)
    sub = await make_org(db, "subcontractor")
    content = b"%PDF-1.4 " + uuid.uuid4().bytes
    async with (
        app.lifespan(),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as web,  # type: ignore[arg-type]
    ):
        app.state.session_factory = session_factory
        csrf = await sign_in(web, sub.emails["sub_bookkeeper"])
        for name in ("outage.pdf", "again.pdf"):  # the second is the same bytes: no new read
            upload = await web.post(
                f"/api/v1/subs/{sub.id}/documents",
                files={"file": (name, content, "application/pdf")},
                headers={"x-csrf-token": csrf},
            )
            assert upload.status_code in (200, 201), upload.text
    document_id = upload.json()["id"]
    requests = (
        (await db.execute(select(OutboxEvent).where(OutboxEvent.kind == DOCUMENT_UPLOADED)))
        .scalars()
        .all()
    )
    mine = [e for e in requests if e.payload["document_id"] == document_id]
    assert len(mine) == 1 and mine[0].published_at is None

    job_id = read_job_id(document_id)
    try:
        assert await relay_outbox({"session_factory": session_factory, "redis": redis}) >= 1
        await db.refresh(mine[0])
        assert mine[0].published_at is not None
        job = await redis.get(f"arq:job:{job_id}")
        assert job is not None and READ_JOB.encode() in job
        assert await redis.zscore("arq:queue", job_id) is not None
    finally:
        await redis.delete(f"arq:job:{job_id}")
        await redis.zrem("arq:queue", job_id)
