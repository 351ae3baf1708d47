"""Fan-out dead letters: record changes whose fan-out kept failing, for the operator.

Revision ID: 0011_fan_out_dead_letters
Revises: 0010_audit_tree_nodes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_fan_out_dead_letters"
down_revision: str | None = "0010_audit_tree_nodes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fan_out_failures",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("sub_org_id", sa.Uuid(), nullable=True),
        sa.Column("revision_id", sa.Uuid(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_events.id"],
            name=op.f("fk_fan_out_failures_event_id_outbox_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["record_revisions.id"],
            name=op.f("fk_fan_out_failures_revision_id_record_revisions"),
        ),
        sa.ForeignKeyConstraint(
            ["sub_org_id"],
            ["organisations.id"],
            name=op.f("fk_fan_out_failures_sub_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fan_out_failures")),
        sa.UniqueConstraint("event_id", name=op.f("uq_fan_out_failures_event_id")),
    )
    op.create_index(
        op.f("ix_fan_out_failures_dead_at"), "fan_out_failures", ["dead_at"], unique=False
    )
    op.create_index(
        op.f("ix_fan_out_failures_sub_org_id"), "fan_out_failures", ["sub_org_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_fan_out_failures_sub_org_id"), table_name="fan_out_failures")
    op.drop_index(op.f("ix_fan_out_failures_dead_at"), table_name="fan_out_failures")
    op.drop_table("fan_out_failures")
