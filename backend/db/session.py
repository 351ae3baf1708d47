"""Engine and session factories. The request (or job wrapper) owns the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from backend.config import Settings


def json_text(value: object) -> str:
    """The text of a JSONB value. msgspec writes the same JSON document as json.dumps (JSONB
    keeps no whitespace or key order) several times faster; a renewal's fan-out writes the
    checks of a thousand verdicts in one go."""
    return msgspec.json.encode(value).decode()


# A transaction left open with nobody using it is ended by PostgreSQL after this long. A job
# cancelled by arq's timeout in the middle of a unit of work can leave its connection inside
# the transaction, holding the audit append lock and its rows' locks, so every later append
# would wait for the process to end. No unit of work here waits on anything but the database
# for more than seconds; arq's job timeout (300 s) is the longest any job may run at all.
IDLE_IN_TRANSACTION_TIMEOUT_MS = 300_000


def make_engine(settings: Settings, **kwargs: object) -> AsyncEngine:
    options: dict[str, object] = {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 10,
        "json_serializer": json_text,
        "connect_args": {
            "server_settings": {
                "idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_TIMEOUT_MS)
            }
        },
    }
    options.update(kwargs)
    return create_async_engine(settings.database_url, **options)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit when the block ends normally, roll back otherwise."""
    async with factory() as session, session.begin():
        yield session
