"""Endorsements state their notice days, stop-gap employer's liability can be filed, and an
engagement continues into its completed-operations phase.

- endorsements.notice_days: the days of notice of cancellation a form states (IL 70 21,
  CG 02 24, state forms), typed or read at review; the engine reads it before any wording.
- endorsements.kind also allows "stop_gap_employers_liability" (monopolistic states).
- engagements.phase ("ongoing", "completed_operations", "finished") and
  engagements.completed_operations_until (project end + close-out + the set's years).
- verdicts.phase, part of the unique key: at close-out the sweep judges the same revision again
  for the completed-operations phase. Existing rows are "ongoing".

Revision ID: 0018_notice_days_phases
Revises: 0017_chase
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0018_notice_days_phases"
down_revision: str | None = "0017_chase"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS_BEFORE = (
    "additional_insured_ongoing",
    "additional_insured_completed",
    "primary_noncontributory",
    "waiver_of_subrogation",
    "per_project_aggregate",
    "per_location_aggregate",
    "notice_of_cancellation",
    "other",
)
_KINDS_AFTER = (*_KINDS_BEFORE[:-1], "stop_gap_employers_liability", "other")
_PHASES = "phase IN ('ongoing', 'completed_operations', 'finished')"


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    op.add_column("endorsements", sa.Column("notice_days", sa.SmallInteger(), nullable=True))
    op.create_check_constraint(
        op.f("ck_endorsements_notice_days_range"),
        "endorsements",
        "notice_days BETWEEN 1 AND 365",
    )
    op.drop_constraint(op.f("ck_endorsements_kind_known"), "endorsements", type_="check")
    op.create_check_constraint(
        op.f("ck_endorsements_kind_known"), "endorsements", _kinds(_KINDS_AFTER)
    )
    op.add_column(
        "engagements",
        sa.Column("phase", sa.String(length=24), server_default="ongoing", nullable=False),
    )
    op.add_column("engagements", sa.Column("completed_operations_until", sa.Date(), nullable=True))
    op.create_check_constraint(op.f("ck_engagements_phase_known"), "engagements", _PHASES)
    op.add_column(
        "verdicts",
        sa.Column("phase", sa.String(length=24), server_default="ongoing", nullable=False),
    )
    op.create_check_constraint(op.f("ck_verdicts_phase_known"), "verdicts", _PHASES)
    op.drop_constraint(op.f("uq_verdicts_engagement_id_revision_id"), "verdicts", type_="unique")
    op.create_unique_constraint(
        op.f("uq_verdicts_engagement_id_revision_id_phase"),
        "verdicts",
        ["engagement_id", "revision_id", "phase"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("uq_verdicts_engagement_id_revision_id_phase"), "verdicts", type_="unique"
    )
    op.execute("DELETE FROM verdicts WHERE phase <> 'ongoing'")
    op.create_unique_constraint(
        op.f("uq_verdicts_engagement_id_revision_id"), "verdicts", ["engagement_id", "revision_id"]
    )
    op.drop_constraint(op.f("ck_verdicts_phase_known"), "verdicts", type_="check")
    op.drop_column("verdicts", "phase")
    op.drop_constraint(op.f("ck_engagements_phase_known"), "engagements", type_="check")
    op.drop_column("engagements", "completed_operations_until")
    op.drop_column("engagements", "phase")
    op.execute("DELETE FROM endorsements WHERE kind = 'stop_gap_employers_liability'")
    op.drop_constraint(op.f("ck_endorsements_kind_known"), "endorsements", type_="check")
    op.create_check_constraint(
        op.f("ck_endorsements_kind_known"), "endorsements", _kinds(_KINDS_BEFORE)
    )
    op.drop_constraint(op.f("ck_endorsements_notice_days_range"), "endorsements", type_="check")
    op.drop_column("endorsements", "notice_days")
