"""Background work of the audit log: the periodic checkpoint (an arq cron job).

Safe to run twice or on several workers at once: with nothing new appended it makes nothing,
and two racing runs both make valid checkpoints of the same committed prefix.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.audit.context import AuditContext
from backend.audit.tail import seal
from backend.config import Settings, get_settings

# When the backstop cron makes a checkpoint: every append is already sealed as it commits
# (backend/audit/tail.py); this covers a seal that failed. With nothing new it costs two small
# queries, so every five seconds keeps any gap short at no real cost.
CHECKPOINT_SECONDS = set(range(0, 60, 5))


async def make_checkpoint_job(ctx: dict[str, Any]) -> dict[str, Any]:
    session_factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    settings: Settings = ctx.get("settings") or get_settings()
    context = AuditContext.from_settings(settings)
    checkpoint = await seal(session_factory, context)
    if checkpoint is None:
        return {"created": False}
    return {"created": True, "tree_size": checkpoint.tree_size, "id": str(checkpoint.id)}
