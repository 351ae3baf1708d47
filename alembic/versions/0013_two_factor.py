"""Optional TOTP second factor: the encrypted secret, when it came into force, and the last
time-step used (so a code is never accepted twice).

Revision ID: 0013_two_factor
Revises: 0012_engagement_messages
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013_two_factor"
down_revision: str | None = "0012_engagement_messages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("people", sa.Column("totp_secret", sa.LargeBinary(), nullable=True))
    op.add_column(
        "people", sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "people",
        sa.Column("totp_last_step", sa.BigInteger(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("people", "totp_last_step")
    op.drop_column("people", "totp_enabled_at")
    op.drop_column("people", "totp_secret")
