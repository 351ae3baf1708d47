"""The audit log's bulk writes and reads by leaf index (the rest of its SQL still lives in
service.py). The log is one table for every organisation: entries are reached by leaf index
under the append lock, never by a tenant's query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models.audit_log_entry import AuditLogEntry

# The Core table: executemany with one cached statement (no ORM bulk bookkeeping).
AUDIT_ENTRIES: Final = cast(Table, AuditLogEntry.__table__)
# Nodes per INSERT, sent as three arrays (no bind-parameter limit): a checkpoint after a
# 100,000-engagement fan-out stores about as many nodes, in two statements; a page is ~2 MB.
NODE_INSERT_PAGE: Final = 50_000
# One cached statement whatever the number of nodes (a multi-row VALUES was compiled anew for
# every page). Racing checkpointers compute the same nodes; the first one stored stands.
STORE_NODES: Final = text(
    'INSERT INTO audit_tree_nodes (level, "index", hash) '
    "SELECT * FROM unnest(CAST(:levels AS smallint[]), CAST(:indexes AS bigint[]), "
    "CAST(:hashes AS bytea[])) ON CONFLICT DO NOTHING"
)


async def insert_entries(session: AsyncSession, rows: Sequence[Mapping[str, object]]) -> None:
    await session.execute(insert(AUDIT_ENTRIES), rows)


async def entries_between(session: AsyncSession, first: int, last: int) -> list[AuditLogEntry]:
    """The entries with leaf indexes first..last, in order."""
    query = (
        select(AuditLogEntry)
        .where(AuditLogEntry.seq.between(first, last))
        .order_by(AuditLogEntry.seq)
    )
    return list((await session.execute(query)).scalars())


async def store_nodes(session: AsyncSession, nodes: Sequence[tuple[int, int, bytes]]) -> None:
    """Store tree nodes (level, index, hash), ignoring those already stored."""
    for start in range(0, len(nodes), NODE_INSERT_PAGE):
        page = nodes[start : start + NODE_INSERT_PAGE]
        await session.execute(
            STORE_NODES,
            {
                "levels": [level for level, _, _ in page],
                "indexes": [index for _, index, _ in page],
                "hashes": [node for _, _, node in page],
            },
        )
