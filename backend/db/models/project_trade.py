from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, IdMixin


class ProjectTrade(IdMixin, Base):
    """Which requirement set a trade is held to on one project."""

    __tablename__ = "project_trades"
    __table_args__ = (UniqueConstraint("project_id", "trade"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    trade: Mapped[str] = mapped_column(String(80))
    requirement_set_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requirement_sets.id"))
