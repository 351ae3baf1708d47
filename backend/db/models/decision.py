from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import DECISION_KINDS


class Decision(IdMixin, CreatedAtMixin, Base):
    """A person's decision on an engagement: approve, reject, waive one check, pay hold,
    release, work-stop, resume. Append-only; the latest of each kind is in force."""

    __tablename__ = "decisions"
    __table_args__ = (one_of("kind", DECISION_KINDS, "kind_known"),)

    engagement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    verdict_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("verdicts.id"))
    kind: Mapped[str] = mapped_column(String(32))
    check_code: Mapped[str] = mapped_column(String(80), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    expires_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    # Work-stop details: when the lapse began, when it was discovered, the evidence on resume.
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
