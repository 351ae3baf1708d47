"""Planted real-world traps are really there, and recorded so a reader can be tested on them."""

from __future__ import annotations

import io
from typing import Any

import pdfplumber
import pypdfium2 as pdfium

from fixturegen.bundles import ENDORSEMENT_CYCLE
from fixturegen.documents import PAGE_TRAPS
from fixturegen.endorsements import ISO_FORMS
from fixturegen.generate import build_document
from tests.unit.acord_fixtures.conftest import page_texts

SCALE = 2.0


def _with_trap(kind: str, trap: str, predicate: Any = None) -> Any:
    """The first document of `kind` that features `trap` (and satisfies `predicate`)."""
    ordinal = 2 * PAGE_TRAPS.index(trap)
    for seed in range(60):
        built = build_document(seed, ordinal, kind, ordinal)
        records = [t for t in built.entry["traps"] if t["kind"] == trap]
        assert records, f"{trap} not planted in {kind} document"
        if predicate is None or predicate(records[0]):
            return built, records[0]
    raise AssertionError(f"no {kind} document with {trap} matching the predicate")


def _region_pixels(pdf: bytes, page_box: list[float]) -> list[int]:
    document = pdfium.PdfDocument(pdf)
    image = document[0].render(scale=SCALE, grayscale=True).to_pil().convert("L")
    document.close()
    x0, top, x1, bottom = (round(v * SCALE) for v in page_box)
    crop = image.crop((x0 + 1, top + 1, x1 - 1, bottom - 1))
    return [crop.getpixel((x, y)) for y in range(crop.height) for x in range(crop.width)]


def test_hidden_holder_text_is_in_the_text_layer_but_painted_over() -> None:
    built, trap = _with_trap("text", "hidden_text", lambda t: not t["replacement_visible"])
    [text] = page_texts(built.data)
    assert trap["hidden"]["name"] in text
    assert trap["page"] == 1 and trap["field"] == "certificate_holder"
    pixels = _region_pixels(built.data, trap["page_box"])
    assert min(pixels) >= 250, "the holder box should look empty"
    assert built.entry["expected"]["certificate_holder"] == {"name": None, "address": None}


def test_hidden_holder_under_a_visible_replacement_is_recorded() -> None:
    built, trap = _with_trap("text", "hidden_text", lambda t: t["replacement_visible"])
    [text] = page_texts(built.data)
    visible = built.entry["expected"]["certificate_holder"]["name"]
    assert trap["hidden"]["name"] in text and visible in text
    assert visible != trap["hidden"]["name"]
    pixels = _region_pixels(built.data, trap["page_box"])
    assert min(pixels) < 128, "the replacement holder is printed over the white box"


def test_hidden_text_inside_a_packet_names_its_page() -> None:
    built, trap = _with_trap("packet", "hidden_text")
    assert trap["page"] == built.entry["acord_page"]
    texts = page_texts(built.data)
    assert trap["hidden"]["name"] in texts[trap["page"] - 1]


def test_labels_without_spaces() -> None:
    built, _ = _with_trap("text", "labels_without_spaces")
    [text] = page_texts(built.data)
    assert "EACHOCCURRENCE" in text and "EACH OCCURRENCE" not in text


def test_included_limit_is_printed_as_a_word_and_expected_as_null() -> None:
    built, trap = _with_trap("text", "included_limit")
    [text] = page_texts(built.data)
    assert trap["printed"] in text
    _, _, index, _, key = trap["pointer"].split("/")
    coverage = built.entry["expected"]["coverages"][int(index)]
    assert coverage["limits"][key] is None
    assert key in coverage["included_limits"]


def test_three_year_term() -> None:
    built, trap = _with_trap("text", "three_year_term")
    assert trap["pointers"]
    for pointer in trap["pointers"]:
        coverage = built.entry["expected"]["coverages"][int(pointer.split("/")[2])]
        assert int(coverage["expiration"][:4]) - int(coverage["effective"][:4]) == 3


def test_values_in_another_font_and_baseline() -> None:
    built, trap = _with_trap("text", "values_other_font_baseline")
    name = built.entry["expected"]["insured"]["name"]
    with pdfplumber.open(io.BytesIO(built.data)) as pdf:
        chars = pdf.pages[0].chars
    value_fonts = {c["fontname"] for c in chars if c["text"] == name[0]}
    label_fonts = {c["fontname"] for c in chars if c["text"] == "I"}
    assert trap["font"] == "Courier"
    assert any("Courier" in f for f in value_fonts)
    assert any("Courier" not in f for f in label_fonts)


def _check_glyphs(pdf: bytes) -> int:
    """Text 'X' marks the size of a check box (labels and values are smaller)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return sum(1 for c in document.pages[0].chars if c["text"] == "X" and c["size"] > 8.5)


def test_vector_checkmarks_leave_no_x_in_the_text_layer() -> None:
    built, _ = _with_trap("text", "vector_checkmarks")
    assert _check_glyphs(built.data) == 0
    plain = next(
        doc
        for doc in (build_document(seed, 1, "text", 1) for seed in range(60))
        if all(t["kind"] != "vector_checkmarks" for t in doc.entry["traps"])
    )
    assert _check_glyphs(plain.data) > 0


def test_packet_decoy_pages_are_recorded() -> None:
    seen: set[str] = set()
    for ordinal in range(12):
        built = build_document(4, ordinal, "packet", ordinal)
        for trap in built.entry["traps"]:
            if trap["kind"] == "packet_page":
                seen.add(trap["page_kind"])
                assert built.entry["pages"][trap["page"] - 1]["kind"] == trap["page_kind"]
    assert seen == {"cover_letter", "acord24", "acord101", "state_notice"}


def test_endorsement_documents_cycle_through_every_form_and_edition() -> None:
    seen: set[tuple[str, str]] = set()
    carrier = 0
    for ordinal in range(len(ENDORSEMENT_CYCLE)):
        built = build_document(8, ordinal, "endorsement", ordinal)
        first = built.entry["endorsements"][0]
        if first["carrier_specific"]:
            carrier += 1
        else:
            seen.add((first["form_number"], first["edition"]))
    assert carrier >= 1
    assert {form for form, _ in seen} == set(ISO_FORMS)
    assert {ed for form, ed in seen if form == "CG 20 10"} == {"11 85", "10 01", "07 04", "04 13"}
