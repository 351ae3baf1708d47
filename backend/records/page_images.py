"""Pages of an uploaded document as PNG images, stored beside the document.

The images are made by the sandboxed reader when it reads the file (backend/acord/page_render)
and stored here by the read job (`save_pages`) and the demo loader; the pages serve them back
(`page_png`). The web process never parses or renders an uploaded file: a document without
stored pages (the reader refused it, or it was never read) is shown without images.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from backend.acord.page_render import MAX_RENDERED_PAGES, RenderedPage
from backend.errors import BadInput, NotFound
from backend.records.store import DocumentStore

# The list of stored pages, written last so that its presence means every page is stored.
PAGES_MANIFEST: Final = "pages.json"
MANIFEST_FORMAT: Final = "coinet.pages/1"


@dataclass(frozen=True, slots=True)
class PageSize:
    """A page's size in PDF points (1/72 inch), the unit of the reader's bounding boxes."""

    width: float
    height: float


def page_file(page: int) -> str:
    return f"page-{page}.png"


def save_pages(store: DocumentStore, sha256: str, pages: Sequence[RenderedPage]) -> None:
    for number, page in enumerate(pages, start=1):
        store.put_derived(sha256, page_file(number), page.png)
    manifest = {"format": MANIFEST_FORMAT, "pages": [[p.width, p.height] for p in pages]}
    store.put_derived(sha256, PAGES_MANIFEST, json.dumps(manifest).encode())


def page_sizes(store: DocumentStore, sha256: str) -> list[PageSize]:
    """The stored pages' sizes; empty when no page image was stored for this document."""
    raw = store.get_derived(sha256, PAGES_MANIFEST)
    if raw is None:
        return []
    try:
        manifest = json.loads(raw)
        if manifest.get("format") != MANIFEST_FORMAT:
            return []
        return [PageSize(float(w), float(h)) for w, h in manifest["pages"]][:MAX_RENDERED_PAGES]
    except (ValueError, KeyError, TypeError, AttributeError):
        return []


def page_png(store: DocumentStore, sha256: str, page: int) -> bytes:
    """Page `page` (1-based) as stored PNG bytes."""
    if not 1 <= page <= MAX_RENDERED_PAGES:
        raise BadInput("No such page.", field="page")
    content = store.get_derived(sha256, page_file(page))
    if content is None:
        raise NotFound("This page has no image: the document was not read, or not safely.")
    return content
