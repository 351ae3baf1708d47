from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class ChaseReminder(IdMixin, CreatedAtMixin, Base):
    """One reminder stage sent for one engagement. The unique key is what makes the daily run
    idempotent: a re-run (or a second worker) finds the stage already recorded and sends
    nothing. `episode` names the gap being chased (a deficiency since a day, an expiry date),
    so a new gap starts counting towards escalation from zero."""

    __tablename__ = "chase_reminders"
    __table_args__ = (UniqueConstraint("engagement_id", "episode", "stage"),)

    engagement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    gc_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    sub_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    episode: Mapped[str] = mapped_column(String(80))
    stage: Mapped[str] = mapped_column(String(80))
    sent_on: Mapped[date] = mapped_column(Date)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the reminder listed (the open items), kept as sent.
    items: Mapped[list[Any]] = mapped_column(JSONB, default=list)
