"""A Procore vendor link remembers the project invitation sent to the vendor's e-mail address
(the Procore settings page's "invite this vendor"), so the link is confirmed when the sub that
accepts it is known.

Revision ID: 0022_vendor_link_invitation
Revises: 0021_verdict_checks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022_vendor_link_invitation"
down_revision: str | None = "0021_verdict_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "procore_vendor_links",
        sa.Column(
            "invitation_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("invitations.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("procore_vendor_links", "invitation_id")
