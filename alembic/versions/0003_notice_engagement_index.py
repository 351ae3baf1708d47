"""Index notices by engagement and kind for the expiry sweep's "already notified" lookups.

Revision ID: 0003_notice_engagement_index
Revises: 0002_audit_log
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_notice_engagement_index"
down_revision: str | None = "0002_audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_notices_engagement_kind", "notices", ["engagement_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_notices_engagement_kind", table_name="notices")
