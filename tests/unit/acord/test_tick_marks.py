"""Check boxes of a page image found from their printed outlines, their ticks read from the ink
inside them, and each told by the option printed after it (tick_marks, tick_reading)."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFilter

from backend.acord.coverage_ticks import (
    AGGREGATE_GRID,
    AUTO_GRIDS,
    AUTO_OPTIONS,
    GL_OPTIONS,
    STATUTE_OPTIONS,
)
from backend.acord.evidence import Evidence
from backend.acord.geometry import BBox, PageText, Word
from backend.acord.page_labels import PageLabels
from backend.acord.pdftext import InkMeter
from backend.acord.tick_marks import CheckBox, find_boxes
from backend.acord.tick_reading import BoxReading, place_by_grid, read_boxes, row_cell

SCALE = 3.0  # pixels per point: a 216 dpi scan
PAGE = (300, 200)  # points


def _page() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("L", (int(PAGE[0] * SCALE), int(PAGE[1] * SCALE)), 255)
    return image, ImageDraw.Draw(image)


def _box(draw: ImageDraw.ImageDraw, x: float, top: float, side: float, tick: bool) -> None:
    s = SCALE
    draw.rectangle((x * s, top * s, (x + side) * s, (top + side) * s), outline=40, width=2)
    if tick:
        inset = side * 0.2
        a, b = (x + inset) * s, (x + side - inset) * s
        c, d = (top + inset) * s, (top + side - inset) * s
        draw.line((a, c, b, d), fill=0, width=3)
        draw.line((a, d, b, c), fill=0, width=3)


def _labels(image: Image.Image, words: list[Word], reread: list[Word] | None = None) -> PageLabels:
    def region_ocr(box: BBox, *args: object, **kwargs: object) -> list[Word]:
        return [w for w in reread or [] if box[0] - 1 <= w.x0 and w.x1 <= box[2] + 1]

    meter = InkMeter(image, SCALE)
    return PageLabels(PageText(words, *PAGE, 1), meter, Evidence(1), region_ocr)


def test_boxes_are_found_and_their_ticks_read() -> None:
    image, draw = _page()
    _box(draw, 20, 40, 8, tick=True)
    _box(draw, 80, 40, 8, tick=False)
    # Print beside them is no box: letters of the option, and 10-point digits of a value.
    draw.text((32 * SCALE, 41 * SCALE), "OCCUR 1,000,000", fill=0)
    boxes = find_boxes(InkMeter(image.filter(ImageFilter.GaussianBlur(1)), SCALE), (0, 0, *PAGE))
    assert [(round(b.x0), b.ticked) for b in boxes] == [(20, True), (80, False)]


def test_a_rule_beside_an_empty_box_is_not_its_tick() -> None:
    image, draw = _page()
    # The cell's rule, broken by the scan's grain into pieces a box's length long.
    for top in range(0, 200, 12):
        draw.line((15 * SCALE, top * SCALE, 15 * SCALE, (top + 10) * SCALE), fill=60, width=2)
    _box(draw, 16.5, 40, 8, tick=False)
    boxes = find_boxes(InkMeter(image, SCALE), (10, 30, 60, 60))
    assert len(boxes) == 1 and not boxes[0].ticked


def test_translucent_stamp_ink_over_a_box_is_no_tick() -> None:
    image, draw = _page()
    _box(draw, 20, 40, 8, tick=False)
    # A red rubber stamp's letters over the box: grey near 155 in a grey scan, lighter than
    # the print a tick is made of.
    draw.rectangle((21 * SCALE, 42 * SCALE, 27 * SCALE, 46 * SCALE), fill=155)
    boxes = find_boxes(InkMeter(image, SCALE), (0, 0, *PAGE))
    assert len(boxes) == 1 and not boxes[0].ticked


def test_each_box_is_told_by_the_option_after_it() -> None:
    image, draw = _page()
    _box(draw, 20, 40, 8, tick=True)
    _box(draw, 80, 40, 8, tick=False)
    words = [
        Word("CLAIMS-MADE", 31, 41.5, 70, 46.5),
        Word("OCCUR", 91, 41.5, 110, 46.5),
    ]
    reading = read_boxes(_labels(image, words), (10, 30, 150, 60), GL_OPTIONS)
    assert reading.ticked("claims_made") is True
    assert reading.ticked("occurrence") is False
    # An option with no box told stays unread, never a default.
    assert reading.ticked("policy") is None


def test_a_ticked_box_whose_option_ocr_garbled_is_read_again() -> None:
    image, draw = _page()
    _box(draw, 20, 40, 8, tick=True)
    garbled = [Word("MET", 40, 41.5, 50, 46.5), Word("AGT", 52, 41.5, 60, 46.5)]
    again = [
        Word("NON-OWNED", 30, 41.5, 60, 46.5),
        Word("AUTOS", 62, 41.5, 78, 46.5),
        Word("ONLY", 80, 41.5, 92, 46.5),
    ]
    reading = read_boxes(_labels(image, garbled, again), (10, 30, 150, 60), AUTO_OPTIONS)
    assert reading.ticked("non_owned") is True
    # Without a second reading it is not told at all.
    reading = read_boxes(_labels(image, garbled), (10, 30, 150, 60), AUTO_OPTIONS)
    assert reading.boxes == {} and len(reading.unknown) == 1


def test_a_band_a_line_off_is_moved_to_its_ruled_cell() -> None:
    image, draw = _page()
    for y in (40, 100, 140):
        draw.line((0, y * SCALE, PAGE[0] * SCALE, y * SCALE), fill=40, width=2)
    labels = _labels(image, [])
    # The row's band taken from a label a line below the row's top rule.
    x0, top, x1, bottom = row_cell(labels, (10, 52, 150, 104))
    assert (x0, round(top), x1, round(bottom)) == (10, 40, 150, 100)
    # No rules around it: the band stays as given.
    assert row_cell(labels, (10, 150, 150, 190)) == (10, 150, 150, 190)


def _grid_box(x: float, top: float, fill: float = 0.0) -> CheckBox:
    return CheckBox(x, top, x + 8, top + 8, fill)


def test_boxes_whose_options_were_not_read_are_placed_by_the_forms_grid() -> None:
    # The 2016 autos: ANY AUTO; OWNED | SCHEDULED; HIRED | NON-OWNED; two blank boxes.
    hired, non_owned = _grid_box(60, 124, 0.5), _grid_box(115, 124, 0.5)
    reading = BoxReading(
        boxes={"hired": hired},
        unknown=[_grid_box(60, 100), _grid_box(60, 112), _grid_box(115, 112), non_owned],
        others=[_grid_box(60, 136), _grid_box(115, 136)],
    )
    placed = place_by_grid(reading, AUTO_GRIDS)
    assert placed["non_owned"] is non_owned and placed["scheduled"].x0 == 115
    assert placed["any_auto"].top == 100
    # The 2001 edition's one column: the box under HIRED AUTOS is NON-OWNED AUTOS.
    column = [_grid_box(60, top) for top in (100, 112, 124, 136, 148)]
    placed = place_by_grid(
        BoxReading({"scheduled": column[2]}, column[:2] + column[3:]), AUTO_GRIDS
    )
    assert placed["non_owned"] is column[4] and placed["owned"] is column[1]


def test_told_boxes_that_disagree_with_the_grid_place_nothing() -> None:
    line = [_grid_box(60, 100), _grid_box(95, 100), _grid_box(130, 100)]
    # POLICY read after the middle box: not where the form prints it.
    assert place_by_grid(BoxReading({"policy": line[1]}, [line[0], line[2]]), AGGREGATE_GRID) == {}
    # Nothing told: nothing placed.
    assert place_by_grid(BoxReading({}, line), AGGREGATE_GRID) == {}
    placed = place_by_grid(BoxReading({"location": line[2]}, line[:2]), AGGREGATE_GRID)
    assert placed["project"] is line[1]


def test_a_box_set_against_its_cells_rule_is_read_with_the_cell() -> None:
    image, draw = _page()
    _box(draw, 20, 40, 8, tick=True)
    words = [Word("PER", 31, 41.5, 40, 46.5), Word("STATUTE", 42, 41.5, 62, 46.5)]
    # The cell starts on the box's top border.
    reading = read_boxes(_labels(image, words), (10, 40.2, 150, 70), STATUTE_OPTIONS)
    assert reading.ticked("statute") is True


def test_a_box_neither_clearly_ticked_nor_clearly_empty_says_nothing() -> None:
    # A thin grey X of an agency system: a few hundredths of print inside a large box.
    faint = CheckBox(20, 40, 34, 52.6, 0.05)
    assert not faint.ticked and not faint.empty
    assert BoxReading({"occurrence": faint}).ticked("occurrence") is None
    assert BoxReading({"occurrence": CheckBox(20, 40, 34, 52.6, 0.0)}).ticked("occurrence") is False


def _cross(draw: ImageDraw.ImageDraw, x: float, top: float, side: float) -> None:
    s, inset = SCALE, side * 0.25
    a, b = (x + inset) * s, (x + side - inset) * s
    c, d = (top + inset) * s, (top + side - inset) * s
    draw.line((a, c, b, d), fill=0, width=3)
    draw.line((a, d, b, c), fill=0, width=3)


def test_a_box_that_is_a_cell_of_a_ruled_column_is_found() -> None:
    image, draw = _page()
    s = SCALE
    # The 2016 statute line: the limits column's rule on the left runs on above and below,
    # the rows' rules run across the column, and only the box's right side is its own.
    draw.line((20 * s, 10 * s, 20 * s, 120 * s), fill=40, width=2)
    for y in (40, 53):
        draw.line((20 * s, y * s, 150 * s, y * s), fill=40, width=2)
    draw.line((34 * s, 40 * s, 34 * s, 53 * s), fill=40, width=2)
    _cross(draw, 20, 40, 14)
    # The covered autos' column: both uprights run on past the boxes, the short rules between
    # the boxes are their tops and bottoms.
    for x in (60, 74):
        draw.line((x * s, 60 * s, x * s, 110 * s), fill=40, width=2)
    for y in (60, 72, 84, 96):
        draw.line((60 * s, y * s, 74 * s, y * s), fill=40, width=2)
    _cross(draw, 60, 60, 12)
    boxes = find_boxes(InkMeter(image, SCALE), (0, 0, *PAGE))
    found = [(round(b.x0), round(b.top), b.ticked, b.empty) for b in boxes]
    assert (20, 40, True, False) in found
    assert [(x, top, ticked, empty) for x, top, ticked, empty in found if x == 60] == [
        (60, 60, True, False),
        (60, 72, False, True),
        (60, 84, False, True),
    ]
    # A rule alone, or two rules crossing, make no box.
    image, draw = _page()
    draw.line((20 * s, 10 * s, 20 * s, 120 * s), fill=40, width=2)
    draw.line((0, 40 * s, 150 * s, 40 * s), fill=40, width=2)
    assert find_boxes(InkMeter(image, SCALE), (0, 0, *PAGE)) == []


def test_a_box_whose_reading_spells_two_options_alike_is_not_told() -> None:
    image, draw = _page()
    _box(draw, 20, 40, 8, tick=False)
    # Only the words OWNED and HIRED AUTOS ONLY share were read.
    words = [Word("AUTOS", 31, 41.5, 50, 46.5), Word("ONLY", 52, 41.5, 66, 46.5)]
    reading = read_boxes(_labels(image, words), (10, 30, 150, 60), AUTO_OPTIONS)
    assert reading.boxes == {} and len(reading.unknown) == 1
    words = [Word("OWNED", 31, 41.5, 50, 46.5), *words[:1], Word("ONLY", 72, 41.5, 86, 46.5)]
    words[1] = Word("AUTOS", 52, 41.5, 70, 46.5)
    reading = read_boxes(_labels(image, words), (10, 30, 150, 60), AUTO_OPTIONS)
    assert reading.ticked("owned") is False


def test_a_square_drawn_by_letters_that_run_through_it_is_no_box() -> None:
    image, draw = _page()
    s = SCALE
    # Strokes of two stacked lines of small capitals that happen to draw a square's outline
    # (two stems 9 pt tall, 8 pt apart, the letters' tops and feet for its top and bottom),
    # with the letters' other strokes crossing each side on into the print around.
    draw.rectangle((100 * s, 40 * s, 108 * s, 49 * s), outline=0, width=2)
    draw.line((96 * s, 44.5 * s, 112 * s, 44.5 * s), fill=0, width=2)
    draw.line((104 * s, 37 * s, 104 * s, 52 * s), fill=0, width=2)
    # A box with an X as large as it stays a ticked box.
    draw.rectangle((20 * s, 40 * s, 29 * s, 49 * s), outline=40, width=2)
    draw.line((20 * s, 40 * s, 29 * s, 49 * s), fill=0, width=3)
    draw.line((20 * s, 49 * s, 29 * s, 40 * s), fill=0, width=3)
    boxes = find_boxes(InkMeter(image, SCALE), (0, 0, *PAGE))
    assert [(round(b.x0), b.ticked) for b in boxes] == [(20, True)]
