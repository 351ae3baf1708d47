"""The chase loop: reminder stages sent per engagement, single-use upload links for brokers
who never registered, and per-holder certificate requests after a renewal.

Revision ID: 0017_chase
Revises: 0016_engagement_contracts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_chase"
down_revision: str | None = "0016_engagement_contracts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id_and_created() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "chase_reminders",
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("gc_org_id", sa.Uuid(), nullable=False),
        sa.Column("sub_org_id", sa.Uuid(), nullable=False),
        sa.Column("episode", sa.String(length=80), nullable=False),
        sa.Column("stage", sa.String(length=80), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        *_id_and_created(),
        _fk("chase_reminders", "engagement_id", "engagements"),
        _fk("chase_reminders", "gc_org_id", "organisations"),
        _fk("chase_reminders", "sub_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chase_reminders")),
        sa.UniqueConstraint(
            "engagement_id",
            "episode",
            "stage",
            name=op.f("uq_chase_reminders_engagement_id_episode_stage"),
        ),
    )
    for column in ("engagement_id", "gc_org_id", "sub_org_id"):
        op.create_index(op.f(f"ix_chase_reminders_{column}"), "chase_reminders", [column])

    op.create_table(
        "upload_links",
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sub_org_id", sa.Uuid(), nullable=False),
        sa.Column("invitation_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        *_id_and_created(),
        _fk("upload_links", "sub_org_id", "organisations"),
        _fk("upload_links", "invitation_id", "invitations"),
        _fk("upload_links", "document_id", "documents", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_upload_links_token_hash")),
    )
    for column in ("sub_org_id", "invitation_id"):
        op.create_index(op.f(f"ix_upload_links_{column}"), "upload_links", [column])

    op.create_table(
        "holder_requests",
        sa.Column("sub_org_id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("gc_org_id", sa.Uuid(), nullable=False),
        sa.Column("revision_id", sa.Uuid(), nullable=False),
        sa.Column("holder_name", sa.String(length=300), nullable=False),
        sa.Column("additional_insureds", postgresql.ARRAY(sa.String(length=300)), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        *_id_and_created(),
        _fk("holder_requests", "sub_org_id", "organisations"),
        _fk("holder_requests", "engagement_id", "engagements"),
        _fk("holder_requests", "gc_org_id", "organisations"),
        _fk("holder_requests", "revision_id", "record_revisions"),
        _fk("holder_requests", "document_id", "documents", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holder_requests")),
        sa.UniqueConstraint(
            "engagement_id",
            "revision_id",
            name=op.f("uq_holder_requests_engagement_id_revision_id"),
        ),
    )
    for column in ("sub_org_id", "engagement_id"):
        op.create_index(op.f(f"ix_holder_requests_{column}"), "holder_requests", [column])


def downgrade() -> None:
    op.drop_table("holder_requests")
    op.drop_table("upload_links")
    op.drop_table("chase_reminders")
