"""An engagement inserted without a contract label gets its trade as the label, in the database.

0016 filled the label from a Python default, which multi-row INSERTs (benchmarks, bulk loads)
cannot evaluate per row. A BEFORE INSERT trigger labels every such row the same way whatever
inserted it; the application reads the value back (RETURNING).

Revision ID: 0019_contract_ref_trigger
Revises: 0018_notice_days_phases
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_contract_ref_trigger"
down_revision: str | None = "0018_notice_days_phases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION engagements_contract_ref_default() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.contract_ref IS NULL THEN
                NEW.contract_ref := LEFT(NEW.trade, 80);
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER engagements_contract_ref_default BEFORE INSERT ON engagements "
        "FOR EACH ROW EXECUTE FUNCTION engagements_contract_ref_default()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER engagements_contract_ref_default ON engagements")
    op.execute("DROP FUNCTION engagements_contract_ref_default()")
