from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of

DELIVERY_STATES = ("pending", "succeeded", "failed")


class WebhookDelivery(IdMixin, CreatedAtMixin, Base):
    """One event for one endpoint: the payload as first built (so a retry or replay sends the
    same body), its state, and when the next attempt is due. A replay is a new delivery of
    the same message id, so a receiver that deduplicates on webhook-id sees one message."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        one_of("state", DELIVERY_STATES, "state_known"),
        # One original delivery per event and endpoint, however often the dispatch job runs.
        Index(
            "uq_webhook_deliveries_original",
            "endpoint_id",
            "message_id",
            unique=True,
            postgresql_where=text("replay_of_id IS NULL"),
        ),
        # The retry loop's question: which pending deliveries are due.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
        ),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    replay_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_response_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
