"""Appending many verdict snapshots at fan-out speed: an adapter over backend.audit.

A fan-out appends one snapshot per engagement, and the engagements of one sub share most of
their checks word for word. `backend.audit.service.append_snapshots` canonicalises every check
of every snapshot again; this adapter canonicalises each distinct check once and splices the
bytes into each snapshot's canonical form. The result is byte for byte what
`canonical_bytes(build_snapshot(facts, previous))` gives (RFC 8785 serialises an array as its
canonical elements joined by commas), and entries are written exactly as append_snapshots
writes them: under the log's advisory lock, gap-free sequence numbers, each engagement's
snapshot chained to its previous one. A unit test holds the bytes equal; an integration test
runs the audit log's own `check_log` over entries written here.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

import rfc8785
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit import merkle
from backend.audit.canonical import SnapshotFacts, build_snapshot, canonical_bytes, sha256_hex
from backend.audit.service import APPEND_LOCK_KEY
from backend.db.models.audit_log_entry import AuditLogEntry

# The Core table: executemany with one cached statement (no ORM bulk bookkeeping).
AUDIT_ENTRIES: Final = cast(Table, AuditLogEntry.__table__)

_PLACEHOLDER: Final = "\x00coinet-checks-placeholder\x00"
_PLACEHOLDER_ARRAY: Final = b"[" + rfc8785.dumps(_PLACEHOLDER) + b"]"


class CheckFragments:
    """Canonical bytes of each distinct check dict, computed once (keyed by identity, so the
    dicts must not change while this lives)."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Mapping[str, Any], bytes]] = {}

    def array(self, checks: Sequence[Mapping[str, Any]]) -> bytes:
        parts = []
        for check in checks:
            known = self._by_id.get(id(check))
            if known is None or known[0] is not check:
                known = (check, canonical_bytes(check))
                self._by_id[id(check)] = known
            parts.append(known[1])
        return b"[" + b",".join(parts) + b"]"


def snapshot_bytes(
    facts: SnapshotFacts, previous_sha256: str | None, fragments: CheckFragments
) -> bytes:
    """canonical_bytes(build_snapshot(facts, previous_sha256)), with shared checks reused."""
    # The placeholder stands where the checks array goes; it is replaced by their bytes.
    placeholder = dataclasses.replace(facts, checks=[_PLACEHOLDER])  # type: ignore[list-item]
    outline = build_snapshot(placeholder, previous_sha256)
    head = canonical_bytes(outline)
    if head.count(_PLACEHOLDER_ARRAY) != 1:  # cannot happen with real facts; stay exact anyway
        return canonical_bytes(build_snapshot(facts, previous_sha256))
    return head.replace(_PLACEHOLDER_ARRAY, fragments.array(facts.checks))


async def append_snapshots_fast(
    session: AsyncSession,
    facts: Sequence[SnapshotFacts],
    fragments: CheckFragments | None = None,
) -> int:
    """Append one snapshot per fact set (as backend.audit.service.append_snapshots does);
    returns how many were appended."""
    if not facts:
        return 0
    fragments = fragments or CheckFragments()
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})
    last_seq = await session.scalar(select(func.max(AuditLogEntry.seq)))
    next_seq = 0 if last_seq is None else last_seq + 1
    engagement_ids = {uuid.UUID(f.engagement_id) for f in facts}
    last_of_each = (
        select(func.max(AuditLogEntry.seq))
        .where(AuditLogEntry.engagement_id.in_(engagement_ids))
        .group_by(AuditLogEntry.engagement_id)
    )
    latest = select(AuditLogEntry.engagement_id, AuditLogEntry.snapshot_sha256).where(
        AuditLogEntry.seq.in_(last_of_each)
    )
    previous: dict[uuid.UUID, bytes] = {
        row.engagement_id: row.snapshot_sha256 for row in await session.execute(latest)
    }
    rows: list[dict[str, Any]] = []
    for offset, fact in enumerate(facts):
        engagement_id = uuid.UUID(fact.engagement_id)
        previous_hash = previous.get(engagement_id)
        data = snapshot_bytes(fact, previous_hash.hex() if previous_hash else None, fragments)
        digest = bytes.fromhex(sha256_hex(data))
        rows.append(
            {
                "id": uuid.uuid4(),
                "seq": next_seq + offset,
                "engagement_id": engagement_id,
                "project_id": uuid.UUID(fact.project.id),
                "gc_org_id": uuid.UUID(fact.gc.id),
                "sub_org_id": uuid.UUID(fact.sub.id),
                "kind": fact.kind,
                "as_of": fact.as_of,
                "snapshot": data,
                "snapshot_sha256": digest,
                "leaf_hash": merkle.leaf_hash(data),
                "previous_snapshot_sha256": previous_hash,
            }
        )
        previous[engagement_id] = digest
    await session.execute(insert(AUDIT_ENTRIES), rows)
    return len(rows)
