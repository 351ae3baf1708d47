"""Each fan-out batch's snapshots are covered by a signed checkpoint before the next batch."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit import tail
from backend.audit.context import AuditContext
from backend.config import Settings
from backend.db.models.audit_checkpoint import AuditCheckpoint
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.records.store import make_store
from tests.integration.factories import make_org
from tests.integration.fanout.helpers import confirm, engage_on_project, initial_change
from tests.integration.fanout.test_fanout import TODAY, event_of, ready_sub
from workers.fanout import run_fan_out


async def test_every_batch_is_sealed_before_the_next_starts(
    db: AsyncSession, session_factory: Any, settings: Settings, tmp_path: Path
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    for _ in range(3):
        await engage_on_project(db, gc, sub)
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY - timedelta(10)))
    event = await event_of(db, revision.id)
    context = AuditContext.from_keys_dir(tmp_path / "keys", "test.coinet.local/audit")
    covered: list[tuple[int, int]] = []

    async def after_batch(_batch: int) -> None:
        entries = await db.scalar(select(func.count()).select_from(AuditLogEntry))
        signed = await db.scalar(select(func.max(AuditCheckpoint.tree_size)))
        covered.append((int(entries or 0), int(signed or 0)))

    report = await run_fan_out(
        session_factory,
        event.id,
        TODAY,
        size=1,
        after_batch=after_batch,
        seal=lambda: tail.seal(session_factory, context),
    )
    assert report.batches == 3
    assert len(covered) == 3 and all(entries == signed > 0 for entries, signed in covered)
    assert [entries for entries, _ in covered] == sorted({entries for entries, _ in covered})
