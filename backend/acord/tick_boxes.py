"""On a scan, the ticked check boxes of a cell found from their ink, and the option printed
after each one read again in grey to tell which it is.

Some editions set the options in 5-point small capitals that the page pass turns into
nonsense ("vette cvesty" for HIRED AUTOS ONLY, "Pokey" for POLICY), past matching by
spelling. A ticked box is plain to see in the ink, though: a dark square just before the first
word of its option. Only the options after ticked boxes are read again, larger and in grey,
and matched against the cell's short list of printed options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from backend.acord.geometry import BBox, Word, group_lines
from backend.acord.page_labels import PageLabels, joined_text
from backend.acord.tick_options import is_box_glyph, similarity

# An X in a box inks about a quarter to a third of the strip before its option's first word;
# print there (the end of a previous word) well under a fifth.
_TICKED_INK = 0.22
# The inside of a ticked box is a third inked; an empty box's outline leaves it near clean.
_TICKED_FILL = 0.3
# The page pass's words are trusted as the option they spell this nearly; below, the option
# is read again, and taken at the lower mark.
_SURE_MATCH = 0.7
_LEAST_MATCH = 0.55
# A check box is drawn a little before its option's first word: a box 7-8 pt square, then a
# gap of 2-3 pt, so the box starts about 11 pt before the word.
BOX_LEAD_PT: Final = 11.0
# The gap between a box and its option's first word, left out of the box's ink (the word's
# first letter would count as a tick otherwise).
_BOX_GAP_PT: Final = 2.0
# Half the height of the strip a box's ink is measured in: 7 pt, inside a 7-8 pt box on the
# option's line.
_BOX_HALF_HEIGHT_PT: Final = 3.5
# The box's own borders are looked for left of a point this far before its option's first
# word: the edge of an OCR word box may take in a point of the paper before its letter.
_BOX_RIGHT_OF_WORD_PT: Final = 0.8
# A word starts a new option after a gap of at least 0.8 of the print's height (about the
# width of the box set in it; words of one option are a space apart, a third of a height),
# the height taken as at least 4 pt (the capitals of the form's 5-6 pt option print).
OPTION_GAP_SHARE: Final = 0.8
LEAST_PRINT_HEIGHT_PT: Final = 4.0
# Two words whose edges are within half a point touch: OCR boxes are rounded to pixels.
_TOUCH_PT: Final = 0.5
# Half the height of the box an option is read again in: its own line of 5-6 pt print with
# room above and below, short of the next line of options (12 pt further down the cell).
_OPTION_HALF_HEIGHT_PT: Final = 5.0
# The option is read again at twice its size: 5-point small capitals read at the page's
# scale come out as nonsense.
_OPTION_ZOOM: Final = 2.0


def _ticked_by_ink(p: PageLabels, region: BBox, options: Mapping[str, Sequence[str]]) -> set[str]:
    """Keys of the options printed after ticked boxes in the region (a scan's cell)."""
    return set(_ticked_boxes(p, region, options)[0])


def _ticked_boxes(
    p: PageLabels, region: BBox, options: Mapping[str, Sequence[str]]
) -> tuple[dict[str, Word], list[Word]]:
    """The options after ticked boxes in the region (a scan's cell), by key with the first
    word of each, and the first words of ticked options that could not be told."""
    ticked: dict[str, Word] = {}
    unknown: list[Word] = []
    if p.region_ocr is None or p.ink is None:
        return ticked, unknown
    for line in group_lines(p.page.words_in(region)):
        words = [w for w in line.words if not is_box_glyph(w.text)]
        for index, word in enumerate(words):
            if not _box_ticked_before(p, word, line.words):
                continue
            run = option_run(words[index:], line.words)
            score, key = best_option(joined_text(run), options)
            if score < _SURE_MATCH:
                # Up to the next box on the line (the page pass's words after a garbled
                # option may be split anywhere).
                right = option_right(word, run, line.words, region[2])
                # The option's own line: the page pass's boxes of small print are too
                # short or run over two lines, and a neighbour's edge reads as junk.
                box = (
                    word.x0 - 1,
                    word.cy - _OPTION_HALF_HEIGHT_PT,
                    right,
                    word.cy + _OPTION_HALF_HEIGHT_PT,
                )
                fresh = p.region_ocr(box, zoom=_OPTION_ZOOM)
                if fresh:
                    score, key = max((score, key), best_option(joined_text(fresh), options))
            if score < _LEAST_MATCH:
                unknown.append(word)
            elif not key.startswith("_"):
                ticked[key] = word
    return ticked, unknown


def _box_ticked_before(p: PageLabels, word: Word, line: list[Word]) -> bool:
    """Whether a ticked box is printed just before a word that starts an option (at the
    line's start, or after a box or a gap)."""
    assert p.ink is not None
    before = [w for w in line if w.x1 <= word.x0 + _TOUCH_PT and not is_box_glyph(w.text)]
    if before and word.x0 - max(w.x1 for w in before) < _option_gap(word):
        return False
    strip = (
        word.x0 - BOX_LEAD_PT,
        word.cy - _BOX_HALF_HEIGHT_PT,
        word.x0 - _BOX_GAP_PT,
        word.cy + _BOX_HALF_HEIGHT_PT,
    )
    if p.ink.ink(*strip) < _TICKED_INK:
        return False
    fill = p.ink.checkbox_fill(word.x0 - _BOX_RIGHT_OF_WORD_PT, word.cy)
    return fill is not None and fill >= _TICKED_FILL


def option_right(word: Word, run: list[Word], line: list[Word], limit: float) -> float:
    """Where the option starting at `word` ends: before the next box (a box glyph, or the
    box before the next word set apart by a gap), or at `limit`."""
    edges = [limit]
    for other in line:
        if other.x0 <= run[-1].x1 or other in run:
            continue
        if is_box_glyph(other.text):
            edges.append(other.x0 - 1)
        else:
            # The next option's box sits about a box's width before its first word.
            edges.append(other.x0 - BOX_LEAD_PT)
            break
    return max(min(edges), word.x1 + 2)


def option_run(words: list[Word], line: list[Word]) -> list[Word]:
    """The words of one option: from its first word up to the next box or wide gap."""
    run = [words[0]]
    for word in words[1:]:
        between = [w for w in line if run[-1].x1 <= w.x0 < word.x0]
        if any(is_box_glyph(w.text) for w in between):
            break
        if word.x0 - run[-1].x1 > _option_gap(word):
            break
        run.append(word)
    return run


def _option_gap(word: Word) -> float:
    """The gap before `word` from which it starts another option (a box fits in it)."""
    return OPTION_GAP_SHARE * max(word.height, LEAST_PRINT_HEIGHT_PT)


def best_option(text: str, options: Mapping[str, Sequence[str]]) -> tuple[float, str]:
    """(similarity, key) of the option the text spells most nearly."""
    scored = [
        (similarity(text, spelling), key)
        for key, spellings in options.items()
        for spelling in spellings
    ]
    return max(scored, default=(0.0, ""))
