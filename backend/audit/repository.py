"""All SQL of the audit log.

The log is one table for every organisation. The module functions are the append path's
locks, chaining reads, bulk writes and reads by leaf index, made under the append lock and
never for a tenant; the order they are called in (lock first) is the service's. An
`AuditRepository` method that answers an organisation's request starts from the scope of
`network/access.py` (its first argument); the others (checkpoints, tree nodes, the operator's
look-ups by reference) read the log as a whole and are called by the service and the `coinet`
commands only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from datetime import date
from typing import Final
from typing import cast as typing_cast

from sqlalchemy import ColumnElement, Table, cast, func, insert, select, text, tuple_
from sqlalchemy.dialects.postgresql import JSONB, distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.arrays import one_of
from backend.db.models import Engagement
from backend.db.models.audit_checkpoint import AuditCheckpoint
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.db.models.audit_tree_node import AuditTreeNode

# Arbitrary, fixed 64-bit keys naming the log's two transaction-level advisory locks: appends
# ("coinet" + "al") and checkpointers ("coinet" + "cp"). They differ so that appends never wait
# for a checkpoint being signed.
APPEND_LOCK_KEY: Final = 0x636F696E65746C
SEAL_LOCK_KEY: Final = 0x636F696E65746370
# Held until the transaction ends (commit or rollback): there is no unlock to forget.
ADVISORY_XACT_LOCK: Final = text("SELECT pg_advisory_xact_lock(:key)")
# The Core table: executemany with one cached statement (no ORM bulk bookkeeping).
AUDIT_ENTRIES: Final = typing_cast(Table, AuditLogEntry.__table__)
# Nodes per INSERT, sent as three arrays (no bind-parameter limit): a checkpoint after a
# 100,000-engagement fan-out stores about as many nodes, in two statements; a page is ~2 MB.
NODE_INSERT_PAGE: Final = 50_000
# Entries held in memory at once while the whole log is walked (`coinet audit check`): each
# carries its snapshot (~40 KB with its checks), so a page is some tens of MB at most.
WALK_PAGE: Final = 1000
# One cached statement whatever the number of nodes (a multi-row VALUES was compiled anew for
# every page). Racing checkpointers compute the same nodes; the first one stored stands.
STORE_NODES: Final = text(
    'INSERT INTO audit_tree_nodes (level, "index", hash) '
    "SELECT * FROM unnest(CAST(:levels AS smallint[]), CAST(:indexes AS bigint[]), "
    "CAST(:hashes AS bytea[])) ON CONFLICT DO NOTHING"
)


async def lock_appends(session: AsyncSession) -> None:
    """Wait for the log's append lock; held until the transaction ends, so leaf indexes are
    gap-free and in commit order whatever the number of appenders."""
    await session.execute(ADVISORY_XACT_LOCK, {"key": APPEND_LOCK_KEY})


async def lock_sealing(session: AsyncSession) -> None:
    """Wait for the checkpointers' lock; held until the transaction ends."""
    await session.execute(ADVISORY_XACT_LOCK, {"key": SEAL_LOCK_KEY})


async def last_seq(session: AsyncSession) -> int | None:
    """The highest leaf index in the log; None when it is empty. Under the append lock."""
    return await session.scalar(select(func.max(AuditLogEntry.seq)))


async def latest_snapshot_hashes(
    session: AsyncSession, engagement_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, bytes]:
    """Each of these engagements' newest snapshot SHA-256 (those with one): what its next
    snapshot is chained to. Under the append lock."""
    last_of_each = (
        select(func.max(AuditLogEntry.seq))
        .where(one_of(AuditLogEntry.engagement_id, engagement_ids))
        .group_by(AuditLogEntry.engagement_id)
    )
    latest = select(AuditLogEntry.engagement_id, AuditLogEntry.snapshot_sha256).where(
        AuditLogEntry.seq.in_(last_of_each)
    )
    return {row.engagement_id: row.snapshot_sha256 for row in await session.execute(latest)}


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


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Reads for an organisation: the first argument is its scope (network/access.py).

    async def engagement_entries(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> list[AuditLogEntry]:
        """An engagement's snapshots the scope may read, newest first."""
        query = (
            select(AuditLogEntry)
            .where(scope, AuditLogEntry.engagement_id == engagement_id)
            .order_by(AuditLogEntry.seq.desc())
        )
        return list((await self.session.execute(query)).scalars())

    async def engagement_visible(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> bool:
        query = select(Engagement.id).where(Engagement.id == engagement_id, scope)
        return await self.session.scalar(query) is not None

    # Reads of the log as a whole (the service's checks and proofs, the operator's commands).

    async def leaf_hashes(self, start: int, end: int | None) -> list[tuple[int, bytes]]:
        """(seq, leaf hash) of the entries from `start` (to `end`, excluded), in order."""
        query = select(AuditLogEntry.seq, AuditLogEntry.leaf_hash).where(AuditLogEntry.seq >= start)
        if end is not None:
            query = query.where(AuditLogEntry.seq < end)
        rows = await self.session.execute(query.order_by(AuditLogEntry.seq))
        return [(row.seq, row.leaf_hash) for row in rows]

    async def leaf_hashes_at(self, leaves: Collection[int]) -> dict[int, bytes]:
        rows = await self.session.execute(
            select(AuditLogEntry.seq, AuditLogEntry.leaf_hash).where(
                AuditLogEntry.seq.in_(list(leaves))
            )
        )
        return {row.seq: row.leaf_hash for row in rows}

    async def stored_nodes(self, keys: Collection[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored tree nodes among these (level, index) keys."""
        nodes = await self.session.execute(
            select(AuditTreeNode.level, AuditTreeNode.index, AuditTreeNode.hash).where(
                tuple_(AuditTreeNode.level, AuditTreeNode.index).in_(list(keys))
            )
        )
        return {(row[0], row[1]): row[2] for row in nodes}

    async def latest_checkpoint(self, covering: int | None = None) -> AuditCheckpoint | None:
        """The newest checkpoint (of those covering leaf index `covering`, when given)."""
        query = select(AuditCheckpoint)
        if covering is not None:
            query = query.where(AuditCheckpoint.tree_size > covering)
        query = query.order_by(
            AuditCheckpoint.tree_size.desc(), AuditCheckpoint.created_at.desc()
        ).limit(1)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def checkpoints(self) -> list[AuditCheckpoint]:
        """Every checkpoint, oldest tree first."""
        query = select(AuditCheckpoint).order_by(
            AuditCheckpoint.tree_size, AuditCheckpoint.created_at
        )
        return list((await self.session.execute(query)).scalars())

    async def walk(self) -> AsyncIterator[AuditLogEntry]:
        """Every entry in leaf order, fetched a page at a time."""
        stream = await self.session.stream(
            select(AuditLogEntry).order_by(AuditLogEntry.seq).execution_options(yield_per=WALK_PAGE)
        )
        async for entry in stream.scalars():
            yield entry

    async def entry_by(
        self,
        *,
        seq: int | None = None,
        sha256: bytes | None = None,
        entry_id: uuid.UUID | None = None,
    ) -> AuditLogEntry | None:
        """The entry with this leaf index, snapshot SHA-256 or id (the first given)."""
        query = select(AuditLogEntry)
        if seq is not None:
            query = query.where(AuditLogEntry.seq == seq)
        elif sha256 is not None:
            query = query.where(AuditLogEntry.snapshot_sha256 == sha256)
        elif entry_id is not None:
            query = query.where(AuditLogEntry.id == entry_id)
        else:
            return None
        query = query.order_by(AuditLogEntry.seq).limit(1)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def latest_entries(
        self, engagement_ids: Collection[uuid.UUID], kind: str | None
    ) -> dict[uuid.UUID, AuditLogEntry]:
        """Each engagement's newest entry (of `kind`, when given); the caller scoped the ids."""
        query = select(AuditLogEntry).where(AuditLogEntry.engagement_id.in_(list(engagement_ids)))
        if kind is not None:
            query = query.where(AuditLogEntry.kind == kind)
        query = query.order_by(AuditLogEntry.engagement_id, AuditLogEntry.seq.desc()).ext(
            distinct_on(AuditLogEntry.engagement_id)
        )
        entries = (await self.session.execute(query)).scalars()
        return {entry.engagement_id: entry for entry in entries}

    async def verdict_snapshots(
        self, engagement_ids: Collection[uuid.UUID], verdict_ids: Collection[uuid.UUID]
    ) -> list[tuple[uuid.UUID, bytes]]:
        """(engagement id, snapshot) of the verdict snapshots of these engagements naming one
        of these verdict ids; the caller scoped the ids and pairs them up."""
        snapshot_json = cast(func.convert_from(AuditLogEntry.snapshot, "UTF8"), JSONB)
        verdict_id = snapshot_json["extra"]["verdict_id"].astext
        query = select(AuditLogEntry.engagement_id, AuditLogEntry.snapshot).where(
            AuditLogEntry.engagement_id.in_(list(engagement_ids)),
            AuditLogEntry.kind == "verdict",
            verdict_id.in_([str(v) for v in verdict_ids]),
        )
        return [(row[0], row[1]) for row in (await self.session.execute(query)).all()]

    async def in_effect_on(
        self, project_id: uuid.UUID, sub_org_id: uuid.UUID, on: date
    ) -> AuditLogEntry | None:
        query = (
            select(AuditLogEntry)
            .where(
                AuditLogEntry.project_id == project_id,
                AuditLogEntry.sub_org_id == sub_org_id,
                AuditLogEntry.as_of <= on,
            )
            .order_by(AuditLogEntry.as_of.desc(), AuditLogEntry.seq.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()
