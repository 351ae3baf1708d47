from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class FanOutFailure(IdMixin, CreatedAtMixin, Base):
    """A record change whose fan-out failed for a reason that repeats (not an outage). After
    a few failures it is a dead letter: no longer re-queued, listed for the operator
    (`coinet fanout dead-letters`), and the sub is told its change has not reached the
    contractors relying on it."""

    __tablename__ = "fan_out_failures"

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outbox_events.id", ondelete="CASCADE"), unique=True
    )
    sub_org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("record_revisions.id"))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Given up: the relay and the resume cron leave it alone until an operator re-queues it.
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # An operator re-queued it (after a fix) or dismissed it.
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
