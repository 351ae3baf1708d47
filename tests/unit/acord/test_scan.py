"""The OCR path end to end on a certificate rendered to an image (needs Debian's tesseract-ocr)."""

from __future__ import annotations

import io
import shutil

import pypdfium2 as pdfium
import pytest

from backend.acord import read_document
from tests.unit.acord.conftest import certificate_pdf

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")


def test_a_photographed_certificate_is_read_by_ocr() -> None:
    document = pdfium.PdfDocument(certificate_pdf())
    image = document[0].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
    document.close()
    buffer = io.BytesIO()
    image.rotate(1.5, expand=True, fillcolor=255).save(buffer, format="PNG")
    result = read_document(buffer.getvalue())
    assert result["source"] == "ocr"
    assert result["certificate_date"] == "2026-01-15"
    assert result["insurers"][0]["name"] == "Granite Mutual Insurance Co"
    gl = result["coverages"][0]
    assert gl["line"] == "general_liability"
    assert gl["policy_number"] == "GL-100200"
    assert gl["limits"]["each_occurrence"] == 1_000_000
    assert gl["limits"]["general_aggregate"] == 2_000_000
