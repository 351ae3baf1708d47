"""The end of the workers compensation row's question "ANY PROPRIETOR/PARTNER/EXECUTIVE
OFFICER/MEMBER EXCLUDED?", after which the form sets its Y / N answer box.

On a scan OCR may garble the question's last word past a label match ("WUuDED*" for
EXCLUDED?) while its line still reads as a line: the line opened by OFFICER (or MEMBER) ends
where the question ends, and the answer's box is found after it.
"""

from __future__ import annotations

from typing import Final

from backend.acord.geometry import BBox, Label, Word
from backend.acord.page_labels import PageLabels
from backend.acord.pdftext import InkMeter
from backend.acord.tick_boxes import LEAST_PRINT_HEIGHT_PT

# The words of the question's line are a space apart: 1.5-2 pt in its 5-6 pt print, up to twice
# that between OCR's word boxes. The answer stands a box's width (6 pt and more) after it.
QUESTION_WORD_GAP_PT: Final = 5.0
# A word is on the question's line when its centre is within 0.6 of the print's height of the
# line's (the question's two lines are a line apart).
SAME_LINE_SHARE: Final = 0.6


def question_end(p: PageLabels, region: BBox) -> Label | None:
    """The question's last line up to its end (EXCLUDED?), or None when it is not found."""
    excluded = p.label("EXCLUDED", region=region)
    if excluded is not None or p.region_ocr is None:
        return excluded
    opener = p.label("OFFICER/MEMBER", "OFFICER", "MEMBER", region=region)
    if opener is None:
        return None
    height = max(opener.bottom - opener.top, LEAST_PRINT_HEIGHT_PT)
    line = sorted(
        (
            w
            for w in p.page.words_in(region)
            if w.x0 >= opener.x0 and abs(w.cy - opener.cy) < SAME_LINE_SHARE * height
        ),
        key=lambda w: w.x0,
    )
    right = opener.x1
    for word in line:
        if word.x0 > right + QUESTION_WORD_GAP_PT:
            break
        right = max(right, word.x1)
    return Label(opener.x0, opener.top, right, opener.bottom, opener.word_ids)


# The question's first line stands a line of its 5-6 pt print above its last (EXCLUDED?); the
# "Y / N" heading of the answer box stands above both, the answer on them.
QUESTION_LINE_PT: Final = 5.5


def answer_candidates(p: PageLabels, words: list[Word], excluded: Label) -> list[Word]:
    """The words after the question that may be its answer, left to right. On a scan, a
    letter centred above the question's first line is the "Y / N" heading over the answer
    box (OCR often reads its N alone), not the answer."""
    candidates = sorted(words, key=lambda w: w.x0)
    if p.region_ocr is None:
        return candidates
    return [w for w in candidates if w.cy >= excluded.top - QUESTION_LINE_PT]


def question_right(p: PageLabels, excluded: Label, band: tuple[float, float]) -> float:
    """Where the question's print ends between `band`'s top and bottom: past its last word
    (EXCLUDED?) and past its first line ("ANY PROPRIETOR/PARTNER/EXECUTIVE"), which on the 2001
    edition runs further right, so a box read after the question holds only its answer."""
    right = excluded.x1
    near = sorted(
        p.page.words_in((excluded.x0, band[0], p.page.width, band[1])), key=lambda w: w.x0
    )
    for word in near:
        if word.x0 > right + QUESTION_WORD_GAP_PT:
            break
        right = max(right, word.x1)
    return right


# The answer is a typed Y or N of 8-12 pt: its ink spans 2.5-10 pt across (a narrow Courier Y
# at 8 pt to a wide N at 12 pt); a scan's specks span a pixel or two, and columns count as ink
# only with two dark pixels or more. Ink against the box's left or right side (within a point)
# is the question's last letter or the column's rule, cut by the box, not a letter in it.
ANSWER_LEAST_SPAN_PT: Final = 2.5
ANSWER_MOST_SPAN_PT: Final = 10.0
ANSWER_DARK_PX: Final = 2
AT_BOX_SIDE_PT: Final = 1.0
# The letter is read with a typed letter's room round it (its sidebearings, a skewed stroke).
ANSWER_ROOM_PT: Final = 3.0


def answer_letter_box(meter: InkMeter, box: BBox) -> BBox | None:
    """The part of the box after the question that holds its typed answer, from the ink of
    its columns: one run of ink a letter wide, clear of the box's sides; None for a box
    holding no letter (specks, or only the print its sides cut)."""
    x0, top, x1, bottom = box
    letters = [
        (left, right)
        for left, right in meter.ink_spans(*box, least_dark_px=ANSWER_DARK_PX)
        if left - x0 > AT_BOX_SIDE_PT
        and x1 - right > AT_BOX_SIDE_PT
        and ANSWER_LEAST_SPAN_PT <= right - left <= ANSWER_MOST_SPAN_PT
    ]
    if len(letters) != 1:
        return None
    left, right = letters[0]
    return (max(left - ANSWER_ROOM_PT, x0), top, min(right + ANSWER_ROOM_PT, x1), bottom)
