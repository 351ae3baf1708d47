"""Background work of the audit log: the periodic checkpoint (an arq cron job).

Safe to run twice or on several workers at once: with nothing new appended it makes nothing,
and two racing runs both make valid checkpoints of the same committed prefix.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.audit.context import AuditContext
from backend.audit.service import make_checkpoint
from backend.config import Settings, get_settings

# When the cron makes a checkpoint: every five minutes is cheap (a checkpoint only hashes the
# leaves added since the previous one) and keeps the window an insider could rewrite short.
CHECKPOINT_MINUTES = set(range(0, 60, 5))


async def make_checkpoint_job(ctx: dict[str, Any]) -> dict[str, Any]:
    session_factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    settings: Settings = ctx.get("settings") or get_settings()
    context = AuditContext.from_settings(settings)
    async with session_factory() as session, session.begin():
        checkpoint = await make_checkpoint(session, context)
    if checkpoint is None:
        return {"created": False}
    return {"created": True, "tree_size": checkpoint.tree_size, "id": str(checkpoint.id)}
