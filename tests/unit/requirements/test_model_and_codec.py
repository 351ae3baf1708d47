"""Requirement sets refuse contradictions and unknowns, naming the field; JSON round-trips."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date
from typing import Any

import pytest

from backend.requirements.codec import requirements_from_json, requirements_to_json
from backend.requirements.model import (
    FormEdition,
    LineRequirement,
    RequirementError,
    RequirementSet,
    parse_form_edition,
)
from backend.requirements.templates import TEMPLATES, copy_template, template


def _json(**top: Any) -> dict[str, Any]:
    data = copy.deepcopy(requirements_to_json(template("high")))
    data.update(top)
    return data


@pytest.mark.parametrize("tier", sorted(TEMPLATES))
def test_every_template_round_trips_through_json(tier: str) -> None:
    assert requirements_from_json(requirements_to_json(template(tier))) == template(tier)


def test_the_trade_tier_table() -> None:
    expected = {
        "high": (2_000_000, 4_000_000, 1_000_000, 10_000_000),
        "elevated": (2_000_000, 4_000_000, 1_000_000, 5_000_000),
        "moderate": (1_000_000, 2_000_000, 1_000_000, 5_000_000),
        "standard": (1_000_000, 2_000_000, 1_000_000, 2_000_000),
        "lower": (1_000_000, 2_000_000, 1_000_000, 2_000_000),
    }
    for tier, (occurrence, aggregate, auto, umbrella) in expected.items():
        requirements = template(tier)
        gl = requirements.line("general_liability")
        assert gl is not None
        assert (gl.minimum("each_occurrence"), gl.minimum("general_aggregate")) == (
            occurrence,
            aggregate,
        )
        auto_line = requirements.line("auto_liability")
        assert auto_line is not None and auto_line.minimum("combined_single_limit") == auto
        assert auto_line.any_auto and auto_line.waiver_of_subrogation
        umbrella_line = requirements.line("umbrella")
        assert umbrella_line is not None and umbrella_line.minimum("each_occurrence") == umbrella
        assert umbrella_line.follows_form
        assert requirements.insurer.minimum_rating == "A-"
        assert requirements.insurer.minimum_size_class == "VII"
        assert requirements.notice_of_cancellation_days == 30
        assert requirements.additional_insured.ongoing and requirements.additional_insured.completed
        assert requirements.primary_noncontributory
    wc_lower = template("lower").line("workers_compensation")
    assert wc_lower is not None and wc_lower.only_if_employees_on_site


def test_a_copy_belongs_to_the_gc_and_leaves_the_template_alone() -> None:
    mine = copy_template("moderate", name="Harbor Point drywall", owner="gc-7")
    assert (mine.name, mine.owner, mine.version) == ("Harbor Point drywall", "gc-7", 1)
    assert template("moderate").owner is None


@pytest.mark.parametrize(
    ("line", "limits", "field"),
    [
        (
            "general_liability",
            (("each_occurrence", 2_000_000), ("general_aggregate", 1_000_000)),
            "lines.general_liability.limits.general_aggregate",
        ),
        (
            "general_liability",
            (("each_occurrence", 2_000_000), ("products_completed_operations_aggregate", 1)),
            "lines.general_liability.limits.products_completed_operations_aggregate",
        ),
        (
            "umbrella",
            (("each_occurrence", 5_000_000), ("aggregate", 2_000_000)),
            "lines.umbrella.limits.aggregate",
        ),
        (
            "workers_compensation",
            (("el_disease_each_employee", 1_000_000), ("el_disease_policy_limit", 500_000)),
            "lines.workers_compensation.limits.el_disease_policy_limit",
        ),
        (
            "general_liability",
            (("combined_single_limit", 1_000_000),),
            "lines.general_liability.limits.combined_single_limit",
        ),
        (
            "auto_liability",
            (("combined_single_limit", 0),),
            "lines.auto_liability.limits.combined_single_limit",
        ),
    ],
)
def test_contradictory_or_unknown_limits_are_refused_naming_the_field(
    line: str, limits: tuple[tuple[str, int], ...], field: str
) -> None:
    with pytest.raises(RequirementError) as refused:
        LineRequirement(line=line, limits=limits)
    assert refused.value.field == field
    assert field in str(refused.value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"any_auto": True}, "lines.general_liability.any_auto"),
        ({"follows_form": True}, "lines.general_liability.follows_form"),
        ({"states": ("OH",)}, "lines.general_liability.states"),
        ({"tail_years": 3}, "lines.general_liability.tail_years"),
    ],
)
def test_options_off_their_line_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(RequirementError) as refused:
        LineRequirement(line="general_liability", **changes)
    assert refused.value.field == field


def test_a_validity_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(RequirementError) as refused:
        dataclasses.replace(
            template("high"), valid_from=date(2026, 6, 1), valid_until=date(2026, 1, 1)
        )
    assert refused.value.field == "valid_until"


def test_additional_insured_on_a_line_not_required_is_refused() -> None:
    base = template("high")
    without_umbrella = tuple(line for line in base.lines if line.line != "umbrella")
    with pytest.raises(RequirementError) as refused:
        dataclasses.replace(base, lines=without_umbrella)
    assert refused.value.field == "additional_insured.lines"


def _set(data: dict[str, Any], path: str, value: object) -> None:
    *parents, key = path.split(".")
    for parent in parents:
        data = data[parent]
    data[key] = value


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("lines.general_liability.limits.each_ocurrence", 1, None),
        ("lines.general_liability.limtis", {}, None),
        ("colour", "blue", None),
        ("lines.professional", {"limits": {}}, None),
        ("insurer.minimum_rating", "AAA", None),
        ("insurer.minimum_size_class", "XVI", None),
        ("additional_insured.accepted_forms.ongoing", ["form 7"], None),
        ("notice_of_cancellation_days", "30", None),
        ("notice_of_cancellation_days", 0, None),
        ("version", True, None),
        ("tier", "extreme", None),
        ("valid_from", "June 1", None),
        ("lines", {}, None),
        ("format", "other/2", None),
        ("lines.workers_compensation.states", ["ZZ"], None),
        ("lines.general_liability.limits.each_occurrence", 2.5e6, None),
        ("coverage_through_closeout", "sometimes", None),
        ("name", "  ", None),
        ("additional_insured.lines", ["workers_compensation"], None),
        ("lines.umbrella.limits.aggregate", 1, None),
        ("derived_from", {"name": "x"}, "derived_from.version"),
    ],
)
def test_json_refuses_unknowns_and_wrong_types_naming_the_field(
    path: str, value: object, field: str | None
) -> None:
    data = _json()
    _set(data, path, value)
    with pytest.raises(RequirementError) as refused:
        requirements_from_json(data)
    assert refused.value.field == (field or path)


def test_json_may_leave_defaults_out() -> None:
    minimal = {
        "name": "GL only",
        "lines": {"general_liability": {"limits": {"each_occurrence": 1}}},
    }
    requirements = requirements_from_json(minimal)
    assert requirements == RequirementSet(
        name="GL only",
        lines=(LineRequirement("general_liability", (("each_occurrence", 1),)),),
    )


def test_forms_and_editions() -> None:
    assert parse_form_edition("cg2010 04/13") == FormEdition("CG 20 10", "04 13")
    assert parse_form_edition("CG 20 37") == FormEdition("CG 20 37", None)
    assert FormEdition("CG 20 10").accepts("CG 20 10", "11 85")
    assert not FormEdition("CG 20 10", "04 13").accepts("CG 20 10", "11 85")
    with pytest.raises(ValueError, match="not an ISO form"):
        parse_form_edition("Blanket AI")
