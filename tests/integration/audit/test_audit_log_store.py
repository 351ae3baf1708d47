"""The append-only log in PostgreSQL: gap-free leaves under concurrency, per-engagement chains,
triggers and privileges that refuse changes, signed and time-stamped checkpoints, and the
snapshot in effect on a date."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import itertools
import uuid
from datetime import date
from pathlib import Path
from types import ModuleType

import asyncpg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from backend.audit import merkle
from backend.audit.canonical import parse_snapshot
from backend.audit.checkpoint import open_checkpoint
from backend.audit.context import AuditContext
from backend.audit.jobs import make_checkpoint_job
from backend.audit.local_tsa import LocalAuthority
from backend.audit.samples import sample_facts
from backend.audit.service import append_snapshots, in_effect_on, make_checkpoint
from backend.audit.timestamp import verify_timestamp
from backend.config import get_settings
from backend.db.models.audit_log_entry import AuditLogEntry
from tests.integration.audit.conftest import PROJECT_ROOT, AuditDatabase

pytestmark = pytest.mark.integration

GC, SUB, PROJECT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def facts_for(engagement: uuid.UUID, serial: int, on: date = date(2026, 3, 1), **kw: object):  # type: ignore[no-untyped-def]
    return sample_facts(
        engagement_id=engagement,
        project_id=kw.pop("project", PROJECT),  # type: ignore[arg-type]
        sub_id=kw.pop("sub", SUB),  # type: ignore[arg-type]
        gc_id=GC,
        as_of=on,
        serial=serial,
        **kw,  # type: ignore[arg-type]
    )


async def all_entries(db: AuditDatabase) -> list[AuditLogEntry]:
    async with db.sessions() as session:
        rows = await session.execute(select(AuditLogEntry).order_by(AuditLogEntry.seq))
        return list(rows.scalars())


async def test_append_assigns_gap_free_leaves_and_chains_each_engagement(
    audit_db: AuditDatabase,
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    async with audit_db.sessions() as session, session.begin():
        batch = [facts_for(first, 0), facts_for(second, 1), facts_for(first, 2)]
        appended = await append_snapshots(session, batch)
    assert [entry.seq for entry in appended] == [0, 1, 2]
    async with audit_db.sessions() as session, session.begin():
        later = await append_snapshots(session, [facts_for(second, 3, kind="approve")])
    assert later[0].seq == 3

    entries = await all_entries(audit_db)
    assert [e.seq for e in entries] == [0, 1, 2, 3]
    snapshots = [parse_snapshot(e.snapshot) for e in entries]
    # Each engagement's first snapshot starts a chain; later ones name their predecessor.
    assert snapshots[0]["previous_snapshot_sha256"] is None
    assert snapshots[1]["previous_snapshot_sha256"] is None
    assert snapshots[2]["previous_snapshot_sha256"] == entries[0].snapshot_sha256.hex()
    assert snapshots[3]["previous_snapshot_sha256"] == entries[1].snapshot_sha256.hex()
    assert snapshots[3]["decision"]["action"] == "approve"
    for entry in entries:
        assert entry.leaf_hash == merkle.leaf_hash(entry.snapshot)


async def test_concurrent_appenders_get_distinct_consecutive_leaves(
    audit_db: AuditDatabase,
) -> None:
    engagements = [uuid.uuid4() for _ in range(4)]

    async def appender(engagement: uuid.UUID) -> None:
        for round_number in range(5):
            async with audit_db.sessions() as session, session.begin():
                await append_snapshots(
                    session, [facts_for(engagement, round_number * 2 + i) for i in range(2)]
                )

    await asyncio.gather(*(appender(e) for e in engagements))
    entries = await all_entries(audit_db)
    assert [e.seq for e in entries] == list(range(40))
    for engagement in engagements:
        chain = [e for e in entries if e.engagement_id == engagement]
        assert len(chain) == 10
        for before, after in itertools.pairwise(chain):
            assert after.previous_snapshot_sha256 == before.snapshot_sha256


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log_entries SET kind = 'waive'",
        "DELETE FROM audit_log_entries",
        "TRUNCATE audit_log_entries",
        "UPDATE audit_checkpoints SET tree_size = 0",
        "DELETE FROM audit_checkpoints",
        "TRUNCATE audit_checkpoints",
    ],
)
async def test_triggers_refuse_changes_even_from_the_owner(
    audit_db: AuditDatabase, audit_context: AuditContext, statement: str
) -> None:
    async with audit_db.sessions() as session, session.begin():
        await append_snapshots(session, [facts_for(uuid.uuid4(), 0)])
        await make_checkpoint(session, audit_context)
    async with audit_db.sessions() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text(statement))
    assert len(await all_entries(audit_db)) == 1


def load_migration() -> ModuleType:
    path = PROJECT_ROOT / "alembic" / "versions" / "0002_audit_log.py"
    spec = importlib.util.spec_from_file_location("audit_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_application_role_may_only_insert_and_select(audit_db: AuditDatabase) -> None:
    role = f"coinet_test_app_{uuid.uuid4().hex[:8]}"
    migration = load_migration()
    dsn = audit_db.url.replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f"CREATE ROLE {role} NOLOGIN")
        try:
            # The migration's grant block, aimed at a throw-away role instead of coinet_app.
            for table in migration.AUDIT_TABLES:
                grant = migration.append_only_statements(table)[-1]
                await connection.execute(grant.replace("coinet_app", role))
                for privilege, allowed in [
                    ("SELECT", True),
                    ("INSERT", True),
                    ("UPDATE", False),
                    ("DELETE", False),
                    ("TRUNCATE", False),
                ]:
                    granted = await connection.fetchval(
                        "SELECT has_table_privilege($1, $2, $3)", role, table, privilege
                    )
                    assert granted is allowed, (table, privilege)
            await connection.execute(f"SET ROLE {role}")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute("DELETE FROM audit_log_entries")
            await connection.execute("RESET ROLE")
        finally:
            await connection.execute("RESET ROLE")
            await connection.execute(f"DROP OWNED BY {role}")
            await connection.execute(f"DROP ROLE {role}")
    finally:
        await connection.close()


async def test_checkpoints_sign_the_current_root_and_stay_consistent(
    audit_db: AuditDatabase, audit_context: AuditContext
) -> None:
    engagement = uuid.uuid4()
    async with audit_db.sessions() as session, session.begin():
        assert await make_checkpoint(session, audit_context) is not None  # the empty tree
        await append_snapshots(session, [facts_for(engagement, i) for i in range(5)])
    async with audit_db.sessions() as session, session.begin():
        first = await make_checkpoint(session, audit_context)
        assert first is not None
        assert await make_checkpoint(session, audit_context) is None  # nothing new
        await append_snapshots(session, [facts_for(engagement, i) for i in range(5, 13)])
    async with audit_db.sessions() as session, session.begin():
        second = await make_checkpoint(session, audit_context)
        assert second is not None

    leaves = [entry.leaf_hash for entry in await all_entries(audit_db)]
    assert (first.tree_size, second.tree_size) == (5, 13)
    assert first.root_hash == merkle.root_hash(leaves[:5])
    assert second.root_hash == merkle.root_hash(leaves)
    opened = open_checkpoint(second.note, audit_context.keyring)
    assert opened.checkpoint.root == second.root_hash
    assert opened.checkpoint.origin == "test.coinet.local/audit"
    assert second.key_id == audit_context.signer.verifier.key_id.hex()
    proof = merkle.consistency_proof(5, leaves)
    assert merkle.verify_consistency(5, 13, proof, first.root_hash, second.root_hash)
    assert first.timestamp_token is None


async def test_checkpoint_is_time_stamped_when_an_authority_is_configured(
    audit_db: AuditDatabase,
    timestamped_context: AuditContext,
    local_authority: LocalAuthority,
) -> None:
    async with audit_db.sessions() as session, session.begin():
        await append_snapshots(session, [facts_for(uuid.uuid4(), 0)])
        checkpoint = await make_checkpoint(session, timestamped_context)
    assert checkpoint is not None and checkpoint.timestamp_token is not None
    info = verify_timestamp(
        checkpoint.timestamp_token,
        checkpoint.note.encode("utf-8"),
        [local_authority.root_certificate],
    )
    assert info.generated_at.year >= 2024
    assert checkpoint.timestamp_url == timestamped_context.timestamp_url


async def test_in_effect_on_finds_the_snapshot_in_force_on_the_date(
    audit_db: AuditDatabase,
) -> None:
    engagement, other_sub = uuid.uuid4(), uuid.uuid4()
    async with audit_db.sessions() as session, session.begin():
        await append_snapshots(
            session,
            [
                facts_for(engagement, 0, date(2026, 1, 10)),
                facts_for(engagement, 1, date(2026, 2, 1), kind="approve"),
                facts_for(engagement, 2, date(2026, 2, 1), kind="pay_hold"),
                facts_for(engagement, 3, date(2026, 6, 1)),
                facts_for(uuid.uuid4(), 4, date(2026, 3, 1), sub=other_sub),
            ],
        )
    async with audit_db.sessions() as session:
        found = await in_effect_on(session, PROJECT, SUB, date(2026, 3, 15))
        assert found is not None and found.kind == "pay_hold"
        assert (await in_effect_on(session, PROJECT, SUB, date(2026, 1, 10))).seq == 0  # type: ignore[union-attr]
        assert (await in_effect_on(session, PROJECT, SUB, date(2027, 1, 1))).seq == 3  # type: ignore[union-attr]
        assert await in_effect_on(session, PROJECT, SUB, date(2025, 12, 31)) is None
        assert (await in_effect_on(session, PROJECT, other_sub, date(2026, 3, 1))).seq == 4  # type: ignore[union-attr]


async def test_the_cron_job_checkpoints_only_when_there_is_something_new(
    audit_db: AuditDatabase, audit_context: AuditContext, tmp_path: Path
) -> None:
    settings = dataclasses.replace(
        get_settings(), keys_dir=tmp_path / "keys", extra={"audit_origin": audit_context.origin}
    )
    ctx = {"session_factory": audit_db.sessions, "settings": settings}
    async with audit_db.sessions() as session, session.begin():
        await append_snapshots(session, [facts_for(uuid.uuid4(), i) for i in range(3)])
    first = await make_checkpoint_job(ctx)
    assert first["created"] and first["tree_size"] == 3
    assert await make_checkpoint_job(ctx) == {"created": False}
