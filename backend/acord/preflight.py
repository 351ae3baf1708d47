"""Checks made on the raw bytes before any parser decodes them.

Every limit here is there so that one hostile or broken upload cannot exhaust the reader:
the sandbox adds hard CPU-time and memory limits on top.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Literal

from PIL import Image
from pypdf.generic import DictionaryObject, IndirectObject

from backend.acord.errors import ReadError

MAX_BYTES = 25 * 1024 * 1024
MAX_PAGES = 60
MAX_IMAGE_PIXELS = 50_000_000

Kind = Literal["pdf", "image"]

_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis")

# Names whose presence means the PDF can run code or carries other files.
_ACTIVE_NAMES = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles|EmbeddedFile|RichMedia|XFA)\b")


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    image_format: str | None = None


def sniff(data: bytes, max_bytes: int = MAX_BYTES) -> Sniffed:
    if not data:
        raise ReadError("empty_file", "The file is empty (0 bytes).")
    if len(data) > max_bytes:
        raise ReadError(
            "too_large",
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB.",
        )
    head = data[:1024]
    if b"%PDF-" in head:
        return Sniffed("pdf")
    for signature, name in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return Sniffed("image", name)
    if data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        return Sniffed("image", "HEIF")
    raise ReadError(
        "not_a_document",
        "The file is neither a PDF nor an image (PNG, JPEG, TIFF, BMP, HEIC).",
    )


def check_pdf_bytes(data: bytes) -> None:
    """Structure checks that need no parser: end marker, active content names."""
    tail = data[-2048:]
    if b"%%EOF" not in tail and b"startxref" not in data[-8192:]:
        raise ReadError("truncated", "The PDF is cut short: its end-of-file marker is missing.")
    match = _ACTIVE_NAMES.search(data)
    if match and _is_active(data, match.group(1)):
        raise ReadError(
            "active_content",
            f"The PDF carries active content (/{match.group(1).decode()}); it is refused.",
        )


def _is_active(data: bytes, name: bytes) -> bool:
    # Fillable forms use JavaScript only for number and date formatting of their fields; that
    # is not refused. Anything else named /JavaScript or /JS is.
    if name not in (b"JavaScript", b"JS"):
        return True
    for match in re.finditer(rb"/JS\s*\((.*?)\)\s*[/>]", data, re.S):
        script = match.group(1)
        if not re.fullmatch(rb"[\s;]*(AF[A-Za-z_]+\([^()]*\)[\s;]*)+", script):
            return True
    return bool(re.search(rb"/S\s*/JavaScript\s*/JS\s*\d+\s+\d+\s+R", data)) or bool(
        re.search(rb"/Names\s*<<[^>]*/JavaScript", data)
    )


def check_pdf_document(pdf: object, data: bytes) -> None:
    """Checks on the opened document (pypdf) for what compressed object streams hide."""
    from pypdf import PdfReader

    assert isinstance(pdf, PdfReader)
    if len(pdf.pages) > MAX_PAGES:
        raise ReadError(
            "too_many_pages",
            f"The PDF has {len(pdf.pages)} pages; at most {MAX_PAGES} are read.",
        )
    root = _dictionary(pdf.trailer.get("/Root"))
    if root is None:
        raise ReadError("unreadable", "The PDF has no document catalogue.")
    names = _dictionary(root.get("/Names"))
    if names is not None:
        if "/JavaScript" in names:
            raise ReadError("active_content", "The PDF runs JavaScript when opened; it is refused.")
        if "/EmbeddedFiles" in names:
            raise ReadError("active_content", "The PDF carries embedded files; it is refused.")
    action = _dictionary(root.get("/OpenAction"))
    if action is not None and action.get("/S") in ("/JavaScript", "/Launch"):
        raise ReadError("active_content", "The PDF runs an action when opened; it is refused.")
    for page in pdf.pages:
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations is not None else []
        for reference in annotations if isinstance(annotations, list) else []:
            annotation = _dictionary(reference)
            if annotation is None:
                continue
            if annotation.get("/Subtype") == "/FileAttachment":
                raise ReadError(
                    "active_content", "The PDF carries an attached file; it is refused."
                )
            link_action = _dictionary(annotation.get("/A"))
            if link_action is not None and link_action.get("/S") in ("/JavaScript", "/Launch"):
                raise ReadError(
                    "active_content", "The PDF has a link that runs code; it is refused."
                )


def _dictionary(value: object) -> DictionaryObject | None:
    """The dictionary behind a (possibly indirect) pypdf value, or None for anything else."""
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return value if isinstance(value, DictionaryObject) else None


def open_image(data: bytes, image_format: str | None) -> Image.Image:
    """Open an image after checking its pixel count from the header (before decoding)."""
    if image_format == "HEIF":
        try:
            from pillow_heif import register_heif_opener

            register_heif_opener()
        except ImportError as exc:  # pragma: no cover - dependency is declared
            raise ReadError("unreadable", "HEIC images cannot be read here.") from exc
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ReadError(
                "decompression_bomb",
                f"The image claims {width} x {height} pixels; it is refused as a "
                "decompression bomb.",
            )
        image.load()
        return image
    except Image.DecompressionBombError as exc:
        raise ReadError(
            "decompression_bomb", "The image is far larger than any page; it is refused."
        ) from exc
    except ReadError:
        raise
    except (OSError, ValueError, SyntaxError) as exc:
        raise ReadError("unreadable", f"The image cannot be decoded: {exc}") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous
