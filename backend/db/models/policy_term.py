from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import AGGREGATE_PER, BASES


class PolicyTerm(IdMixin, CreatedAtMixin, Base):
    """One period of a policy with its limits. Never updated: a correction or cancellation
    adds a new row that names the row it replaces."""

    __tablename__ = "policy_terms"
    __table_args__ = (
        CheckConstraint("expiration > effective", name="dates_forward"),
        one_of("basis", BASES, "basis_known"),
        one_of("aggregate_applies_per", AGGREGATE_PER, "aggregate_per_known"),
    )

    policy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("policies.id", ondelete="CASCADE"), index=True
    )
    sub_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("record_revisions.id"), index=True)
    replaces_term_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("policy_terms.id"))
    effective: Mapped[date] = mapped_column(Date)
    expiration: Mapped[date] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(16), default="occurrence")
    retro_date: Mapped[date | None] = mapped_column(Date)
    aggregate_applies_per: Mapped[str] = mapped_column(String(16), default="policy")
    # Whole US dollars per limit kind, e.g. {"each_occurrence": 1000000}.
    limits: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    covered_autos: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list)
    follows_form: Mapped[bool] = mapped_column(default=False)
    wc_states: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=list)
    wc_statutory: Mapped[bool] = mapped_column(default=False)
    additional_insured: Mapped[bool] = mapped_column(default=False)
    subrogation_waived: Mapped[bool] = mapped_column(default=False)
    source_document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id"))
    # Field -> what the reader had read (None: nothing) for each value a person typed or
    # corrected at review; the GC and the snapshot show these as typed by hand.
    entered_by_hand: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
