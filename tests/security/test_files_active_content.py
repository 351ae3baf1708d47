"""Read what is safe to read: a certificate carrying form-calculation JavaScript (as agency
forms do), an action run on opening and an embedded file is read, with a warning naming them;
nothing of it is run, and what is served back is pixels only."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from backend.acord import read_document
from backend.acord.sandbox import read_once
from tests.unit.acord.conftest import certificate_pdf


def _javascript(code: str) -> DictionaryObject:
    return DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)}
    )


def agency_form_with_scripts() -> bytes:
    """A certificate with a calculated form field, document JavaScript, an open action and an
    attached file, the parts of a LiveCycle-made agency form a viewer could run."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(certificate_pdf())))
    field = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("TotalLimit"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 1, 1)]),
            NameObject("/AA"): DictionaryObject(
                {NameObject("/C"): writer._add_object(_javascript("AFSimple_Calculate('SUM');"))}
            ),
        }
    )
    field_ref = writer._add_object(field)
    writer.pages[0][NameObject("/Annots")] = ArrayObject([field_ref])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([field_ref])}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(
        _javascript("app.launchURL('http://attacker.invalid/');")
    )
    writer.add_attachment("payload.exe", b"MZ not really a program")
    names = writer._root_object["/Names"].get_object()
    names[NameObject("/JavaScript")] = DictionaryObject(
        {
            NameObject("/Names"): ArrayObject(
                [
                    TextStringObject("print"),
                    writer._add_object(_javascript("this.print({bUI: false});")),
                ]
            )
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_form_with_javascript_is_read_with_a_warning() -> None:
    result = read_document(agency_form_with_scripts())
    assert "error" not in result, result
    assert result["form"] == "ACORD 25"
    [warning] = [w for w in result["warnings"] if "none of it was run" in w]
    for named in ("JavaScript", "embedded files", "opened"):
        assert named in warning


def test_the_sandbox_reads_it_and_serves_back_only_pixels() -> None:
    outcome = read_once(agency_form_with_scripts(), filename="agency.pdf", render=True)
    assert "error" not in outcome.result, outcome.result
    assert any("JavaScript" in w for w in outcome.result["warnings"])
    assert outcome.pages and all(p.png.startswith(b"\x89PNG\r\n\x1a\n") for p in outcome.pages)


def test_a_refused_file_is_never_rendered() -> None:
    bomb_header = certificate_pdf()[:1500]  # cut short: the reader gives an error
    outcome = read_once(bomb_header, filename="cut.pdf", render=True)
    assert outcome.result["error"]["code"] == "truncated"
    assert outcome.pages == []
