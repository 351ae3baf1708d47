"""Characters with their boxes from PDFium, grouped into words, and a rendered page for ink tests.

PDFium lists the characters of a certificate page in a few tens of milliseconds, ten times faster
than pdfplumber, so words are built here from its character boxes rather than from its own text
ordering (which interleaves label glyphs and puts values set in another font on the wrong line).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from backend.acord.geometry import Word


@dataclass
class _Glyph:
    char: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float


def _glyphs(page: pdfium.PdfPage) -> list[_Glyph]:
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
            ok = pdfium_c.FPDFText_GetCharBox(
                handle,
                index,
                ctypes.byref(left),
                ctypes.byref(right),
                ctypes.byref(bottom),
                ctypes.byref(top),
            )
            if not ok:
                continue
            # The loose box spans the advance and the font's ascent and descent: a "-" gets a line's
            # height and a "1" no longer looks like a separate word.
            if pdfium_c.FPDFText_GetLooseCharBox(handle, index, ctypes.byref(loose)):
                x_left, x_right = loose.left, loose.right
                y_top, y_bottom = loose.top, loose.bottom
            else:
                x_left, x_right = left.value, right.value
                y_top, y_bottom = top.value, bottom.value
            size = max(y_top - y_bottom, 0.5)
            glyphs.append(
                _Glyph(
                    char,
                    x_left,
                    page_height - y_top,
                    x_right,
                    page_height - y_bottom,
                    size,
                )
            )
        return glyphs
    finally:
        textpage.close()


def page_words(page: pdfium.PdfPage) -> list[Word]:
    """Words of a page: glyphs on one baseline, split at spaces and at visible gaps."""
    glyphs = [g for g in _glyphs(page) if g.x1 > g.x0 or g.char == " "]
    rows: list[list[_Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: ((g.top + g.bottom) / 2, g.x0)):
        placed = False
        for row in reversed(rows[-6:]):
            ref = row[0]
            ref_centre = (ref.top + ref.bottom) / 2
            if abs(ref_centre - (glyph.top + glyph.bottom) / 2) <= 0.3 * min(ref.size, glyph.size):
                row.append(glyph)
                placed = True
                break
        if not placed:
            rows.append([glyph])
    words: list[Word] = []
    for row in rows:
        row.sort(key=lambda g: g.x0)
        current: list[_Glyph] = []
        for glyph in row:
            if current:
                previous = current[-1]
                gap = glyph.x0 - previous.x1
                size = max(min(previous.size, glyph.size), 1.0)
                if (
                    glyph.char == " "
                    or gap > 0.15 * size
                    or abs(previous.size - glyph.size) > 0.25 * size
                    or gap < -0.5 * size
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
    )


def render_gray(page: pdfium.PdfPage, dpi: float) -> Image.Image:
    bitmap = page.render(scale=dpi / 72, grayscale=True, may_draw_forms=True)
    image: Image.Image = bitmap.to_pil().convert("L")
    bitmap.close()
    return image


class InkMeter:
    """Answers "is something printed here?" on a rendered page (for hidden text and tick boxes)."""

    def __init__(self, image: Image.Image, scale: float) -> None:
        self.image = image
        self.scale = scale

    def ink(self, x0: float, top: float, x1: float, bottom: float) -> float:
        """Fraction of dark pixels in a box given in points."""
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
        dark = sum(histogram[:140])
        total = sum(histogram)
        return dark / total if total else 0.0


def mark_hidden_words(words: list[Word], meter: InkMeter) -> list[Word]:
    """Flag words that are in the text layer but not visible on the rendered page."""
    hidden: list[Word] = []
    for word in words:
        if word.x1 - word.x0 < 1 or not any(c.isalnum() for c in word.text):
            continue
        inset = 0.1 * word.height
        ink = meter.ink(word.x0, word.top + inset, word.x1, word.bottom - inset)
        if ink < 0.02:
            word.hidden = True
            hidden.append(word)
    return hidden
