from __future__ import annotations

import pytest

from backend.requirements.names import normalise_entity_name, same_entity
from backend.verification.entity_keys import same_legal_name


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


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Meridian Construction Group LLC", "Meridian Construction Group Limited Liability Co."),
        ("First Lakes Bank, N.A.", "First Lakes Bank, National Association"),
        ("First Lakes Bank, N.A.", "First Lakes Bank, N.A. ISAOA/ATIMA"),
        ("First Lakes Bank, N.A.", "First Lakes Bank, N.A., as their interests may appear"),
        ("Harbor Point Owner LP", "Harbor Point Owner Limited Partnership"),
        ("Crane Row Partners LLLP", "Crane Row Partners Limited Liability Limited Partnership"),
    ],
)
def test_the_same_legal_entity_spelled_out_or_with_a_lenders_clause(left: str, right: str) -> None:
    assert same_legal_name(left, right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Harbor Point Owner LP", "Harbor Point Owner Limited Liability Co."),
        ("First Lakes Bank, N.A.", "First Lakes Bank"),
        ("Crane Row Partners LLLP", "Crane Row Partners LP"),
    ],
)
def test_a_different_suffix_stays_a_different_legal_entity(left: str, right: str) -> None:
    assert not same_legal_name(left, right)
