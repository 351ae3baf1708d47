"""The review form: reader JSON to fields with their spots, and the confirmed form back to a
RecordChange."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from backend.errors import BadInput
from backend.records.page_images import PageSize
from backend.web.page_image import box_for
from backend.web.review import change_from_form, corrected_read_result, review_view

LETTER = PageSize(612.0, 792.0)

READ = {
    "form": "ACORD 25",
    "insured": {"name": "Keystone Framing LLC"},
    "certificate_holder": {"name": "Harbor Point Builders LLC"},
    "insurers": [{"letter": "A", "name": "Granite Mutual", "naic": "24112"}],
    "coverages": [
        {
            "line": "general_liability",
            "insurer_letter": "A",
            "policy_number": "GL-1",
            "effective": "2026-12-02",
            "expiration": "2027-12-02",
            "additional_insured": True,
            "subrogation_waived": False,
            "basis": "occurrence",
            "aggregate_applies_per": "policy",
            "limits": {"each_occurrence": 1_000_000, "general_aggregate": None},
        }
    ],
    "endorsements": [
        {
            "form_number": "CG 20 37",
            "edition": "04 13",
            "kind": "additional_insured_completed_operations",
            "page": 2,
            "blanket": True,
            "scheduled_parties": [],
        }
    ],
    "fields": {
        "/coverages/0/policy_number": {
            "confidence": 0.99,
            "page": 1,
            "bbox": [100.0, 396.0, 160.0, 406.0],
        },
        "/coverages/0/limits/each_occurrence": {
            "confidence": 0.5,
            "page": 1,
            "bbox": [500, 400, 560, 410],
        },
    },
}


def test_box_is_in_percent_of_the_page_with_a_small_margin() -> None:
    box = box_for(1, [100.0, 396.0, 160.0, 406.0], [LETTER])
    assert box is not None
    assert box.page == 1
    assert round(box.left, 2) == round(98 / 612 * 100, 2)
    assert round(box.top, 2) == 50.0 - round(2 / 792 * 100, 2)
    assert round(box.width, 2) == round(64 / 612 * 100, 2)


@pytest.mark.parametrize(
    ("page", "bbox"),
    [(2, [1, 1, 2, 2]), (1, [5, 5, 1, 1]), ("1", [1, 1, 2, 2]), (1, [1, 2, 3]), (1, None)],
)
def test_unusable_boxes_are_dropped(page: object, bbox: object) -> None:
    assert box_for(page, bbox, [LETTER]) is None


def test_review_view_lays_out_fields_with_spots_and_confidence() -> None:
    view = review_view(READ, [LETTER], has_record=True)
    assert view.suggested_kind == "renewal"
    coverage = view.coverages[0]
    fields = {f.name: f for f in coverage.fields}
    assert fields["cov-0-policy_number"].value == "GL-1"
    assert fields["cov-0-policy_number"].box is not None
    assert fields["cov-0-insurer_naic"].value == "24112"
    assert fields["cov-0-limit-each_occurrence"].low_confidence
    assert fields["cov-0-limit-general_aggregate"].value == ""
    assert fields["cov-0-additional_insured"].value == "on"
    endorsement = {f.name: f.value for f in view.endorsements[0].fields}
    assert endorsement["end-0-kind"] == "additional_insured_completed"
    assert endorsement["end-0-blanket"] == "on"
    assert not view.endorsements[-1].include  # a blank row for entry by hand
    assert [c.label for c in view.context][:1] == ["Insured"]
    assert view.holder is not None and view.holder.value == "Harbor Point Builders LLC"


def test_a_failed_read_offers_the_usual_lines_unticked() -> None:
    view = review_view(
        {"error": {"code": "unreadable", "message": "No text"}}, [], has_record=False
    )
    assert view.error == "No text"
    assert [c.line for c in view.coverages] == [
        "general_liability",
        "auto_liability",
        "umbrella",
        "workers_compensation",
    ]
    assert not any(c.include for c in view.coverages)
    assert view.suggested_kind == "initial"


def test_a_row_read_with_no_date_and_no_limit_is_offered_unticked() -> None:
    # Seen on a generated scan: a stray mark in the OTHER row read as policy number "i", no
    # dates, no limits, ticked, and confirming then said "Other: both policy dates are needed."
    stray = {"line": "other", "insurer_letter": None, "policy_number": "i", "limits": {}}
    read = {**READ, "coverages": [*READ["coverages"], stray]}  # type: ignore[list-item]
    view = review_view(read, [LETTER], has_record=False)
    real, other = view.coverages
    assert real.include and not real.barely_read
    assert other.line == "other" and not other.include and other.barely_read
    assert {f.name: f.value for f in other.fields}["cov-1-policy_number"] == "i"  # still shown
    # Dates alone, or a limit alone, are enough to offer the row ticked.
    for partial in ({"effective": "2026-01-01"}, {"limits": {"each_claim": 1_000_000}}):
        again = review_view({**READ, "coverages": [{**stray, **partial}]}, [LETTER], False)
        assert again.coverages[0].include and not again.coverages[0].barely_read


def test_confirmed_form_becomes_a_record_change() -> None:
    document = uuid.uuid4()
    form = {
        "kind": ["renewal"],
        "cov-0-include": ["on"],
        "cov-0-line": ["general_liability"],
        "cov-0-insurer_name": ["Granite Mutual"],
        "cov-0-insurer_naic": ["24112"],
        "cov-0-policy_number": ["GL-1"],
        "cov-0-effective": ["2026-12-02"],
        "cov-0-expiration": ["2027-12-02"],
        "cov-0-limit-each_occurrence": ["$1,000,000"],
        "cov-0-limit-general_aggregate": [""],
        "cov-0-additional_insured": ["on"],
        "cov-1-line": ["umbrella"],  # not ticked: left out
        "cov-1-policy_number": ["U-9"],
        "end-0-include": ["on"],
        "end-0-form_number": ["CG 20 37"],
        "end-0-edition": ["04 13"],
        "end-0-kind": ["additional_insured_completed"],
        "end-0-blanket": ["on"],
        "end-0-named_parties": ["Harbor Point Builders LLC\n\n"],
    }
    change = change_from_form(form, document)
    assert change.kind == "renewal"
    assert change.source_document_id == document
    [term] = change.terms
    assert term.limits == {"each_occurrence": 1_000_000}
    assert term.effective == date(2026, 12, 2)
    assert term.additional_insured and not term.subrogation_waived
    assert term.source_document_id == document
    [endorsement] = change.endorsements
    assert endorsement.blanket and endorsement.named_parties == ["Harbor Point Builders LLC"]
    assert "GL-1" in change.summary


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cov-0-effective", "12/02/2026"),
        ("cov-0-limit-each_occurrence", "one million"),
        ("cov-0-line", "boats"),
    ],
)
def test_bad_values_are_refused_by_field(name: str, value: str) -> None:
    form = {
        "cov-0-include": ["on"],
        "cov-0-line": ["general_liability"],
        "cov-0-effective": ["2026-12-02"],
        "cov-0-expiration": ["2027-12-02"],
    }
    form[name] = [value]
    with pytest.raises(BadInput):
        change_from_form(form, uuid.uuid4())


def test_a_corrected_holder_is_kept_beside_what_was_read() -> None:
    person = uuid.uuid4()
    read = {"certificate_holder": {"name": "Harbor Point", "address": "1 Commerce"}}
    corrected = corrected_read_result(read, {"holder_name": ["Harbor Point Builders LLC"]}, person)
    assert corrected is not None
    assert corrected["certificate_holder"] == {
        "name": "Harbor Point Builders LLC",
        "address": "1 Commerce",
    }
    assert corrected["corrections"]["/certificate_holder/name"] == {
        "read": "Harbor Point",
        "confirmed": "Harbor Point Builders LLC",
        "by": str(person),
    }
    assert read["certificate_holder"]["name"] == "Harbor Point"  # the original is not changed
    assert corrected_read_result(read, {"holder_name": ["Harbor Point"]}, person) is None
    assert corrected_read_result(read, {}, person) is None
    assert corrected_read_result(None, {"holder_name": ["X"]}, person) is None
