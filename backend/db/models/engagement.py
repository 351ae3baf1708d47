from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import ENGAGEMENT_STATUSES


class Engagement(IdMixin, CreatedAtMixin, Base):
    """A sub working on a GC's project under one pinned requirement-set version.
    Tier-2 engagements name the tier-1 engagement they flow down from."""

    __tablename__ = "engagements"
    __table_args__ = (
        UniqueConstraint("project_id", "sub_org_id", "parent_engagement_id"),
        one_of("status", ENGAGEMENT_STATUSES, "status_known"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    # Denormalised from the project so that every GC-side query filters on one column.
    gc_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    sub_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    parent_engagement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    trade: Mapped[str] = mapped_column(String(80))
    requirement_set_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requirement_set_versions.id")
    )
    status: Mapped[str] = mapped_column(String(32), default="pending")
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_on: Mapped[date | None] = mapped_column(Date)
    work_start: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)
    pay_hold: Mapped[bool] = mapped_column(default=False)
    work_stopped: Mapped[bool] = mapped_column(default=False)
