"""The reminder run's reads and inserts hold for a national contractor's tens of thousands of
engagements: PostgreSQL takes at most 32,767 bind parameters in one statement, and one
parameter per engagement (IN lists, multi-row VALUES) broke the daily run above that."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase import repository

MORE_THAN_A_STATEMENT_TAKES = 40_000


async def test_reads_take_more_ids_than_one_statement_has_parameters(db: AsyncSession) -> None:
    ids = [uuid.uuid4() for _ in range(MORE_THAN_A_STATEMENT_TAKES)]
    assert await repository.latest_checks(db, ids) == {}
    assert await repository.owed_certificates(db, ids) == {}
    assert await repository.sent_stages(db, ids) == {}
    now = datetime.now(UTC)
    assert await repository.read_documents_since(db, ids, now) == []
    assert not await repository.unaccepted_broker_invitations(db, set(ids), now)
