from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, SmallInteger, String, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import ENDORSEMENT_KINDS


class Endorsement(IdMixin, CreatedAtMixin, Base):
    """An endorsement form attached to a policy (CG 20 10 04 13, CG 24 04, ...)."""

    __tablename__ = "endorsements"
    __table_args__ = (
        one_of("kind", ENDORSEMENT_KINDS, "kind_known"),
        CheckConstraint("notice_days BETWEEN 1 AND 365", name="notice_days_range"),
    )

    sub_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    policy_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("policies.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("record_revisions.id"), index=True)
    replaces_endorsement_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("endorsements.id"))
    form_number: Mapped[str] = mapped_column(String(40))
    edition: Mapped[str] = mapped_column(String(10), default="")
    kind: Mapped[str] = mapped_column(String(40))
    blanket: Mapped[bool] = mapped_column(default=False)
    named_parties: Mapped[list[str]] = mapped_column(ARRAY(String(300)), default=list)
    effective: Mapped[date | None] = mapped_column(Date)
    expiration: Mapped[date | None] = mapped_column(Date)
    # Days of notice of cancellation the form states (IL 70 21, CG 02 24, state forms); None
    # when it states none or is not a notice form.
    notice_days: Mapped[int | None] = mapped_column(SmallInteger)
    source_document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id"))
    # Field -> what the reader had read (None: nothing) for each value typed at review.
    entered_by_hand: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
