"""Page images: drawn by the reader's renderer at the review resolution and bounded whatever
page size the file declares, stored beside the document, and served from the store without the
document's bytes being parsed; pages that were never stored are refused."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from backend.acord.page_render import MAX_PAGE_PIXELS, RENDER_DPI, render_pages
from backend.errors import BadInput, NotFound
from backend.records.page_images import PageSize, page_png, page_sizes, save_pages
from backend.records.store import FilesystemStore
from tests.e2e.documents import Policy, certificate_pdf


@pytest.fixture(scope="module")
def pdf() -> bytes:
    policy = Policy("GL-1", "AU-2", date(2026, 1, 1), date(2027, 1, 1))
    return certificate_pdf("Keystone Framing LLC", "Harbor Point Builders LLC", policy, "")


def test_a_page_renders_at_the_review_resolution_and_is_served_from_the_store(
    tmp_path: Path, pdf: bytes
) -> None:
    store = FilesystemStore(tmp_path)
    digest = store.put(pdf)
    pages = render_pages(pdf)
    save_pages(store, digest, pages)
    [size] = page_sizes(store, digest)
    assert size == PageSize(612.0, 792.0)
    png = page_png(store, digest, 1)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert abs(image.width - size.width * RENDER_DPI / 72) <= 1
    # Served from the store only: replacing the document's bytes changes nothing served.
    (tmp_path / digest[:2] / digest[2:4] / digest).write_bytes(b"not a pdf any more")
    assert page_png(store, digest, 1) == png


def test_a_huge_page_is_drawn_within_the_pixel_bound() -> None:
    document = pdfium.PdfDocument.new()
    document.new_page(14_400, 14_400)  # 200 inches square: 484 million pixels at 110 dpi
    buffer = io.BytesIO()
    document.save(buffer)
    [page] = render_pages(buffer.getvalue())
    assert (page.width, page.height) == (14_400.0, 14_400.0)
    with Image.open(io.BytesIO(page.png)) as image:
        assert image.width * image.height <= MAX_PAGE_PIXELS


def test_pages_never_stored_are_refused(tmp_path: Path, pdf: bytes) -> None:
    store = FilesystemStore(tmp_path)
    digest = store.put(pdf)
    assert page_sizes(store, digest) == []
    with pytest.raises(NotFound):
        page_png(store, digest, 1)
    save_pages(store, digest, render_pages(pdf))
    with pytest.raises(NotFound):
        page_png(store, digest, 2)
    with pytest.raises(BadInput):
        page_png(store, digest, 0)


def test_a_damaged_manifest_means_no_pages(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    digest = hashlib.sha256(b"x").hexdigest()
    store.put_derived(digest, "pages.json", b"{not json")
    assert page_sizes(store, digest) == []
    with pytest.raises(ValueError):
        store.put_derived(digest, "../escape", b"")
