"""RegionReader: one box of a page image read again, with the options the layout reader uses."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from backend.acord import tesseract_api
from backend.acord.ocr import RegionReader, _unsteered_rows, paper_level

pytestmark = pytest.mark.skipif(not tesseract_api.available(), reason="libtesseract not installed")

_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_SCALE = 0.25  # points per pixel: 288 dpi


def _page(lines: list[tuple[int, str]]) -> Image.Image:
    image = Image.new("L", (1200, 600), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(_FONT, 40)
    for y, text in lines:
        draw.text((60, y), text, fill=0, font=font)
    return image


def _box(top_px: int, bottom_px: int) -> tuple[float, float, float, float]:
    return (0.0, top_px * _SCALE, 1200 * _SCALE, bottom_px * _SCALE)


def test_single_line_reads_the_line_in_page_points() -> None:
    reader = RegionReader(_page([(100, "POLICY GL-100200"), (300, "OTHER TEXT")]), _SCALE)
    words = reader(_box(80, 160), single_line=True)
    assert [w.text for w in words] == ["POLICY", "GL-100200"]
    # Boxes come back in page points, inside the box that was asked for.
    assert all(80 * _SCALE <= w.top and w.bottom <= 160 * _SCALE for w in words)
    assert words[0].x0 == pytest.approx(60 * _SCALE, abs=3)


def test_whitelist_limits_the_characters_for_that_call_only() -> None:
    reader = RegionReader(_page([(100, "01/15/2026"), (300, "SEVEN")]), _SCALE)
    digits = reader(_box(80, 160), single_line=True, whitelist="0123456789/")
    assert "".join(w.text for w in digits) == "01/15/2026"
    letters = reader(_box(280, 360), single_line=True, whitelist="0123456789")
    assert all(ch.isdigit() for w in letters for ch in w.text)
    # The next call without a whitelist reads letters again.
    assert [w.text for w in reader(_box(280, 360), single_line=True)] == ["SEVEN"]


def test_calls_are_capped_per_page() -> None:
    reader = RegionReader(_page([(100, "CAPPED")]), _SCALE)
    reader.calls = RegionReader.MAX_CALLS
    assert reader(_box(80, 160), single_line=True) == []


def test_read_many_reads_each_box_like_a_single_call() -> None:
    page = _page([(100, "GENERAL LIABILITY"), (300, "UMBRELLA LIAB"), (450, "EXCESS LIAB")])
    reader = RegionReader(page, _SCALE)
    boxes = [_box(80, 160), _box(280, 360), _box(430, 510)]
    many = reader.read_many(boxes, single_line=True)
    assert [[w.text for w in words] for words in many] == [
        ["GENERAL", "LIABILITY"],
        ["UMBRELLA", "LIAB"],
        ["EXCESS", "LIAB"],
    ]
    assert reader.calls == 3


def test_a_box_asked_again_is_not_read_again() -> None:
    reader = RegionReader(_page([(100, "REPEATED")]), _SCALE)
    first = reader(_box(80, 160), single_line=True)
    second = reader(_box(80, 160), single_line=True)
    assert [w.text for w in second] == [w.text for w in first] == ["REPEATED"]
    assert reader.calls == 1
    # Another mode is another reading.
    reader(_box(80, 160))
    assert reader.calls == 2


def _blurred_cell(character: str) -> Image.Image:
    """A lone capital of small print between two ruled edges, softened as a 150 dpi scan
    softens it: the INSR LTR cell of a scanned certificate."""
    image = Image.new("L", (80, 60), 255)
    draw = ImageDraw.Draw(image)
    draw.text((25, 10), character, fill=0, font=ImageFont.truetype(_FONT, 18))
    draw.line((2, 0, 2, 60), fill=0, width=2)
    draw.line((77, 0, 77, 60), fill=0, width=2)
    return image.filter(ImageFilter.GaussianBlur(1.0))


def test_a_lone_letter_the_whitelist_loses_is_read_without_it() -> None:
    # Tesseract given the whitelist "ABCDEF" returns nothing for this plain "B"; read without
    # the whitelist it reads "B", which the whitelist allows.
    reader = RegionReader(_blurred_cell("B"), _SCALE)
    words = reader((0.0, 0.0, 80 * _SCALE, 60 * _SCALE), single_char=True, whitelist="ABCDEF")
    assert [w.text for w in words] == ["B"]


def test_an_unsteered_reading_outside_the_whitelist_is_dropped() -> None:
    padded = ImageOps.expand(_page([(100, "8")]).crop((0, 60, 200, 200)), border=20, fill=255)
    digits = _unsteered_rows(padded, tesseract_api.PSM_SINGLE_CHAR, "0123456789")
    assert [row[0] for row in digits] == ["8"]
    # The same reading is no answer for a cell that holds one of the letters A-F.
    assert _unsteered_rows(padded, tesseract_api.PSM_SINGLE_CHAR, "ABCDEF") == []


def _grey_cell_page(paper: int) -> Image.Image:
    """An INSR LTR cell as a phone's photo shows it: paper short of white, a blurred rule on
    its left, a lone capital in it (265 dpi)."""
    image = Image.new("L", (400, 200), paper)
    draw = ImageDraw.Draw(image)
    draw.line([(40, 0), (40, 200)], fill=40, width=3)
    draw.text((50, 80), "A", fill=40, font=ImageFont.truetype(_FONT, 28))
    return image.filter(ImageFilter.GaussianBlur(1.2))


def test_a_lone_letter_on_a_photos_grey_paper_is_read() -> None:
    # A margin of white round grey paper made Tesseract's one cut level for the crop fall
    # between the two: the cell came back a black box and its letter was lost.
    scale = 612 / 2241
    reader = RegionReader(_grey_cell_page(205), scale)
    box = (38 * scale, 70 * scale, 100 * scale, 122 * scale)
    words = reader(box, single_char=True, whitelist="ABCDEF")
    assert [w.text for w in words] == ["A"]


def test_a_scans_paper_is_white_and_a_photos_paper_its_own_grey() -> None:
    assert paper_level(_grey_cell_page(205)) == 205
    # A scanner's white with its grain: padded white, as a scan's cells always were.
    assert paper_level(_grey_cell_page(240)) == 255
