"""Integration fixtures: a throw-away PostgreSQL database migrated once per run, each test
inside a transaction that is rolled back, real Redis, and the real app over ASGI."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from backend.app import create_app
from backend.audit.service import UnsealedAppends
from backend.config import Settings
from backend.ops_cli import alembic_config

pytestmark = pytest.mark.integration

# The suite's own Redis database, emptied after the run, so jobs its requests queue never reach
# a developer's worker on database 0. (Worker-process tests claim databases 15 down to 4.)
TEST_REDIS_DATABASE = 3


def _test_redis_url(redis_url: str) -> str:
    return f"{redis_url.rsplit('/', 1)[0]}/{TEST_REDIS_DATABASE}"


async def create_database(base_url: str, name: str) -> str:
    url = make_url(base_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def drop_database(base_url: str, name: str) -> None:
    url = make_url(base_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        await connection.close()


async def migrate(database_url: str, revision: str = "head", down: bool = False) -> None:
    from alembic import command

    config = alembic_config(database_url)
    # Alembic's env.py runs its own event loop, so it runs in a worker thread here.
    if down:
        await asyncio.to_thread(command.downgrade, config, revision)
    else:
        await asyncio.to_thread(command.upgrade, config, revision)


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    env = Settings.from_env()
    data_dir = tmp_path_factory.mktemp("coinet-data")
    return dataclasses.replace(
        env,
        redis_url=_test_redis_url(env.redis_url),
        data_dir=data_dir,
        document_root=data_dir / "documents",
        keys_dir=data_dir / "keys",
        max_upload_bytes=2 * 1024 * 1024,
        # The suite signs in hundreds of times from one address; tests/security/test_rate_*
        # turn the limits on for their own app.
        rate_limits=False,
    )


@pytest.fixture(scope="session")
async def settings(base_settings: Settings) -> AsyncIterator[Settings]:
    name = f"coinet_test_{uuid.uuid4().hex[:10]}"
    url = await create_database(base_settings.database_url, name)
    await migrate(url)
    yield dataclasses.replace(base_settings, database_url=url)
    await drop_database(base_settings.database_url, name)
    leftovers = await create_pool(RedisSettings.from_dsn(base_settings.redis_url))
    try:
        await leftovers.flushdb()
    finally:
        await leftovers.aclose()


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    # The "appended since the last seal" flag is per process: an earlier test's appends were
    # rolled back with its transaction, so the flag it left must not make this test's first
    # request sign a checkpoint (row counts then differed with test order).
    UnsealedAppends.committed = False
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        if transaction.is_active:
            await transaction.rollback()


class _RollbackFactory:
    """A session factory whose sessions join the test's outer transaction: their commits
    become savepoints, and the test's rollback undoes everything."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    def __call__(self) -> AsyncSession:
        return AsyncSession(
            bind=self.connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )


@pytest.fixture
def session_factory(connection: AsyncConnection) -> _RollbackFactory:
    return _RollbackFactory(connection)


@pytest.fixture
async def db(session_factory: _RollbackFactory) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    yield pool
    await pool.aclose()


@pytest.fixture
async def client(
    settings: Settings, engine: AsyncEngine, session_factory: _RollbackFactory, redis: ArqRedis
) -> AsyncIterator[AsyncClient]:
    app = create_app(settings)
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.redis = redis
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def read_documents_root(settings: Settings) -> Path:
    return settings.document_root


__all__: list[Any] = []
