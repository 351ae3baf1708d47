from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of

VENDOR_LINK_STATES = ("unmatched", "suggested", "confirmed", "rejected")


class ProcoreVendorLink(IdMixin, CreatedAtMixin, Base):
    """A vendor of the GC's Procore directory and the network sub it is (once a person has
    confirmed it). Suggestions come from an exact legal name or tax id match; nothing is
    written to Procore for a vendor until its link is confirmed."""

    __tablename__ = "procore_vendor_links"
    __table_args__ = (
        UniqueConstraint("organisation_id", "procore_vendor_id"),
        one_of("state", VENDOR_LINK_STATES, "state_known"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    procore_vendor_id: Mapped[int]
    vendor_name: Mapped[str] = mapped_column(String(300))
    sub_org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="unmatched")
    match_reason: Mapped[str] = mapped_column(String(120), default="")
    confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The project invitation sent to the vendor's Procore e-mail address ("invite this
    # vendor"): once a sub accepts it, the link is confirmed as that sub.
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL")
    )
