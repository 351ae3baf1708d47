from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class InsurerRating(IdMixin, CreatedAtMixin, Base):
    """A GC's own table of insurer ratings (A.M. Best), keyed by NAIC number."""

    __tablename__ = "insurer_ratings"
    __table_args__ = (UniqueConstraint("gc_org_id", "naic"),)

    gc_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    naic: Mapped[str] = mapped_column(String(10))
    insurer_name: Mapped[str] = mapped_column(String(300))
    rating: Mapped[str] = mapped_column(String(4))
    size_class: Mapped[str] = mapped_column(String(5))
    surplus_lines: Mapped[bool] = mapped_column(default=False)
