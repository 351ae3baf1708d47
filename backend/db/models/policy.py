from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import LINES


class Policy(IdMixin, CreatedAtMixin, Base):
    """A line of coverage a sub carries with one insurer. Each renewal adds a PolicyTerm."""

    __tablename__ = "policies"
    __table_args__ = (
        UniqueConstraint("sub_org_id", "line", "insurer_naic", "policy_number"),
        one_of("line", LINES, "line_known"),
    )

    sub_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[str] = mapped_column(String(32))
    insurer_name: Mapped[str] = mapped_column(String(300))
    insurer_naic: Mapped[str] = mapped_column(String(10), default="")
    policy_number: Mapped[str] = mapped_column(String(80), default="")
