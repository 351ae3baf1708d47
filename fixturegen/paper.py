"""Paper that went through a scanner or in front of a phone in ways the `scan` kind does not show.

- `turned`: the portrait certificate fed into the scanner sideways, so the raster is a landscape
  picture of the page a quarter turn off (90° or 270°). Half of these PDFs carry a `/Rotate`
  entry that puts the page upright in a viewer (the scanner's software noticed); the other half
  show it on its side.
- `stamped`: a certificate that was received, stamped and signed on paper, then scanned: a
  translucent rubber stamp ("RECEIVED" with a date and a department, a decoy date) lands over
  form cells, a handwritten signature crosses the authorised-representative box and its rules,
  and the sheet lies a few degrees askew.
- `photo`: a phone photo of the printed page, in colour (`camera`): the sheet curled or folded
  on a cluttered desk, seen at an angle through a wide-angle lens, lit unevenly and partly
  shadowed, focus falling off across it, with sensor noise, saved as a JPEG; sometimes the frame
  cuts into its margin.

Values vary as on agency certificates (`variety`); `expected` is what a person reads.
"""

from __future__ import annotations

import io
import random
from dataclasses import replace

from pypdf import PdfReader, PdfWriter
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from fixturegen.camera import FALLOFF, JPEG_QUALITY, LIGHTS, choose_shot, photograph
from fixturegen.documents import (
    AcordPlan,
    BuiltDocument,
    JSONDict,
    base_entry,
    draw_acord_page,
    new_canvas,
    plan_acord,
)
from fixturegen.pdfdraw import PAGE_HEIGHT, Box, TextSink
from fixturegen.scan import (
    ScanSettings,
    choose_settings,
    degrade,
    encode_scan,
    rasterise,
    turn_clockwise,
)
from fixturegen.variety import VarietyRates, note_dba, vary_as_in_life

# Paper certificates come from every kind of issuer, so the oddities show less often.
PAPER_VARIETY = VarietyRates(
    bare_digit_limits=0.3, placeholder_holder=0.1, account_line=0.3, dba=0.2, date_placeholder=0.1
)


def drawn_pdf(
    plan: AcordPlan, extra: list[JSONDict] | None = None, rng: random.Random | None = None
) -> bytes:
    """The plan's page as a PDF; with `extra`, a stamp and a signature inked on top of it."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer)
    draw_acord_page(canvas, plan, TextSink(canvas, plan.style), 1)
    if extra is not None and rng is not None:
        extra.append(_stamp(canvas, rng))
        extra.append(_signature(canvas, rng))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _entry(kind: str, plan: AcordPlan, image_format: str, dba: str | None) -> JSONDict:
    entry = base_entry(kind, plan) | {
        "format": image_format,
        "page_count": 1,
        "acord_page": 1,
        "pages": [{"page": 1, "kind": "acord25"}],
        "expected": plan.expected("ocr"),
        "endorsements": [],
        "traps": plan.traps,
    }
    return note_dba(entry, dba)


# --- turned ---------------------------------------------------------------------------------

# Share of turned scans whose PDF says how to show the page upright (a /Rotate entry).
ROTATE_ENTRY_SHARE = 0.5


def build_turned(rng: random.Random, layout: str, featured: str | None) -> BuiltDocument:
    plan = plan_acord(rng, "turned", layout, featured)
    plan, dba = vary_as_in_life(rng, plan, PAPER_VARIETY)
    settings = choose_settings(rng)
    quarter_turns = rng.choice((1, 3))
    with_rotate = rng.random() < ROTATE_ENTRY_SHARE
    [page] = [degrade(p, rng, settings) for p in rasterise(drawn_pdf(plan), settings.dpi)]
    raster = turn_clockwise(page, quarter_turns)
    data = encode_scan([raster], settings, "pdf")
    # The /Rotate that shows the page upright turns it back: a quarter turn the other way.
    rotate = (360 - 90 * quarter_turns) % 360 if with_rotate else 0
    if rotate:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.pages[0].rotate(rotate)
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    entry = _entry("turned", plan, "pdf", dba) | {
        "scan": settings.describe(),
        "turn": {"raster_degrees": 90 * quarter_turns, "page_rotate": rotate},
    }
    return BuiltDocument("pdf", data, entry)


# --- stamped --------------------------------------------------------------------------------

# A sheet laid on a scanner glass by hand lies further askew than one fed by the scanner.
STAMPED_SKEW_DEGREES = (3.0, 5.5)
# Where a receiving clerk's stamp lands, as page boxes (points, origin bottom-left): over the
# disclaimer and producer cells, over the limits column, over the remarks box.
STAMP_SPOTS = (
    Box(330, 640, 520, 720),
    Box(400, 330, 590, 420),
    Box(60, 160, 300, 225),
)
STAMP_DEPARTMENTS = ("ACCOUNTS PAYABLE", "RISK MANAGEMENT", "COMPLIANCE DEPT", "SUBCONTRACTS")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# Stamp ink is translucent: text under it stays readable as it does to a person.
STAMP_INK_ALPHA = 0.55
STAMP_INKS = ((0.75, 0.1, 0.12), (0.12, 0.22, 0.7), (0.1, 0.45, 0.2))
SIGNATURE_INKS = ((0.05, 0.1, 0.45), (0.05, 0.05, 0.05))


def _stamp(canvas: Canvas, rng: random.Random) -> JSONDict:
    spot = rng.choice(STAMP_SPOTS)
    width, height = rng.uniform(130, 165), rng.uniform(52, 62)
    cx = rng.uniform(spot.x0 + width / 2, max(spot.x0 + width / 2, spot.x1 - width / 2))
    cy = rng.uniform(spot.y0 + height / 2, max(spot.y0 + height / 2, spot.y1 - height / 2))
    angle = round(rng.uniform(-14, 14), 1)
    ink = Color(*rng.choice(STAMP_INKS), alpha=STAMP_INK_ALPHA)
    day = f"{rng.choice(MONTHS)} {rng.randint(1, 28):02d} {rng.choice((2025, 2026))}"
    department = rng.choice(STAMP_DEPARTMENTS)
    canvas.saveState()
    canvas.translate(cx, cy)
    canvas.rotate(angle)
    canvas.setStrokeColor(ink)
    canvas.setFillColor(ink)
    canvas.setLineWidth(1.6)
    canvas.roundRect(-width / 2, -height / 2, width, height, 6)
    canvas.setLineWidth(0.7)
    canvas.roundRect(-width / 2 + 3, -height / 2 + 3, width - 6, height - 6, 4)
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawCentredString(0, height / 2 - 19, "RECEIVED")
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawCentredString(0, -4, day)
    canvas.setFont("Helvetica", 7)
    canvas.drawCentredString(0, -height / 2 + 8, department)
    canvas.restoreState()
    box = Box(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
    return {"kind": "stamp", "page_box": box.top_left(), "angle": angle, "printed_date": day}


def _signature(canvas: Canvas, rng: random.Random) -> JSONDict:
    """A few joined loops across the authorised-representative box, crossing its top rule."""
    x = rng.uniform(330, 380)
    base = rng.uniform(48, 58)
    ink = Color(*rng.choice(SIGNATURE_INKS))
    canvas.saveState()
    canvas.setStrokeColor(ink)
    canvas.setLineWidth(rng.uniform(0.9, 1.5))
    canvas.setLineCap(1)
    path = canvas.beginPath()
    path.moveTo(x, base)
    top = base
    for _ in range(rng.randint(5, 8)):
        rise = rng.uniform(12, 34)
        step = rng.uniform(12, 26)
        top = max(top, base + rise)
        path.curveTo(x + step * 0.2, base + rise, x + step * 0.8, base + rise, x + step, base)
        path.curveTo(x + step * 1.1, base - 6, x + step * 0.9, base - 4, x + step * 1.05, base + 2)
        x += step * 1.05
    # The flourish under the name.
    path.moveTo(x, base - 3)
    path.curveTo(x - 60, base - 12, x - 120, base - 2, x - 150, base + 4)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.restoreState()
    box = Box(x - 150, base - 12, x, top)
    return {"kind": "signature", "page_box": box.top_left()}


def build_stamped(rng: random.Random, layout: str, featured: str | None) -> BuiltDocument:
    plan = plan_acord(rng, "stamped", layout, featured)
    plan, dba = vary_as_in_life(rng, plan, PAPER_VARIETY)
    settings = choose_settings(rng)
    skew = round(rng.uniform(*STAMPED_SKEW_DEGREES), 2) * rng.choice((-1, 1))
    settings = replace(settings, skew_degrees=skew)
    image_format = rng.choice(("pdf", "pdf", "pdf", "tiff", "png"))
    marks: list[JSONDict] = []
    pdf = drawn_pdf(plan, marks, rng)
    pages = [degrade(p, rng, settings) for p in rasterise(pdf, settings.dpi)]
    data = encode_scan(pages, settings, image_format)
    entry = _entry("stamped", plan, image_format, dba) | {
        "scan": settings.describe(),
        "marks": marks,
    }
    return BuiltDocument(image_format, data, entry)


# --- photo ----------------------------------------------------------------------------------

# The phone's picture, as its long side in pixels after the messaging app shrank it.
PHOTO_LONG_SIDE = (2000, 2400)
# The page is rendered a little finer than the frame shows it, as a 12-megapixel sensor sees it.
PHOTO_OVERSAMPLE = 1.1


def build_photo(rng: random.Random, layout: str, featured: str | None) -> BuiltDocument:
    plan = plan_acord(rng, "photo", layout, featured)
    plan, dba = vary_as_in_life(rng, plan, PAPER_VARIETY)
    long_side = rng.choice(PHOTO_LONG_SIDE)
    dpi = round(long_side / (PAGE_HEIGHT / 72) * PHOTO_OVERSAMPLE)
    [page] = rasterise(drawn_pdf(plan), dpi, colour=True)
    shot = choose_shot(rng, long_side)
    falloff = round(rng.uniform(*FALLOFF), 2)
    light_from = (round(rng.uniform(0.0, 1.0), 2), round(rng.uniform(0.0, 1.0), 2))
    tint = rng.choice(LIGHTS)
    image, notes = photograph(rng, page, dpi, shot, (falloff, light_from, tint))
    quality = rng.randint(*JPEG_QUALITY)
    settings = ScanSettings(
        dpi=72, skew_degrees=0.0, blur_radius=notes["blur_radius"], noise=0.0, jpeg_quality=quality
    )
    data = encode_scan([image], settings, "jpg")
    entry = _entry("photo", plan, "jpg", dba) | {
        "photo": notes
        | {
            "light_falloff": falloff,
            "light_from": list(light_from),
            "light_tint": list(tint),
            "size": list(shot.frame),
            "jpeg_quality": quality,
        }
    }
    return BuiltDocument("jpg", data, entry)
