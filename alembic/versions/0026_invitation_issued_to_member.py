"""A broker invitation remembers whether its address was a member of the firm it names when it
was sent (or sent again). Such an invitation asks that member to act for the firm: a person no
longer in the firm is refused at the link instead of taking the grant up as its own.

Invitations not yet taken up are marked from the memberships as they stand now.

Revision ID: 0026_invitation_issued_to_member
Revises: 0025_invitation_token
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_invitation_issued_to_member"
down_revision: str | None = "0025_invitation_token"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "invitations",
        sa.Column("issued_to_member", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(
        """
        UPDATE invitations SET issued_to_member = true
        WHERE kind = 'broker_access' AND accepted_at IS NULL AND EXISTS (
            SELECT 1 FROM memberships m JOIN people p ON p.id = m.person_id
            WHERE p.email = invitations.email
              AND m.organisation_id = invitations.invitee_org_id
        )
        """
    )


def downgrade() -> None:
    op.drop_column("invitations", "issued_to_member")
