"""A connection the application opens carries PostgreSQL's idle-in-transaction timeout, so a
unit of work abandoned mid-way (a job cancelled by its timeout) cannot hold its locks for the
life of the process."""

from __future__ import annotations

from sqlalchemy import text

from backend.config import Settings
from backend.db.session import IDLE_IN_TRANSACTION_TIMEOUT_MS, make_engine


async def test_every_connection_ends_an_abandoned_transaction(settings: Settings) -> None:
    engine = make_engine(settings, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            shown = await connection.scalar(text("SHOW idle_in_transaction_session_timeout"))
    finally:
        await engine.dispose()
    assert shown == f"{IDLE_IN_TRANSACTION_TIMEOUT_MS // 60_000}min"
