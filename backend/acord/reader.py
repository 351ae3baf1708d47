"""Reading one uploaded file: find the ACORD 25 page(s) in it, read them, say what else is there.

This runs inside the sandbox process (see sandbox.py); `read_bytes` raises `ReadError` for a
file that cannot be read, and returns the contract JSON otherwise.
"""

from __future__ import annotations

import io
import os
import re
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from backend.acord import preflight
from backend.acord.absent_values import absence_warnings, remove_placeholders
from backend.acord.acroform import field_values, with_field_words
from backend.acord.corrections import restore_periods
from backend.acord.endorsements import is_endorsement_page, merge_pages, read_endorsement_page
from backend.acord.errors import ReadError
from backend.acord.evidence import Evidence
from backend.acord.geometry import PageText, Word
from backend.acord.layout import read_acord25
from backend.acord.ocr import (
    OCR_DPI,
    RegionReader,
    ocr_words,
    print_level,
    reading_plan,
    sharpened,
    upside_down,
)
from backend.acord.page_blur import deblurred, measure_blur, merges_small_print
from backend.acord.page_image import OCR_LONGEST_SIDE, prepare_page
from backend.acord.page_labels import PageLabels
from backend.acord.page_rules import without_rules
from backend.acord.pdftext import InkMeter, mark_hidden_words, render_gray
from backend.acord.values import printable_amount
from backend.acord.vector_grid import page_grid
from backend.acord.word_sources import pdf_page_words

MAX_OCR_PAGES = 4
_INK_DPI = 100
# A page read from a filled form: at least this many filled fields (a lone signature or date
# field left on a printed certificate does not make its values the form's).
_FORM_FIELDS_MIN = 5
_COVERAGE_KEYS = (
    "line",
    "insurer_letter",
    "policy_number",
    "effective",
    "expiration",
    "additional_insured",
    "subrogation_waived",
    "basis",
    "aggregate_applies_per",
    "covered_autos",
    "statutory",
)


def classify_page(text: str) -> str:
    """What a page is, from its words: acord25, acord24, acord101, endorsement, ..."""
    upper = re.sub(r"\s+", " ", text.upper())
    compact = re.sub(r"[^A-Z0-9]", "", upper)
    # An ACORD 101 names the form it continues ("ACORD FORM 25, CERTIFICATE OF LIABILITY
    # INSURANCE") and the ACORD 25 names the 101 in its remarks label: the footers tell them apart.
    footer_101 = re.search(r"ACORD\s*101\s*\(\s*\d", upper)
    footer_25 = re.search(r"ACORD\s*25\s*(-\s*S\s*)?\(\s*\d", upper)
    if footer_101 and not footer_25 and "ADDITIONALREMARKSSCHEDULE" in compact:
        return "acord101"
    if "CERTIFICATEOFLIABILITYINSURANCE" in compact or re.search(r"ACORD ?25\b", upper):
        return "acord25"
    if "CERTIFICATEOFPROPERTYINSURANCE" in compact or "ACORD24" in compact:
        return "acord24"
    if "ADDITIONALREMARKSSCHEDULE" in compact and "ACORD101" in compact:
        return "acord101"
    if is_endorsement_page(text):
        return "endorsement"
    if re.search(r"DRIVER'?S? LICEN[SC]E|LICENSE NO|CONTRACTOR LICENSE|LICENSE NUMBER", upper):
        return "license_image"
    if re.search(
        r"DEPARTMENT OF INSURANCE|DEPARTAMENTO DE SEGUROS|COMPLAINT|QUEJA|"
        r"IMPORTANT NOTICE|AVISO IMPORTANTE",
        upper,
    ):
        return "state_notice"
    if re.search(r"\bDEAR\b|\bSINCERELY\b|\bRE:|ENCLOSED", upper):
        return "cover_letter"
    return "other"


def _plausible_amounts(line: str | None, limits: dict[str, Any]) -> dict[str, Any]:
    """The row's limits with an amount the form cannot print there left unread
    (values.printable_amount: the one rule, for every source)."""
    return {
        key: None
        if isinstance(value, int)
        and not isinstance(value, bool)
        and not printable_amount(line, key, value)
        else value
        for key, value in limits.items()
    }


def _normalise(result: dict[str, Any]) -> None:
    for coverage in result.get("coverages", []):
        limits = _plausible_amounts(coverage.get("line"), coverage.pop("limits", {}) or {})
        for key in _COVERAGE_KEYS:
            coverage.setdefault(key, None)
        if coverage["line"] != "auto_liability":
            coverage["covered_autos"] = None
        coverage["limits"] = limits
        # Added to the contract's keys: the limit kinds printed as "Included" (their `limits`
        # value stays None, as the contract's money is a number), so a reader of the JSON can
        # tell "inside another limit" from "not shown". Sorted, so every source lists alike.
        coverage["included_limits"] = sorted(coverage.pop("included_limits", None) or [])


class _PageSource:
    def __init__(
        self,
        page_text: PageText,
        ink: InkMeter | None,
        region: RegionReader | None,
        warnings: list[str] | None = None,
    ):
        self.text = page_text
        self.ink = ink
        self.region = region
        # What the page's preparation could not do and a reader of the result must know.
        self.warnings = warnings or []


def _text_page(page: pdfium.PdfPage, words: list[Word], number: int) -> _PageSource:
    return _PageSource(PageText(words, page.get_width(), page.get_height(), number), None, None)


def _add_ink(source: _PageSource, page: pdfium.PdfPage) -> None:
    """Render the page to tell hidden text and ticked boxes; only the certificate needs it."""
    meter = InkMeter(render_gray(page, _INK_DPI), _INK_DPI / 72, page_grid(page))
    mark_hidden_words(source.text.words, meter)
    source.ink = meter


def _ocr_image(
    image: Image.Image,
    page_size_pt: tuple[float, float] | None,
    number: int,
    longest: int | None = OCR_LONGEST_SIDE,
) -> _PageSource:
    """OCR of a page image that may be skewed, on its side or upside down, and unevenly lit.

    `page_size_pt` is the size of the file's page the image fills; None for a photo, which
    says nothing of its paper and is taken as a letter page once upright.
    """
    page = prepare_page(image, longest)
    straight = page.image
    if page_size_pt is None:
        width_pt = 612.0
    else:
        # A page scanned on its side lies in a landscape page: its height is the width.
        width_pt = page_size_pt[1] if page.quarter_turned else page_size_pt[0]
    points_per_pixel = width_pt / straight.width
    # A photographed sheet's blur is measured on the form's rules. Wider than the small print's
    # stem step, no cut separates its stems: read in grey. Narrower, the reading of a sample
    # decides between grey and a cut made once the blur is undone (serif small print, its
    # hairlines thinner than a sans stem, may still read better in grey). A scan's blur, a
    # fraction of a photo's, is left: undone before the cut, 15 turned scans read 1141 of 1172
    # fields as before (its grain sharpened with its print).
    blur = measure_blur(straight) if page.flattened else None
    if blur is not None and merges_small_print(blur, points_per_pixel):
        turned, grey = upside_down(straight), True
    else:
        turned, grey = reading_plan(straight, page.flattened, blur)
    if turned:
        straight = straight.transpose(Image.Transpose.ROTATE_180)
    if blur is not None:
        # The measured blur undone, whether the page is then read in grey or cut: a fixed
        # sharpening over-sharpens a slight blur, and its halos and the JPEG's blocks, raised
        # with the print, are taken for ink by the local threshold of a grey read.
        straight = deblurred(straight, blur)
    elif grey:
        # A blurred page: read in grey, sharpened, by the page pass and the cells read again.
        straight = sharpened(straight)
    meter = InkMeter(straight, 1 / points_per_pixel, dark_level=print_level(straight))

    def finish(words: list[Word]) -> list[Word]:
        return restore_periods(words, meter, meter.dark_level)

    # A photographed page is read with its rules taken out: blurred, they take the print
    # pressed against them (a date box, a section's label) out of Tesseract's page pass.
    page_view = without_rules(straight) if page.flattened else straight
    words = finish(ocr_words(page_view, points_per_pixel, grey))
    height_pt = straight.height * points_per_pixel
    warnings = []
    if page.grid_missing:
        warnings.append(
            f"page {number}: a photographed sheet whose ruled grid was not found: it was "
            "flattened by its paper's corners only, so rows and columns may be misread; "
            "check the coverage table by hand"
        )
    return _PageSource(
        PageText(words, width_pt, height_pt, number),
        meter,
        RegionReader(straight, points_per_pixel, finish),
        warnings,
    )


def _scanned_image(page: pdfium.PdfPage) -> Image.Image | None:
    """The page's one full-page image at its own resolution (a scanner's PDF), or None.

    Scaling the scanner's pixels up with a sharp filter reads better than PDFium's rendering.
    """
    width, height = page.get_width(), page.get_height()
    images = []
    for obj in page.get_objects(max_depth=1):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images.append(obj)
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
            return None
    if len(images) != 1 or not isinstance(images[0], pdfium.PdfImage):
        return None
    image = images[0]
    left, bottom, right, top = image.get_bounds()
    matrix = image.get_matrix()
    upright = matrix.b == 0 and matrix.c == 0 and matrix.a > 0 and matrix.d > 0
    if not upright or (right - left) * (top - bottom) < 0.9 * width * height:
        return None
    pixel_width, pixel_height = image.get_px_size()
    if pixel_width * pixel_height > preflight.MAX_IMAGE_PIXELS:
        return None
    try:
        bitmap = image.get_bitmap()
        picture: Image.Image = bitmap.to_pil().convert("L")
    except (pdfium.PdfiumError, ValueError, OSError):
        return None
    return picture


# A page's /Rotate by a quarter or three quarters of a turn swaps its width and height.
_QUARTER_ROTATIONS = (90, 270)


def picture_page_size(page: pdfium.PdfPage, own_picture: bool) -> tuple[float, float]:
    """The page's width and height in points as its picture lies: PDFium gives them as a
    viewer shows the page, after its /Rotate; the scanner's own picture (`own_picture`) lies in
    the page's unturned space, so a quarter /Rotate swaps them back."""
    width, height = page.get_width(), page.get_height()
    if own_picture and page.get_rotation() in _QUARTER_ROTATIONS:
        return height, width
    return width, height


def _ocr_pdf_page(page: pdfium.PdfPage, number: int, light: bool = False) -> _PageSource:
    scanned = _scanned_image(page)
    width, height = picture_page_size(page, scanned is not None)
    if light:
        image = scanned if scanned is not None else render_gray(page, 150)
        longest = max(image.size)
        # Enough for an endorsement's form number and schedule.
        target = None if 1500 <= longest <= 2400 else 2000
        return _ocr_image(image, (width, height), number, target)
    if scanned is not None:
        return _ocr_image(scanned, (width, height), number)
    # Keep the raster bounded whatever page size the file claims.
    dpi = min(OCR_DPI, (preflight.MAX_IMAGE_PIXELS / max(width * height / 5184, 1)) ** 0.5)
    return _ocr_image(render_gray(page, dpi), (width, height), number, None)


def read_bytes(data: bytes, filename: str | None = None) -> dict[str, Any]:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    sniffed = preflight.sniff(data)
    if sniffed.kind == "image":
        image = preflight.open_image(data, sniffed.image_format)
        source = _ocr_image(image, None, 1)
        return _assemble([source], "ocr", {1: "acord25"}, [])
    return _read_pdf(data)


def _open_pdf(data: bytes) -> PdfReader:
    preflight.check_pdf_bytes(data)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ReadError("encrypted", "The PDF is protected by a password.")
            except (FileNotDecryptedError, NotImplementedError) as exc:
                raise ReadError("encrypted", "The PDF is protected by a password.") from exc
        preflight.check_pdf_document(reader, data)
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ReadError(
            "truncated" if b"%%EOF" not in data[-2048:] else "unreadable",
            f"The PDF structure is broken: {exc}",
        ) from exc
    return reader


def _read_pdf(data: bytes) -> dict[str, Any]:
    reader = _open_pdf(data)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        code = "encrypted" if "password" in message else "unreadable"
        raise ReadError(code, f"The PDF cannot be opened: {exc}") from exc
    try:
        kinds: dict[int, str] = {}
        sources: dict[int, _PageSource] = {}
        image_pages: list[int] = []
        form_fields = 0
        for index in range(len(document)):
            page, words = pdf_page_words(document, index)
            # Filled form fields are one more source of words, placed in their widget boxes.
            fields = field_values(reader, index)
            words = with_field_words(words, fields)
            form_fields += len(fields)
            number = index + 1
            source = _text_page(page, words, number)
            text = "\n".join(line.text for line in source.text.lines)
            if len(re.sub(r"\s", "", text)) < 40:
                image_pages.append(number)
                kinds[number] = "image"
                continue
            sources[number] = source
            kinds[number] = classify_page(text)
            if kinds[number] == "acord25":
                _add_ink(source, page)
        ocr_used = False
        if "acord25" not in kinds.values() and image_pages:
            for number in image_pages[:MAX_OCR_PAGES]:
                source = _ocr_pdf_page(document[number - 1], number)
                sources[number] = source
                kinds[number] = classify_page("\n".join(line.text for line in source.text.lines))
                ocr_used = True
                if kinds[number] == "acord25":
                    break
            # Pages after the certificate are read coarser, enough for an endorsement's form
            # number and schedule; a second full-resolution pass would double the time.
            later = [n for n in image_pages[:MAX_OCR_PAGES] if n not in sources]
            if "acord25" in kinds.values():
                for number in later:
                    source = _ocr_pdf_page(document[number - 1], number, light=True)
                    sources[number] = source
                    text = "\n".join(line.text for line in source.text.lines)
                    kinds[number] = classify_page(text)
        ordered = [sources[n] for n in sorted(sources)]
        kind = "ocr" if ocr_used else "acroform" if form_fields >= _FORM_FIELDS_MIN else "text"
        return preflight.note_active_content(_assemble(ordered, kind, kinds, []), data, reader)
    finally:
        document.close()


def _assemble(
    sources: list[_PageSource], source_kind: str, kinds: dict[int, str], warnings: list[str]
) -> dict[str, Any]:
    acord = next((s for s in sources if kinds.get(s.text.page_number) == "acord25"), None)
    by_number = {s.text.page_number: s for s in sources}
    if acord is None and len(sources) == 1 and source_kind == "ocr":
        # A photo or scan whose title OCR missed: try the layout reader anyway.
        acord = sources[0]
    result: dict[str, Any]
    if acord is not None:
        evidence = Evidence(acord.text.page_number)
        page = PageLabels(acord.text, acord.ink, evidence, acord.region)
        result = read_acord25(page)
        result["fields"] = evidence.fields
        warnings = warnings + acord.warnings + page.warnings
        kinds[acord.text.page_number] = "acord25"
    else:
        result = {"form": None, "form_edition": None}
    result["source"] = source_kind
    return _finish(result, kinds, by_number, warnings)


def _finish(
    result: dict[str, Any],
    kinds: dict[int, str],
    sources: dict[int, _PageSource],
    warnings: list[str],
) -> dict[str, Any]:
    endorsements: list[dict[str, Any]] = []
    for number, kind in sorted(kinds.items()):
        if kind == "endorsement" and number in sources:
            text = "\n".join(line.text for line in sources[number].text.lines)
            entry = read_endorsement_page(text, number)
            if entry is not None:
                endorsements.append(entry)
    endorsements = merge_pages(endorsements)
    acord_pages = [n for n, k in sorted(kinds.items()) if k == "acord25"]
    if not acord_pages and not endorsements:
        raise ReadError(
            "unreadable",
            "No ACORD 25 certificate or endorsement form was recognised in the file.",
        )
    if not acord_pages:
        result.update(
            {
                "form": "endorsement",
                "form_edition": None,
                "certificate_date": None,
                "certificate_number": None,
                "revision_number": None,
                "producer": None,
                "insured": None,
                "insurers": [],
                "coverages": [],
                "description_of_operations": None,
                "certificate_holder": None,
                "fields": {},
            }
        )
    if len(acord_pages) > 1:
        warnings.append(
            f"the file holds {len(acord_pages)} ACORD 25 pages; page {acord_pages[0]} was read"
        )
    _normalise(result)
    if acord_pages:
        remove_placeholders(result)
        warnings.extend(absence_warnings(result, acord_pages[0]))
    # Whether the certificate had no text to read and was read from its picture by OCR.
    result["image_only"] = result.get("source") == "ocr"
    result["acord_page"] = acord_pages[0] if acord_pages else None
    result["pages"] = [{"page": n, "kind": k} for n, k in sorted(kinds.items())]
    result["endorsements"] = endorsements
    result["warnings"] = result.get("warnings", []) + warnings
    return result
