from __future__ import annotations

import pytest

from backend.requirements.names import normalise_entity_name, same_entity


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Meridian Construction Group LLC", "MERIDIAN CONSTRUCTION GROUP, LLC"),
        ("Meridian Construction Group LLC", "meridian  construction group l.l.c."),
        ("First Lakes Bank, N.A.", "First Lakes Bank NA"),
        ("Smith-Jones Builders Inc.", "Smith Jones Builders, Inc"),
    ],
)
def test_case_punctuation_and_spacing_are_forgiven(left: str, right: str) -> None:
    assert same_entity(left, right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Meridian Construction", "Meridian Construction Group LLC"),
        ("Meridian Construction Group LLC", "Meridian Construction Group Inc."),
        ("Harbor Point Owner LP", "Harbor Point Owner LLC"),
        ("Apex Corp", "Apex Corporation"),
        ("Meridian Construction Group LLC", None),
    ],
)
def test_nothing_else_is_forgiven(left: str, right: str | None) -> None:
    assert not same_entity(left, right)


def test_normal_form() -> None:
    assert normalise_entity_name("  Acme   Plumbing, L.L.C. ") == "acme plumbing llc"
