"""Each kind of document is what the manifest says it is."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image
from pypdf import PdfReader

from fixturegen.official_fields import OFFICIAL_FIELDS
from tests.unit.acord_fixtures.conftest import documents_of, page_texts

Corpus = tuple[Path, dict[str, Any]]


def _printed_values(expected: dict[str, Any]) -> list[str]:
    """Values every layout prints verbatim, whatever its date or money style."""
    values = [expected["insured"]["name"], expected["producer"]["name"]]
    values += [i["name"] for i in expected["insurers"]]
    values += [i["naic"] for i in expected["insurers"]]
    values += [c["policy_number"] for c in expected["coverages"]]
    if expected["certificate_holder"]["name"]:
        values.append(expected["certificate_holder"]["name"])
    return values


def test_text_pdfs_carry_the_values_in_their_text_layer(corpus: Corpus) -> None:
    out, manifest = corpus
    for document in documents_of(manifest, "text"):
        [text] = page_texts(out / document["file"])
        for value in _printed_values(document["expected"]):
            assert value in text, (document["file"], value)
        assert f"ACORD 25 ({document['edition']})" in text


def test_acroform_pdfs_fill_the_official_fields(corpus: Corpus) -> None:
    out, manifest = corpus
    official_names = {f.name for f in OFFICIAL_FIELDS}
    for document in documents_of(manifest, "acroform"):
        fields = PdfReader(out / document["file"]).get_fields() or {}
        assert set(fields) == official_names
        values = {name: field.get("/V") for name, field in fields.items()}
        expected = document["expected"]
        assert values["NamedInsured_FullName_A"] == expected["insured"]["name"]
        assert values["Producer_FullName_A"] == expected["producer"]["name"]
        assert values["Form_EditionIdentifier_A"] == "ACORD 25 (2016/03)"
        for insurer in expected["insurers"]:
            assert values[f"Insurer_FullName_{insurer['letter']}"] == insurer["name"]
            assert values[f"Insurer_NAICCode_{insurer['letter']}"] == insurer["naic"]
        gl = next((c for c in expected["coverages"] if c["line"] == "general_liability"), None)
        if gl:
            assert values["Policy_GeneralLiability_PolicyNumberIdentifier_A"] == gl["policy_number"]
            assert values["GeneralLiability_CoverageIndicator_A"] == "/1"
        for name, value in document["acroform_fields"].items():
            shown = values[name]
            assert (shown.lstrip("/") if isinstance(shown, str) else shown) == value, name
        # Values live in the fields, not in the page content.
        [text] = page_texts(out / document["file"])
        assert expected["insured"]["name"] not in text


def test_acroform_fields_sit_in_the_official_boxes(corpus: Corpus) -> None:
    out, manifest = corpus
    document = documents_of(manifest, "acroform")[0]
    boxes = {f.name: (f.x0, f.y0, f.x1, f.y1) for f in OFFICIAL_FIELDS}
    page = PdfReader(out / document["file"]).pages[0]
    checked = 0
    for annotation in page["/Annots"]:
        widget = annotation.get_object()
        name, rect = widget["/T"], [float(v) for v in widget["/Rect"]]
        if name != "Form_EditionIdentifier_A":
            assert rect == [float(v) for v in boxes[name]], name
            checked += 1
    assert checked == len(OFFICIAL_FIELDS) - 1


def test_flattened_pdfs_have_no_fields_but_show_the_values(corpus: Corpus) -> None:
    out, manifest = corpus
    for document in documents_of(manifest, "flattened"):
        reader = PdfReader(out / document["file"])
        assert not reader.get_fields()
        assert "/AcroForm" not in reader.trailer["/Root"]
        assert "/Annots" not in reader.pages[0]
        [text] = page_texts(out / document["file"])
        for value in _printed_values(document["expected"]):
            assert value in text, (document["file"], value)


def test_scans_have_no_text_layer(corpus: Corpus) -> None:
    out, manifest = corpus
    for document in documents_of(manifest, "scan"):
        path = out / document["file"]
        assert path.suffix == "." + document["format"]
        dpi = document["scan"]["dpi"]
        assert 150 <= dpi <= 200
        assert 1.0 <= abs(document["scan"]["skew_degrees"]) <= 3.0
        if document["format"] == "pdf":
            pdf = pdfium.PdfDocument(path)
            assert len(pdf) == document["page_count"]
            for index in range(len(pdf)):
                assert pdf[index].get_textpage().count_chars() == 0
            pdf.close()
        else:
            with Image.open(io.BytesIO(path.read_bytes())) as image:
                # A rotated letter page is a little larger than 8.5 x 11 inches at this dpi;
                # a photo turned a quarter lies on its side.
                short, long = sorted(image.size)
                assert short >= int(8.5 * dpi) and long >= int(11 * dpi)


def test_packets_hold_the_acord_page_where_the_manifest_says(corpus: Corpus) -> None:
    out, manifest = corpus
    for document in documents_of(manifest, "packet"):
        texts = page_texts(out / document["file"])
        assert len(texts) == document["page_count"] == len(document["pages"])
        assert 3 <= len(texts) <= 6
        acord_index = document["acord_page"] - 1
        assert document["pages"][acord_index]["kind"] == "acord25"
        assert "CERTIFICATE OF LIABILITY INSURANCE" in texts[acord_index]
        assert document["expected"]["insured"]["name"] in texts[acord_index]
        for number, text in enumerate(texts, start=1):
            if number != document["acord_page"]:
                assert "ACORD 25 (" not in text
        for page in document["pages"]:
            if page["kind"] == "acord24":
                assert "ACORD 24 (" in texts[page["page"] - 1]
        for endorsement in document["endorsements"]:
            assert endorsement["form_number"] in texts[endorsement["page"] - 1]


def test_endorsement_pages_show_form_edition_and_schedule(corpus: Corpus) -> None:
    out, manifest = corpus
    for document in documents_of(manifest, "endorsement"):
        assert document["expected"] is None and document["acord_page"] is None
        texts = page_texts(out / document["file"])
        assert len(texts) == document["page_count"] == len(document["endorsements"])
        for endorsement in document["endorsements"]:
            text = texts[endorsement["page"] - 1]
            assert endorsement["form_number"] in text and endorsement["edition"] in text
            assert endorsement["policy_number"] in text
            for party in endorsement["scheduled_parties"]:
                assert party in text
            if endorsement["blanket"] and not endorsement["purpose"].endswith("aggregate"):
                assert "written contract" in text
