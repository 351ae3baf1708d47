from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class ProcoreProjectLink(IdMixin, CreatedAtMixin, Base):
    """One of the GC's projects and its Procore project; only engagements on linked projects
    are written back to Procore."""

    __tablename__ = "procore_project_links"
    __table_args__ = (UniqueConstraint("organisation_id", "procore_project_id"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    procore_project_id: Mapped[int]
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), unique=True
    )
