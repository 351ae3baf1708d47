"""Checks made on the raw bytes before any parser decodes them.

Every limit here is there so that one hostile or broken upload cannot exhaust the reader:
the sandbox adds hard CPU-time and memory limits on top.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any, Literal

from PIL import Image
from pypdf.generic import DictionaryObject, IndirectObject

from backend.acord.errors import ReadError
from backend.acord.limits import MAX_BYTES as MAX_BYTES

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

# Names whose presence in the raw bytes means the PDF can run code or carries other files.
# Compressed object streams hide them from this scan; `active_content` also walks the catalogue.
_ACTIVE_NAMES = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles|EmbeddedFile|RichMedia|XFA)\b")
# What each active name does, in the warning a reviewer reads.
_ACTIVE_MEANING = {
    "JavaScript": "JavaScript",
    "JS": "JavaScript",
    "Launch": "an action that launches a program",
    "EmbeddedFiles": "embedded files",
    "EmbeddedFile": "embedded files",
    "FileAttachment": "an attached file",
    "RichMedia": "rich media",
    "XFA": "an XFA form",
    "OpenAction": "an action run when it is opened",
    "AA": "actions run on events (such as form calculations)",
    "SubmitForm": "a form-submission action",
    "ImportData": "a data-import action",
    "RichMediaExecute": "rich media",
}
# Action types that would run something in a PDF viewer.
_RUNNING_ACTIONS = ("/JavaScript", "/Launch", "/RichMediaExecute", "/ImportData", "/SubmitForm")


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
    """Structure checks that need no parser: the end marker."""
    tail = data[-2048:]
    if b"%%EOF" not in tail and b"startxref" not in data[-8192:]:
        raise ReadError("truncated", "The PDF is cut short: its end-of-file marker is missing.")


def check_pdf_document(pdf: object, data: bytes) -> None:
    """Checks on the opened document (pypdf) that bound the reader's work. Active content is
    not refused here: the reader runs none of it (see `active_content`)."""
    from pypdf import PdfReader

    assert isinstance(pdf, PdfReader)
    if len(pdf.pages) > MAX_PAGES:
        raise ReadError(
            "too_many_pages",
            f"The PDF has {len(pdf.pages)} pages; at most {MAX_PAGES} are read.",
        )
    if _dictionary(pdf.trailer.get("/Root")) is None:
        raise ReadError("unreadable", "The PDF has no document catalogue.")


def active_content(data: bytes, pdf: object | None = None) -> list[str]:
    """Warnings naming what in the PDF could run or carry other files in a viewer: JavaScript
    (agency forms use it for field calculations), actions run on opening or on events, embedded
    and attached files, XFA. The reader executes none of it and nothing served back carries it
    (originals are attachments only; page images are pixels), so these are notes, not refusals."""
    found: set[str] = {m.group(1).decode() for m in _ACTIVE_NAMES.finditer(data)}
    try:
        found |= _active_names_in_catalogue(data, pdf)
    except Exception:  # noqa: S110 - the byte scan above already gave what can be known
        pass
    meanings = sorted({_ACTIVE_MEANING[name] for name in found if name in _ACTIVE_MEANING})
    if not meanings:
        return []
    return [
        f"The PDF carries {', '.join(meanings)}; none of it was run, and it is not part of "
        "what is shown here."
    ]


def note_active_content(
    result: dict[str, Any], data: bytes, pdf: object | None = None
) -> dict[str, Any]:
    """The reader's result with `active_content`'s warnings added (a PDF that was read only).
    `pdf` is the reader's own pypdf document when it has one: the objects it already parsed
    (a form's widgets are most of them) are not parsed a second time."""
    if "error" in result or b"%PDF-" not in data[:1024]:
        return result
    warnings = active_content(data, pdf)
    if warnings:
        result["warnings"] = [*result.get("warnings", []), *warnings]
    return result


def _active_names_in_catalogue(data: bytes, opened: object | None) -> set[str]:
    from pypdf import PdfReader

    pdf = opened if isinstance(opened, PdfReader) else PdfReader(io.BytesIO(data), strict=False)
    if pdf.is_encrypted and opened is None:
        return set()
    found: set[str] = set()
    root = _dictionary(pdf.trailer.get("/Root"))
    if root is None:
        return found
    names = _dictionary(root.get("/Names"))
    if names is not None:
        found |= {key[1:] for key in ("/JavaScript", "/EmbeddedFiles") if key in names}
    action = _dictionary(root.get("/OpenAction"))
    if action is not None and action.get("/S") in _RUNNING_ACTIONS:
        found.add("OpenAction")
    if "/AA" in root:
        found.add("AA")
    form = _dictionary(root.get("/AcroForm"))
    if form is not None and "/XFA" in form:
        found.add("XFA")
    for page in pdf.pages[:MAX_PAGES]:
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations is not None else []
        for reference in annotations if isinstance(annotations, list) else []:
            annotation = _dictionary(reference)
            if annotation is None:
                continue
            if annotation.get("/Subtype") == "/FileAttachment":
                found.add("FileAttachment")
            if "/AA" in annotation:
                found.add("AA")
            link_action = _dictionary(annotation.get("/A"))
            if link_action is not None and link_action.get("/S") in _RUNNING_ACTIONS:
                found.add(str(link_action.get("/S"))[1:])
    return found


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
