"""Words, lines and printed labels on a page, whatever the words came from.

Both the PDF text layer and OCR end up here as `Word`s with boxes in PDF points (origin
top-left), so one layout reader serves text, scans and photos. Labels are searched in a
"compact" form (upper-case letters and digits only) so that lost or extra spaces and line
breaks inside a label do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

BBox = tuple[float, float, float, float]

# Two words are on one line when their centres are within 0.45 of the smaller one's height:
# the form sets its lines of print at least a height and a half apart (centre to centre), so
# under half a height keeps neighbouring lines apart while letting in a skewed scan's wobble
# and the different heights of words of one line ("$" beside digits).
SAME_LINE_SHARE: Final = 0.45
# A character within half a point outside a cut is kept: word and character boxes are
# rounded (PDFium's glyph boxes, OCR's pixels) to about that.
CUT_SLACK_PT: Final = 0.5


@dataclass
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float = 0.99
    # Left edge of each character, so a label glued to a value can be cut apart.
    char_x0s: list[float] = field(default_factory=list)
    hidden: bool = False
    # A form field's value that a viewer draws from the field itself (see acroform.py): the
    # file holds no drawing of it, so a rendered page cannot tell whether it shows.
    drawn_by_viewer: bool = False

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.top, self.x1, self.bottom)

    def char_left(self, index: int) -> float:
        if self.char_x0s and index < len(self.char_x0s):
            return self.char_x0s[index]
        width = (self.x1 - self.x0) / max(len(self.text), 1)
        return self.x0 + width * index

    def char_right(self, index: int) -> float:
        if index + 1 < len(self.text):
            return self.char_left(index + 1)
        return self.x1


@dataclass
class Line:
    words: list[Word]

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class Label:
    """Where a printed label was found, and which words it is made of."""

    x0: float
    top: float
    x1: float
    bottom: float
    word_ids: frozenset[int] = frozenset()

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


def compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9#]", "", text.upper())


def union_bbox(words: Sequence[Word]) -> BBox:
    return (
        min(w.x0 for w in words),
        min(w.top for w in words),
        max(w.x1 for w in words),
        max(w.bottom for w in words),
    )


def group_lines(words: Iterable[Word]) -> list[Line]:
    """Cluster words into visual lines by vertical centre, then order each line left to right."""
    lines: list[list[Word]] = []
    centres: list[float] = []
    heights: list[float] = []
    for word in sorted(words, key=lambda w: (w.cy, w.x0)):
        if lines:
            tolerance = SAME_LINE_SHARE * min(max(word.height, 1.0), max(heights[-1], 1.0))
            if abs(word.cy - centres[-1]) <= tolerance:
                lines[-1].append(word)
                count = len(lines[-1])
                centres[-1] += (word.cy - centres[-1]) / count
                heights[-1] = max(heights[-1], word.height)
                continue
        lines.append([word])
        centres.append(word.cy)
        heights.append(word.height)
    return [Line(sorted(group, key=lambda w: w.x0)) for group in lines]


class PageText:
    """The words of one page with a label index over its lines."""

    def __init__(self, words: list[Word], width: float, height: float, page_number: int) -> None:
        self.words = words
        self.width = width
        self.height = height
        self.page_number = page_number
        self.lines = group_lines(words)
        self._compact_lines = [self._index_line(line) for line in self.lines]

    @staticmethod
    def _index_line(line: Line) -> tuple[str, list[tuple[Word, int]]]:
        letters: list[str] = []
        origin: list[tuple[Word, int]] = []
        for word in line.words:
            for index, char in enumerate(word.text.upper()):
                if char.isalnum() or char == "#":
                    letters.append(char)
                    origin.append((word, index))
        return "".join(letters), origin

    def find_labels(
        self,
        label: str,
        *,
        region: BBox | None = None,
        visible_only: bool = False,
        whole_words: bool = False,
        word_start: bool = False,
    ) -> list[Label]:
        """Every place where `label` is printed, in reading order (top to bottom, left to right).

        With `whole_words`, the match must begin and end at word edges ("OCCUR" is not found in
        "OCCURRENCE"); with `word_start`, it must begin at a word's first letter (labels printed
        without spaces: "OWNED" is found in "OWNEDAUTOSONLY" but not in "NON-OWNED").
        """
        key = compact(label)
        found: list[Label] = []
        if not key:
            return found
        for text, origin in self._compact_lines:
            start = text.find(key)
            while start >= 0:
                span = origin[start : start + len(key)]
                words = {id(w): w for w, _ in span}.values()
                starts_ok = start == 0 or origin[start - 1][0] is not span[0][0]
                edges_ok = (starts_ok or not (whole_words or word_start)) and (
                    not whole_words
                    or (
                        start + len(key) == len(origin)
                        or origin[start + len(key)][0] is not span[-1][0]
                    )
                )
                if edges_ok and not (visible_only and any(w.hidden for w in words)):
                    first_word, first_index = span[0]
                    last_word, last_index = span[-1]
                    box = Label(
                        first_word.char_left(first_index),
                        min(w.top for w in words),
                        last_word.char_right(last_index),
                        max(w.bottom for w in words),
                        frozenset(id(w) for w in words),
                    )
                    if region is None or _inside(box, region):
                        found.append(box)
                start = text.find(key, start + 1)
        found.sort(key=lambda b: (round(b.top), b.x0))
        return found

    def find_label(
        self,
        label: str,
        *,
        region: BBox | None = None,
        whole_words: bool = False,
        word_start: bool = False,
    ) -> Label | None:
        hits = self.find_labels(
            label, region=region, whole_words=whole_words, word_start=word_start
        )
        return hits[0] if hits else None

    def first_label(self, *labels: str, region: BBox | None = None) -> Label | None:
        """The first of several spellings of a label that is printed (editions differ)."""
        for label in labels:
            hit = self.find_label(label, region=region)
            if hit is not None:
                return hit
        return None

    def words_in(self, region: BBox, *, include_hidden: bool = False) -> list[Word]:
        """Words whose centre lies in the region (x0, top, x1, bottom)."""
        x0, top, x1, bottom = region
        return [
            w
            for w in self.words
            if x0 <= w.cx <= x1 and top <= w.cy <= bottom and (include_hidden or not w.hidden)
        ]


def _inside(label: Label, region: BBox) -> bool:
    x0, top, x1, bottom = region
    return x0 <= label.cx <= x1 and top <= label.cy <= bottom


def cut_words(words: Sequence[Word], left: float, right: float) -> list[Word]:
    """Words restricted to [left, right] horizontally, cutting a word glued across the edge."""
    result: list[Word] = []
    for word in words:
        if word.x1 <= left or word.x0 >= right:
            continue
        if word.x0 >= left - CUT_SLACK_PT and word.x1 <= right + CUT_SLACK_PT:
            result.append(word)
            continue
        keep = [
            i
            for i in range(len(word.text))
            if left - CUT_SLACK_PT <= word.char_left(i)
            and word.char_right(i) <= right + CUT_SLACK_PT
        ]
        if not keep:
            continue
        first, last = keep[0], keep[-1]
        result.append(
            Word(
                word.text[first : last + 1],
                word.char_left(first),
                word.top,
                word.char_right(last),
                word.bottom,
                word.confidence,
                [word.char_left(i) for i in range(first, last + 1)],
                word.hidden,
            )
        )
    return [w for w in result if w.text.strip()]


def lines_of(words: Sequence[Word]) -> list[Line]:
    return group_lines(words)
