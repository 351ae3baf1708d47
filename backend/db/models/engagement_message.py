from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of

MESSAGE_KINDS = ("dispute", "reply")


class EngagementMessage(IdMixin, CreatedAtMixin, Base):
    """A message between the sub (or its broker) and the GC about one engagement, kept with
    it: a sub disputing a check, the GC answering. Never edited."""

    __tablename__ = "engagement_messages"
    __table_args__ = (one_of("kind", MESSAGE_KINDS, "kind_known"),)

    engagement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    author_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    # The check disputed ("GL_EACH_OCCURRENCE_MIN"), empty for a message about the whole.
    check_code: Mapped[str] = mapped_column(String(80), default="")
    body: Mapped[str] = mapped_column(Text)
