"""Closed vocabularies used by the tables. Services import them from here."""

from __future__ import annotations

from backend.requirements.vocabulary import COVERED_AUTOS as COVERED_AUTOS
from backend.requirements.vocabulary import LIMIT_KINDS as ENGINE_LIMIT_KINDS

ORG_KINDS = ("subcontractor", "general_contractor", "broker")

ROLES = (
    "sub_admin",
    "sub_bookkeeper",
    "gc_admin",
    "gc_contract_admin",
    "gc_viewer",
    "broker_agent",
)
ROLES_BY_ORG_KIND = {
    "subcontractor": ("sub_admin", "sub_bookkeeper"),
    "general_contractor": ("gc_admin", "gc_contract_admin", "gc_viewer"),
    "broker": ("broker_agent",),
}

INVITATION_KINDS = ("member", "broker_access", "engagement", "tier2_engagement")

LINES = (
    "general_liability",
    "auto_liability",
    "umbrella",
    "excess",
    "workers_compensation",
    "other",
)
BASES = ("occurrence", "claims_made")
AGGREGATE_PER = ("policy", "project", "location")

ENDORSEMENT_KINDS = (
    "additional_insured_ongoing",
    "additional_insured_completed",
    "primary_noncontributory",
    "waiver_of_subrogation",
    "per_project_aggregate",
    "per_location_aggregate",
    "notice_of_cancellation",
    "other",
)

REVISION_KINDS = ("initial", "renewal", "endorsement", "cancellation", "correction")

DOCUMENT_READ_STATES = ("pending", "read", "needs_manual_entry")

ENGAGEMENT_STATUSES = (
    "pending",
    "compliant",
    "expiring",
    "non_compliant",
    "expired",
    "incomplete",
)

DECISION_KINDS = ("approve", "reject", "waive", "pay_hold", "release", "work_stop", "resume")

# Limit kinds per line and covered-auto kinds: one vocabulary, shared with the engine. The
# record may also hold the certificate's "other" row, which the engine does not judge.
LIMIT_KINDS: dict[str, tuple[str, ...]] = {
    **ENGINE_LIMIT_KINDS,
    "other": ("each_claim", "each_occurrence", "aggregate"),
}
