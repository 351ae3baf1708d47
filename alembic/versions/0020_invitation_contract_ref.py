"""A project invitation may name the contract the engagement will be for.

A GC engaging a sub for a second contract on a project names it (a subcontract or purchase
order number); the accepted engagement takes that label. NULL: labelled by the trade, as before.

Revision ID: 0020_invitation_contract_ref
Revises: 0019_contract_ref_trigger
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_invitation_contract_ref"
down_revision: str | None = "0019_contract_ref_trigger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("invitations", sa.Column("contract_ref", sa.String(length=80), nullable=True))


def downgrade() -> None:
    op.drop_column("invitations", "contract_ref")
