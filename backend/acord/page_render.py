"""Page images of an uploaded document, made in the sandboxed reader right after it read the
file, so that a person can see where each value was read. The web process only serves the
stored PNG bytes: it never parses or renders an uploaded file.

Every image is bounded whatever the file claims: at most MAX_RENDERED_PAGES pages and
MAX_PAGE_PIXELS pixels each (a page a hundred feet wide is drawn smaller, not bigger).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Final

# The review page shows a letter page about 900 pixels wide; 110 dpi keeps small print legible
# when zoomed and a page PNG around 100-200 KB.
RENDER_DPI: Final = 110
# A certificate with its endorsements runs to a few pages; values are read on the first ones.
# Pages after these are not shown (highlights there are simply not drawn).
MAX_RENDERED_PAGES: Final = 10
# About a tabloid page at RENDER_DPI (11 x 17 in = 1210 x 1870 pixels), with room to spare:
# 4 million RGB pixels are 12 MB while drawn, whatever page size the file declares.
MAX_PAGE_PIXELS: Final = 4_000_000
# Longest side of a photo or scan's image: about a letter page's height at RENDER_DPI.
IMAGE_LONGEST_SIDE: Final = 1400
# zlib level 3: on a grey letter page 15 ms and about 80 KB, where Pillow's default 6 takes
# 25 ms for a file 8% smaller; the page images are made while an uploader waits for the values.
PNG_COMPRESS_LEVEL: Final = 3


@dataclass(frozen=True)
class RenderedPage:
    """A page image in grey (a certificate's ink is black; grey halves the drawing and makes the
    PNG a third of its colour size): its size in the reader's units (points for a PDF, pixels
    for an image), which the reader's boxes are measured in, and its PNG bytes."""

    width: float
    height: float
    png: bytes


def render_scale(width_pt: float, height_pt: float) -> float:
    """Pixels per point: RENDER_DPI, or less when the page would pass MAX_PAGE_PIXELS."""
    scale = RENDER_DPI / 72
    area = max(width_pt, 1.0) * max(height_pt, 1.0)
    if area * scale * scale > MAX_PAGE_PIXELS:
        scale = math.sqrt(MAX_PAGE_PIXELS / area)
    return scale


def render_pages(data: bytes) -> list[RenderedPage]:
    from backend.acord import preflight

    sniffed = preflight.sniff(data)
    if sniffed.kind == "image":
        return [_image_page(data, sniffed.image_format)]
    return _pdf_pages(data)


def _png(image: object) -> bytes:
    from PIL import Image

    assert isinstance(image, Image.Image)
    if image.mode != "L":
        image = image.convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def _image_page(data: bytes, image_format: str | None) -> RenderedPage:
    from PIL import Image

    from backend.acord import preflight

    image = preflight.open_image(data, image_format)  # refuses bombs before decoding
    width, height = image.size
    longest = max(width, height)
    if longest > IMAGE_LONGEST_SIDE:
        factor = IMAGE_LONGEST_SIDE / longest
        size = (max(int(width * factor), 1), max(int(height * factor), 1))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return RenderedPage(float(width), float(height), _png(image))


def _pdf_pages(data: bytes) -> list[RenderedPage]:
    import pypdfium2 as pdfium

    pages: list[RenderedPage] = []
    document = pdfium.PdfDocument(data)
    try:
        for index in range(min(len(document), MAX_RENDERED_PAGES)):
            page = document[index]
            width, height = page.get_size()
            bitmap = page.render(scale=render_scale(width, height), grayscale=True)
            pages.append(RenderedPage(float(width), float(height), _png(bitmap.to_pil())))
    finally:
        document.close()
    return pages
