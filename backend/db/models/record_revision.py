from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import REVISION_KINDS


class RecordRevision(IdMixin, CreatedAtMixin, Base):
    """One confirmed change to a sub's master record. Revisions are only ever inserted;
    the terms and endorsements a revision adds point back to it, so the record as of any
    moment is the set of rows added by revisions up to that moment and not yet replaced."""

    __tablename__ = "record_revisions"
    __table_args__ = (
        UniqueConstraint("sub_org_id", "number"),
        one_of("kind", REVISION_KINDS, "kind_known"),
    )

    sub_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    source_document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id"))
