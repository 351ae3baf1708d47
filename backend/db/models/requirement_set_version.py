from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class RequirementSetVersion(IdMixin, CreatedAtMixin, Base):
    """An immutable version of a requirement set. Engagements pin a version so that an
    edit never silently changes what an earlier verdict was judged against."""

    __tablename__ = "requirement_set_versions"
    __table_args__ = (UniqueConstraint("requirement_set_id", "version"),)

    requirement_set_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requirement_sets.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    body_sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
