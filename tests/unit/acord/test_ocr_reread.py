"""reread_unsure: words of typed size the page pass read unsure are read again alone, from the
grey page, and replaced only by a surer single reading."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image, ImageDraw, ImageFont

from backend.acord import tesseract_api
from backend.acord.ocr import REREAD_CONFIDENCE, REREAD_MIN_HEIGHT_PT, Row, reread_unsure

pytestmark = pytest.mark.skipif(not tesseract_api.available(), reason="libtesseract not installed")

_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
# Points per pixel of a page at 265 dpi, the page pass's resolution.
_SCALE = 72 / 265


def _word(text: str, size_px: int = 34) -> tuple[Image.Image, Row]:
    """A grey page with one typed word, and the page pass's row for it: its box, misread."""
    image = Image.new("L", (700, 160), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(_FONT, size_px)
    draw.text((60, 50), text, fill=0, font=font)
    left, top, right, bottom = (round(v) for v in draw.textbbox((60, 50), text, font=font))
    return image, ("", left, top, right - left, bottom - top, 0.0)


def _reread(image: Image.Image, rows: list[Row]) -> list[Row]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return reread_unsure(image, rows, _SCALE, pool)


def test_an_unsure_word_is_replaced_by_its_surer_reading_alone() -> None:
    image, row = _word("KX5734904")
    misread = ("KXS734904", *row[1:5], REREAD_CONFIDENCE / 2)
    [again] = _reread(image, [misread])
    assert again[0] == "KX5734904"
    assert again[5] > misread[5]
    # The box stays the page pass's.
    assert again[1:5] == misread[1:5]


def test_a_sure_word_is_not_read_again() -> None:
    image, row = _word("KX5734904")
    sure = ("KXS734904", *row[1:5], float(REREAD_CONFIDENCE))
    assert _reread(image, [sure]) == [sure]


def test_small_print_and_single_characters_are_not_read_again() -> None:
    # The form's own 6-point labels stand under REREAD_MIN_HEIGHT_PT: left to the label reader.
    small_px = int(REREAD_MIN_HEIGHT_PT / _SCALE) - 2
    image, row = _word("COVERAGES", small_px)
    label = ("C0VERAGES", row[1], row[2], row[3], small_px, 10.0)
    assert _reread(image, [label]) == [label]
    image, row = _word("X")
    mark = ("x", *row[1:5], 10.0)
    assert _reread(image, [mark]) == [mark]


def test_a_reading_less_sure_than_the_page_pass_keeps_the_first() -> None:
    # A box of bare paper reads nothing alone: the page pass's word stays.
    image = Image.new("L", (700, 160), 255)
    row: Row = ("Thornbury", 60, 50, 200, 34, 50.0)
    assert _reread(image, [row]) == [row]
