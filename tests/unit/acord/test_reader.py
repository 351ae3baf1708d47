from __future__ import annotations

import pytest

from backend.acord import read_document
from tests.unit.acord.conftest import certificate_pdf


def test_reads_a_text_certificate_by_its_labels(certificate_bytes: bytes) -> None:
    result = read_document(certificate_bytes)
    assert result["source"] == "text"
    assert result["form_edition"] == "2016/03"
    assert result["certificate_date"] == "2026-01-15"
    assert result["certificate_number"] == "CN-7781"
    assert result["producer"]["name"] == "Summit Risk Partners"
    assert result["insured"] == {
        "name": "Apex Drywall LLC",
        "address": "400 Elm St, Boulder, CO 80301",
    }
    assert result["insurers"] == [
        {"letter": "A", "name": "Granite Mutual Insurance Co", "naic": "12345"}
    ]
    gl = result["coverages"][0]
    assert gl["line"] == "general_liability"
    assert gl["policy_number"] == "GL-100200"
    assert (gl["effective"], gl["expiration"]) == ("2026-01-01", "2027-01-01")
    assert gl["additional_insured"] is True
    assert gl["basis"] == "occurrence"
    assert gl["aggregate_applies_per"] == "policy"
    assert gl["limits"] == {
        "each_occurrence": 1_000_000,
        "damage_to_rented_premises": 100_000,
        "medical_expense": 5000,
        "personal_advertising_injury": 1_000_000,
        "general_aggregate": 2_000_000,
        "products_completed_operations_aggregate": 2_000_000,
    }
    assert result["certificate_holder"]["name"] == "Meridian Construction Group LLC"
    evidence = result["fields"]["/coverages/0/policy_number"]
    assert evidence["page"] == 1 and 0 < evidence["confidence"] <= 1
    x0, top, x1, bottom = evidence["bbox"]
    assert 210 < x0 < x1 < 330 and 315 < top < bottom < 335


def test_text_under_a_painted_box_is_a_warning_not_the_holder() -> None:
    result = read_document(certificate_pdf(hide_holder=True))
    assert result["certificate_holder"] == {"name": None, "address": None}
    assert any("Meridian Construction Group LLC" in w for w in result["warnings"])


def test_packet_pages_are_classified() -> None:
    result = read_document(certificate_pdf(extra_pages=1))
    assert result["acord_page"] == 1
    assert result["pages"] == [{"page": 1, "kind": "acord25"}, {"page": 2, "kind": "cover_letter"}]


def test_visible_name_printed_over_a_whited_out_one_is_read_alone() -> None:
    result = read_document(
        certificate_pdf(hide_holder=True, replacement_holder="Harbor Point Builders LLC")
    )
    assert result["certificate_holder"]["name"] == "Harbor Point Builders LLC"
    assert any("Meridian Construction Group LLC" in w for w in result["warnings"])


def test_limit_rows_are_found_under_other_wording() -> None:
    wording = {
        "PREMISES (Ea occurrence)": "DMG TO RENTED PREMISES (Ea occ)",
        "MED EXP (Any one person)": "MEDICAL EXPENSE",
        "PERSONAL & ADV INJURY": "PERS & ADVERTISING INJURY",
        "GENERAL AGGREGATE": "GEN'L AGGREGATE",
        "PRODUCTS - COMP/OP AGG": "PRODUCTS-COMPLETED OPS AGG",
    }
    result = read_document(certificate_pdf(wording=wording))
    assert result["coverages"][0]["limits"] == {
        "each_occurrence": 1_000_000,
        "damage_to_rented_premises": 100_000,
        "medical_expense": 5000,
        "personal_advertising_injury": 1_000_000,
        "general_aggregate": 2_000_000,
        "products_completed_operations_aggregate": 2_000_000,
    }


def test_acord_101_and_acord_25_pages_are_told_apart_by_their_footers() -> None:
    from backend.acord.reader import classify_page

    remarks = (
        "ACORD ADDITIONAL REMARKS SCHEDULE\nTHIS SCHEDULE CONTINUES ACORD FORM 25, CERTIFICATE OF "
        "LIABILITY INSURANCE\nACORD 101 (2008/01)"
    )
    certificate = (
        "CERTIFICATE OF LIABILITY INSURANCE\nDESCRIPTION OF OPERATIONS (ACORD 101, Additional "
        "Remarks Schedule, may be attached)\nACORD 25 (2016/03)"
    )
    assert classify_page(remarks) == "acord101"
    assert classify_page(certificate) == "acord25"


def test_a_scanners_picture_on_a_quarter_rotated_page_takes_the_unturned_page_size() -> None:
    """A portrait certificate scanned sideways, its PDF page given a /Rotate so a viewer shows
    it upright: PDFium reports the page as shown (portrait), while the scanner's picture lies
    across the unturned page (landscape), and the picture's scale must come from that."""
    import pypdfium2 as pdfium

    from backend.acord.reader import _scanned_image, picture_page_size
    from fixturegen.generate import build_document

    built = next(
        doc
        for doc in (build_document(31, index, "turned") for index in range(8))
        if doc.entry["turn"]["page_rotate"]
    )
    document = pdfium.PdfDocument(built.data)
    try:
        page = document[0]
        picture = _scanned_image(page)
        assert picture is not None and picture.width > picture.height
        width, height = picture_page_size(page, own_picture=True)
        assert width > height
        assert width / height == pytest.approx(picture.width / picture.height, rel=0.01)
        # Drawn by PDFium instead, the page comes out as a viewer shows it.
        assert picture_page_size(page, own_picture=False) == (page.get_width(), page.get_height())
    finally:
        document.close()


def test_an_amount_the_form_cannot_print_there_is_left_unread() -> None:
    """One rule for every source (values.printable_amount): a liability limit is $1,000 or
    more and never $0; an OTHER row's amounts $100 or more, and a deductible or retention
    may be $0."""
    from backend.acord.reader import _normalise

    result = {
        "coverages": [
            {
                "line": "general_liability",
                "limits": {
                    "each_occurrence": 1_000_000,
                    "medical_expense": 1,
                    "general_aggregate": 0,
                },
            },
            {"line": "auto_liability", "limits": {"combined_single_limit": 500}},
            {
                "line": "other",
                "limits": {"limit": 250_000, "deductible": 25, "deductible_2": 0, "aggregate": 0},
            },
            {"line": "other", "limits": {"limit": 500, "deductible": 250}},
        ]
    }

    _normalise(result)

    gl, auto, other, small = result["coverages"]
    assert gl["limits"] == {
        "each_occurrence": 1_000_000,
        "medical_expense": None,
        "general_aggregate": None,
    }
    assert auto["limits"] == {"combined_single_limit": None}
    assert other["limits"] == {
        "limit": 250_000,
        "deductible": None,
        "deductible_2": 0,
        "aggregate": None,
    }
    assert small["limits"] == {"limit": 500, "deductible": 250}
