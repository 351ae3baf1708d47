"""Values typed by hand are marked on the record, and notices carry a link and a change key.

- policy_terms.entered_by_hand / endorsements.entered_by_hand: the fields a person typed or
  corrected at review instead of taking them as read, each with what the reader had read
  (null when nothing). Empty for everything confirmed as read and for rows made before.
- notices.link: where the recipient goes to act on the notice (a path of this site).
- notices.change_key: one notice per change per recipient; a second notice for the same
  change (another batch of the same fan-out) is folded into the first.

Revision ID: 0006_hand_typed_and_notice_links
Revises: 0005_lz4_large_values
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_hand_typed_and_notice_links"
down_revision: str | None = "0005_lz4_large_values"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("policy_terms", "endorsements"):
        op.add_column(
            table,
            sa.Column(
                "entered_by_hand",
                postgresql.JSONB(astext_type=sa.Text()),
                nullable=False,
                server_default=sa.text("'{}'::jsonb"),
            ),
        )
    op.add_column(
        "notices", sa.Column("link", sa.String(length=500), nullable=False, server_default="")
    )
    op.add_column(
        "notices",
        sa.Column("change_key", sa.String(length=200), nullable=False, server_default=""),
    )
    op.create_index(
        "uq_notices_recipient_change",
        "notices",
        ["recipient_id", "change_key"],
        unique=True,
        postgresql_where=sa.text("change_key <> ''"),
    )


def downgrade() -> None:
    op.drop_index("uq_notices_recipient_change", table_name="notices")
    op.drop_column("notices", "change_key")
    op.drop_column("notices", "link")
    for table in ("endorsements", "policy_terms"):
        op.drop_column(table, "entered_by_hand")
