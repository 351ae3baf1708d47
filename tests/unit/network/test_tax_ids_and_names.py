"""EINs as typed and as kept; names that read as the same company."""

from __future__ import annotations

import pytest

from backend.errors import BadInput
from backend.network.legal_names import looks_alike
from backend.network.tax_ids import format_ein, normalise_ein


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("12-3456789", "123456789"), ("123456789", "123456789"), ("  98-7654321 ", "987654321")],
)
def test_an_ein_is_kept_as_nine_digits(typed: str, kept: str) -> None:
    assert normalise_ein(typed) == kept
    assert format_ein(kept) == f"{kept[:2]}-{kept[2:]}"


def test_an_empty_ein_is_none_and_shows_as_nothing() -> None:
    assert normalise_ein("   ") is None
    assert format_ein(None) == ""


@pytest.mark.parametrize(
    "typed", ["12-345678", "1234567890", "12 3456789", "12–3456789", "AB-1234567", "00-1234567"]
)
def test_anything_else_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(BadInput) as refused:
        normalise_ein(typed, field="ein")
    assert refused.value.field == "ein"


def test_names_that_read_as_one_company() -> None:
    assert looks_alike("Acme Roofing LLC", "ACME ROOFING, L.L.C.")
    assert looks_alike("Acme Roofing LLC", "Acme Roofing Inc.")
    assert not looks_alike("Acme Roofing LLC", "Acme Roofing of Ohio LLC")
    assert not looks_alike("LLC", "Inc")  # no company word at all names no company
