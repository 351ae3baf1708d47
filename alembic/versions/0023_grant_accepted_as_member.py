"""A broker grant remembers whether it was taken up by a member of the firm it names. Such a
grant is held through the firm: it is in force only while that membership lasts (checked at
every use), so an agent who leaves the firm loses the grants it took up for it. A grant taken
up from the link by an address outside the firm is the person's own, as before.

Grants accepted before this migration are marked from the memberships as they stand now.

Revision ID: 0023_grant_accepted_as_member
Revises: 0022_vendor_link_invitation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_grant_accepted_as_member"
down_revision: str | None = "0022_vendor_link_invitation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "invitations",
        sa.Column(
            "accepted_as_member",
            sa.Boolean(),
            nullable=False,
            server_default=sa.false(),
        ),
    )
    op.execute(
        """
        UPDATE invitations SET accepted_as_member = true
        WHERE kind = 'broker_access' AND accepted_by_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM memberships m
            WHERE m.person_id = invitations.accepted_by_id
              AND m.organisation_id = invitations.invitee_org_id
        )
        """
    )


def downgrade() -> None:
    op.drop_column("invitations", "accepted_as_member")
