"""Page images: rendered once from the PDF, cached by SHA-256, refused for pages that do not
exist."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from backend.errors import BadInput, NotFound
from backend.web.page_image import RENDER_DPI, page_png, page_sizes
from tests.e2e.documents import Policy, certificate_pdf


@pytest.fixture(scope="module")
def pdf() -> bytes:
    policy = Policy("GL-1", "AU-2", date(2026, 1, 1), date(2027, 1, 1))
    return certificate_pdf("Keystone Framing LLC", "Harbor Point Builders LLC", policy, "")


def test_a_page_renders_at_the_review_resolution_and_is_cached(tmp_path: Path, pdf: bytes) -> None:
    digest = hashlib.sha256(pdf).hexdigest()
    [size] = page_sizes(tmp_path, digest, pdf)
    png = page_png(tmp_path, digest, pdf, 1)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert abs(image.width - size.width * RENDER_DPI / 72) <= 1
    cached = list((tmp_path / "page-images").rglob("*.png"))
    assert len(cached) == 1
    # The cache answers without the bytes being parsed again.
    assert page_png(tmp_path, digest, b"not a pdf any more", 1) == png


def test_missing_pages_and_bad_numbers_are_refused(tmp_path: Path, pdf: bytes) -> None:
    digest = hashlib.sha256(pdf).hexdigest()
    with pytest.raises(NotFound):
        page_png(tmp_path, digest, pdf, 2)
    with pytest.raises(BadInput):
        page_png(tmp_path, digest, pdf, 0)


def test_bytes_that_are_no_document_have_no_pages(tmp_path: Path) -> None:
    junk = b"%PDF-1.7 but nothing else"
    digest = hashlib.sha256(junk).hexdigest()
    assert page_sizes(tmp_path, digest, junk) == []
    with pytest.raises(NotFound):
        page_png(tmp_path, digest, junk, 1)
