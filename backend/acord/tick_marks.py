"""The check boxes of a cell of a page image, found from their printed outlines, and whether
each holds a mark.

A check box is a small printed square: four straight borders of one length. It is found in the
pixels of a cell whatever OCR made of the print around it (a box read as "CJ", "[X]", "IX!"
or nothing, its option's 5-point small capitals read as "wren autosomy"), and its tick is the
dark print inside its borders. Which option a box stands for is told afterwards, from the words
printed just after it (tick_reading.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Protocol

from PIL import Image

from backend.acord.geometry import BBox

# A check box of the ACORD 25 is printed 7.5-13 pt square: a tenth of an inch and more on the
# ACORD-drawn editions (12-13 pt where the boxes are the cells of a ruled column), 8-9 pt on
# agency layouts. The form's print is smaller: its 5-7 pt option and heading capitals, and the
# 10-point digits of its values, under 7.5 pt tall. The largest takes in a box a little scaled up
# by a scan or a photo, and no cell's rule (a rule runs across a whole cell, far longer).
LEAST_SIDE_PT: Final = 7.5
MOST_SIDE_PT: Final = 16.0
# A box is square: its width within a fifth of its height either way (a scan's or a photo's
# uneven scale stretches it by a few hundredths; an O or a 0 is a tall oval, and round).
SQUARE_SHARE: Final = 0.2
# The four borders meet at the corners: the ends of its two sides and the rows of its top and
# bottom borders agree within a point (the blur of a thin line spreads it by about as much).
CORNER_SLACK_PT: Final = 1.0
# A border is a straight line: dark along three quarters of the side at the least (a tick
# touching it, or a scan's broken thin line, may leave gaps; a letter's curve leaves more).
BORDER_SHARE: Final = 0.75
# A gap of up to 1 px (a thin line broken by the scan's grain) does not end a side.
BORDER_GAP_PX: Final = 1
# The inside of the box is measured a point in from its borders: the borders' blur and a
# slight skew of the box stay out of it.
INSET_PT: Final = 1.0
# A tick is print: a mark of the filler's pen or typewriter at the page's print level. An X
# or a check mark covers a tenth of the box's inside at the least (a thin check mark's two
# strokes); an empty box's inside is paper, its borders left out.
TICKED_FILL: Final = 0.1
# An empty box's inside is paper: under 2 hundredths of print (a speck, a scan's grain). Between
# the two the box says nothing (a thin X of an agency system at 200 dpi comes out grey, most of
# it lighter than print), and the option is read by its label.
EMPTY_FILL: Final = 0.02
# A box that is a cell of a ruled column has the column's rule for a side: the rule is dark
# 2 px on past each end of the box's own side (past the corner, where the blur of the box's
# top and bottom borders darkens any column).
RULE_PAST_PX: Final = 2


class _Pixels(Protocol):
    image: Image.Image
    scale: float
    dark_level: int


@dataclass(frozen=True)
class CheckBox:
    """A printed check box in points of the page, and the share of its inside that is print."""

    x0: float
    top: float
    x1: float
    bottom: float
    fill: float

    @property
    def ticked(self) -> bool:
        return self.fill >= TICKED_FILL

    @property
    def empty(self) -> bool:
        return self.fill < EMPTY_FILL

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def side(self) -> float:
        return self.bottom - self.top


def border_level(dark_level: int) -> int:
    """The grey under which a pixel belongs to a box's border: halfway between the print's cut
    and white paper, as a thin 0.4-0.5 pt border is blurred to a mid grey by the scan."""
    return (dark_level + _WHITE) // 2


_WHITE: Final = 255


def find_boxes(meter: _Pixels, region: BBox) -> list[CheckBox]:
    """The check boxes printed in a region of the page, top to bottom."""
    s = meter.scale
    left = max(int(region[0] * s), 0)
    top = max(int(region[1] * s), 0)
    right = min(int(region[2] * s) + 1, meter.image.width)
    bottom = min(int(region[3] * s) + 1, meter.image.height)
    width, height = right - left, bottom - top
    least, most = LEAST_SIDE_PT * s, MOST_SIDE_PT * s
    if width < least or height < least:
        return []
    crop = meter.image.crop((left, top, right, bottom)).convert("L")
    pixels = crop.tobytes()
    cut = border_level(meter.dark_level)
    below_cut = [1 if level < cut else 0 for level in range(_WHITE + 1)]
    dark = crop.point(below_cut).tobytes()
    slack = max(CORNER_SLACK_PT * s, float(BORDER_GAP_PX + 1))
    found = _outlines(dark, width, height, least, most, slack)
    # The same read across: a box that is a cell of a ruled column has the column's rules for
    # its two upright sides, running on past it, and only its top and bottom a box's length.
    across = crop.transpose(Image.Transpose.TRANSPOSE).point(below_cut).tobytes()
    found += [
        (y0, x0, y1, x1) for x0, y0, x1, y1 in _outlines(across, height, width, least, most, slack)
    ]
    boxes = _innermost(found)
    inside_cut = meter.dark_level
    inset = max(int(INSET_PT * s), 1)
    result = []
    for box in boxes:
        x0, y0, x1, y1 = _inside(dark, width, box)
        columns = range(x0 + inset, x1 - inset + 1)
        rows = range(y0 + inset, y1 - inset + 1)
        if len(columns) < 2 or len(rows) < 2:
            continue
        inked = sum(pixels[y * width + x] < inside_cut for y in rows for x in columns)
        fill = inked / (len(rows) * len(columns))
        if fill < SOLID_FILL and _print_runs_through(pixels, width, columns, rows, inside_cut):
            continue
        result.append(
            CheckBox(
                (left + box[0]) / s,
                (top + box[1]) / s,
                (left + box[2] + 1) / s,
                (top + box[3] + 1) / s,
                inked / (len(rows) * len(columns)),
            )
        )
    return sorted(result, key=lambda b: (b.top, b.x0))


def _print_runs_through(pixels: bytes, width: int, columns: range, rows: range, cut: int) -> bool:
    """Whether print crosses all four sides of a square's inside at their middles: letters of
    two stacked lines of small capitals, whose strokes drew the square, run on past it. A
    tick stays inside its box: an X's arms meet the sides at the corners, a check mark's long
    stroke leaves the middle of the top side and of the right one clear; a box filled solid is
    told apart by its fill before."""

    def middle(span: range) -> range:
        quarter = len(span) // SIDE_MIDDLE_PARTS
        return span[quarter : len(span) - quarter]

    def inked(points: list[tuple[int, int]]) -> bool:
        return any(pixels[y * width + x] < cut for x, y in points)

    return (
        inked([(x, rows[0]) for x in middle(columns)])
        and inked([(x, rows[-1]) for x in middle(columns)])
        and inked([(columns[0], y) for y in middle(rows)])
        and inked([(columns[-1], y) for y in middle(rows)])
    )


# The middle of a side is its middle half: a quarter of it left out at each end.
SIDE_MIDDLE_PARTS: Final = 4
# A box filled solid ("■") is ticked: its inside is mostly print, touching every side. Print
# running through a square leaves paper between its strokes (letters ink a third or so).
SOLID_FILL: Final = 0.6


def _outlines(
    dark: bytes, width: int, height: int, least: float, most: float, slack: float
) -> list[tuple[int, int, int, int]]:
    """(x0, top, x1, bottom) of each square outline found from its upright sides: two sides a
    box's length facing each other, or one facing a rule that runs on past it (a box that is a
    cell of a ruled column, the column's rule its other side), joined by a top and a bottom
    border."""
    sides = _vertical_sides(dark, width, height, least, most)
    found: list[tuple[int, int, int, int]] = []
    by_column: dict[int, list[tuple[int, int]]] = {}
    for x, y0, y1 in sides:
        by_column.setdefault(x, []).append((y0, y1))
    for x, y0, y1 in sides:
        length = y1 - y0 + 1
        distances = range(int(length * (1 - SQUARE_SHARE)), int(length * (1 + SQUARE_SHARE)) + 1)
        for distance in distances:
            other = x + distance
            for o0, o1 in by_column.get(other, ()):
                if abs(o0 - y0) > slack or abs(o1 - y1) > slack:
                    continue
                box = (x, min(y0, o0), other, max(y1, o1))
                if _has_row(dark, width, box, box[1], slack) and _has_row(
                    dark, width, box, box[3], slack
                ):
                    found.append(box)
        for distance in distances:
            for other in (x - distance, x + distance):
                if not 0 <= other < width or not _rule_along(dark, width, height, other, y0, y1):
                    continue
                box = (min(x, other), y0, max(x, other), y1)
                if _has_row(dark, width, box, box[1], slack) and _has_row(
                    dark, width, box, box[3], slack
                ):
                    found.append(box)
    return found


def _vertical_sides(
    dark: bytes, width: int, height: int, least: float, most: float
) -> list[tuple[int, int, int]]:
    """(x, first row, last row) of each vertical run of border pixels a box's side long."""
    sides = []
    # A run of dark pixels, gaps of up to BORDER_GAP_PX light ones inside it.
    run = re.compile(b"\x01(?:\x00{0,%d}\x01)*" % BORDER_GAP_PX)
    for x in range(width):
        for found in run.finditer(dark[x::width]):
            start, end = found.start(), found.end() - 1
            if least <= end - start + 1 <= most:
                sides.append((x, start, end))
    return sides


def _rule_along(dark: bytes, width: int, height: int, x: int, y0: int, y1: int) -> bool:
    """Whether column x is a rule running past a side from row y0 to y1: dark along the span
    and on beyond both of its ends (a side of the box's own length is found as such)."""
    if y0 < RULE_PAST_PX or y1 + RULE_PAST_PX >= height:
        return False
    rows = range(y0 - RULE_PAST_PX, y1 + RULE_PAST_PX + 1)
    return sum(dark[y * width + x] for y in rows) >= BORDER_SHARE * len(rows) and all(
        dark[y * width + x] for y in (y0 - RULE_PAST_PX, y1 + RULE_PAST_PX)
    )


def _has_row(
    dark: bytes, width: int, box: tuple[int, int, int, int], near: int, slack: float
) -> bool:
    """Whether a row within `slack` of `near` is dark along the box's width (a border)."""
    x0, _, x1, _ = box
    span = x1 - x0 + 1
    reach = int(slack)
    for y in range(near - reach, near + reach + 1):
        if y < 0 or (y + 1) * width > len(dark):
            continue
        row = dark[y * width + x0 : y * width + x1 + 1]
        if sum(row) >= BORDER_SHARE * span:
            return True
    return False


def _inside(dark: bytes, width: int, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The box's inside: each border stepped off while its line of pixels is a border (a
    thick or blurred border is several pixels wide, and the outline found may start a pixel
    outside it)."""
    x0, y0, x1, y1 = box

    def column_dark(x: int, top: int, bottom: int) -> bool:
        rows = range(top, bottom + 1)
        return sum(dark[y * width + x] for y in rows) >= BORDER_SHARE * len(rows)

    def row_dark(y: int, left: int, right: int) -> bool:
        return sum(dark[y * width + left : y * width + right + 1]) >= BORDER_SHARE * (
            right - left + 1
        )

    while x0 < x1 and column_dark(x0, y0, y1):
        x0 += 1
    while x1 > x0 and column_dark(x1, y0, y1):
        x1 -= 1
    while y0 < y1 and row_dark(y0, x0, x1):
        y0 += 1
    while y1 > y0 and row_dark(y1, x0, x1):
        y1 -= 1
    return x0, y0, x1, y1


def _innermost(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """One box per printed square: a thick or blurred border gives several nested candidates
    (each of its pixel columns a side), and a piece of a cell's rule that the scan's grain cut
    to a box's length beside a box gives a wider one; the smallest is the square's own
    outline, its borders' inner pixels (stepped off when its inside is measured)."""
    kept: list[tuple[int, int, int, int]] = []
    for box in sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1])):
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if any(k[0] <= cx <= k[2] and k[1] <= cy <= k[3] for k in kept):
            continue
        if any(
            box[0] <= (k[0] + k[2]) / 2 <= box[2] and box[1] <= (k[1] + k[3]) / 2 <= box[3]
            for k in kept
        ):
            continue
        kept.append(box)
    return kept
