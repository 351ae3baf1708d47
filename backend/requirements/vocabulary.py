"""The shared vocabulary of requirement sets and records: lines of coverage and limit kinds.

The names are those of the ACORD 25 JSON contract (contracts/acord25-json.md), so a value read
from a certificate and a minimum written in a requirement set meet without translation.
"""

from __future__ import annotations

from typing import Final

GENERAL_LIABILITY: Final = "general_liability"
AUTO_LIABILITY: Final = "auto_liability"
UMBRELLA: Final = "umbrella"
EXCESS: Final = "excess"
WORKERS_COMPENSATION: Final = "workers_compensation"
EMPLOYERS_LIABILITY: Final = "employers_liability"

# Lines a requirement set may demand. An excess policy satisfies an umbrella requirement (the
# ACORD 25 row is "umbrella / excess liability"), so `excess` is not a line of its own here.
REQUIRABLE_LINES: Final = (GENERAL_LIABILITY, AUTO_LIABILITY, UMBRELLA, WORKERS_COMPENSATION)

# Lines a record may hold (the contract's `other` row carries nothing the engine can check).
RECORD_LINES: Final = (GENERAL_LIABILITY, AUTO_LIABILITY, UMBRELLA, EXCESS, WORKERS_COMPENSATION)

LIMIT_KINDS: Final[dict[str, tuple[str, ...]]] = {
    GENERAL_LIABILITY: (
        "each_occurrence",
        "general_aggregate",
        "products_completed_operations_aggregate",
        "personal_advertising_injury",
        "damage_to_rented_premises",
        "medical_expense",
    ),
    AUTO_LIABILITY: (
        "combined_single_limit",
        "bodily_injury_per_person",
        "bodily_injury_per_accident",
        "property_damage",
    ),
    UMBRELLA: ("each_occurrence", "aggregate"),
    EXCESS: ("each_occurrence", "aggregate"),
    WORKERS_COMPENSATION: (
        "el_each_accident",
        "el_disease_each_employee",
        "el_disease_policy_limit",
    ),
}

# The prefix of every check code about one line (GL_EACH_OCCURRENCE_MIN, WC_STATES, ...).
LINE_CODE_PREFIX: Final[dict[str, str]] = {
    GENERAL_LIABILITY: "GL",
    AUTO_LIABILITY: "AUTO",
    UMBRELLA: "UMB",
    WORKERS_COMPENSATION: "WC",
}

LINE_LABEL: Final[dict[str, str]] = {
    GENERAL_LIABILITY: "General liability",
    AUTO_LIABILITY: "Auto liability",
    UMBRELLA: "Umbrella / excess liability",
    EXCESS: "Excess liability",
    WORKERS_COMPENSATION: "Workers' compensation / employer's liability",
    EMPLOYERS_LIABILITY: "Employer's liability",
}

LIMIT_LABEL: Final[dict[str, str]] = {
    "each_occurrence": "each occurrence",
    "general_aggregate": "general aggregate",
    "products_completed_operations_aggregate": "products-completed operations aggregate",
    "personal_advertising_injury": "personal & advertising injury",
    "damage_to_rented_premises": "damage to rented premises",
    "medical_expense": "medical expense",
    "combined_single_limit": "combined single limit",
    "bodily_injury_per_person": "bodily injury per person",
    "bodily_injury_per_accident": "bodily injury per accident",
    "property_damage": "property damage",
    "aggregate": "aggregate",
    "el_each_accident": "employer's liability each accident",
    "el_disease_each_employee": "employer's liability disease each employee",
    "el_disease_policy_limit": "employer's liability disease policy limit",
}

# A limit shown as "Included" sits inside another limit of the same line, and is judged at that
# one's amount: products-completed operations inside the general aggregate, the per-person and
# per-event parts inside the each-occurrence limit, split auto limits inside a combined one.
INCLUDED_WITHIN: Final[dict[str, str]] = {
    "products_completed_operations_aggregate": "general_aggregate",
    "personal_advertising_injury": "each_occurrence",
    "damage_to_rented_premises": "each_occurrence",
    "medical_expense": "each_occurrence",
    "bodily_injury_per_person": "combined_single_limit",
    "bodily_injury_per_accident": "combined_single_limit",
    "property_damage": "combined_single_limit",
}

# Combined limits: (line, limit kind) -> (the umbrella limit that adds to it, the underlying
# line the umbrella must follow form over). Per-event limits take the umbrella's each
# occurrence, aggregates its aggregate.
COMBINABLE_WITH_UMBRELLA: Final[dict[tuple[str, str], tuple[str, str]]] = {
    (GENERAL_LIABILITY, "each_occurrence"): ("each_occurrence", GENERAL_LIABILITY),
    (GENERAL_LIABILITY, "general_aggregate"): ("aggregate", GENERAL_LIABILITY),
    (GENERAL_LIABILITY, "products_completed_operations_aggregate"): (
        "aggregate",
        GENERAL_LIABILITY,
    ),
    (AUTO_LIABILITY, "combined_single_limit"): ("each_occurrence", AUTO_LIABILITY),
    (WORKERS_COMPENSATION, "el_each_accident"): ("each_occurrence", EMPLOYERS_LIABILITY),
    (WORKERS_COMPENSATION, "el_disease_each_employee"): ("each_occurrence", EMPLOYERS_LIABILITY),
    (WORKERS_COMPENSATION, "el_disease_policy_limit"): ("aggregate", EMPLOYERS_LIABILITY),
}

# States whose workers' compensation comes only from a state fund, which carries no employer's
# liability: there it comes from a stop-gap endorsement (DOMAIN.md).
MONOPOLISTIC_STATES: Final = frozenset({"ND", "OH", "WA", "WY"})

COVERED_AUTOS: Final = ("any_auto", "owned", "scheduled", "hired", "non_owned")

# Lines an umbrella must follow form over; employer's liability is the EL part of the WC policy.
FOLLOW_FORM_UNDERLYING: Final = (GENERAL_LIABILITY, AUTO_LIABILITY, EMPLOYERS_LIABILITY)

# Severity of the "coverage through project end + close-out" check, from weakest to strongest.
THROUGH_CLOSEOUT_LEVELS: Final = ("off", "warning", "blocking")

US_STATES: Final = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP".split()
)


def limit_code(line: str, kind: str) -> str:
    """The stable check code for a minimum limit, e.g. GL_EACH_OCCURRENCE_MIN."""
    return f"{LINE_CODE_PREFIX[line]}_{kind.upper()}_MIN"
