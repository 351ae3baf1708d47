from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class Project(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("gc_org_id", "number"),
        CheckConstraint("end_date >= start_date", name="dates_forward"),
        CheckConstraint("closeout_days >= 0", name="closeout_not_negative"),
    )

    gc_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(2))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    closeout_days: Mapped[int] = mapped_column(Integer, default=0)
    certificate_holder: Mapped[str] = mapped_column(String(300))
    additional_insureds: Mapped[list[str]] = mapped_column(ARRAY(String(300)), default=list)
    flowdown_required: Mapped[bool] = mapped_column(default=False)
