"""Engagements become contracts: a sub may hold several subcontracts or purchase orders on one
project, each its own engagement, unique on (project, sub, parent, contract_ref).

Existing engagements keep every row, verdict, decision and snapshot: each becomes a subcontract
labelled by its trade (a second engagement of the same sub, project and parent under the same
trade gets " (2)" and so on, oldest first), not linked to any Procore commitment.

Revision ID: 0016_engagement_contracts
Revises: 0015_organisation_tax_id
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0016_engagement_contracts"
down_revision: str | None = "0015_organisation_tax_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_UNIQUE = "uq_engagements_project_id_sub_org_id_parent_engagement_id"


def upgrade() -> None:
    op.add_column("engagements", sa.Column("contract_ref", sa.String(length=80), nullable=True))
    op.add_column(
        "engagements",
        sa.Column(
            "contract_kind", sa.String(length=16), server_default="subcontract", nullable=False
        ),
    )
    op.add_column(
        "engagements",
        sa.Column("contract_title", sa.String(length=300), server_default="", nullable=False),
    )
    op.add_column("engagements", sa.Column("procore_commitment_id", sa.BigInteger(), nullable=True))
    op.add_column("engagements", sa.Column("contract_start", sa.Date(), nullable=True))
    op.add_column("engagements", sa.Column("contract_end", sa.Date(), nullable=True))
    op.add_column(
        "engagements",
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.execute(
        """
        UPDATE engagements AS e
        SET contract_ref = LEFT(numbered.trade, 72)
                || CASE WHEN numbered.n > 1 THEN ' (' || numbered.n || ')' ELSE '' END,
            contract_start = e.work_start,
            updated_at = GREATEST(e.created_at, COALESCE(e.status_changed_at, e.created_at))
        FROM (
            SELECT id, trade, ROW_NUMBER() OVER (
                PARTITION BY project_id, sub_org_id, parent_engagement_id
                ORDER BY created_at, id
            ) AS n
            FROM engagements
        ) AS numbered
        WHERE numbered.id = e.id
        """
    )
    op.alter_column("engagements", "contract_ref", nullable=False)
    op.drop_constraint(OLD_UNIQUE, "engagements", type_="unique")
    op.create_unique_constraint(
        "uq_engagements_contract",
        "engagements",
        ["project_id", "sub_org_id", "parent_engagement_id", "contract_ref"],
        postgresql_nulls_not_distinct=True,
    )
    op.create_unique_constraint(
        "uq_engagements_procore_commitment",
        "engagements",
        ["project_id", "contract_kind", "procore_commitment_id"],
    )
    op.create_check_constraint(
        op.f("ck_engagements_contract_kind_known"),
        "engagements",
        "contract_kind IN ('subcontract', 'purchase_order')",
    )


def downgrade() -> None:
    # Before contracts a sub had one engagement per project and parent: refuse to fold several
    # contracts into one rather than drop any of them with their history.
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM engagements WHERE parent_engagement_id IS NOT NULL
                GROUP BY project_id, sub_org_id, parent_engagement_id HAVING COUNT(*) > 1
            ) OR EXISTS (
                SELECT 1 FROM engagements WHERE parent_engagement_id IS NULL
                GROUP BY project_id, sub_org_id HAVING COUNT(*) > 1
            ) THEN
                RAISE EXCEPTION 'a sub holds several contracts on one project: '
                    'downgrading past 0016 would merge them; end or remove the extra ones first';
            END IF;
        END $$
        """
    )
    op.drop_constraint(op.f("ck_engagements_contract_kind_known"), "engagements", type_="check")
    op.drop_constraint("uq_engagements_procore_commitment", "engagements", type_="unique")
    op.drop_constraint("uq_engagements_contract", "engagements", type_="unique")
    op.create_unique_constraint(
        OLD_UNIQUE, "engagements", ["project_id", "sub_org_id", "parent_engagement_id"]
    )
    for column in (
        "updated_at",
        "contract_end",
        "contract_start",
        "procore_commitment_id",
        "contract_title",
        "contract_kind",
        "contract_ref",
    ):
        op.drop_column("engagements", column)
