from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import ORG_KINDS


class Organisation(IdMixin, CreatedAtMixin, Base):
    """A subcontractor, general contractor or broker. `legal_name` is the exact legal entity
    name (LLC / Inc. included) because certificate holders and additional insureds are matched
    against it verbatim."""

    __tablename__ = "organisations"
    __table_args__ = (one_of("kind", ORG_KINDS, "kind_known"),)

    kind: Mapped[str] = mapped_column(String(32))
    legal_name: Mapped[str] = mapped_column(String(300), index=True)
    address_line: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    postal_code: Mapped[str] = mapped_column(String(12), default="")
    # Per-organisation preferences (a GC's alert thresholds, e-mail digests, ...).
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
