from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of

SYNC_STATES = ("synced", "failed", "locked")


class ProcoreInsuranceSync(IdMixin, CreatedAtMixin, Base):
    """One Procore insurance record we write: one per engagement and coverage line, keyed by
    the origin_id we send, so every write is a create-or-update of the same record. `sent_digest`
    is the hash of the fields last accepted, so an unchanged line is not sent again; "locked"
    means Procore refused fields an accounting sync locks (reported, not retried)."""

    __tablename__ = "procore_insurance_syncs"
    __table_args__ = (one_of("state", SYNC_STATES, "state_known"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[str] = mapped_column(String(32))
    origin_id: Mapped[str] = mapped_column(String(120), unique=True)
    procore_vendor_id: Mapped[int]
    procore_insurance_id: Mapped[int | None] = mapped_column(index=True)
    status_sent: Mapped[str] = mapped_column(String(32), default="")
    sent_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    state: Mapped[str] = mapped_column(String(16), default="synced")
    last_error: Mapped[str] = mapped_column(Text, default="")
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
