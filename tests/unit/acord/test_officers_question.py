"""The end of the workers compensation question on a scan whose OCR garbled EXCLUDED?."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from backend.acord.evidence import Evidence
from backend.acord.geometry import BBox, PageText, Word
from backend.acord.officers_question import (
    answer_candidates,
    answer_letter_box,
    question_end,
    question_right,
)
from backend.acord.page_labels import PageLabels
from backend.acord.pdftext import InkMeter


def _labels(words: list[Word], scan: bool = True) -> PageLabels:
    def region_ocr(box: BBox, *args: object, **kwargs: object) -> list[Word]:
        return []

    return PageLabels(PageText(words, 612, 792, 1), None, Evidence(1), region_ocr if scan else None)


REGION = (60.0, 500.0, 230.0, 560.0)


def test_the_question_ends_at_its_garbled_last_word() -> None:
    words = [
        Word("ANY", 88, 530, 96, 534),
        Word("PROPRIETOR", 100, 530, 132, 534),
        Word("OFFICER", 88, 536, 108.8, 540),
        Word("MEMBLA", 111, 536, 132.5, 540),
        Word("EAC", 134.5, 536, 136.8, 540),
        Word("WUuDED*", 138.5, 536, 164.2, 540),
        # The policy number's cell, far to the right, is no part of the question.
        Word("GAW", 200, 536, 215, 541),
    ]
    end = question_end(_labels(words), REGION)
    assert end is not None and end.x0 == 88 and end.x1 == 164.2


def test_an_exact_question_is_taken_as_printed() -> None:
    words = [Word("OFFICER/MEMBER", 88, 536, 130, 540), Word("EXCLUDED?", 132, 536, 160, 540)]
    end = question_end(_labels(words, scan=False), REGION)
    assert end is not None and end.x0 == 132 and 150 < end.x1 <= 160


def test_no_question_found_is_none() -> None:
    words = [Word("WORKERS", 88, 510, 119, 515), Word("COMPENSATION", 121, 510, 170, 515)]
    assert question_end(_labels(words), REGION) is None


def test_the_heading_over_the_answer_box_is_no_answer() -> None:
    # "Y / N" over the answer box, of which OCR read the N alone, and the answer under it.
    heading = Word("N", 169.5, 473.1, 172.2, 476.3)
    answer = Word("Y", 171.4, 480.3, 175.9, 485.3)
    excluded = Word("EXCLUDED?", 102.1, 482.9, 129.3, 486.4)
    question = [Word("ANY", 59.2, 478.2, 68.0, 481.3), Word("OFFICER", 59.2, 482.9, 78.5, 486.4)]
    labels = _labels([*question, excluded, heading, answer])
    end = question_end(labels, (50, 460, 185, 500))
    assert end is not None
    assert answer_candidates(labels, [heading, answer], end) == [answer]
    # With no answer written, the heading alone leaves the question unanswered.
    assert answer_candidates(labels, [heading], end) == []


def test_the_box_after_the_question_starts_past_its_longer_first_line() -> None:
    # The 2001 edition: "ANY PROPRIETOR/PARTNER/EXECUTIVE" runs past "OFFICER/MEMBER
    # EXCLUDED?", and the answer stands a little after both.
    first = [Word("PROPRIETOR/PARTNER/", 89, 567, 146, 571), Word("EXECUTIVE", 149, 567, 177, 571)]
    last = [Word("OFFICER/MEMBER", 78, 573, 122, 577), Word("EXCLUDED?", 124, 573, 154, 577)]
    answer_elsewhere = Word("61WCEF65", 222, 560, 270, 566)
    labels = _labels([*first, *last, answer_elsewhere])
    end = question_end(labels, (30, 540, 217, 590))
    assert end is not None
    assert question_right(labels, end, (end.top - 8, end.bottom + 4)) == 177


def _meter(strokes: list[tuple[float, float, float, float]]) -> InkMeter:
    """A page 3 pixels a point with black strokes (boxes in points) and a few lone specks."""
    image = Image.new("L", (900, 300), 255)
    draw = ImageDraw.Draw(image)
    for x0, top, x1, bottom in strokes:
        draw.rectangle((x0 * 3, top * 3, x1 * 3 - 1, bottom * 3 - 1), fill=0)
    for x, y in ((560, 60), (600, 75), (640, 50)):
        image.putpixel((x, y), 0)
    return InkMeter(image, 3.0)


BOX = (170.0, 12.0, 215.0, 30.0)


def test_the_answers_letter_is_ink_a_letter_wide_clear_of_the_boxs_sides() -> None:
    # The end of the question's print cut by the box's left side, a letter, the column's rule.
    meter = _meter([(168, 16, 172, 20), (196, 18, 200.5, 25), (214.5, 10, 215.5, 40)])
    letter = answer_letter_box(meter, BOX)
    assert letter is not None
    assert letter[0] == pytest.approx(193, abs=0.5) and letter[2] == pytest.approx(203.5, abs=0.5)


def test_a_box_of_specks_and_cut_print_holds_no_answer() -> None:
    meter = _meter([(168, 16, 172, 20), (214.5, 10, 215.5, 40)])
    assert answer_letter_box(meter, BOX) is None
