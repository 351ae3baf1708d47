"""Characters with their boxes from PDFium, grouped into words, and a rendered page for ink tests.

PDFium lists the characters of a certificate page in a few tens of milliseconds, ten times faster
than pdfplumber, so words are built here from its character boxes rather than from its own text
ordering (which interleaves label glyphs and puts values set in another font on the wrong line).
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Final

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops

from backend.acord.geometry import BBox, Word
from backend.acord.vector_grid import VectorGrid


@dataclass
class _Glyph:
    char: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    covered: bool = False


def _white_covers(page: pdfium.PdfPage) -> tuple[dict[int, int], list[tuple[int, BBox]]]:
    """Stacking order of the page's top-level objects (by handle address), and the boxes of the
    opaque white fills on it with their place in that order: what a "whiteout" leaves."""
    order: dict[int, int] = {}
    covers: list[tuple[int, BBox]] = []
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    height = page.get_height()
    for index in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, index)
        address = ctypes.cast(obj, ctypes.c_void_p).value or 0
        order[address] = index
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill_mode), ctypes.byref(stroke)):
            continue
        if fill_mode.value == 0:
            continue
        if not pdfium_c.FPDFPageObj_GetFillColor(
            obj, ctypes.byref(red), ctypes.byref(green), ctypes.byref(blue), ctypes.byref(alpha)
        ):
            continue
        if min(red.value, green.value, blue.value) < 245 or alpha.value < 250:
            continue
        if pdfium_c.FPDFPageObj_GetBounds(
            obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)
        ):
            covers.append(
                (index, (left.value, height - top.value, right.value, height - bottom.value))
            )
    return order, covers


def _glyphs(page: pdfium.PdfPage) -> list[_Glyph]:
    order, covers = _white_covers(page)
    textpage = page.get_textpage()
    try:
        handle = textpage.raw
        count = pdfium_c.FPDFText_CountChars(handle)
        page_height = page.get_height()
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        loose = pdfium_c.FS_RECTF()
        glyphs: list[_Glyph] = []
        for index in range(count):
            code = pdfium_c.FPDFText_GetUnicode(handle, index)
            if code in (0, 0xFFFE, 0xFFFF) or pdfium_c.FPDFText_IsGenerated(handle, index) == 1:
                continue
            char = chr(code)
            if char in "\r\n":
                continue
            # The loose box spans the advance and the font's ascent and descent: a "-" gets a line's
            # height and a "1" no longer looks like a separate word. The tight box is asked for
            # only when there is no loose one (one call less per glyph on every page).
            if pdfium_c.FPDFText_GetLooseCharBox(handle, index, ctypes.byref(loose)):
                x_left, x_right = loose.left, loose.right
                y_top, y_bottom = loose.top, loose.bottom
            elif pdfium_c.FPDFText_GetCharBox(
                handle,
                index,
                ctypes.byref(left),
                ctypes.byref(right),
                ctypes.byref(bottom),
                ctypes.byref(top),
            ):
                x_left, x_right = left.value, right.value
                y_top, y_bottom = top.value, bottom.value
            else:
                continue
            size = max(y_top - y_bottom, 0.5)
            glyph = _Glyph(char, x_left, page_height - y_top, x_right, page_height - y_bottom, size)
            if covers:
                glyph.covered = _is_covered(glyph, handle, index, order, covers)
            glyphs.append(glyph)
        return glyphs
    finally:
        textpage.close()


def _is_covered(
    glyph: _Glyph,
    textpage: pdfium_c.FPDF_TEXTPAGE,
    index: int,
    order: dict[int, int],
    covers: list[tuple[int, BBox]],
) -> bool:
    obj = pdfium_c.FPDFText_GetTextObject(textpage, index)
    layer = order.get(ctypes.cast(obj, ctypes.c_void_p).value or 0)
    if layer is None:
        return False
    cx, cy = (glyph.x0 + glyph.x1) / 2, (glyph.top + glyph.bottom) / 2
    return any(
        place > layer and box[0] <= cx <= box[2] and box[1] <= cy <= box[3] for place, box in covers
    )


def page_words(page: pdfium.PdfPage) -> list[Word]:
    """Words of a page: glyphs that follow each other in the content stream on one baseline,
    split at spaces and at visible gaps.

    Following the stream rather than sorting a line's glyphs by x keeps two texts printed over
    each other apart (a visible value over a whited-out one), instead of interleaving them.
    """
    words: list[Word] = []
    current: list[_Glyph] = []
    for glyph in _glyphs(page):
        if glyph.x1 <= glyph.x0 and glyph.char != " ":
            continue
        if current:
            previous = current[-1]
            size = max(min(previous.size, glyph.size), 1.0)
            gap = glyph.x0 - previous.x1
            centre_shift = abs((previous.top + previous.bottom) - (glyph.top + glyph.bottom)) / 2
            if (
                glyph.char == " "
                or gap > 0.15 * size
                or gap < -0.5 * size
                or centre_shift > 0.3 * size
                or abs(previous.size - glyph.size) > 0.25 * size
                or previous.covered != glyph.covered
            ):
                words.append(_make_word(current))
                current = []
        if glyph.char != " ":
            current.append(glyph)
    if current:
        words.append(_make_word(current))
    return [w for w in words if w.text.strip()]


def _make_word(glyphs: list[_Glyph]) -> Word:
    return Word(
        "".join(g.char for g in glyphs),
        glyphs[0].x0,
        min(g.top for g in glyphs),
        glyphs[-1].x1,
        max(g.bottom for g in glyphs),
        0.99,
        [g.x0 for g in glyphs],
        hidden=glyphs[0].covered,
    )


def render_gray(page: pdfium.PdfPage, dpi: float) -> Image.Image:
    bitmap = page.render(scale=dpi / 72, grayscale=True, may_draw_forms=True)
    image: Image.Image = bitmap.to_pil().convert("L")
    bitmap.close()
    return image


# Grey level (0 black, 255 white) below which a pixel is printed ink: black and dark-coloured
# print, not the anti-aliased fringe of a glyph or a pale tint in a box.
DARK_LEVEL = 140
# Grey level below which a pixel is anything but paper: coloured print is visible however pale
# in grey (cyan renders near 180, yellow near 225); white text or text under a white box is not.
VISIBLE_LEVEL = 240
# Share of a word's box that must be marked for the word to be visible; a glyph covers far more.
HIDDEN_INK_SHARE = 0.02


# An 8-bit grey level's full scale.
_FULL: Final = 255


class InkMeter:
    """Answers "is something printed here?" on a rendered page (for hidden text and tick boxes).

    Where the page's grid is drawn as vector paths (`grid`), its rules are taken from them
    rather than from the pixels (vector_grid.py)."""

    def __init__(
        self,
        image: Image.Image,
        scale: float,
        grid: VectorGrid | None = None,
        dark_level: int = DARK_LEVEL,
    ) -> None:
        self.image = image
        self.scale = scale
        self.grid = grid if grid is not None and grid.usable else None
        # The level under which a pixel counts as print: DARK_LEVEL, or higher on a scan whose
        # print came out grey (faint toner, a light scan), where its own ink-paper cut lies.
        self.dark_level = dark_level

    def ink(
        self, x0: float, top: float, x1: float, bottom: float, darker_than: int | None = None
    ) -> float:
        """Fraction of dark pixels (darker than `darker_than`, by default the page's own
        dark level) in a box given in points."""
        darker_than = self.dark_level if darker_than is None else darker_than
        s = self.scale
        box = (
            max(int(x0 * s), 0),
            max(int(top * s), 0),
            min(int(x1 * s + 0.999), self.image.width),
            min(int(bottom * s + 0.999), self.image.height),
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            return 0.0
        histogram = self.image.crop(box).histogram()
        dark = sum(histogram[:darker_than])
        total = sum(histogram)
        return dark / total if total else 0.0

    def ink_spans(
        self, x0: float, top: float, x1: float, bottom: float, least_dark_px: int = 1
    ) -> list[tuple[float, float]]:
        """The runs of columns (left, right, in points) of a box that hold at least
        `least_dark_px` pixels darker than the page's dark level, left to right."""
        s = self.scale
        left, right = max(int(x0 * s), 0), min(math.ceil(x1 * s), self.image.width)
        upper, lower = max(int(top * s), 0), min(math.ceil(bottom * s), self.image.height)
        if right <= left or lower <= upper:
            return []
        level = self.dark_level
        crop = self.image.crop((left, upper, right, lower)).convert("L")
        # Each column's dark pixels, from the mean of the column cut to 255 (dark) and 0.
        dark = crop.point(lambda v: _FULL if v < level else 0)
        means = dark.resize((dark.width, 1), Image.Resampling.BOX).tobytes()
        counts = [round(mean * dark.height / _FULL) for mean in means]
        spans: list[tuple[float, float]] = []
        start: int | None = None
        for x, count in enumerate([*counts, 0]):
            if count >= least_dark_px and start is None:
                start = x
            elif count < least_dark_px and start is not None:
                spans.append(((left + start) / s, (left + x) / s))
                start = None
        return spans

    def vertical_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]:
        """x positions (points) of vertical lines crossing the whole band from top to bottom."""
        if self.grid is not None:
            return self.grid.vertical_rules(x0, x1, top, bottom)
        s = self.scale
        left_px, right_px = max(int(x0 * s), 0), min(int(x1 * s) + 1, self.image.width)
        top_px, bottom_px = max(int(top * s), 0), min(int(bottom * s) + 1, self.image.height)
        width, height = right_px - left_px, bottom_px - top_px
        if width < 1 or height < 4:
            return []
        # A rule left slightly slanted by deskewing wanders between neighbouring columns.
        crop = self.image.crop((left_px, top_px, right_px, bottom_px))
        return [
            (left_px + x + 0.5) / s for x in _ruled_rows(crop.transpose(Image.Transpose.TRANSPOSE))
        ]

    def horizontal_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]:
        """y positions (points) of horizontal lines running across the whole band."""
        if self.grid is not None:
            return self.grid.horizontal_rules(x0, x1, top, bottom)
        s = self.scale
        left_px, right_px = max(int(x0 * s), 0), min(int(x1 * s) + 1, self.image.width)
        top_px, bottom_px = max(int(top * s), 0), min(int(bottom * s) + 1, self.image.height)
        width, height = right_px - left_px, bottom_px - top_px
        if width < 4 or height < 1:
            return []
        crop = self.image.crop((left_px, top_px, right_px, bottom_px))
        return [(top_px + y + 0.5) / s for y in _ruled_rows(crop)]

    def checkbox_fill(self, right: float, cy: float, reach: float = 24.0) -> float | None:
        """How much of the inside of the check box just left of `right` is inked, or None when
        no box is drawn there.

        The box is found by its borders (pixel columns and rows dark along most of their
        length), so a tick is told from the box's own outline wherever the layout puts the box.
        """
        s = self.scale
        left_px = max(int((right - reach) * s), 0)
        right_px = min(int(right * s), self.image.width)
        top_px = max(int((cy - 9) * s), 0)
        bottom_px = min(int((cy + 9) * s + 1), self.image.height)
        width, height = right_px - left_px, bottom_px - top_px
        if width < 6 or height < 6:
            return None
        pixels = self.image.crop((left_px, top_px, right_px, bottom_px)).tobytes()
        # Thin borders render as mid-grey; ink inside the box is counted at a darker level.
        dark = [[pixels[y * width + x] < 200 for x in range(width)] for y in range(height)]
        middle = int((cy * s) - top_px)
        band = range(max(middle - int(2.5 * s), 0), min(middle + int(2.5 * s) + 1, height))
        border_columns = [
            x for x in range(width) if sum(dark[y][x] for y in band) >= 0.85 * len(band)
        ]
        if not border_columns:
            return None
        right_border = border_columns[-1]
        # The box is about square: its right border's height says how far its left border is
        # (a bold cross inside the box also darkens whole columns near the middle).
        up = middle
        while up > 0 and dark[up - 1][right_border]:
            up -= 1
        down = middle
        while down < height - 1 and dark[down + 1][right_border]:
            down += 1
        side = down - up + 1
        plausible = 3.5 * s <= side <= 18 * s
        if plausible:
            lefts = [x for x in border_columns if 0.65 * side <= right_border - x <= 1.35 * side]
        else:
            # Boxes stacked in one column share their borders (and their faint separators get
            # lost in a scan): take the nearest left border and a square box around the middle.
            lefts = [x for x in border_columns if 3.5 * s <= right_border - x <= 18 * s][-1:]
        if not lefts:
            return None
        left_border = min(lefts, key=lambda x: abs(right_border - x - (side - 1)))
        if not plausible:
            half = (right_border - left_border) // 2
            up, down = max(middle - half, 0), min(middle + half, height - 1)
        # Step off the borders' anti-aliased edges.
        inner_left = left_border + 1
        while inner_left < right_border and sum(dark[y][inner_left] for y in band) >= 0.85 * len(
            band
        ):
            inner_left += 1
        inner_right = right_border - 1
        while inner_right > inner_left and sum(dark[y][inner_right] for y in band) >= 0.85 * len(
            band
        ):
            inner_right -= 1
        columns = range(inner_left + 1, inner_right)
        if len(columns) < 2:
            return None

        # The right border runs from the top border to the bottom one.
        # Leave out rules crossing the box (separators between stacked boxes).
        rows = [
            y
            for y in range(up + 2, down - 1)
            if sum(dark[y][x] for x in columns) < 0.6 * len(columns)
        ]
        if len(rows) < 2:
            return None
        inked = sum(pixels[y * width + x] < 160 for y in rows for x in columns)
        return inked / (len(rows) * len(columns))


def mark_hidden_words(words: list[Word], meter: InkMeter) -> list[Word]:
    """Flag words that are in the text layer but not visible on the rendered page."""
    hidden: list[Word] = []
    for word in words:
        if word.drawn_by_viewer:
            continue
        if word.hidden:
            hidden.append(word)
            continue
        if word.x1 - word.x0 < 1 or not any(c.isalnum() for c in word.text):
            continue
        inset = 0.1 * word.height
        ink = meter.ink(
            word.x0, word.top + inset, word.x1, word.bottom - inset, darker_than=VISIBLE_LEVEL
        )
        if ink < HIDDEN_INK_SHARE:
            word.hidden = True
            hidden.append(word)
    return hidden


def _ruled_rows(image: Image.Image) -> list[int]:
    """The first pixel row of each run of rows dark along 90% of their length, a pixel counting
    as dark when it or the one below it is (a rule may fall between two rows; the last row is
    its own "below"). PIL does the per-pixel work; a Python loop over the pixels cost a
    tenth of a second a scan."""
    image = image.convert("L")
    width, height = image.size
    below = ImageChops.offset(image, 0, -1)
    below.paste(image.crop((0, height - 1, width, height)), (0, height - 1))
    dark = ImageChops.darker(image, below).point(lambda p: 1 if p < 200 else 0).tobytes()
    found: list[int] = []
    previous = -2
    for y in range(height):
        if dark.count(1, y * width, (y + 1) * width) >= 0.9 * width:
            if y != previous + 1:
                found.append(y)
            previous = y
    return found
