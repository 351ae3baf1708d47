"""Tier-2 flow-down: derived sets are never less restrictive than their parent."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.requirements.flowdown import (
    FlowDownError,
    derive_tier2,
    is_at_least_as_strict,
    strictness_violations,
    tighten,
)
from backend.requirements.model import FormEdition, RequirementSet
from backend.requirements.templates import template
from tests.unit.requirements.strategies import requirement_sets, tightenings


def test_a_derived_set_equals_its_parent_in_every_requirement() -> None:
    parent = template("high")
    child = derive_tier2(parent)
    assert child.derived_from == ("High tier template", 1)
    assert child.name == "High tier template (tier 2)"
    assert child.lines == parent.lines and child.insurer == parent.insurer
    assert is_at_least_as_strict(child, parent)
    assert strictness_violations(child, parent) == []


def test_a_gc_may_tighten_and_each_tightening_is_a_new_version() -> None:
    parent = template("moderate")
    child = derive_tier2(parent)
    gl = child.line("general_liability")
    assert gl is not None
    stricter_gl = dataclasses.replace(gl, limits=(("each_occurrence", 2_000_000),
                                                  ("general_aggregate", 4_000_000),
                                                  ("products_completed_operations_aggregate",
                                                   4_000_000)))  # fmt: skip
    lines = tuple(stricter_gl if line.line == "general_liability" else line for line in child.lines)
    tightened = tighten(child, parent, lines=lines, notice_of_cancellation_days=45)
    assert tightened.version == child.version + 1
    assert is_at_least_as_strict(tightened, parent)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: {"notice_of_cancellation_days": 10}, "notice_of_cancellation_days"),
        (lambda s: {"primary_noncontributory": False}, "primary_noncontributory"),
        (lambda s: {"endorsements_on_file": False}, "endorsements_on_file"),
        (lambda s: {"coverage_through_closeout": "off"}, "coverage_through_closeout"),
        (
            lambda s: {"insurer": dataclasses.replace(s.insurer, minimum_rating="B+")},
            "insurer.minimum_rating",
        ),
        (
            lambda s: {"insurer": dataclasses.replace(s.insurer, minimum_size_class="V")},
            "insurer.minimum_size_class",
        ),
        (
            lambda s: {"lines": tuple(x for x in s.lines if x.line != "auto_liability")},
            "lines.auto_liability",
        ),
        (
            lambda s: {"lines": _with(s, "general_liability", limits=(("each_occurrence", 1),))},
            "lines.general_liability.limits.each_occurrence",
        ),
        (
            lambda s: {"lines": _with(s, "auto_liability", any_auto=False)},
            "lines.auto_liability.any_auto",
        ),
        (
            lambda s: {"lines": _with(s, "general_liability", claims_made_allowed=True)},
            "lines.general_liability.claims_made_allowed",
        ),
        (
            lambda s: {
                "additional_insured": dataclasses.replace(
                    s.additional_insured,
                    ongoing_forms=(*s.additional_insured.ongoing_forms, FormEdition("CG 20 26")),
                )
            },
            "additional_insured.accepted_forms.ongoing",
        ),
        (
            lambda s: {
                "additional_insured": dataclasses.replace(s.additional_insured, completed=False)
            },
            "additional_insured.completed",
        ),
    ],
)
def test_loosening_is_refused_naming_the_field(change: object, field: str) -> None:
    parent = template("high")
    child = derive_tier2(parent)
    assert callable(change)
    with pytest.raises(FlowDownError) as refused:
        tighten(child, parent, **change(child))
    assert refused.value.field == field


def _with(requirements: RequirementSet, line: str, **changes: object) -> tuple[object, ...]:
    return tuple(
        dataclasses.replace(item, **changes) if item.line == line else item  # type: ignore[arg-type]
        for item in requirements.lines
    )


def test_named_only_parent_refuses_blanket_child() -> None:
    parent = dataclasses.replace(
        template("high"),
        additional_insured=dataclasses.replace(
            template("high").additional_insured, blanket_allowed=False
        ),
    )
    loosened = dataclasses.replace(
        parent,
        additional_insured=dataclasses.replace(parent.additional_insured, blanket_allowed=True),
    )
    assert (
        "additional_insured.blanket_allowed",
        "the parent accepts named additional insureds only",
    ) in (strictness_violations(loosened, parent))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), parent=requirement_sets())
def test_property_a_tightened_tier2_set_is_at_least_as_strict_as_its_parent(
    data: st.DataObject, parent: RequirementSet
) -> None:
    child = derive_tier2(parent)
    assert is_at_least_as_strict(child, parent)
    tightened = tighten(child, parent, **data.draw(tightenings(parent)))
    assert strictness_violations(tightened, parent) == []


@settings(max_examples=50, deadline=None)
@given(parent=requirement_sets(), other=requirement_sets())
def test_property_strictness_is_reflexive_and_flags_every_weaker_set(
    parent: RequirementSet, other: RequirementSet
) -> None:
    assert is_at_least_as_strict(parent, parent)
    if is_at_least_as_strict(other, parent) and is_at_least_as_strict(parent, other):
        assert {line.line for line in other.lines} == {line.line for line in parent.lines}


def test_a_lowered_minimum_is_refused_with_the_parents_minimum() -> None:
    parent = template("high")
    assert parent.notice_of_cancellation_days is not None
    assert parent.insurer.minimum_rating is not None
    assert parent.insurer.minimum_size_class is not None
    child = dataclasses.replace(
        derive_tier2(parent),
        notice_of_cancellation_days=None,
        insurer=dataclasses.replace(parent.insurer, minimum_rating="B+", minimum_size_class="I"),
    )
    found = dict(strictness_violations(child, parent))
    assert found["notice_of_cancellation_days"] == (
        f"at least {parent.notice_of_cancellation_days} days, as the parent"
    )
    assert found["insurer.minimum_rating"] == (
        f"at least {parent.insurer.minimum_rating}, as the parent"
    )
    assert found["insurer.minimum_size_class"] == (
        f"at least {parent.insurer.minimum_size_class}, as the parent"
    )
    assert strictness_violations(dataclasses.replace(child, insurer=parent.insurer), parent) == [
        ("notice_of_cancellation_days", found["notice_of_cancellation_days"])
    ]
