from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import ENGAGEMENT_PHASES, ENGAGEMENT_STATUSES


class Verdict(IdMixin, CreatedAtMixin, Base):
    """The engine's judgement of one engagement against one record revision. The unique
    key is what makes fan-out exactly-once in effect: a retried job cannot add a second. The
    phase is part of the key: when the project closes out, the sweep judges the same revision
    again for the completed-operations phase."""

    __tablename__ = "verdicts"
    __table_args__ = (
        UniqueConstraint("engagement_id", "revision_id", "phase"),
        one_of("status", ENGAGEMENT_STATUSES, "status_known"),
        one_of("phase", ENGAGEMENT_PHASES, "phase_known"),
    )

    engagement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    # Null when the sub had no record yet (the verdict is then "incomplete").
    revision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("record_revisions.id"))
    requirement_set_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requirement_set_versions.id")
    )
    status: Mapped[str] = mapped_column(String(32))
    phase: Mapped[str] = mapped_column(String(24), default="ongoing", server_default="ongoing")
    as_of: Mapped[date] = mapped_column(Date)
    engine_version: Mapped[str] = mapped_column(String(32))
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
