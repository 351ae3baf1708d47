"""The access trail indexed by the acting organisation and time: the daily cap on invitation
e-mails counts an organisation's invitations of the last 24 hours from it at every invitation,
and an organisation's trail lists what it did.

Revision ID: 0024_access_events_actor_org
Revises: 0023_grant_accepted_as_member
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024_access_events_actor_org"
down_revision: str | None = "0023_grant_accepted_as_member"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_access_events_actor_org_created", "access_events", ["actor_org_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_access_events_actor_org_created", table_name="access_events")
