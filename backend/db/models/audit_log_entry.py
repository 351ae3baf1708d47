"""One leaf of the audit Merkle log: a snapshot's canonical bytes and its place in the tree.

Rows are never updated or deleted: the migration installs triggers that refuse it and revokes
UPDATE, DELETE and TRUNCATE. `seq` is the leaf index, assigned gap-free under an advisory lock.
The party and date columns repeat what the snapshot says so that "in effect on date D" is an
indexed query; `coinet audit check` verifies that they still agree with the snapshot bytes.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import BigInteger, Date, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of

AUDIT_SNAPSHOT_KINDS = (
    "verdict",
    "approve",
    "reject",
    "waive",
    "pay_hold",
    "release",
    "work_stop",
    "resume",
)


class AuditLogEntry(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "audit_log_entries"
    __table_args__ = (
        one_of("kind", AUDIT_SNAPSHOT_KINDS, "kind_known"),
        Index("ix_audit_log_entries_in_effect", "project_id", "sub_org_id", "as_of", "seq"),
        Index("ix_audit_log_entries_engagement_seq", "engagement_id", "seq"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - SQLAlchemy's own convention

    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    engagement_id: Mapped[uuid.UUID] = mapped_column()
    project_id: Mapped[uuid.UUID] = mapped_column()
    gc_org_id: Mapped[uuid.UUID] = mapped_column()
    sub_org_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[date] = mapped_column(Date)
    snapshot: Mapped[bytes] = mapped_column(LargeBinary)
    snapshot_sha256: Mapped[bytes] = mapped_column(LargeBinary, index=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)
    previous_snapshot_sha256: Mapped[bytes | None] = mapped_column(LargeBinary)
