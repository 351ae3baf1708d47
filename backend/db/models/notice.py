from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of

EMAIL_STATES = ("none", "queued", "sent", "failed")


class Notice(IdMixin, CreatedAtMixin, Base):
    """An in-app notice to one person, optionally also sent by e-mail (batched per
    recipient into digests). A notice whose mail failed stays visible as undelivered."""

    __tablename__ = "notices"
    __table_args__ = (
        one_of("email_state", EMAIL_STATES, "email_state_known"),
        # The sweep asks "was this engagement already told this?" for every engagement daily.
        Index("ix_notices_engagement_kind", "engagement_id", "kind"),
        # One notice per change per recipient: a later batch of the same change folds in.
        Index(
            "uq_notices_recipient_change",
            "recipient_id",
            "change_key",
            unique=True,
            postgresql_where=text("change_key <> ''"),
        ),
    )

    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    engagement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # Where the recipient acts on it: a path of this site ("" for none).
    link: Mapped[str] = mapped_column(String(500), default="", server_default="")
    change_key: Mapped[str] = mapped_column(String(200), default="", server_default="")
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_state: Mapped[str] = mapped_column(String(16), default="none")
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_last_error: Mapped[str] = mapped_column(Text, default="")
    email_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
