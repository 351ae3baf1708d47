"""Stored Merkle tree nodes of the audit log, so an evidence bundle's inclusion proof reads
O(log n) rows whatever the log's size. Existing logs get their nodes computed here from the
stored leaf hashes. The application role may add nodes, never change them.

Revision ID: 0010_audit_tree_nodes
Revises: 0009_procore
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010_audit_tree_nodes"
down_revision: str | None = "0009_procore"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Leaves read and nodes written per round trip while filling in an existing log.
BACKFILL_PAGE = 10_000


def upgrade() -> None:
    op.create_table(
        "audit_tree_nodes",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("index", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "index", name=op.f("pk_audit_tree_nodes")),
    )
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coinet_app') THEN
                REVOKE UPDATE, DELETE, TRUNCATE ON audit_tree_nodes FROM coinet_app;
            END IF;
        END $$;
        """
    )
    _backfill()


def _backfill() -> None:
    from backend.audit.merkle import CompactTree

    connection = op.get_bind()
    nodes = sa.table(
        "audit_tree_nodes",
        sa.column("level", sa.SmallInteger),
        sa.column("index", sa.BigInteger),
        sa.column("hash", sa.LargeBinary),
    )
    tree = CompactTree()
    while True:
        leaves = connection.execute(
            sa.text(
                "SELECT leaf_hash FROM audit_log_entries WHERE seq >= :start "
                "ORDER BY seq LIMIT :page"
            ),
            {"start": tree.size, "page": BACKFILL_PAGE},
        ).scalars()
        completed: list[tuple[int, int, bytes]] = []
        before = tree.size
        tree.extend(list(leaves), completed)
        if completed:
            connection.execute(
                nodes.insert(), [{"level": l, "index": i, "hash": h} for l, i, h in completed]
            )
        if tree.size == before:
            return


def downgrade() -> None:
    op.drop_table("audit_tree_nodes")
