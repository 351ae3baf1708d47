"""Access grants and sign-in safety: `access_events` (an append-only trail of every grant and
revocation: the application role may only INSERT and SELECT), `sign_in_throttles` (progressive
delays after failed sign-ins per address, per IP and per pair, instead of a lock), and
`password_resets` (e-mailed single-use links, stored hashed).

Revision ID: 0008_access_grants
Revises: 0007_webhooks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_access_grants"
down_revision: str | None = "0007_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    op.create_table(
        "access_events",
        sa.Column("event", sa.String(length=48), nullable=False),
        sa.Column("actor_person_id", sa.Uuid(), nullable=True),
        sa.Column("actor_org_id", sa.Uuid(), nullable=True),
        sa.Column("subject_person_id", sa.Uuid(), nullable=True),
        sa.Column("subject_org_id", sa.Uuid(), nullable=True),
        sa.Column("invitation_id", sa.Uuid(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("detail", sa.String(length=400), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_events")),
    )
    op.create_index(op.f("ix_access_events_event"), "access_events", ["event"], unique=False)
    op.create_index(
        op.f("ix_access_events_invitation_id"), "access_events", ["invitation_id"], unique=False
    )
    op.create_index(
        op.f("ix_access_events_subject_org_id"), "access_events", ["subject_org_id"], unique=False
    )
    op.create_table(
        "sign_in_throttles",
        sa.Column("key_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wait_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_sign_in_throttles")),
    )
    op.create_table(
        "password_resets",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_password_resets_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    op.create_index(
        op.f("ix_password_resets_person_id"), "password_resets", ["person_id"], unique=False
    )
    # The trail of grants is append-only for the application, like the audit log (0004).
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coinet_app') THEN
                GRANT SELECT, INSERT ON access_events TO coinet_app;
                REVOKE UPDATE, DELETE, TRUNCATE ON access_events FROM coinet_app;
            END IF;
        END
        $$
        """
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_password_resets_person_id"), table_name="password_resets")
    op.drop_table("password_resets")
    op.drop_table("sign_in_throttles")
    op.drop_index(op.f("ix_access_events_subject_org_id"), table_name="access_events")
    op.drop_index(op.f("ix_access_events_invitation_id"), table_name="access_events")
    op.drop_index(op.f("ix_access_events_event"), table_name="access_events")
    op.drop_table("access_events")
