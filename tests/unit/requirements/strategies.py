"""Hypothesis strategies: valid requirement sets and changes that only tighten them."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from backend.requirements.model import (
    AdditionalInsuredRequirement,
    FormEdition,
    InsurerRequirement,
    LineRequirement,
    RequirementSet,
)
from backend.requirements.ratings import BEST_RATINGS, SIZE_CLASSES
from backend.requirements.vocabulary import (
    AUTO_LIABILITY,
    GENERAL_LIABILITY,
    LIMIT_KINDS,
    REQUIRABLE_LINES,
    THROUGH_CLOSEOUT_LEVELS,
    UMBRELLA,
    WORKERS_COMPENSATION,
)

AMOUNTS = st.sampled_from([500_000, 1_000_000, 2_000_000, 4_000_000, 5_000_000, 10_000_000])
FORMS = (
    FormEdition("CG 20 10"),
    FormEdition("CG 20 10", "04 13"),
    FormEdition("CG 20 10", "11 85"),
    FormEdition("CG 20 38"),
    FormEdition("CG 20 37"),
    FormEdition("CG 20 37", "04 13"),
)
# (line, lower kind, upper kind): keep generated limits free of contradictions
_ORDER = (
    (GENERAL_LIABILITY, "each_occurrence", "general_aggregate"),
    (GENERAL_LIABILITY, "each_occurrence", "products_completed_operations_aggregate"),
    (UMBRELLA, "each_occurrence", "aggregate"),
    (AUTO_LIABILITY, "bodily_injury_per_person", "bodily_injury_per_accident"),
    (WORKERS_COMPENSATION, "el_disease_each_employee", "el_disease_policy_limit"),
)


def consistent_limits(line: str, limits: dict[str, int]) -> tuple[tuple[str, int], ...]:
    fixed = dict(limits)
    for rule_line, lower, upper in _ORDER:
        if rule_line == line and lower in fixed and upper in fixed:
            fixed[upper] = max(fixed[upper], fixed[lower])
    return tuple(fixed.items())


@st.composite
def line_requirements(draw: st.DrawFn, line: str) -> LineRequirement:
    kinds = draw(st.lists(st.sampled_from(LIMIT_KINDS[line]), unique=True, max_size=4))
    limits = consistent_limits(line, {kind: draw(AMOUNTS) for kind in kinds})
    claims_ok = line in (GENERAL_LIABILITY, UMBRELLA) and draw(st.booleans())
    return LineRequirement(
        line=line,
        limits=limits,
        waiver_of_subrogation=draw(st.booleans()),
        claims_made_allowed=claims_ok,
        tail_years=draw(st.integers(0, 5)) if claims_ok else 0,
        per_project_aggregate=line == GENERAL_LIABILITY and draw(st.booleans()),
        any_auto=line == AUTO_LIABILITY and draw(st.booleans()),
        follows_form=line == UMBRELLA and draw(st.booleans()),
        states=tuple(draw(st.lists(st.sampled_from(["OH", "PA", "IN"]), unique=True)))
        if line == WORKERS_COMPENSATION
        else (),
        only_if_employees_on_site=line == WORKERS_COMPENSATION and draw(st.booleans()),
    )


@st.composite
def requirement_sets(draw: st.DrawFn) -> RequirementSet:
    lines = draw(st.lists(st.sampled_from(REQUIRABLE_LINES), unique=True, min_size=1))
    ai_candidates = [line for line in lines if line != WORKERS_COMPENSATION]
    ai_lines = (
        tuple(draw(st.lists(st.sampled_from(ai_candidates), unique=True))) if ai_candidates else ()
    )
    ai_required = bool(ai_lines)
    return RequirementSet(
        name="generated",
        lines=tuple(draw(line_requirements(line)) for line in lines),
        additional_insured=AdditionalInsuredRequirement(
            ongoing=ai_required and draw(st.booleans()),
            completed=ai_required and draw(st.booleans()),
            lines=ai_lines or (GENERAL_LIABILITY,),
            blanket_allowed=draw(st.booleans()),
            parties=tuple(draw(st.lists(st.sampled_from(["Owner LP", "Bank NA"]), unique=True))),
            ongoing_forms=tuple(draw(st.lists(st.sampled_from(FORMS[:4]), unique=True))),
            completed_forms=tuple(draw(st.lists(st.sampled_from(FORMS[4:]), unique=True))),
        ),
        primary_noncontributory=draw(st.booleans()),
        notice_of_cancellation_days=draw(st.none() | st.integers(10, 60)),
        insurer=InsurerRequirement(
            minimum_rating=draw(st.none() | st.sampled_from(BEST_RATINGS[:8])),
            minimum_size_class=draw(st.none() | st.sampled_from(SIZE_CLASSES[4:10])),
            naic_required=draw(st.booleans()),
            surplus_lines_allowed=draw(st.booleans()),
        ),
        coverage_through_closeout=draw(st.sampled_from(THROUGH_CLOSEOUT_LEVELS)),
        endorsements_on_file=draw(st.booleans()),
    )


@st.composite
def tightenings(draw: st.DrawFn, parent: RequirementSet) -> dict[str, Any]:
    """dataclasses.replace keywords that keep every requirement at least the parent's."""
    lines = []
    for line in parent.lines:
        limits = {kind: amount * draw(st.sampled_from([1, 1, 2])) for kind, amount in line.limits}
        lines.append(
            dataclasses.replace(
                line,
                limits=consistent_limits(line.line, limits),
                waiver_of_subrogation=line.waiver_of_subrogation or draw(st.booleans()),
                per_project_aggregate=line.per_project_aggregate
                or (line.line == GENERAL_LIABILITY and draw(st.booleans())),
                any_auto=line.any_auto or (line.line == AUTO_LIABILITY and draw(st.booleans())),
                follows_form=line.follows_form or (line.line == UMBRELLA and draw(st.booleans())),
                states=tuple(sorted({*line.states, *draw(st.lists(st.sampled_from(["KY", "WV"])))}))
                if line.line == WORKERS_COMPENSATION
                else (),
                tail_years=line.tail_years + draw(st.integers(0, 2))
                if line.claims_made_allowed
                else 0,
            )
        )
    ai = parent.additional_insured
    ongoing_forms = ai.ongoing_forms
    if len(ongoing_forms) > 1 and draw(st.booleans()):
        ongoing_forms = ongoing_forms[:1]
    notice = parent.notice_of_cancellation_days
    return {
        "lines": tuple(lines),
        "additional_insured": dataclasses.replace(
            ai,
            blanket_allowed=ai.blanket_allowed and draw(st.booleans()),
            parties=(*ai.parties, *draw(st.lists(st.sampled_from(["Architect LLC"]), max_size=1))),
            ongoing_forms=ongoing_forms,
        ),
        "primary_noncontributory": parent.primary_noncontributory or draw(st.booleans()),
        "notice_of_cancellation_days": None
        if notice is None
        else notice + draw(st.integers(0, 30)),
        "endorsements_on_file": parent.endorsements_on_file or draw(st.booleans()),
        "coverage_through_closeout": draw(
            st.sampled_from(
                THROUGH_CLOSEOUT_LEVELS[
                    THROUGH_CLOSEOUT_LEVELS.index(parent.coverage_through_closeout) :
                ]
            )
        ),
    }
