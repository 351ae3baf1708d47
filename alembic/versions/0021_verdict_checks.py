"""A verdict's checks stored once per distinct array, addressed by its SHA-256.

A fan-out writes one verdict per engagement, and the engagements of one sub judged against one
requirement set and holder carry the same checks array word for word (~75 checks, ~30 KB of
JSON, 8.4 KB stored after lz4): `verdict_checks` holds each distinct array once and a verdict
names it by `checks_sha256`. The address is the SHA-256 of the array's jsonb text as PostgreSQL
prints it (`checks::text`), so the rows moved here and those the fan-out writes agree.

The application's role may only add arrays and read them (like the audit log's tables).
Downgrade copies each verdict's array back into `verdicts.checks` (lz4, as 0005 left it).

Revision ID: 0021_verdict_checks
Revises: 0020_invitation_contract_ref
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021_verdict_checks"
down_revision: str | None = "0020_invitation_contract_ref"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "coinet_app"
ADDRESS = "sha256(convert_to(CAST(checks AS text), 'UTF8'))"


def _lz4(table: str, column: str) -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
            ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4;
        EXCEPTION WHEN feature_not_supported THEN
            RAISE NOTICE 'compression lz4 is not available: {table}.{column} unchanged';
        END
        $$
        """
    )


def upgrade() -> None:
    op.create_table(
        "verdict_checks",
        sa.Column("sha256", sa.LargeBinary(), nullable=False),
        sa.Column("checks", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_verdict_checks")),
    )
    _lz4("verdict_checks", "checks")
    # One array is shared by many verdicts: changing it would rewrite all of them at once.
    # The application's role (0004) only adds arrays and reads them.
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON verdict_checks FROM {APP_ROLE}")
    op.add_column("verdicts", sa.Column("checks_sha256", sa.LargeBinary(), nullable=True))
    op.execute(
        f"""
        INSERT INTO verdict_checks (sha256, checks)
        SELECT DISTINCT ON (address) address, checks
        FROM (SELECT {ADDRESS} AS address, checks FROM verdicts) AS addressed
        ORDER BY address
        """
    )
    op.execute(f"UPDATE verdicts SET checks_sha256 = {ADDRESS}")
    op.alter_column("verdicts", "checks_sha256", nullable=False)
    op.create_foreign_key(
        op.f("fk_verdicts_checks_sha256_verdict_checks"),
        "verdicts",
        "verdict_checks",
        ["checks_sha256"],
        ["sha256"],
    )
    op.drop_column("verdicts", "checks")


def downgrade() -> None:
    op.add_column(
        "verdicts",
        sa.Column("checks", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    _lz4("verdicts", "checks")
    op.execute(
        """
        UPDATE verdicts SET checks = verdict_checks.checks
        FROM verdict_checks WHERE verdict_checks.sha256 = verdicts.checks_sha256
        """
    )
    op.alter_column("verdicts", "checks", nullable=False)
    op.drop_constraint(
        op.f("fk_verdicts_checks_sha256_verdict_checks"), "verdicts", type_="foreignkey"
    )
    op.drop_column("verdicts", "checks_sha256")
    op.drop_table("verdict_checks")
