from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class HolderRequest(IdMixin, CreatedAtMixin, Base):
    """After a renewal, the certificate one engagement needs with its own holder: the GC's
    legal name, the project's additional insureds and wording. The renewed policies stay one
    record; a document uploaded for the request is attached to the engagement as its
    certificate, and the request is then fulfilled."""

    __tablename__ = "holder_requests"
    __table_args__ = (UniqueConstraint("engagement_id", "revision_id"),)

    sub_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    gc_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # The renewal that called for it.
    revision_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("record_revisions.id", ondelete="CASCADE")
    )
    holder_name: Mapped[str] = mapped_column(String(300))
    additional_insureds: Mapped[list[str]] = mapped_column(ARRAY(String(300)), default=list)
    wording: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL")
    )
    fulfilled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
