"""The application's own database role, `coinet_app`: it reads and writes the network's tables
but may only INSERT and SELECT on the audit log, and owns nothing, so it cannot drop a trigger
or alter a table. Migrations run as the owner (MIGRATION_DATABASE_URL); web and workers connect
as `coinet_app` (DATABASE_URL) in production. The role is created without a password; an
operator sets one (ALTER ROLE coinet_app PASSWORD ...) where authentication needs it.

Revision ID: 0004_application_role
Revises: 0003_notice_engagement_index
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_application_role"
down_revision: str | None = "0003_notice_engagement_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "coinet_app"
APPEND_ONLY_TABLES = ("audit_log_entries", "audit_checkpoints")


def upgrade() -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} LOGIN;
            END IF;
            EXECUTE format('GRANT CONNECT ON DATABASE %I TO {APP_ROLE}', current_database());
        END
        $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    for table in APPEND_ONLY_TABLES:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON alembic_version FROM {APP_ROLE}")
    # Tables added by later migrations get the ordinary rights; an append-only one must
    # revoke UPDATE and DELETE itself, as 0002 does.
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )


def downgrade() -> None:
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}"
    )
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
    op.execute(
        f"""
        DO $$
        BEGIN
            EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM {APP_ROLE}', current_database());
        END
        $$
        """
    )
    # The role itself stays: it is cluster-wide and other databases may use it.
