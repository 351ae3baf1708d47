from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import ROLES, TOKEN_SCOPE_READ, TOKEN_SCOPES


class ApiToken(IdMixin, CreatedAtMixin, Base):
    """A bearer token for integrations, scoped to one organisation with one role, and to
    reading only or reading and writing."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        one_of("role", ROLES, "role_known"),
        one_of("scope", TOKEN_SCOPES, "scope_known"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    # Least privilege when nobody said otherwise: a row written without a scope only reads.
    scope: Mapped[str] = mapped_column(
        String(8), default=TOKEN_SCOPE_READ, server_default=TOKEN_SCOPE_READ
    )
    # The first characters are kept in clear so a person can tell tokens apart in a list.
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
