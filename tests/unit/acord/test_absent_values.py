"""Template placeholders, file numbers above a name, warnings of a certificate read short."""

from __future__ import annotations

from typing import Any

from backend.acord.absent_values import (
    absence_warnings,
    is_placeholder,
    party_lines,
    remove_placeholders,
)
from backend.acord.values import split_name_address


def test_template_words_are_placeholders_and_names_are_not() -> None:
    for text in ("NAME", "ADDRESS", "City, State ZIP", "MM/DD/YYYY", "INSURER X", "N/A", "___"):
        assert is_placeholder(text), text
    assert is_placeholder("(XXX) XXX-XXXX")
    assert is_placeholder("ADDRESS LINE 1")
    for text in ("State Insurance Company", "Keystone Holder Corp", "3M Company", "T.G.E."):
        assert not is_placeholder(text), text
    assert not is_placeholder(None)


def test_account_number_and_phone_above_the_holder_are_not_the_holder() -> None:
    lines = ["Acct #: 0044120", "(614) 555-0182", "Larkspur Builders LLC", "12 Quarry Rd"]
    lines.append("Mesa AZ")
    assert split_name_address(lines) == ("Larkspur Builders LLC", None, "12 Quarry Rd, Mesa AZ")
    assert party_lines(["000731552", "Dunmore Arch Group", "8 Elm St"]) == [
        "Dunmore Arch Group",
        "8 Elm St",
    ]
    # Below the name a number line is part of the address.
    assert party_lines(["Dunmore Arch Group", "PO Box 4410", "Mesa AZ 85201"])[1] == "PO Box 4410"


def test_a_template_box_left_as_printed_is_absent() -> None:
    assert split_name_address(["NAME", "ADDRESS", "CITY, STATE ZIP"]) == (None, None, None)


def _result(**overrides: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "certificate_number": "MM/DD/YYYY",
        "revision_number": None,
        "producer": {"name": "Pine Agency", "address": "ADDRESS", "phone": None},
        "insured": {"name": "Larkspur Builders LLC", "address": "12 Quarry Rd"},
        "certificate_holder": {"name": "NAME", "address": "ADDRESS"},
        "insurers": [
            {"letter": "A", "name": "A: Vanguard Indemnity Co", "naic": "37479"},
            {"letter": "B", "name": "INSURER B", "naic": None},
            {"letter": "C", "name": "Anchor Mutual", "naic": "10918"},
        ],
        "coverages": [],
        "fields": {
            "/certificate_holder/name": {"page": 1},
            "/insurers/2/name": {"page": 1},
            "/insurers/1/name": {"page": 1},
        },
    }
    result.update(overrides)
    return result


def test_placeholders_become_absent_and_glued_label_letters_go() -> None:
    result = _result()
    remove_placeholders(result)
    assert result["certificate_number"] is None
    assert result["producer"]["address"] is None
    assert result["certificate_holder"] == {"name": None, "address": None}
    assert [i["name"] for i in result["insurers"]] == ["Vanguard Indemnity Co", "Anchor Mutual"]
    # Evidence follows its insurer to its new place; the placeholder's is gone.
    assert set(result["fields"]) == {"/insurers/1/name"}


def test_a_certificate_without_coverage_says_so() -> None:
    warnings = absence_warnings(_result(), 1)
    assert any("no coverage was read" in w for w in warnings)


def test_a_table_whose_rows_gave_no_policy_date_or_limit_says_so() -> None:
    # An OTHER row made of stray print and a tick: the table was not read.
    stray = {"line": "other", "policy_number": None, "effective": None, "limits": {}}
    warnings = absence_warnings(_result(coverages=[stray]), 1)
    assert any("no coverage was read" in w for w in warnings)
    read = dict(stray, limits={"limit": 1_000_000})
    assert not any(
        "no coverage was read" in w for w in absence_warnings(_result(coverages=[read]), 1)
    )


def test_a_page_whose_head_gave_nothing_says_so() -> None:
    empty = _result(
        certificate_date=None,
        producer={"name": None},
        insured={"name": None},
        insurers=[],
    )
    assert any("nothing of the certificate's head" in w for w in absence_warnings(empty, 1))
    named = dict(empty, producer={"name": "Landmark Insurance Services"})
    assert not any("nothing of the certificate's head" in w for w in absence_warnings(named, 1))


def test_a_coverage_row_read_short_names_what_is_missing() -> None:
    coverage = {
        "line": "general_liability",
        "policy_number": "GL-100",
        "effective": "2026-01-01",
        "expiration": None,
        "limits": {"each_occurrence": None},
    }
    warnings = absence_warnings(_result(coverages=[coverage]), 1)
    assert warnings == ["page 1: general liability: not read: expiration date, limits"]
    full = dict(coverage, expiration="2027-01-01", limits={"each_occurrence": 1000000})
    assert absence_warnings(_result(coverages=[full]), 1) == []
