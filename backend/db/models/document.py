from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import DOCUMENT_READ_STATES


class Document(IdMixin, CreatedAtMixin, Base):
    """An uploaded file in a sub's record. The bytes live in the document store under their
    SHA-256; the same bytes uploaded twice into one record are one row."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("sub_org_id", "sha256"),
        one_of("read_state", DOCUMENT_READ_STATES, "read_state_known"),
    )

    sub_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(120))
    filename: Mapped[str] = mapped_column(String(300))
    uploaded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    # Set when a broker uploaded it under an invitation, so the sub sees who sent what.
    via_invitation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invitations.id"))
    read_state: Mapped[str] = mapped_column(String(32), default="pending")
    read_result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
