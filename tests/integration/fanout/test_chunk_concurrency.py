"""A worker process takes one fan-out chunk job at a time and leaves the others queued for the
other processes, while it goes on taking every other kind of job (workers/settings.py,
FanOutWorker). Real Redis, arq's own claiming; the jobs stand in for a chunk and a mail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq import ArqRedis, func
from arq.constants import default_queue_name, in_progress_key_prefix

from backend.config import Settings
from tests.integration.fanout.test_worker_processes import _claim_redis_database
from workers.fanout import CHUNK_JOB, CHUNK_JOB_PREFIX, MAIL_JOB
from workers.settings import CHUNKS_PER_PROCESS, DEFAULT_MAX_JOBS, FanOutWorker

CHUNKS = 3
WAIT_SECONDS = 10.0


@pytest.fixture
async def pool(base_settings: Settings) -> AsyncIterator[ArqRedis]:
    redis, _ = await _claim_redis_database(base_settings.redis_url)
    try:
        yield redis
    finally:
        await redis.flushdb()
        await redis.aclose()


async def _due(redis: ArqRedis) -> list[bytes]:
    return list(await redis.zrangebyscore(default_queue_name, min=float("-inf"), max=float("inf")))


async def test_one_chunk_per_process_and_other_jobs_alongside(pool: ArqRedis) -> None:
    release = asyncio.Event()
    ran: list[str] = []

    async def chunk(ctx: dict[str, Any], first: str) -> None:
        ran.append(first)
        await release.wait()  # a chunk verifying its engagements

    async def mail(ctx: dict[str, Any]) -> None:
        ran.append("mail")

    for number in range(CHUNKS):
        await pool.enqueue_job(CHUNK_JOB, str(number), _job_id=f"{CHUNK_JOB_PREFIX}plan:{number}")
    await pool.enqueue_job(MAIL_JOB, _job_id="mail:after-the-chunks")
    worker = FanOutWorker(
        functions=[func(chunk, name=CHUNK_JOB), func(mail, name=MAIL_JOB)],
        redis_pool=pool,
        max_jobs=DEFAULT_MAX_JOBS,
        handle_signals=False,
    )
    try:
        await worker.start_jobs(await _due(pool))
        await asyncio.sleep(0.2)
        # One chunk taken, the mail queued behind the chunks taken too; two chunks left queued.
        assert worker.chunks_running() == CHUNKS_PER_PROCESS
        assert sorted(ran) == ["0", "mail"]
        waiting = [f"{in_progress_key_prefix}{CHUNK_JOB_PREFIX}plan:{n}" for n in (1, 2)]
        assert await pool.exists(*waiting) == 0

        # A second poll while the chunk runs takes nothing more.
        await worker.start_jobs(await _due(pool))
        assert worker.chunks_running() == CHUNKS_PER_PROCESS
        assert sorted(ran) == ["0", "mail"]

        # Its chunk done, the process takes the next one.
        release.set()
        await asyncio.wait_for(asyncio.gather(*worker.tasks.values()), WAIT_SECONDS)
        release.clear()
        await worker.start_jobs(await _due(pool))
        await asyncio.sleep(0.2)
        assert sorted(ran) == ["0", "1", "mail"]
    finally:
        release.set()
        await asyncio.wait_for(asyncio.gather(*worker.tasks.values()), WAIT_SECONDS)
