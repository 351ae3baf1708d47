"""Messages kept with an engagement: a sub (or its broker) disputing a check, the GC answering.

Revision ID: 0012_engagement_messages
Revises: 0011_fan_out_dead_letters
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_engagement_messages"
down_revision: str | None = "0011_fan_out_dead_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "engagement_messages",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_org_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("check_code", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('dispute', 'reply')", name=op.f("ck_engagement_messages_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name=op.f("fk_engagement_messages_author_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["author_org_id"],
            ["organisations.id"],
            name=op.f("fk_engagement_messages_author_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_engagement_messages_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_messages")),
    )
    op.create_index(
        op.f("ix_engagement_messages_engagement_id"),
        "engagement_messages",
        ["engagement_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_engagement_messages_engagement_id"), table_name="engagement_messages")
    op.drop_table("engagement_messages")
