"""Which option each check box of a cell of a page image stands for, and whether it is ticked.

The boxes are found from their printed outlines (tick_marks.py); each is told by the words
printed just after it, matched against the cell's short list of options (the page pass's
words, or the strip after a ticked box read again larger when those are garbled). A box
whose option cannot be read is left unknown: the caller may place it by the grid of boxes,
never guess it.

The cell is the row's ruled cell of the TYPE OF INSURANCE column: the table's row bands come
from its labels and may be a line off where OCR lost a label, while the rules between rows are
printed across the whole column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Final

from backend.acord.geometry import BBox, Word
from backend.acord.page_labels import PageLabels, joined_text
from backend.acord.pdftext import InkMeter
from backend.acord.tick_boxes import _LEAST_MATCH, _SURE_MATCH, option_run
from backend.acord.tick_marks import CheckBox, find_boxes
from backend.acord.tick_options import is_box_glyph, similarity

# A row band may be a line of the cell off (a label OCR lost, taken from the next line): the
# rules of its cell are looked for a line and a half (18 pt of 12 pt lines) beyond each edge.
ROW_SLIP_PT: Final = 18.0
# The ruled cell replaces the band when it holds at least half of it: the band is then in the
# right row, only a line off at an edge.
CELL_SHARE: Final = 0.5
# The rules are looked for a point inside the column's edges (the vertical rules there).
COLUMN_INSET_PT: Final = 1.0
# A box set against its cell's rule has its border on the rule's line, at the cell's edge: the
# cell is searched 2 pt beyond its edges (a border and its blur), a box kept by its centre.
EDGE_PT: Final = 2.0
# An option's first word starts within 8 pt after its box (a 2-4 pt gap, and the slack of an
# OCR word box that took in the box's right border).
OPTION_LEAD_PT: Final = 8.0
# A word belongs to the box's option when it reaches a point past the box's right border (an
# OCR word of the box's own outline, "[]" or "CJ", ends at it).
PAST_BOX_PT: Final = 1.0
# The strip read again after a ticked box: from half a point after its border to the next box
# on its line, at most 90 pt (the longest option, NON-OWNED AUTOS ONLY in 6 pt capitals), as
# tall as the box with a point above and below.
READ_GAP_PT: Final = 0.5
READ_REACH_PT: Final = 90.0
READ_MARGIN_PT: Final = 1.0
# Read at twice its size: 5-point small capitals read at the page's scale come out garbled.
READ_ZOOM: Final = 2.0


@dataclass
class BoxReading:
    """The boxes of a cell by the option each stands for, and the boxes not told."""

    boxes: dict[str, CheckBox] = field(default_factory=dict)
    unknown: list[CheckBox] = field(default_factory=list)
    # Boxes before other print of the cell (a heading, OTHER:), or a garbled option read so.
    others: list[CheckBox] = field(default_factory=list)

    def ticked(self, key: str) -> bool | None:
        """Whether the option's box is ticked; None when no box was told as that option, or
        its inside is neither clearly ticked nor clearly empty."""
        box = self.boxes.get(key)
        if box is None or not (box.ticked or box.empty):
            return None
        return box.ticked


def row_cell(p: PageLabels, region: BBox) -> BBox:
    """The ruled cell of the row a band of the TYPE OF INSURANCE column lies in: the pair of
    rules running across the column that holds most of the band, when it holds half of it;
    the band itself otherwise (no rules found, as on a photo whose rules are bent)."""
    if p.ink is None:
        return region
    x0, top, x1, bottom = region
    rules = p.ink.horizontal_rules(
        x0 + COLUMN_INSET_PT, x1 - COLUMN_INSET_PT, top - ROW_SLIP_PT, bottom + ROW_SLIP_PT
    )
    best: tuple[float, float, float] | None = None
    for upper, lower in pairwise(rules):
        overlap = min(lower, bottom) - max(upper, top)
        if best is None or overlap > best[0]:
            best = (overlap, upper, lower)
    if best is None or best[0] < CELL_SHARE * (bottom - top):
        return region
    return (x0, best[1], x1, best[2])


def read_boxes(p: PageLabels, region: BBox, options: Mapping[str, Sequence[str]]) -> BoxReading:
    """The check boxes in a cell of a page image, each told by the option printed after it.

    Keys starting with "_" are other print of the cell: a box followed by one is no option.
    An empty box is told from the page pass's words only; a ticked one is read again when
    those do not spell an option surely."""
    reading = BoxReading()
    if not isinstance(p.ink, InkMeter) or p.region_ocr is None:
        return reading
    x0, top, x1, bottom = region
    padded = (x0, top - EDGE_PT, x1, bottom + EDGE_PT)
    boxes = [b for b in find_boxes(p.ink, padded) if top <= b.cy <= bottom]
    scores: dict[str, float] = {}
    for box in boxes:
        after = [b.x0 for b in boxes if b.x0 > box.x1 and abs(b.cy - box.cy) < box.side / 2]
        right = min([region[2], box.x1 + READ_REACH_PT, *after])
        score, key = _spelt_option(p, box, right, options)
        if score < _SURE_MATCH and box.ticked:
            strip = (
                box.x1 + READ_GAP_PT,
                box.top - READ_MARGIN_PT,
                right,
                box.bottom + READ_MARGIN_PT,
            )
            fresh = p.region_ocr(strip, zoom=READ_ZOOM)
            if fresh:
                score, key = max((score, key), told_option(joined_text(fresh), options))
        if score < _LEAST_MATCH:
            reading.unknown.append(box)
        elif key.startswith("_"):
            reading.others.append(box)
        elif score > scores.get(key, 0.0):
            scores[key] = score
            reading.boxes[key] = box
    return reading


def _spelt_option(
    p: PageLabels, box: CheckBox, right: float, options: Mapping[str, Sequence[str]]
) -> tuple[float, str]:
    """(similarity, key) of the option the page pass's words after the box spell."""
    line = sorted(
        (
            w
            for w in p.page.words
            if abs(w.cy - box.cy) < box.side / 2
            and w.x1 > box.x1 + PAST_BOX_PT
            and w.x0 >= box.x0
            and w.x0 < right
            and not is_box_glyph(w.text)
        ),
        key=lambda w: w.x0,
    )
    if not line or line[0].x0 > box.x1 + OPTION_LEAD_PT:
        return 0.0, ""
    run: list[Word] = option_run(line, line)
    return told_option(joined_text(run), options)


# Options of one cell share words (OWNED / HIRED / NON-OWNED AUTOS ONLY): a reading that spells
# two options within 0.05 of each other read only what they share, and tells neither.
TIE_MARGIN: Final = 0.05


def told_option(text: str, options: Mapping[str, Sequence[str]]) -> tuple[float, str]:
    """(similarity, key) of the option the text spells most nearly, or (0.0, "") when another
    option's spelling comes as near: the words that tell them apart were not read."""
    best: dict[str, float] = {}
    for key, spellings in options.items():
        for spelling in spellings:
            best[key] = max(best.get(key, 0.0), similarity(text, spelling))
    ranked = sorted(((score, key) for key, score in best.items()), reverse=True)
    if not ranked:
        return 0.0, ""
    if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < TIE_MARGIN:
        return 0.0, ""
    return ranked[0]


# Boxes whose centres are within 4 pt of each other's height stand on one line of the cell
# (the lines of boxes are 11-12 pt apart).
SAME_LINE_PT: Final = 4.0


def place_by_grid(
    reading: BoxReading, grids: Sequence[Mapping[str, tuple[int, int]]]
) -> dict[str, CheckBox]:
    """The options the form prints in a fixed order of boxes (line, place on the line), told
    from the boxes whose options were read: every box of the cell at the place the grid
    gives each option, counted from the told boxes. The grid is the first whose widest line
    holds as many boxes as the cell's widest; nothing is placed when the told boxes disagree
    on where the grid starts, or when none was told."""
    boxes = [*reading.boxes.values(), *reading.unknown, *reading.others]
    lines: list[list[CheckBox]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        if lines and abs(lines[-1][0].cy - box.cy) < SAME_LINE_PT:
            lines[-1].append(box)
        else:
            lines.append([box])
    for line in lines:
        line.sort(key=lambda b: b.x0)
    where = {id(b): (row, place) for row, line in enumerate(lines) for place, b in enumerate(line)}
    widest = max((len(line) for line in lines), default=0)
    for grid in grids:
        if max(place for _, place in grid.values()) + 1 != widest:
            continue
        told = [(key, where[id(box)]) for key, box in reading.boxes.items() if key in grid]
        starts = {row - grid[key][0] for key, (row, _) in told}
        if len(starts) != 1 or any(place != grid[key][1] for key, (_, place) in told):
            return {}
        start = starts.pop()
        placed: dict[str, CheckBox] = {}
        for key, (row, place) in grid.items():
            if 0 <= start + row < len(lines) and place < len(lines[start + row]):
                placed[key] = lines[start + row][place]
        return placed
    return {}
