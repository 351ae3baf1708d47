"""Closed vocabularies used by the tables. Services import them from here."""

from __future__ import annotations

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

# Whole-dollar limit kinds per line, as printed on an ACORD 25 (contracts/acord25-json.md).
LIMIT_KINDS: dict[str, tuple[str, ...]] = {
    "general_liability": (
        "each_occurrence",
        "damage_to_rented_premises",
        "medical_expense",
        "personal_advertising_injury",
        "general_aggregate",
        "products_completed_operations_aggregate",
    ),
    "auto_liability": (
        "combined_single_limit",
        "bodily_injury_per_person",
        "bodily_injury_per_accident",
        "property_damage",
    ),
    "umbrella": ("each_occurrence", "aggregate"),
    "excess": ("each_occurrence", "aggregate"),
    "workers_compensation": (
        "el_each_accident",
        "el_disease_each_employee",
        "el_disease_policy_limit",
    ),
    "other": ("each_claim", "each_occurrence", "aggregate"),
}

COVERED_AUTOS = ("any_auto", "owned", "scheduled", "hired", "non_owned")
