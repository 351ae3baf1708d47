"""The audit log's table spells the snapshot kinds itself (backend.db imports nothing of the
audit, and the snapshot format stays free of the database for the offline bundle check); the
two spellings must stay equal, or a snapshot the format accepts is refused by the table's
CHECK constraint (or the reverse)."""

from __future__ import annotations

from backend.audit.canonical import SNAPSHOT_KINDS
from backend.db.models.audit_log_entry import AUDIT_SNAPSHOT_KINDS


def test_the_log_table_accepts_exactly_the_snapshot_kinds() -> None:
    assert sorted(AUDIT_SNAPSHOT_KINDS) == sorted(SNAPSHOT_KINDS)
