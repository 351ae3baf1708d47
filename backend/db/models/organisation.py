from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, Index, String, text
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
    __table_args__ = (
        one_of("kind", ORG_KINDS, "kind_known"),
        # The federal EIN, kept as its nine digits (shown as NN-NNNNNNN).
        CheckConstraint("tax_id ~ '^[0-9]{9}$'", name="tax_id_nine_digits"),
        # One company per EIN on the network: a second sign-up under someone else's legal
        # name has to give a tax id of its own, and no one can claim another's.
        Index(
            "uq_organisations_tax_id",
            "tax_id",
            unique=True,
            postgresql_where=text("tax_id IS NOT NULL"),
        ),
    )

    kind: Mapped[str] = mapped_column(String(32))
    legal_name: Mapped[str] = mapped_column(String(300), index=True)
    address_line: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    postal_code: Mapped[str] = mapped_column(String(12), default="")
    # Federal employer identification number (nine digits), entered by the company itself;
    # a GC may find a sub by it (exact match only) but is never shown it.
    tax_id: Mapped[str | None] = mapped_column(String(9), nullable=True, default=None)
    # Per-organisation preferences (a GC's alert thresholds, e-mail digests, ...).
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
