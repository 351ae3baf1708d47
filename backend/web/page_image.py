"""Pages of an uploaded document as PNG images, so a person can see where each value was
read. Rendered once with PDFium and cached under the data directory by the document's
SHA-256, page and resolution; the cache is a pure function of the bytes, so any replica may
rebuild it."""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pypdfium2 as pdfium
from PIL import Image

from backend.errors import BadInput, NotFound

RENDER_DPI: Final = 110
MAX_PAGES: Final = 60


@dataclass(frozen=True, slots=True)
class PageSize:
    """A page's size in PDF points (1/72 inch), the unit of the reader's bounding boxes."""

    width: float
    height: float


def _cache_dir(data_dir: Path, sha256: str) -> Path:
    return data_dir / "page-images" / sha256[:2] / sha256


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".render-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(temp, path)


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(b"%PDF")


def page_sizes(data_dir: Path, sha256: str, data: bytes) -> list[PageSize]:
    path = _cache_dir(data_dir, sha256) / "sizes.json"
    if path.exists():
        return [PageSize(w, h) for w, h in json.loads(path.read_text())]
    sizes: list[PageSize] = []
    try:
        if is_pdf(data):
            pdf = pdfium.PdfDocument(data)
            try:
                for index in range(min(len(pdf), MAX_PAGES)):
                    width, height = pdf[index].get_size()
                    sizes.append(PageSize(float(width), float(height)))
            finally:
                pdf.close()
        else:
            with Image.open(io.BytesIO(data)) as image:
                sizes.append(PageSize(float(image.width), float(image.height)))
    except (pdfium.PdfiumError, OSError, ValueError):
        return []
    _write_atomic(path, json.dumps([[s.width, s.height] for s in sizes]).encode())
    return sizes


def page_png(data_dir: Path, sha256: str, data: bytes, page: int) -> bytes:
    """Page `page` (1-based) as PNG."""
    if not 1 <= page <= MAX_PAGES:
        raise BadInput("No such page.", field="page")
    path = _cache_dir(data_dir, sha256) / f"p{page}-{RENDER_DPI}.png"
    if path.exists():
        return path.read_bytes()
    try:
        if is_pdf(data):
            pdf = pdfium.PdfDocument(data)
            try:
                if page > len(pdf):
                    raise NotFound("The document has no such page.")
                bitmap = pdf[page - 1].render(scale=RENDER_DPI / 72)
                image = bitmap.to_pil()
            finally:
                pdf.close()
        else:
            if page != 1:
                raise NotFound("The document has no such page.")
            image = Image.open(io.BytesIO(data))
            image.load()
    except (pdfium.PdfiumError, OSError, ValueError) as exc:
        raise NotFound("This document cannot be shown as an image.") from exc
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=True)
    content = buffer.getvalue()
    _write_atomic(path, content)
    return content


@dataclass(frozen=True, slots=True)
class Box:
    """A highlight over a page image, in percent of the page, so it scales with the image."""

    page: int
    left: float
    top: float
    width: float
    height: float

    @property
    def attribute(self) -> str:
        return f"{self.page},{self.left:.2f},{self.top:.2f},{self.width:.2f},{self.height:.2f}"


def box_for(page: object, bbox: object, sizes: list[PageSize]) -> Box | None:
    """The reader's bbox [x0, top, x1, bottom] in points on a 1-based page, as a Box."""
    if not isinstance(page, int) or not isinstance(bbox, (list, tuple)) or len(bbox) != 4:
        return None
    if not 1 <= page <= len(sizes) or not all(isinstance(v, (int, float)) for v in bbox):
        return None
    size = sizes[page - 1]
    x0, top, x1, bottom = (float(v) for v in bbox)
    if size.width <= 0 or size.height <= 0 or x1 < x0 or bottom < top:
        return None
    pad = 2.0  # points, so a thin box around one line of text stays visible
    return Box(
        page=page,
        left=max(0.0, (x0 - pad) / size.width * 100),
        top=max(0.0, (top - pad) / size.height * 100),
        width=min(100.0, (x1 - x0 + 2 * pad) / size.width * 100),
        height=min(100.0, (bottom - top + 2 * pad) / size.height * 100),
    )
