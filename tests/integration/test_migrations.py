from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.config import Settings
from backend.db.models import Base
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
    assert await _compression(scratch_url, "verdicts", "checks") == "l"
    assert await _compression(scratch_url, "audit_log_entries", "snapshot") == "l"
    await migrate(scratch_url, "0004_application_role", down=True)
    assert await _compression(scratch_url, "verdicts", "checks") == ""
