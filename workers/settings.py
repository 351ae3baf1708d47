"""The one arq WorkerSettings: every job and cron the workers run is listed here."""

from __future__ import annotations

from typing import Any, ClassVar

from arq.connections import RedisSettings

from backend.config import get_settings
from backend.db.session import make_engine, make_session_factory
from workers.read_job import read_document_job
from workers.relay import relay_outbox


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    engine = make_engine(settings)
    ctx["settings"] = settings
    ctx["engine"] = engine
    ctx["session_factory"] = make_session_factory(engine)


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["engine"].dispose()


class WorkerSettings:
    functions: ClassVar[list[Any]] = [relay_outbox, read_document_job]
    cron_jobs: ClassVar[list[Any]] = []
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url)
    max_jobs = 10
    job_timeout = 300
    keep_result = 3600
