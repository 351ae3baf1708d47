"""`check_log` and `coinet audit check` find rows that a database superuser altered, removed or
reordered behind the triggers' back."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from backend import cli
from backend.audit.context import AuditContext
from backend.audit.samples import sample_facts
from backend.audit.service import (
    AuditError,
    LogCheck,
    append_snapshots,
    check_log,
    make_checkpoint,
)
from backend.config import Settings, get_settings
from tests.integration.audit.conftest import AuditDatabase

pytestmark = pytest.mark.integration

GC, SUB, PROJECT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ENGAGEMENTS = [uuid.uuid4() for _ in range(3)]


async def populate(db: AuditDatabase, context: AuditContext) -> None:
    """Twelve entries over three engagements, checkpointed at 6 and at 12."""
    for start in (0, 6):
        async with db.sessions() as session, session.begin():
            await append_snapshots(
                session,
                [
                    sample_facts(
                        engagement_id=ENGAGEMENTS[i % 3],
                        project_id=PROJECT,
                        sub_id=SUB,
                        gc_id=GC,
                        as_of=date(2026, 4, 1 + i),
                        serial=i,
                    )
                    for i in range(start, start + 6)
                ],
            )
        async with db.sessions() as session, session.begin():
            await make_checkpoint(session, context)


async def checked(db: AuditDatabase, context: AuditContext) -> LogCheck:
    async with db.sessions() as session:
        return await check_log(session, context)


def kinds(result: LogCheck) -> set[str]:
    return {finding.kind for finding in result.findings}


@pytest.fixture
async def populated(audit_db: AuditDatabase, audit_context: AuditContext) -> AuditDatabase:
    await populate(audit_db, audit_context)
    result = await checked(audit_db, audit_context)
    assert result.ok, result.findings
    assert (result.entries, result.checkpoints) == (12, 2)
    return audit_db


async def test_altered_snapshot_bytes_are_found(
    populated: AuditDatabase, audit_context: AuditContext
) -> None:
    await populated.superuser_execute(
        "UPDATE audit_log_entries SET snapshot = "
        "convert_to(replace(convert_from(snapshot, 'UTF8'), 'non_compliant', 'compliant'), "
        "'UTF8') WHERE seq = 4"
    )
    result = await checked(populated, audit_context)
    assert any(f.kind == "altered" and f.seq == 4 for f in result.findings)
    assert "checkpoint" in kinds(result)


async def test_an_alteration_with_recomputed_hashes_is_still_found(
    populated: AuditDatabase, audit_context: AuditContext
) -> None:
    # A careful insider also rewrites the stored hashes so that the row looks consistent.
    await populated.superuser_execute(
        "UPDATE audit_log_entries SET snapshot = "
        "convert_to(replace(convert_from(snapshot, 'UTF8'), 'non_compliant', 'compliant'), "
        "'UTF8') WHERE seq = 4",
        "UPDATE audit_log_entries SET snapshot_sha256 = sha256(snapshot), "
        "leaf_hash = sha256('\\x00'::bytea || snapshot) WHERE seq = 4",
    )
    result = await checked(populated, audit_context)
    assert not any(f.kind == "altered" and f.seq == 4 for f in result.findings)
    # The signed checkpoint at 6 (and so at 12) no longer matches, and entry 7, the next of
    # the same engagement, no longer follows its predecessor.
    messages = " ".join(f.detail for f in result.findings if f.kind == "checkpoint")
    assert "first 6 entries" in messages and "0..5" in messages
    assert any(f.kind == "reordered" and f.seq == 7 for f in result.findings)


async def test_a_removed_entry_is_found(
    populated: AuditDatabase, audit_context: AuditContext
) -> None:
    await populated.superuser_execute("DELETE FROM audit_log_entries WHERE seq = 8")
    result = await checked(populated, audit_context)
    assert any(f.kind == "removed" and f.seq == 8 for f in result.findings)
    assert any(f.kind == "reordered" and f.seq == 11 for f in result.findings)


async def test_a_removed_last_entry_is_found(
    populated: AuditDatabase, audit_context: AuditContext
) -> None:
    await populated.superuser_execute("DELETE FROM audit_log_entries WHERE seq = 11")
    result = await checked(populated, audit_context)
    assert any(
        f.kind == "removed" and "covers 12 entries but the log holds 11" in f.detail
        for f in result.findings
    )


async def test_reordered_entries_are_found(
    populated: AuditDatabase, audit_context: AuditContext
) -> None:
    # Entries 1 and 2 belong to different engagements, so no chain notices the swap alone.
    await populated.superuser_execute(
        "UPDATE audit_log_entries SET seq = -1 WHERE seq = 1",
        "UPDATE audit_log_entries SET seq = 1 WHERE seq = 2",
        "UPDATE audit_log_entries SET seq = 2 WHERE seq = -1",
    )
    result = await checked(populated, audit_context)
    assert "checkpoint" in kinds(result)
    assert any("0..5" in f.detail for f in result.findings)


async def test_an_altered_index_column_is_found(
    populated: AuditDatabase, audit_context: AuditContext
) -> None:
    # Moving an entry to another date would change what "in effect on D" returns.
    await populated.superuser_execute(
        "UPDATE audit_log_entries SET as_of = DATE '2025-01-01' WHERE seq = 3"
    )
    result = await checked(populated, audit_context)
    assert any(f.kind == "altered" and f.seq == 3 and "as-of" in f.detail for f in result.findings)


async def test_a_forged_checkpoint_is_found(
    populated: AuditDatabase, audit_context: AuditContext
) -> None:
    await populated.superuser_execute(
        "UPDATE audit_checkpoints SET note = replace(note, E'\\n12\\n', E'\\n11\\n') "
        "WHERE tree_size = 12"
    )
    result = await checked(populated, audit_context)
    assert any(f.kind == "checkpoint" and "not valid" in f.detail for f in result.findings)


@pytest.fixture
def cli_settings(
    populated: AuditDatabase, audit_context: AuditContext, tmp_path: Path
) -> Iterator[Settings]:
    """Point `coinet` at the test database and the test keys through the environment."""
    keys_dir = tmp_path / "keys"
    patch = pytest.MonkeyPatch()
    patch.setenv("DATABASE_URL", populated.url)
    patch.setenv("KEYS_DIR", str(keys_dir))
    patch.setenv("BASE_URL", "http://test.coinet.local")
    get_settings.cache_clear()
    settings = get_settings()
    yield dataclasses.replace(settings, extra={"audit_origin": audit_context.origin})
    patch.undo()
    get_settings.cache_clear()


async def test_coinet_audit_check_exits_non_zero_on_tampering(
    populated: AuditDatabase,
    audit_context: AuditContext,
    cli_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("backend.audit.cli.get_settings", lambda: cli_settings)
    assert await asyncio.to_thread(cli.main, ["audit", "check"]) == 0
    assert "no tampering found" in capsys.readouterr().out
    await populated.superuser_execute("DELETE FROM audit_log_entries WHERE seq = 2")
    assert await asyncio.to_thread(cli.main, ["audit", "check"]) == 1
    output = capsys.readouterr().out
    assert "removed" in output and "entry 2" in output


async def test_a_damaged_checkpoint_edge_is_never_extended(
    populated: AuditDatabase, audit_context: AuditContext
) -> None:
    await populated.superuser_execute(
        "UPDATE audit_checkpoints SET compact_tree = sha256(compact_tree) WHERE tree_size = 12"
    )
    async with populated.sessions() as session, session.begin():
        await append_snapshots(
            session,
            [
                sample_facts(
                    engagement_id=ENGAGEMENTS[0],
                    project_id=PROJECT,
                    sub_id=SUB,
                    gc_id=GC,
                    as_of=date(2026, 5, 1),
                    serial=99,
                )
            ],
        )
    async with populated.sessions() as session:
        with pytest.raises(AuditError, match="damaged"):
            await make_checkpoint(session, audit_context)
