"""No unsigned tail: an append is covered by a signed checkpoint as soon as it commits, so an
insider who rewrites the newest entries with recomputed hashes is caught by the check."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest

from backend import cli
from backend.audit import tail
from backend.audit.context import AuditContext
from backend.audit.samples import sample_facts
from backend.audit.service import append_snapshots, check_log, latest_checkpoint
from backend.config import Settings
from tests.integration.audit.conftest import AuditDatabase
from tests.integration.audit.test_audit_tamper import cli_settings  # noqa: F401 (a fixture)

pytestmark = pytest.mark.integration

GC, SUB, PROJECT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


async def decide_and_seal(db: AuditDatabase, context: AuditContext, first: int, count: int) -> None:
    """What a decision does: append in its own transaction, then seal after the commit."""
    async with db.sessions() as session, session.begin():
        await append_snapshots(
            session,
            [
                sample_facts(
                    engagement_id=uuid.UUID(int=1 + i % 2),
                    project_id=PROJECT,
                    sub_id=SUB,
                    gc_id=GC,
                    as_of=date(2026, 5, 1 + i),
                    serial=i,
                )
                for i in range(first, first + count)
            ],
        )
    assert tail.unsealed()
    checkpoint = await tail.seal_if_appended(db.sessions, context)
    assert checkpoint is not None and checkpoint.tree_size == first + count
    assert not tail.unsealed()


@pytest.fixture
async def sealed_log(audit_db: AuditDatabase, audit_context: AuditContext) -> AuditDatabase:
    await decide_and_seal(audit_db, audit_context, 0, 4)
    await decide_and_seal(audit_db, audit_context, 4, 2)  # the tail: entries 4 and 5
    async with audit_db.sessions() as session:
        assert (await check_log(session, audit_context)).ok
        newest = await latest_checkpoint(session)
    assert newest is not None and newest.tree_size == 6
    return audit_db


@pytest.fixture
def populated(audit_db: AuditDatabase) -> AuditDatabase:
    """The name `cli_settings` asks for: the database `coinet` is pointed at."""
    return audit_db


async def test_rewriting_the_newest_entries_with_recomputed_hashes_is_found(
    sealed_log: AuditDatabase,
    audit_context: AuditContext,
    cli_settings: Settings,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await sealed_log.superuser_execute(
        "UPDATE audit_log_entries SET snapshot = "
        "convert_to(replace(convert_from(snapshot, 'UTF8'), 'non_compliant', 'compliant'), "
        "'UTF8') WHERE seq >= 4",
        "UPDATE audit_log_entries SET snapshot_sha256 = sha256(snapshot), "
        "leaf_hash = sha256('\\x00'::bytea || snapshot) WHERE seq >= 4",
    )
    async with sealed_log.sessions() as session:
        result = await check_log(session, audit_context)
    assert not any(f.kind == "altered" for f in result.findings)  # the rows look consistent
    assert any(f.kind == "checkpoint" and "4..5" in f.detail for f in result.findings)

    monkeypatch.setattr("backend.audit.cli.get_settings", lambda: cli_settings)
    assert await asyncio.to_thread(cli.main, ["audit", "check"]) == 1
    assert "4..5 was altered, removed or reordered" in capsys.readouterr().out


async def test_a_tail_left_unsigned_is_reported(
    sealed_log: AuditDatabase, audit_context: AuditContext
) -> None:
    # Deleting the checkpoint that covers the tail (and backdating nothing else) leaves
    # entries that no signature covers; the check says so once they are past the grace.
    await sealed_log.superuser_execute(
        "DELETE FROM audit_checkpoints WHERE tree_size = 6",
        "UPDATE audit_log_entries SET created_at = created_at - interval '10 minutes'",
    )
    async with sealed_log.sessions() as session:
        result = await check_log(session, audit_context)
    assert any(f.kind == "unsigned" and f.seq == 4 and "4..5" in f.detail for f in result.findings)


async def test_a_coinet_command_that_appended_seals_before_it_exits(
    audit_db: AuditDatabase,
    cli_settings: Settings,  # noqa: F811
) -> None:
    async with audit_db.sessions() as session, session.begin():
        await append_snapshots(
            session,
            [
                sample_facts(
                    engagement_id=uuid.uuid4(),
                    project_id=PROJECT,
                    sub_id=SUB,
                    gc_id=GC,
                    as_of=date(2026, 5, 1),
                )
            ],
        )
    assert tail.unsealed()
    await asyncio.to_thread(cli._seal_audit_log)  # what `coinet sweep` / `demo load` run last
    assert not tail.unsealed()
    async with audit_db.sessions() as session:
        newest = await latest_checkpoint(session)
    assert newest is not None and newest.tree_size == 1
