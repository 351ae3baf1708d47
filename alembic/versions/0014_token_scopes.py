"""API tokens get a scope: "read" (safe methods only) or "write" (the role's full permissions).

Tokens that exist before this revision become "write": they could write until now, and an
integration that already posts with one must keep working. Tokens made from now on are
"read" unless their maker asks for "write" (least privilege), so the column's default
switches to "read" once the existing rows are filled in.

Revision ID: 0014_token_scopes
Revises: 0013_two_factor
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014_token_scopes"
down_revision: str | None = "0013_two_factor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "api_tokens",
        sa.Column("scope", sa.String(length=8), server_default="write", nullable=False),
    )
    op.alter_column("api_tokens", "scope", server_default="read")
    op.create_check_constraint(
        op.f("ck_api_tokens_scope_known"), "api_tokens", "scope IN ('read', 'write')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_api_tokens_scope_known"), "api_tokens", type_="check")
    op.drop_column("api_tokens", "scope")
