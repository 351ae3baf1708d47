from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class RequirementSet(IdMixin, CreatedAtMixin, Base):
    """A GC's named set of insurance requirements; its content lives in versions."""

    __tablename__ = "requirement_sets"
    __table_args__ = (UniqueConstraint("gc_org_id", "name"),)

    gc_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    # The ready template it was copied from ("high", "elevated", ...), or "" if written anew.
    template: Mapped[str] = mapped_column(String(32), default="")
