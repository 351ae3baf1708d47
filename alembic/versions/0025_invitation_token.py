"""An invitation remembers the API token it was sent (or last sent again) with, so that revoking
the token withdraws the invitations it sent that nobody has taken up.

Revision ID: 0025_invitation_token
Revises: 0024_access_events_actor_org
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025_invitation_token"
down_revision: str | None = "0024_access_events_actor_org"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "invitations",
        sa.Column(
            "issued_with_token_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("api_tokens.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("invitations", "issued_with_token_id")
