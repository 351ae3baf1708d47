"""Organisations get their federal tax id (EIN): nine digits, unique on the network.

A sub enters it at sign-up or in its company settings; GCs find a sub by it (exact match).
Existing organisations have none until they enter it.

Revision ID: 0015_organisation_tax_id
Revises: 0014_token_scopes
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0015_organisation_tax_id"
down_revision: str | None = "0014_token_scopes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("organisations", sa.Column("tax_id", sa.String(length=9), nullable=True))
    op.create_check_constraint(
        op.f("ck_organisations_tax_id_nine_digits"), "organisations", "tax_id ~ '^[0-9]{9}$'"
    )
    op.create_index(
        "uq_organisations_tax_id",
        "organisations",
        ["tax_id"],
        unique=True,
        postgresql_where=sa.text("tax_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_organisations_tax_id", table_name="organisations")
    op.drop_constraint(
        op.f("ck_organisations_tax_id_nine_digits"), "organisations", type_="check"
    )
    op.drop_column("organisations", "tax_id")
