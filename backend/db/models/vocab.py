"""Closed vocabularies used by the tables. Services import them from here."""

from __future__ import annotations

ORG_KINDS = ("subcontractor", "general_contractor", "broker")

ROLES = (
    "sub_admin",
    "sub_bookkeeper",
    "gc_admin",
    "gc_contract_admin",
    "gc_viewer",
    "broker_admin",
    "broker_agent",
)
# Each kind's roles, the most powerful first (access.less_privileged relies on the order).
ROLES_BY_ORG_KIND = {
    "subcontractor": ("sub_admin", "sub_bookkeeper"),
    "general_contractor": ("gc_admin", "gc_contract_admin", "gc_viewer"),
    "broker": ("broker_admin", "broker_agent"),
}
# The role that administers an organisation of each kind: it ends memberships, and an
# organisation always keeps one member holding it (network/members.py).
ADMIN_ROLE_OF_KIND = {kind: roles[0] for kind, roles in ROLES_BY_ORG_KIND.items()}

# What an API token may do: "read" only looks (safe methods), "write" acts with its role's
# full permissions. New tokens are "read" unless their maker asks for more.
TOKEN_SCOPE_READ = "read"  # noqa: S105 - a scope name, not a secret
TOKEN_SCOPE_WRITE = "write"  # noqa: S105 - a scope name, not a secret
TOKEN_SCOPES = (TOKEN_SCOPE_READ, TOKEN_SCOPE_WRITE)

# What an engagement's contract is: Procore's two kinds of commitment.
CONTRACT_KINDS = ("subcontract", "purchase_order")

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
    # Employer's liability in a monopolistic state (ND, OH, WA, WY), on the GL policy.
    "stop_gap_employers_liability",
    "other",
)

REVISION_KINDS = ("initial", "renewal", "endorsement", "cancellation", "correction")

DOCUMENT_READ_STATES = ("pending", "read", "needs_manual_entry")

# An engagement's phase: the work, then the years of completed operations after project end
# plus close-out (the set's completed_operations_years), then finished.
ENGAGEMENT_PHASES = ("ongoing", "completed_operations", "finished")

ENGAGEMENT_STATUSES = (
    "pending",
    "compliant",
    "expiring",
    "non_compliant",
    "expired",
    "incomplete",
)

DECISION_KINDS = ("approve", "reject", "waive", "pay_hold", "release", "work_stop", "resume")

# Limit kinds per line and covered-auto kinds: the engine's vocabulary
# (backend/requirements/vocabulary.py), spelled here so that the tables do not import the engine;
# tests/unit/requirements/test_vocabulary.py keeps the two equal. The record may also hold the
# certificate's "other" row, which the engine does not judge.
COVERED_AUTOS = ("any_auto", "owned", "scheduled", "hired", "non_owned")
LIMIT_KINDS: dict[str, tuple[str, ...]] = {
    "general_liability": (
        "each_occurrence",
        "general_aggregate",
        "products_completed_operations_aggregate",
        "personal_advertising_injury",
        "damage_to_rented_premises",
        "medical_expense",
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
