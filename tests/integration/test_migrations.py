from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from backend.config import Settings
from backend.db.models import Base
from backend.projects.repository import store_checks
from tests.integration.conftest import create_database, drop_database, migrate


@pytest.fixture
async def scratch_url(base_settings: Settings):  # type: ignore[no-untyped-def]
    name = f"coinet_mig_{uuid.uuid4().hex[:10]}"
    url = await create_database(base_settings.database_url, name)
    yield url
    await drop_database(base_settings.database_url, name)


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return {r[0] for r in rows} - {"alembic_version"}
    finally:
        await engine.dispose()


async def test_models_and_migrations_do_not_drift(scratch_url: str) -> None:
    await migrate(scratch_url)
    assert await _diff(scratch_url) == []


async def test_migrations_downgrade_to_nothing_and_upgrade_again(scratch_url: str) -> None:
    await migrate(scratch_url)
    assert "engagements" in await _tables(scratch_url)
    await migrate(scratch_url, "base", down=True)
    assert await _tables(scratch_url) == set()
    await migrate(scratch_url)
    assert set(Base.metadata.tables) <= await _tables(scratch_url)


async def _compression(url: str, table: str, column: str) -> str:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text(
                    "SELECT CAST(attcompression AS text) FROM pg_attribute "
                    "WHERE attrelid = CAST(:table AS regclass) AND attname = :column"
                ),
                {"table": table, "column": column},
            )
            return str(found or "")
    finally:
        await engine.dispose()


async def test_the_large_fan_out_values_are_compressed_with_lz4(scratch_url: str) -> None:
    await migrate(scratch_url)
    # 'l' is lz4; this PostgreSQL (Debian's) is built with it.
    assert await _compression(scratch_url, "verdict_checks", "checks") == "l"
    assert await _compression(scratch_url, "audit_log_entries", "snapshot") == "l"
    await migrate(scratch_url, BEFORE_VERDICT_CHECKS, down=True)
    assert await _compression(scratch_url, "verdicts", "checks") == "l"
    await migrate(scratch_url, "0004_application_role", down=True)
    assert await _compression(scratch_url, "verdicts", "checks") == ""


BEFORE_VERDICT_CHECKS = "0020_invitation_contract_ref"
GAP = {"code": "GL_EACH_OCCURRENCE_MIN", "outcome": "fail", "expected": 1000000, "found": 500000}
HOLDER = {"code": "CERTIFICATE_HOLDER_NAME", "outcome": "pass", "found": "Acme Builders"}


async def test_verdict_checks_are_stored_once_and_move_back_on_downgrade(
    scratch_url: str,
) -> None:
    """0021 moves each distinct checks array to verdict_checks (equal arrays once, whatever
    their keys' order), each verdict naming it; the fan-out's store finds the same address for
    the same array; the downgrade puts every verdict's array back."""
    await migrate(scratch_url, BEFORE_VERDICT_CHECKS)
    reordered = {key: GAP[key] for key in reversed(list(GAP))}
    arrays = {uuid.uuid4(): [GAP, HOLDER], uuid.uuid4(): [reordered, HOLDER], uuid.uuid4(): []}
    engine = create_async_engine(scratch_url)
    try:
        async with engine.begin() as connection:
            # Verdicts alone, without the engagements and revisions their keys name.
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
            for verdict_id, checks in arrays.items():
                await connection.execute(
                    text(
                        "INSERT INTO verdicts (id, engagement_id, revision_id, "
                        "requirement_set_version_id, status, phase, as_of, engine_version, "
                        "checks, created_at) VALUES (:id, :id, :id, :id, 'non_compliant', "
                        "'ongoing', CURRENT_DATE, 'test', CAST(:checks AS jsonb), now())"
                    ),
                    {"id": verdict_id, "checks": json.dumps(checks)},
                )
        await migrate(scratch_url)
        async with engine.begin() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM verdict_checks")) == 2
            stored = dict(
                (
                    await connection.execute(
                        text(
                            "SELECT v.id, c.checks FROM verdicts v "
                            "JOIN verdict_checks c ON c.sha256 = v.checks_sha256"
                        )
                    )
                ).all()
            )
            assert stored == arrays
            address = await connection.scalar(
                text("SELECT checks_sha256 FROM verdicts WHERE id = :id"),
                {"id": next(iter(arrays))},
            )
            async with AsyncSession(bind=connection) as session:
                texts = [json.dumps(HOLDER), json.dumps(reordered)]
                assert await store_checks(session, texts, [[1, 0], []]) == [
                    address,
                    hashlib.sha256(b"[]").digest(),
                ]
        await migrate(scratch_url, BEFORE_VERDICT_CHECKS, down=True)
        async with engine.connect() as connection:
            restored = dict(
                (await connection.execute(text("SELECT id, checks FROM verdicts"))).all()
            )
            assert restored == arrays
            assert "verdict_checks" not in await _tables(scratch_url)
    finally:
        await engine.dispose()
