from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin
from backend.db.models._types import one_of
from backend.db.models.vocab import INVITATION_KINDS, ROLES


class Invitation(IdMixin, CreatedAtMixin, Base):
    """A single-use link sent by e-mail. The token is stored hashed; its scope says what
    accepting it grants: membership of `issuer_org_id` (member), write access to the
    issuing sub's record for a broker organisation (broker_access), or an engagement on a
    project (engagement, tier2_engagement)."""

    __tablename__ = "invitations"
    __table_args__ = (
        one_of("kind", INVITATION_KINDS, "kind_known"),
        one_of("role", ROLES, "role_known"),
    )

    kind: Mapped[str] = mapped_column(String(32))
    issuer_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    issued_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # The organisation the invitee acts for once accepted (a broker firm, an invited sub).
    invitee_org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    parent_engagement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE")
    )
    trade: Mapped[str] = mapped_column(String(80), default="")
    # The contract the engagement will be for (a project invitation); None: labelled by the
    # trade, as an engagement made before contracts existed.
    contract_ref: Mapped[str | None] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Access granted by an accepted broker invitation ends at this moment.
    access_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The API token that sent (or last sent again) the link, None for a signed-in person:
    # revoking the token withdraws the invitation while nobody has taken it up.
    issued_with_token_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    # A broker grant taken up by a member of the firm it names, signed in as that member: it
    # is held through the firm and in force only while the membership lasts (access.py).
    accepted_as_member: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A broker invitation sent to the address of a member of the firm it names: it asks that
    # person to act for the firm, so only a member of the firm takes it up (a former member
    # is refused at the link, and gets no grant of its own from it).
    issued_to_member: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
