"""A signed checkpoint of the audit log: tree size, root hash, the C2SP signed note, and the
RFC 3161 time-stamp token over that note when an authority is configured. Append-only, like
the log itself. `compact_tree` holds the right edge of the tree at this size so that the next
checkpoint only hashes the leaves added since; it is a cache that `coinet audit check`
never trusts."""

from __future__ import annotations

from sqlalchemy import BigInteger, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class AuditCheckpoint(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "audit_checkpoints"
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - SQLAlchemy's own convention

    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    key_name: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(8))
    compact_tree: Mapped[bytes] = mapped_column(LargeBinary)
    timestamp_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    timestamp_url: Mapped[str | None] = mapped_column(String(500))
