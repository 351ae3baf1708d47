"""Ink tests on drawn images: check boxes, table rules, the ink threshold, column placement."""

from __future__ import annotations

from PIL import Image, ImageDraw

from backend.acord.coverage_table import _columns_from_rules
from backend.acord.layout import _known_edition
from backend.acord.ocr import binarize, ink_threshold
from backend.acord.pdftext import InkMeter

SCALE = 4.0  # pixels per point


def _page(width_pt: int = 200, height_pt: int = 100) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("L", (int(width_pt * SCALE), int(height_pt * SCALE)), 255)
    return image, ImageDraw.Draw(image)


def _box(draw: ImageDraw.ImageDraw, x0: float, top: float, side: float, ticked: bool) -> None:
    s = SCALE
    draw.rectangle((x0 * s, top * s, (x0 + side) * s, (top + side) * s), outline=0, width=2)
    if ticked:
        draw.line((x0 * s, top * s, (x0 + side) * s, (top + side) * s), fill=0, width=3)
        draw.line((x0 * s, (top + side) * s, (x0 + side) * s, top * s), fill=0, width=3)


def test_a_ticked_box_is_told_from_an_empty_one_by_its_inside() -> None:
    image, draw = _page()
    _box(draw, 20, 20, 8, ticked=True)
    _box(draw, 60, 20, 8, ticked=False)
    meter = InkMeter(image, SCALE)
    ticked = meter.checkbox_fill(30, 24)
    empty = meter.checkbox_fill(70, 24)
    assert ticked is not None and ticked > 0.15
    assert empty is not None and empty < 0.02


def test_no_box_means_no_answer() -> None:
    image, _ = _page()
    assert InkMeter(image, SCALE).checkbox_fill(30, 24) is None


def test_boxes_stacked_in_a_column_are_read_one_by_one() -> None:
    image, draw = _page()
    s = SCALE
    # Three cells sharing their borders, the middle one crossed.
    draw.rectangle((20 * s, 10 * s, 34 * s, 52 * s), outline=0, width=2)
    for y in (24, 38):
        draw.line((20 * s, y * s, 34 * s, y * s), fill=0, width=2)
    draw.line((22 * s, 26 * s, 32 * s, 36 * s), fill=0, width=3)
    draw.line((22 * s, 36 * s, 32 * s, 26 * s), fill=0, width=3)
    meter = InkMeter(image, SCALE)
    middle, top = meter.checkbox_fill(36, 31), meter.checkbox_fill(36, 17)
    assert middle is not None and middle > 0.1
    assert top is not None and top < 0.03


def test_rules_crossing_a_band_are_found() -> None:
    image, draw = _page()
    s = SCALE
    for x in (10, 50, 120):
        draw.line((x * s, 5 * s, x * s, 95 * s), fill=0, width=2)
    draw.line((5 * s, 40 * s, 195 * s, 40 * s), fill=0, width=2)
    draw.text((60 * s, 60 * s), "POLICY", fill=0)
    meter = InkMeter(image, SCALE)
    assert [round(x) for x in meter.vertical_rules(0, 200, 10, 90)] == [10, 50, 120]
    assert [round(y) for y in meter.horizontal_rules(20, 180, 0, 100)] == [40]


def test_ink_threshold_sits_between_ink_and_paper() -> None:
    image = Image.new("L", (100, 100), 240)
    ImageDraw.Draw(image).rectangle((10, 10, 30, 30), fill=40)
    level = ink_threshold(image)
    assert 40 < level < 240
    assert set(binarize(image).tobytes()) == {0, 255}


def test_columns_placed_from_rules_in_the_form_order() -> None:
    rules = [20.0, 36.0, 176.0, 194.0, 212.0, 328.0, 378.0, 428.0]
    columns = {"type": (36.0, 176.0), "policy": (212.0, 328.0)}
    centres = {"type": 100.0, "policy": 270.0}
    _columns_from_rules(columns, centres, rules, 430.0)
    assert columns["ltr"] == (20.0, 36.0)
    assert columns["addl"] == (176.0, 194.0)
    assert columns["subr"] == (194.0, 212.0)
    assert columns["eff"] == (328.0, 378.0)
    assert columns["exp"] == (378.0, 428.0)


def test_an_ocr_misread_edition_month_snaps_to_the_edition_of_its_year() -> None:
    assert _known_edition("2001/06", from_ocr=True) == "2001/08"
    assert _known_edition("2001/06", from_ocr=False) == "2001/06"
    assert _known_edition("2018/03", from_ocr=True) == "2016/03"
    assert _known_edition("2019/11", from_ocr=True) == "2019/11"
    assert _known_edition("2016/03", from_ocr=True) == "2016/03"


def test_words_printed_in_a_pale_colour_are_visible_and_white_ones_are_not() -> None:
    from backend.acord.geometry import Word
    from backend.acord.pdftext import mark_hidden_words

    image, draw = _page()
    s = SCALE
    # Cyan print renders near 180 in grey; a word in white leaves the paper as it was.
    draw.rectangle((20 * s, 20 * s, 60 * s, 28 * s), fill=180)
    pale = Word("Certificate", 20, 20, 60, 28)
    white = Word("Holder", 80, 20, 110, 28)
    hidden = mark_hidden_words([pale, white], InkMeter(image, SCALE))
    assert hidden == [white]
    assert not pale.hidden


def test_grey_print_counts_as_ink_at_the_pages_own_cut() -> None:
    from backend.acord.ocr import print_level
    from backend.acord.pdftext import DARK_LEVEL

    # A light scan: its print came out mid-grey (level 165) on paper at 250, a text block
    # beside an empty cell.
    faint, draw = _page()
    for row in range(10):
        draw.rectangle((40, 40 + row * 24, 400, 48 + row * 24), fill=165)
    draw.rectangle((500, 60, 540, 70), fill=165)  # a date's strokes in a cell
    level = print_level(faint)
    assert level > DARK_LEVEL
    meter = InkMeter(faint, SCALE, dark_level=level)
    cell = (124.0, 14.0, 136.0, 18.0)
    assert meter.ink(*cell) > 0.5
    assert InkMeter(faint, SCALE).ink(*cell) == 0.0  # the fixed level sees an empty cell
    assert meter.ink(150.0, 60.0, 190.0, 90.0) == 0.0  # paper stays paper
    # A crisp scan's black print keeps the fixed level.
    crisp, draw = _page()
    for row in range(10):
        draw.rectangle((40, 40 + row * 24, 400, 48 + row * 24), fill=10)
    assert print_level(crisp) == DARK_LEVEL
