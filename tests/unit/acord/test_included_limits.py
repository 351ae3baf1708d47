"""A limit printed as "Included" is read as such from every source: null in `limits` (the
contract's money is a number) and listed under the coverage's added key `included_limits`, which
the verification engine reads as "inside another limit", not "not shown"."""

from __future__ import annotations

from typing import Any

import pytest

from backend.acord import read_document
from backend.acord.coverage_limits import GL_LIMITS, read_limits
from backend.acord.evidence import Evidence
from backend.acord.geometry import PageText
from backend.acord.page_labels import PageLabels
from backend.acord.values import is_included
from backend.verification.acord_adapter import record_from_acord_json
from fixturegen.documents import PAGE_TRAPS
from fixturegen.generate import build_document
from tests.unit.acord.test_scan_limits import _amount, _label, _sample_table

_PRODUCTS = "products_completed_operations_aggregate"


@pytest.mark.parametrize(
    "printed", ["Included", "INCLUDED", "INCL", "Incl.", "incl", "$ INCL", "Incl'd", "INCLD"]
)
def test_the_short_forms_of_included_are_recognised(printed: str) -> None:
    assert is_included(printed)


@pytest.mark.parametrize(
    "printed", ["", "1,000,000", "$2,000,000", "Excluded", "Including terrorism", "N/A", "None"]
)
def test_amounts_and_other_words_are_not_included(printed: str) -> None:
    assert not is_included(printed)


def test_a_text_row_lists_the_limit_printed_as_incl_and_keeps_its_amount_null() -> None:
    words = [
        *_label("EACH OCCURRENCE", 300),
        _amount("1,000,000", 300),
        *_label("GENERAL AGGREGATE", 312),
        _amount("2,000,000", 312),
        *_label("PRODUCTS - COMP/OP AGG", 324),
        _amount("INCL", 324),
    ]
    reader = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1))
    limits, any_value, included = read_limits(
        reader, _sample_table(), (294.0, 330.0), GL_LIMITS, "/coverages/0"
    )
    assert any_value
    assert limits["general_aggregate"] == 2_000_000
    assert limits[_PRODUCTS] is None
    assert included == [_PRODUCTS]
    # Where it was printed is still shown, as for an amount.
    assert "/coverages/0/limits/" + _PRODUCTS in reader.evidence.fields


def _included_document(kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A generated document of `kind` whose general liability prints a limit as "Included",
    and the coverage the reader should return for it."""
    ordinal = 2 * PAGE_TRAPS.index("included_limit")
    for seed in range(40):
        built = build_document(seed, ordinal, kind, ordinal)
        if any(t["kind"] == "included_limit" for t in built.entry["traps"]):
            expected = next(c for c in built.entry["expected"]["coverages"] if c["included_limits"])
            return read_document(built.data), expected
    raise AssertionError(f"no {kind} document prints an included limit")


@pytest.mark.parametrize("kind", ["text", "acroform", "annotated", "scan"])
def test_every_source_lists_the_included_limits(kind: str) -> None:
    result, expected = _included_document(kind)
    gl = next(c for c in result["coverages"] if c["line"] == "general_liability")
    assert gl["included_limits"] == expected["included_limits"]
    assert all(gl["limits"][kind] is None for kind in expected["included_limits"])
    for coverage in result["coverages"]:
        if coverage is not gl:
            assert coverage["included_limits"] == []


def test_the_engine_judges_an_included_limit_through_the_limit_holding_it() -> None:
    result, expected = _included_document("text")
    record = record_from_acord_json(result)
    ((_, term),) = record.terms_by_line["general_liability"]
    assert set(term.included_limits) == set(expected["included_limits"])
    assert term.limits[_PRODUCTS] is None
