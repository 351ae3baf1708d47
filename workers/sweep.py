"""The daily expiry sweep as an arq job (also run on demand with `coinet sweep`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.projects.sweep import run_sweep
from backend.projects.waiver_end import end_waivers

# Early morning in the United States: notices are waiting when offices open.
SWEEP_HOUR_UTC: Final = 10


async def expiry_sweep(ctx: dict[str, Any]) -> dict[str, Any]:
    factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    async with factory() as session, session.begin():
        today = datetime.now(UTC).date()
        report = await run_sweep(session, today)
        report.waiver_notices = await end_waivers(session, today)
    if report.notices or report.waiver_notices:
        await ctx["redis"].enqueue_job("send_notice_mail")
    return report.__dict__
