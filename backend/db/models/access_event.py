from __future__ import annotations

import uuid

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class AccessEvent(IdMixin, CreatedAtMixin, Base):
    """One grant or revocation of access (an invitation issued, accepted or revoked, an API
    token made or revoked, a password reset, a membership created). Append-only: the
    application role may only INSERT and SELECT here (migration 0008). The ids are plain
    values, not foreign keys, so the trail outlives the rows it names."""

    __tablename__ = "access_events"
    # What an organisation did, by time: the daily cap on invitation e-mails counts from it.
    __table_args__ = (Index("ix_access_events_actor_org_created", "actor_org_id", "created_at"),)

    event: Mapped[str] = mapped_column(String(48), index=True)
    actor_person_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    actor_org_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # Whom or what the event is about: a person, an organisation, an invitation or token.
    subject_person_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    subject_org_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    email: Mapped[str] = mapped_column(String(320), default="")
    detail: Mapped[str] = mapped_column(String(400), default="")
