"""Audit integration fixtures: each test gets its own throw-away PostgreSQL database, cloned
from one migrated template, because these tests commit from several connections and tamper
with rows as the superuser, which the shared rolled-back database cannot host."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from backend.audit.context import AuditContext
from backend.audit.local_tsa import LocalAuthority
from backend.db.session import make_session_factory

pytestmark = pytest.mark.integration

BASE_URL = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/coinet")
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _admin_dsn() -> str:
    url = make_url(BASE_URL).set(drivername="postgresql", database="postgres")
    return url.render_as_string(hide_password=False)


def database_url(name: str) -> str:
    return make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)


async def _admin(statement: str, *args: object) -> None:
    connection = await asyncpg.connect(_admin_dsn())
    try:
        await connection.execute(statement, *args)
    finally:
        await connection.close()


async def _drop(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def audit_template() -> AsyncIterator[str]:
    try:
        await _admin("SELECT 1")
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    name = f"coinet_test_audit_tpl_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    process = await asyncio.create_subprocess_exec(
        "uv",
        "run",
        "--quiet",
        "alembic",
        "-x",
        f"url={database_url(name)}",
        "upgrade",
        "head",
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        await _drop(name)
        pytest.fail(f"migrations failed:\n{output.decode(errors='replace')}")
    yield name
    await _drop(name)


@dataclass
class AuditDatabase:
    name: str
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def superuser_execute(self, *statements: str) -> None:
        """Run SQL as the superuser with triggers off, the way a rogue administrator would."""
        dsn = make_url(self.url).set(drivername="postgresql").render_as_string(False)
        connection = await asyncpg.connect(dsn)
        try:
            async with connection.transaction():
                await connection.execute("SET LOCAL session_replication_role = replica")
                for statement in statements:
                    await connection.execute(statement)
        finally:
            await connection.close()


@pytest.fixture
async def audit_db(audit_template: str) -> AsyncIterator[AuditDatabase]:
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"coinet_test_audit_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{audit_template}"')
    url = database_url(name)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        yield AuditDatabase(name, url, engine, make_session_factory(engine))
    finally:
        await engine.dispose()
        await _drop(name)


@pytest.fixture(scope="session")
def local_authority() -> LocalAuthority:
    return LocalAuthority.create()


@pytest.fixture
def stored_documents() -> dict[str, bytes]:
    """Stands in for the content-addressed document store: SHA-256 hex -> bytes."""
    return {}


@pytest.fixture
def audit_context(tmp_path: Path, stored_documents: dict[str, bytes]) -> AuditContext:
    return AuditContext.from_keys_dir(
        tmp_path / "keys", "test.coinet.local/audit", read_document=stored_documents.get
    )


@pytest.fixture
def timestamped_context(tmp_path: Path, local_authority: LocalAuthority) -> Iterator[AuditContext]:
    keys_dir = tmp_path / "tsa-keys"
    keys_dir.mkdir()
    (keys_dir / "tsa-roots.pem").write_bytes(local_authority.root_pem)
    with local_authority.serve() as url:
        yield AuditContext.from_keys_dir(keys_dir, "test.coinet.local/audit", timestamp_url=url)
