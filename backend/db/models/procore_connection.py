from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of

PROCORE_GRANTS = ("client_credentials", "authorization_code")


class ProcoreConnection(IdMixin, CreatedAtMixin, Base):
    """A GC's connection to its Procore company. The client secret and the tokens must be
    used again, so they are encrypted (Fernet, key from configuration); the static header
    Procore sends on its webhooks is only compared, so only its SHA-256 is kept. Revoking wipes
    every credential and keeps the row (and its mappings) for the record."""

    __tablename__ = "procore_connections"
    __table_args__ = (one_of("grant_type", PROCORE_GRANTS, "grant_known"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    company_id: Mapped[int]
    grant_type: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refresh_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    hook_token_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
