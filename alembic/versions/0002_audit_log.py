"""audit log: append-only Merkle log entries and signed checkpoints

Revision ID: 0002_audit_log
Revises: 0001_foundation

Both tables are append-only. Row triggers refuse UPDATE and DELETE, a statement trigger refuses
TRUNCATE, and UPDATE, DELETE and TRUNCATE are revoked from PUBLIC (and from the application
role `coinet_app` when it exists), so the application may only INSERT and SELECT. A superuser
can still get around all of this; `coinet audit check` and the signed checkpoints are what
catch that.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_audit_log"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_TABLES = ("audit_log_entries", "audit_checkpoints")

REFUSE_CHANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

GRANT_TO_APP_ROLE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coinet_app') THEN
        EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM coinet_app';
        EXECUTE 'GRANT SELECT, INSERT ON {table} TO coinet_app';
    END IF;
END
$$
"""


def append_only_statements(table: str) -> list[str]:
    """The SQL that makes one table append-only (kept separate so tests can run it as-is)."""
    return [
        f"CREATE TRIGGER {table}_no_update_or_delete BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC",
        GRANT_TO_APP_ROLE.format(table=table),
    ]


def upgrade() -> None:
    op.create_table(
        "audit_log_entries",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("gc_org_id", sa.Uuid(), nullable=False),
        sa.Column("sub_org_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.Column("snapshot_sha256", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("previous_snapshot_sha256", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('verdict', 'approve', 'reject', 'waive', 'pay_hold', 'release', "
            "'work_stop', 'resume')",
            name=op.f("ck_audit_log_entries_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log_entries")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_log_entries_seq")),
    )
    op.create_index(
        "ix_audit_log_entries_in_effect",
        "audit_log_entries",
        ["project_id", "sub_org_id", "as_of", "seq"],
        unique=False,
    )
    op.create_index(
        "ix_audit_log_entries_engagement_seq",
        "audit_log_entries",
        ["engagement_id", "seq"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_log_entries_snapshot_sha256"),
        "audit_log_entries",
        ["snapshot_sha256"],
        unique=False,
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("key_name", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("compact_tree", sa.LargeBinary(), nullable=False),
        sa.Column("timestamp_token", sa.LargeBinary(), nullable=True),
        sa.Column("timestamp_url", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    op.create_index(
        op.f("ix_audit_checkpoints_tree_size"),
        "audit_checkpoints",
        ["tree_size"],
        unique=False,
    )
    op.execute(REFUSE_CHANGE_FUNCTION)
    for table in AUDIT_TABLES:
        for statement in append_only_statements(table):
            op.execute(statement)


def downgrade() -> None:
    # Dropping the tables is the only way an audit log goes away; it is deliberate and visible.
    for table in AUDIT_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table}")
    op.drop_index(op.f("ix_audit_checkpoints_tree_size"), table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_index(op.f("ix_audit_log_entries_snapshot_sha256"), table_name="audit_log_entries")
    op.drop_index("ix_audit_log_entries_engagement_seq", table_name="audit_log_entries")
    op.drop_index("ix_audit_log_entries_in_effect", table_name="audit_log_entries")
    op.drop_table("audit_log_entries")
    op.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")
