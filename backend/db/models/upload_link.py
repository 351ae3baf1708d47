from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class UploadLink(IdMixin, CreatedAtMixin, Base):
    """A single-use link e-mailed with a reminder to a broker the sub invited who never
    registered: it lets one file into that one sub's record, nothing else. Only the SHA-256
    of its token is stored; it dies when used, when it expires, or when the sub withdraws the
    broker invitation it was made for."""

    __tablename__ = "upload_links"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    sub_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # The sub's broker invitation the link was sent under (revoking it kills the link).
    invitation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    # The open items the reminder listed, shown again on the landing page (nothing more).
    items: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL")
    )
