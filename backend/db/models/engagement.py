from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    DateTime,
    FetchedValue,
    ForeignKey,
    String,
    UniqueConstraint,
    case,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import CONTRACT_KINDS, ENGAGEMENT_PHASES, ENGAGEMENT_STATUSES


class Engagement(IdMixin, CreatedAtMixin, Base):
    """A sub working on a GC's project under one contract (a subcontract or a purchase order)
    and one pinned requirement-set version. A sub may hold several contracts on one project,
    each its own engagement with its own requirements, dates, decisions and snapshots.
    Tier-2 engagements name the tier-1 engagement they flow down from."""

    __tablename__ = "engagements"
    __table_args__ = (
        # NULLS NOT DISTINCT: two tier-1 engagements (no parent) under one label are the same
        # contract, which a plain unique constraint would let through.
        UniqueConstraint(
            "project_id",
            "sub_org_id",
            "parent_engagement_id",
            "contract_ref",
            name="uq_engagements_contract",
            postgresql_nulls_not_distinct=True,
        ),
        # One engagement per Procore commitment on a project (NULL: not from Procore).
        UniqueConstraint(
            "project_id",
            "contract_kind",
            "procore_commitment_id",
            name="uq_engagements_procore_commitment",
        ),
        one_of("status", ENGAGEMENT_STATUSES, "status_known"),
        one_of("contract_kind", CONTRACT_KINDS, "contract_kind_known"),
        one_of("phase", ENGAGEMENT_PHASES, "phase_known"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    # Denormalised from the project so that every GC-side query filters on one column.
    gc_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    sub_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    parent_engagement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    trade: Mapped[str] = mapped_column(String(80))
    # Our label of the contract (the commitment's number when imported from Procore). An
    # engagement made without one (an accepted invitation) is labelled by its trade, as before
    # contracts existed: a trigger fills it in (migration 0019), so every way of inserting rows
    # (the ORM, multi-row INSERTs, SQL) gets the same label, read back by RETURNING.
    contract_ref: Mapped[str] = mapped_column(String(80), server_default=FetchedValue())
    contract_kind: Mapped[str] = mapped_column(
        String(16), default="subcontract", server_default="subcontract"
    )
    contract_title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    procore_commitment_id: Mapped[int | None] = mapped_column(BigInteger)
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    requirement_set_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requirement_set_versions.id")
    )
    status: Mapped[str] = mapped_column(String(32), default="pending")
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_on: Mapped[date | None] = mapped_column(Date)
    work_start: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)
    # Set by each verdict: the work ("ongoing"), then "completed_operations" up to
    # `completed_operations_until` (project end + close-out + the set's years), then
    # "finished"; the sweep moves it on as days pass.
    phase: Mapped[str] = mapped_column(String(24), default="ongoing", server_default="ongoing")
    completed_operations_until: Mapped[date | None] = mapped_column(Date)
    pay_hold: Mapped[bool] = mapped_column(default=False)
    work_stopped: Mapped[bool] = mapped_column(default=False)
    # Any change to the row (status, holds, contract): the API's "updated since" filter.
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    @hybrid_property
    def contract_label(self) -> str:
        """What pages show for the engagement: the trade alone while the contract is labelled
        by it (made by invitation), else "<contract> · <trade>"."""
        if self.contract_ref == self.trade:
            return self.trade
        return f"{self.contract_ref} · {self.trade}"

    @contract_label.inplace.expression
    @classmethod
    def _contract_label_expression(cls) -> ColumnElement[str]:
        return case(
            (cls.contract_ref == cls.trade, cls.trade),
            else_=cls.contract_ref + " · " + cls.trade,
        )
