from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Date, ForeignKey, LargeBinary, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, column_property, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import ENGAGEMENT_PHASES, ENGAGEMENT_STATUSES


class VerdictChecks(Base):
    """One checks array as the engine rendered it (contracts/verify-json.md), stored once
    whatever the number of verdicts that carry it: engagements of one sub judged against the
    same requirement set and holder get the same ~75 checks word for word (a 100,000-engagement
    fan-out over 500 GCs wrote 500 distinct arrays 100,000 times). Addressed by the SHA-256 of
    the array's text as PostgreSQL prints its jsonb (`checks::text`: keys in jsonb's order, so
    equal arrays get one address whoever wrote them); rows are never changed or deleted."""

    __tablename__ = "verdict_checks"

    sha256: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)


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
    # The verdict's checks, stored once per distinct array in verdict_checks.
    checks_sha256: Mapped[bytes] = mapped_column(ForeignKey("verdict_checks.sha256"))
    # Read with the verdict as before (one index lookup per row); written only through
    # projects/repository.insert_verdicts, which stores the array first.
    checks: Mapped[list[dict[str, Any]]] = column_property(
        select(VerdictChecks.checks)
        .where(VerdictChecks.sha256 == checks_sha256)
        .correlate_except(VerdictChecks)
        .scalar_subquery()
    )
