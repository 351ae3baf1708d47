"""A stored node of the audit log's Merkle tree: the hash of a perfect subtree of 2^level
leaves, the index-th of its level (level 0, the leaves, stays in audit_log_entries). Written
when a checkpoint extends the tree, so an inclusion proof reads O(log n) nodes instead of every
leaf. A cache, never trusted: a proof built from it is checked against the signed root."""

from __future__ import annotations

from sqlalchemy import BigInteger, LargeBinary, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base


class AuditTreeNode(Base):
    __tablename__ = "audit_tree_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary)
