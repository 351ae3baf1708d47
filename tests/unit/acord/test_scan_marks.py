"""A Y / N mark both readings missed, read alone in its ruled cell: faint marks (a letter set
against the cell's rule inks a few hundredths of the cell) are read, and a lone letter the
engine does not recognise at the page's scale is read again larger."""

from __future__ import annotations

from backend.acord.evidence import Evidence
from backend.acord.geometry import BBox, PageText, Word
from backend.acord.page_labels import PageLabels
from backend.acord.scan_cells import _read_mark
from tests.unit.acord.region_fakes import FakeRegionOcr, RegionCall

ROW = [Word("GL-1001", 230, 400, 280, 408, 0.9)]
COLUMN = (170.0, 190.0)


class _Ink:
    def __init__(self, share: float) -> None:
        self.share = share

    def ink(self, x0: float, top: float, x1: float, bottom: float) -> float:
        return self.share


def _letter_at_zoom(letter: str, zoom: float) -> FakeRegionOcr:
    """Reads `letter` only at `zoom` or larger."""

    def answer(call: RegionCall) -> list[Word]:
        if call.zoom < zoom:
            return []
        box = call.box
        return [Word(letter, box[0] + 1, box[1] + 1, box[0] + 6, box[3] - 1, 0.3)]

    return FakeRegionOcr(answer)


def _zooms(ocr: FakeRegionOcr) -> list[float]:
    return [call.zoom for call in ocr.calls]


def _reader(share: float, ocr: FakeRegionOcr) -> PageLabels:
    page = PageText(list(ROW), 612, 792, 1)
    return PageLabels(page, _Ink(share), Evidence(1), ocr)  # type: ignore[arg-type]


def test_a_faint_mark_is_read() -> None:
    ocr = _letter_at_zoom("Y", 1.0)
    assert _read_mark(_reader(0.03, ocr), COLUMN, ROW) is True


def test_a_mark_unread_at_page_scale_is_read_larger() -> None:
    ocr = _letter_at_zoom("N", 1.5)
    assert _read_mark(_reader(0.05, ocr), COLUMN, ROW) is False
    assert _zooms(ocr) == [1.0, 1.5]


def test_an_empty_cell_is_not_read() -> None:
    ocr = _letter_at_zoom("Y", 1.0)
    assert _read_mark(_reader(0.01, ocr), COLUMN, ROW) is None
    assert _zooms(ocr) == []


def test_no_mark_at_any_scale_is_none() -> None:
    ocr = _letter_at_zoom("Y", 9.0)
    assert _read_mark(_reader(0.05, ocr), COLUMN, ROW) is None
    assert _zooms(ocr) == [1.0, 1.5, 2.0]


def test_the_officers_answer_is_the_last_lone_y_or_n_after_the_question() -> None:
    from backend.acord.coverage_rows import _last_lone_answer

    # A block reading of the box after "EXCLUDED?": the end of the question's first line, the
    # question mark read as a digit, then the answer.
    question_end = [Word("XECUTIVE", 120, 502, 150, 508), Word("9", 121, 510, 124, 516)]
    assert _last_lone_answer([*question_end, Word("Y.", 170, 510, 178, 520)]) is True
    assert _last_lone_answer([*question_end, Word("N", 170, 510, 178, 520)]) is False
    # The box holds only Y or N: a yen sign there is a Y.
    assert _last_lone_answer([*question_end, Word("¥", 170, 510, 178, 520)]) is True
    # The N of the "N / A" heading is no answer, nor is print without a lone letter.
    heading = [Word("N", 160, 512, 165, 518), Word("/", 167, 512, 169, 518)]
    assert _last_lone_answer([*question_end, *heading, Word("A", 171, 512, 176, 518)]) is None
    assert _last_lone_answer(question_end) is None


def test_the_officers_answer_read_as_scattered_print_is_a_letter_standing_alone() -> None:
    from backend.acord.coverage_rows import _answer_text, _stands_alone

    region = (121.1, 490.6, 183.1, 531.2)
    words = [
        Word("N", 166.5, 499.0, 170.0, 505.0),  # the "Y / N" heading, read without its slash
        Word("¥", 168.7, 506.5, 173.0, 515.0),  # the answer, a Y read as a yen sign
        # "... DESCRIPTION OF OPERATIONS below", cut by the box's left edge
        Word("N", 121.1, 525.0, 124.0, 531.0),
        Word("OF", 124.5, 525.0, 130.0, 531.0),
        Word("OPERATIONS", 132.3, 525.0, 160.0, 531.0),
    ]
    lone = [w for w in words if _answer_text(w) in ("Y", "N") and _stands_alone(w, words, region)]
    assert [_answer_text(w) for w in lone] == ["N", "Y"]
    # The "N" ending a line of print is not lone even away from the box's edge.
    inside = [Word("N", 140.0, 525.0, 143.0, 531.0), Word("OF", 143.5, 525.0, 149.0, 531.0)]
    assert not _stands_alone(inside[0], inside, region)


def _ltr_page(letter_cy: float, rules: tuple[float, ...]) -> tuple[PageLabels, list[BBox]]:
    """An INSR LTR column (20-40 pt) ruled at `rules`, with one capital drawn centred at
    `letter_cy`, and a row whose policy number stands on the line at 340 pt; the OCR stub
    reads "A" from a box holding the whole capital, and records the boxes it was asked."""
    from PIL import Image, ImageDraw

    from backend.acord.pdftext import InkMeter

    s = 3.0
    image = Image.new("L", (int(200 * s), int(450 * s)), 255)
    draw = ImageDraw.Draw(image)
    for x in (20, 40):
        draw.line((x * s, 250 * s, x * s, 440 * s), fill=30, width=2)
    for y in rules:
        draw.line((0, y * s, 200 * s, y * s), fill=30, width=2)
    top, bottom = letter_cy - 3.5, letter_cy + 3.5
    draw.line((26 * s, bottom * s, 30 * s, top * s), fill=0, width=3)
    draw.line((30 * s, top * s, 34 * s, bottom * s), fill=0, width=3)
    draw.line((28 * s, letter_cy * s, 32 * s, letter_cy * s), fill=0, width=3)
    asked: list[BBox] = []

    def ocr(box: BBox, *args: object, **kwargs: object) -> list[Word]:
        asked.append(box)
        if box[1] <= top and bottom <= box[3]:
            return [Word("A", 26, top, 34, bottom, 0.9)]
        return []

    row = [Word("GL-1001", 100, 336, 150, 344, 0.9)]
    page = PageText(list(row), 200, 450, 1)
    return PageLabels(page, InkMeter(image, s), Evidence(1), ocr), asked


def test_a_letter_typed_above_the_rows_line_in_the_rows_cell_is_the_rows() -> None:
    from backend.acord.scan_cells import read_row_letter

    row = [Word("GL-1001", 100, 336, 150, 344, 0.9)]
    # Centred in the row's ruled cell, 10 pt above the policy number's line.
    labels, _ = _ltr_page(330, (290, 380))
    assert [w.text for w in read_row_letter(labels, (20, 40), row)] == ["A"]
    # The same letter across the row's rule is another row's: it is not read for this one.
    labels, _ = _ltr_page(330, (290, 334, 380))
    assert read_row_letter(labels, (20, 40), row) == []
    # No rules seen round the row (a photo's bent rules): only the row's line is read.
    labels, _ = _ltr_page(330, ())
    assert read_row_letter(labels, (20, 40), row) == []


def test_the_officers_answer_is_read_inside_its_printed_box() -> None:
    from PIL import Image, ImageDraw

    from backend.acord.coverage_rows import _boxed_officers_answer
    from backend.acord.coverage_table import Table
    from backend.acord.pdftext import InkMeter

    s = 3.0
    table = Table({"type": (20.0, 180.0)}, {}, 400.0, 420.0)
    band = (100.0, 150.0)

    def labels(letter_drawn: bool, boxes: int = 1) -> tuple[PageLabels, list[BBox]]:
        image = Image.new("L", (int(300 * s), int(200 * s)), 255)
        draw = ImageDraw.Draw(image)
        for index in range(boxes):
            x = 160 - index * 20
            draw.rectangle((x * s, 115 * s, (x + 12) * s, 127 * s), outline=30, width=2)
            if letter_drawn:
                # A thin Y inside the box.
                draw.line(((x + 3) * s, 117 * s, (x + 6) * s, 121 * s), fill=0, width=2)
                draw.line(((x + 9) * s, 117 * s, (x + 6) * s, 121 * s), fill=0, width=2)
                draw.line(((x + 6) * s, 121 * s, (x + 6) * s, 125 * s), fill=0, width=2)
        asked: list[BBox] = []

        def ocr(box: BBox, *args: object, **kwargs: object) -> list[Word]:
            asked.append(box)
            return [Word("Y", box[0] + 1, box[1] + 1, box[2] - 1, box[3] - 1, 0.6)]

        page = PageText([], 300, 200, 1)
        return PageLabels(page, InkMeter(image, s), Evidence(1), ocr), asked

    reader, asked = labels(letter_drawn=True)
    assert _boxed_officers_answer(reader, table, band) is True
    # Read inside the box's borders only.
    assert asked and 160 < asked[0][0] and asked[0][2] < 172
    # An empty box, or two boxes with print, say nothing.
    reader, asked = labels(letter_drawn=False)
    assert _boxed_officers_answer(reader, table, band) is None and asked == []
    reader, _ = labels(letter_drawn=True, boxes=2)
    assert _boxed_officers_answer(reader, table, band) is None


def test_a_speck_read_as_a_small_y_is_no_mark_on_a_scan() -> None:
    """Seen on a seed-7 photo: a speck in the auto row's SUBR WVD cell read "y" (a box 1.4 by
    1.6 pt) and the waiver taken as Yes, though the cell's printed "N" read plainly alone."""
    from backend.acord.coverage_rows import _is_mark

    scan = _reader(0.0, FakeRegionOcr())
    assert not _is_mark(scan, Word("y", 181.7, 409.3, 183.1, 410.9, 0.4))
    assert _is_mark(scan, Word("Y", 179.0, 498.9, 182.8, 503.5, 0.9))
    text = PageLabels(PageText(list(ROW), 612, 792, 1), None, Evidence(1))
    assert _is_mark(text, Word("y", 181.7, 409.3, 183.1, 410.9, 0.99))
