"""The five ready requirement sets, one per trade tier (DOMAIN.md's trade-tier table).

A GC copies a template (`copy_template`) under its own name and edits it; the templates
themselves stay as published here.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from backend.requirements.model import (
    AdditionalInsuredRequirement,
    FormEdition,
    InsurerRequirement,
    LineRequirement,
    RequirementSet,
)
from backend.requirements.vocabulary import (
    AUTO_LIABILITY,
    GENERAL_LIABILITY,
    UMBRELLA,
    WORKERS_COMPENSATION,
)

MILLION: Final = 1_000_000

# tier -> (GL each occurrence, GL aggregate, auto CSL, umbrella, trades)
_TIER_TABLE: Final = {
    "high": (
        2 * MILLION,
        4 * MILLION,
        MILLION,
        10 * MILLION,
        "framing, concrete, steel erection, roofing, excavation, demolition",
    ),
    "elevated": (
        2 * MILLION,
        4 * MILLION,
        MILLION,
        5 * MILLION,
        "MEP, HVAC, curtain wall, glazing, elevators",
    ),
    "moderate": (
        MILLION,
        2 * MILLION,
        MILLION,
        5 * MILLION,
        "drywall, insulation, flooring, painting, millwork, masonry",
    ),
    "standard": (
        MILLION,
        2 * MILLION,
        MILLION,
        2 * MILLION,
        "finishes, tile, cabinetry, signage, low-voltage",
    ),
    "lower": (
        MILLION,
        2 * MILLION,
        MILLION,
        2 * MILLION,
        "cleanup, landscaping, final cleaning, temporary facilities",
    ),
}

TIER_TRADES: Final = {tier: row[4] for tier, row in _TIER_TABLE.items()}

# ISO forms accepted by default. Ongoing operations: the scheduled CG 20 10 and the blanket
# "automatic status" forms CG 20 33 / CG 20 38; completed operations: CG 20 37.
ONGOING_FORMS: Final = (
    FormEdition("CG 20 10"),
    FormEdition("CG 20 33"),
    FormEdition("CG 20 38"),
)
COMPLETED_FORMS: Final = (FormEdition("CG 20 37"),)

# Years of completed-operations cover asked for after close-out (DOMAIN.md: often 3 to 10).
COMPLETED_OPERATIONS_YEARS: Final = 3

# Employer's liability $1M / $1M / $1M, the common demand; the tiers differ above it.
_EMPLOYERS_LIABILITY: Final = (
    ("el_each_accident", MILLION),
    ("el_disease_each_employee", MILLION),
    ("el_disease_policy_limit", MILLION),
)


def _template(tier: str) -> RequirementSet:
    each_occurrence, aggregate, auto_csl, umbrella, _trades = _TIER_TABLE[tier]
    long_tail = tier in ("high", "elevated")
    return RequirementSet(
        name=f"{tier.capitalize()} tier template",
        version=1,
        tier=tier,
        lines=(
            LineRequirement(
                line=GENERAL_LIABILITY,
                limits=(
                    ("each_occurrence", each_occurrence),
                    ("general_aggregate", aggregate),
                    ("products_completed_operations_aggregate", aggregate),
                ),
                waiver_of_subrogation=True,
                # Heavier trades carry long-tail claims: demand the aggregate per project.
                per_project_aggregate=long_tail,
            ),
            LineRequirement(
                line=AUTO_LIABILITY,
                limits=(("combined_single_limit", auto_csl),),
                waiver_of_subrogation=True,
                any_auto=True,
            ),
            LineRequirement(
                line=UMBRELLA,
                limits=(("each_occurrence", umbrella), ("aggregate", umbrella)),
                follows_form=True,
            ),
            LineRequirement(
                line=WORKERS_COMPENSATION,
                limits=_EMPLOYERS_LIABILITY,
                waiver_of_subrogation=True,
                only_if_employees_on_site=tier == "lower",
            ),
        ),
        additional_insured=AdditionalInsuredRequirement(
            ongoing=True,
            completed=True,
            lines=(GENERAL_LIABILITY, UMBRELLA),
            blanket_allowed=True,
            ongoing_forms=ONGOING_FORMS,
            completed_forms=COMPLETED_FORMS,
        ),
        primary_noncontributory=True,
        notice_of_cancellation_days=30,
        insurer=InsurerRequirement(
            minimum_rating="A-",
            minimum_size_class="VII",
            naic_required=True,
            surplus_lines_allowed=True,
        ),
        coverage_through_closeout="warning",
        endorsements_on_file=True,
        # Most subcontracts let a follow-form umbrella make up a primary line's minimum.
        combined_limits=True,
        # The short end of the 3-10 years contracts commonly name; a GC lengthens it.
        completed_operations_years=COMPLETED_OPERATIONS_YEARS,
    )


TEMPLATES: Final[dict[str, RequirementSet]] = {tier: _template(tier) for tier in _TIER_TABLE}


def template(tier: str) -> RequirementSet:
    """The published template of a tier; KeyError names the tiers when it is unknown."""
    try:
        return TEMPLATES[tier]
    except KeyError:
        raise KeyError(f"unknown tier {tier!r}; expected one of {', '.join(TEMPLATES)}") from None


def copy_template(tier: str, *, name: str, owner: str) -> RequirementSet:
    """A GC's own editable copy of a template, at version 1."""
    return dataclasses.replace(template(tier), name=name, owner=owner, version=1)
