"""Plans compiled per requirement set: verdicts pinned per set, one plan per set (an edited set,
a new version, gets its own), and the cache neither mixes sets up nor grows without bound.

The verdicts are pinned case by case in golden/plans_<set>.json (first taken with the engine as of
cda284c, before checks were compiled into plans), over the same seeded cases as the golden sweep's
records, contexts, dates and waivers, for each of the five templates and seven edited sets that
switch on what the templates leave off.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import date

import pytest

from backend.requirements.model import (
    FormEdition,
    InsurerRequirement,
    LineRequirement,
    RequirementSet,
)
from backend.requirements.templates import template
from backend.verification import plan as plans
from backend.verification.checks import FAIL, PASS
from backend.verification.engine import verify
from backend.verification.plan import plan_for, prepare_plan
from backend.verification.verdict import Verdict, conclude
from tests.unit.verification import factories as f
from tests.unit.verification.golden import check_golden
from tests.unit.verification.test_golden_verdicts import _context, _day, _record, _waivers

CASES_PER_SET = 60
Verify = Callable[..., Verdict]


def _edited(base: RequirementSet, name: str, **changes: object) -> RequirementSet:
    return dataclasses.replace(base, name=name, version=2, derived_from=(base.name, 1), **changes)


def _with_lines(base: RequirementSet, **changes: dict[str, object]) -> tuple[LineRequirement, ...]:
    return tuple(
        dataclasses.replace(requirement, **changes.get(requirement.line, {}))
        for requirement in base.lines
    )


def requirement_sets() -> dict[str, RequirementSet]:
    high, lower = template("high"), template("lower")
    claims_made = {"claims_made_allowed": True, "tail_years": 3}
    return {
        **{tier: template(tier) for tier in ("high", "elevated", "moderate", "standard", "lower")},
        "claims_made": _edited(
            high,
            "Claims-made allowed",
            lines=_with_lines(high, general_liability=claims_made, umbrella=claims_made),
        ),
        "states_and_holder": _edited(
            high,
            "Own states and holder",
            lines=_with_lines(high, workers_compensation={"states": ("PA", "OH")}),
            certificate_holder_name=f.GC,
        ),
        "parties_and_editions": _edited(
            high,
            "Own parties and editions",
            additional_insured=dataclasses.replace(
                high.additional_insured,
                parties=(f.OWNER, "Architect Studio PC"),
                blanket_allowed=False,
                ongoing_forms=(FormEdition("CG 20 10", "04 13"), FormEdition("CG 20 38")),
                completed_forms=(FormEdition("CG 20 37", "04 13"),),
            ),
        ),
        "loose_insurer": _edited(
            lower,
            "Loose insurer, claims accepted",
            insurer=InsurerRequirement(minimum_size_class="V", naic_required=False),
            endorsements_on_file=False,
            coverage_through_closeout="off",
        ),
        "strict_insurer": _edited(
            high,
            "Strict insurer, blocking close-out",
            insurer=InsurerRequirement(minimum_rating="A", surplus_lines_allowed=False),
            coverage_through_closeout="blocking",
        ),
        "no_endorsements": _edited(
            high,
            "No endorsements",
            lines=_with_lines(
                high,
                general_liability={"waiver_of_subrogation": False, "per_project_aggregate": False},
                auto_liability={"waiver_of_subrogation": False, "any_auto": False},
                umbrella={"follows_form": False},
                workers_compensation={"waiver_of_subrogation": False},
            ),
            additional_insured=dataclasses.replace(
                high.additional_insured, ongoing=False, completed=False
            ),
            primary_noncontributory=False,
            notice_of_cancellation_days=None,
        ),
        "two_lines": _edited(
            high,
            "General liability and auto only",
            lines=_with_lines(high)[:2],
            additional_insured=dataclasses.replace(
                high.additional_insured, lines=("general_liability",)
            ),
        ),
    }


def sweep(requirements: RequirementSet, judge: Verify = verify) -> dict[str, Verdict]:
    """The verdicts of seeded cases judged against `requirements`, by case name."""
    rng = random.Random(f"plans {requirements.name}")
    verdicts: dict[str, Verdict] = {}
    for case in range(CASES_PER_SET):
        record = _record(rng) if rng.random() < 0.7 else f.compliant_record()
        verdicts[f"case {case:02d}"] = judge(
            requirements, record, _context(rng), _day(rng, date(2025, 12, 1), 600), _waivers(rng)
        )
    return verdicts


@pytest.mark.parametrize("name", sorted(requirement_sets()))
def test_verdicts_per_set_are_pinned_case_by_case(name: str) -> None:
    check_golden(f"plans_{name}", sweep(requirement_sets()[name]))


def test_a_set_gets_one_plan_and_an_edited_set_another() -> None:
    plans.forget_plans()
    high = f.requirements()
    plan = plan_for(high)
    assert plan_for(high) is plan
    # An equal set built anew (as a request reading it from the database would) shares it.
    assert plan_for(dataclasses.replace(high)) is plan
    raised = _edited(
        high,
        high.name,
        lines=_with_lines(
            high,
            general_liability={
                "limits": (
                    ("each_occurrence", 5_000_000),
                    ("general_aggregate", 10_000_000),
                    ("products_completed_operations_aggregate", 10_000_000),
                )
            },
        ),
    )
    new_version = plan_for(raised)
    assert new_version is not plan
    assert new_version.requirement_set == (high.name, 2)
    assert plan_for(dataclasses.replace(high, version=2)) not in (plan, new_version)
    # Each plan judges by its own set: the record's $2M occurrence limit meets one, not the other.
    record, context = f.compliant_record(), f.context()
    before = f.find(verify(high, record, context, f.ON), "GL_EACH_OCCURRENCE_MIN")
    after = f.find(verify(raised, record, context, f.ON), "GL_EACH_OCCURRENCE_MIN")
    assert (before.outcome, after.outcome) == (PASS, FAIL)
    assert (before.expected, after.expected) == (2_000_000, 5_000_000)


def test_cached_plans_judge_as_freshly_prepared_ones_whatever_the_order() -> None:
    plans.forget_plans()
    sets = list(requirement_sets().values())
    rng = random.Random(7)
    for _ in range(120):
        requirements = rng.choice(sets)
        record, context = _record(rng), _context(rng)
        on = _day(rng, date(2025, 12, 1), 600)
        fresh = prepare_plan(requirements).checks(record, context, on)
        expected = conclude(requirements, on, fresh, (), context.expiring_window_days)
        assert verify(requirements, record, context, on) == expected


def test_the_cache_is_bounded() -> None:
    plans.forget_plans()
    base = template("standard")
    for version in range(1, plans.CACHE_SIZE + 20):
        plan_for(dataclasses.replace(base, version=version))
    assert len(plans._by_value) <= plans.CACHE_SIZE
    assert len(plans._by_identity) <= plans.CACHE_SIZE


def test_a_plan_holds_the_sets_decisions() -> None:
    moderate = template("moderate")
    plan = prepare_plan(moderate)
    assert plan.requirement_set == (moderate.name, moderate.version)
    assert [line.line for line in plan.lines] == [r.line for r in moderate.lines]
    for line_plan, requirement in zip(plan.lines, moderate.lines, strict=True):
        assert [(limit.kind, limit.minimum) for limit in line_plan.limits] == list(
            requirement.limits
        )
        assert all(limit.spec.code.endswith("_MIN") for limit in line_plan.limits)
    strict = dataclasses.replace(moderate, coverage_through_closeout="blocking")
    assert all(
        line.through_closeout is not None and line.through_closeout.severity == "blocking"
        for line in prepare_plan(strict).lines
    )
    lenient = dataclasses.replace(moderate, coverage_through_closeout="off")
    assert all(line.through_closeout is None for line in prepare_plan(lenient).lines)
