"""On a scan, single cells of the coverage table read again on their own in grey, with the
characters their values allow: a Y / N mark, a policy date.

The page pass and the grey re-read of the whole table both miss values now and then (a bold
mark in a narrow ruled cell, a date whose thin strokes broke apart: "OL OF 2025"); a cell
that holds ink on the row's line is read once more by itself.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from statistics import median
from typing import Any, Final

from backend.acord.coverage_table import Table
from backend.acord.geometry import BBox, Word
from backend.acord.page_labels import PageLabels, joined_text
from backend.acord.values import date_in_label_format, parse_mark

# Specks of a scanned page ink about a hundredth of an empty cell; print, several hundredths.
_INKED: Final = 0.02
# A cell on a row's line is read inside the column's rules, 1.5 pt in from each (a rule and
# its blur on a scan), and 0.8 of the line's height above and below its centre: the value's
# print with room for a skewed line's wobble, short of the lines above and below (a line and
# a half apart).
CELL_INSET_PT: Final = 1.5
CELL_HALF_HEIGHT_SHARE: Final = 0.8
# A lone Y / N mark is read at the page's scale, then larger: a letter this small is often
# not recognised at the page's scale and is at one and a half or twice the size.
MARK_ZOOMS: Final = (1.0, 1.5, 2.0)
# The years certificates are issued for: an ACORD 25 policy date before 1990 or after 2100 is
# a misread digit (2092, 1925), not a policy period.
EARLIEST_POLICY_YEAR: Final = 1990
LATEST_POLICY_YEAR: Final = 2100


def _row_cell(p: PageLabels, column: tuple[float, float], row: list[Word]) -> BBox:
    """The cell of a column on a row's line (the line of its policy number)."""
    cy = sum(w.cy for w in row) / len(row)
    height = max(w.height for w in row)
    half = CELL_HALF_HEIGHT_SHARE * height
    return (column[0] + CELL_INSET_PT, cy - half, column[1] - CELL_INSET_PT, cy + half)


def _read_mark(p: PageLabels, column: tuple[float, float], row: list[Word]) -> bool | None:
    """A Y / N (or X) mark both readings missed in a narrow column, read alone where the
    cell on the row's line holds ink; None for an empty cell or no mark."""
    assert p.region_ocr is not None and p.ink is not None
    cell = _row_cell(p, column, row)
    # Specks of a scanned page ink about a hundredth of an empty cell; a letter beside the
    # cell's rule, partly cut off by the cell's inset, as little as a fortieth.
    if p.ink.ink(*cell) < _INKED:
        return None
    # A lone letter this small is often not recognised at the page's scale; larger, it is.
    for zoom in MARK_ZOOMS:
        for word in p.region_ocr(cell, single_char=True, whitelist="XYNxyn", zoom=zoom):
            mark = parse_mark(word.text)
            if mark is not None:
                return mark
    return None


def _reread_dates(
    p: PageLabels, table: Table, common: dict[str, Any], row: list[Word], pointer: str
) -> None:
    """Policy dates neither reading found, or found in the wrong order (an expiration
    before its effective date is a misread digit), read again cell by cell as digits; two
    dates read that do not make a whole policy year (most terms run a year, the expiration's
    month and day those of the effective date) are read again too, and readings that make
    one are taken over them (a digit misread, "11/18" for "11/15"). Only readings of the
    cells are ever taken: a term of another length stays as read."""
    if not row:
        return
    cells = {
        key: _row_cell(p, table.columns[column], row)
        for key, column in (("effective", "eff"), ("expiration", "exp"))
        if column in table.columns
    }
    for key, cell in cells.items():
        if common[key] is None:
            common[key] = _read_date(p, cell, pointer, key)
    effective, expiration = common["effective"], common["expiration"]
    if effective is None or expiration is None or _policy_year(effective, expiration):
        return
    choices = {"effective": [effective], "expiration": [expiration]}
    for key, cell in cells.items():
        for zoom in DATE_ZOOMS:
            value = _read_date(p, cell, pointer, key, zoom, note=False)
            if value is not None and value not in choices[key]:
                choices[key].append(value)
    pairs = [(a, b) for a in choices["effective"] for b in choices["expiration"] if a < b]
    whole = [pair for pair in pairs if _policy_year(*pair)]
    if whole or effective >= expiration:
        # A whole policy year read; else the first pair in order (the fresh readings first
        # where the page's are out of order).
        chosen = whole or sorted(
            pairs, key=lambda pair: (pair[0] == effective, pair[1] == expiration)
        )
        if chosen:
            common["effective"], common["expiration"] = chosen[0]


# A doubtful date cell is read again at the page's scale and at twice it: a digit whose
# strokes ran together at one scale ("5" as "8") is often told at the other.
DATE_ZOOMS: Final = (1.0, 2.0)


# A term from 29 February runs a common year, to 28 February, or a day more, to 1 March.
COMMON_YEAR: Final = timedelta(days=365)
ONE_DAY: Final = timedelta(days=1)


def _policy_year(effective: str, expiration: str) -> bool:
    """Whether two ISO dates are a policy year apart: the same month and day a year later."""
    start, end = date.fromisoformat(effective), date.fromisoformat(expiration)
    try:
        return end == start.replace(year=start.year + 1)
    except ValueError:
        return end in (start + COMMON_YEAR, start + COMMON_YEAR + ONE_DAY)


def _read_date(
    p: PageLabels, cell: BBox, pointer: str, key: str, zoom: float = 1.0, *, note: bool = True
) -> str | None:
    assert p.region_ocr is not None and p.ink is not None
    if p.ink.ink(*cell) < _INKED:
        return None
    words = p.region_ocr(cell, single_line=True, whitelist="0123456789/", zoom=zoom)
    # The column's header prints the format (MM/DD/YYYY): digits whose slashes OCR lost
    # are placed as it places them.
    value = date_in_label_format(joined_text(words)) if words else None
    if value is not None and _plausible(value):
        if note:
            p.evidence.note(f"{pointer}/{key}", words)
        return value
    return None


def _plausible(iso: str) -> bool:
    """A policy date within the years certificates are issued for (misread digits give
    years such as 2092 or 1925)."""
    return EARLIEST_POLICY_YEAR <= date.fromisoformat(iso).year <= LATEST_POLICY_YEAR


# The insurer letters of the INSR LTR column (A to F: the form names six insurers).
INSURER_LETTERS: Final = "ABCDEF"
# A letter belongs to the row whose values' line it stands on: its centre within this share
# of the line's height (the form sets a row's letter on the line of its policy number; the
# row's other lines hold no letter, and a letter a line away is another row's).
LETTER_ON_LINE_SHARE: Final = 0.8
# Half the height of the box a row's letter is read again in: a capital of the 9-10 pt
# values with room for the line's wobble on a skewed scan, short of the next row's line.
LETTER_HALF_HEIGHT_PT: Final = 7.0
# ... and 1 pt in from its column's rules: the column is a letter wide, with no room for more.
LETTER_CELL_INSET_PT: Final = 1.0
# The cell's print read again as one character at these scales: a lone capital of a cell
# this narrow is sometimes missed at the page's scale and read at twice the size.
LETTER_ZOOMS: Final = (1.0, 2.0)


def insurer_letter(text: str) -> str | None:
    """The insurer letter a reading of the INSR LTR cell stands for: one capital A-F, read
    alone, doubled ("Cc": OCR's two readings of one bold letter) or with a rule's scrap
    beside it ("|B", "A."); None for anything else."""
    letters = re.sub(r"[^A-Za-z]", "", text).upper()
    alone = len(re.sub(r"[\W_]", "", text)) == len(letters)
    one = len(set(letters)) == 1 and len(letters) <= 2
    return letters[0] if alone and one and letters[0] in INSURER_LETTERS else None


def on_row_line(words: list[Word], row: list[Word]) -> list[Word]:
    """The words standing on the line of a row's values (all of them when the row has no
    line read)."""
    if not row:
        return words
    cy = sum(w.cy for w in row) / len(row)
    height = max(w.height for w in row)
    return [w for w in words if abs(w.cy - cy) <= LETTER_ON_LINE_SHARE * height]


def read_row_letter(p: PageLabels, column: tuple[float, float], row: list[Word]) -> list[Word]:
    """A row's insurer letter read again alone in its INSR LTR cell on the row's line, as
    one of the capitals A-F; [] for an empty cell or no letter."""
    assert p.region_ocr is not None and p.ink is not None
    if not row:
        return []
    cy = sum(w.cy for w in row) / len(row)
    cell = (
        column[0] + LETTER_CELL_INSET_PT,
        cy - LETTER_HALF_HEIGHT_PT,
        column[1] - LETTER_CELL_INSET_PT,
        cy + LETTER_HALF_HEIGHT_PT,
    )
    cells = [cell] if p.ink.ink(*cell) >= _INKED else []
    lone = _lone_print_in_ruled_cell(p, column, cy)
    if lone is not None:
        cells.append(lone)
    for box in cells:
        for zoom in LETTER_ZOOMS:
            words = p.region_ocr(box, single_char=True, whitelist=INSURER_LETTERS, zoom=zoom)
            read = [w for w in words if insurer_letter(w.text) is not None]
            if read:
                return read[:1]
    return []


# The rules that bound a row's cell of the INSR LTR column are looked for this far above and
# below the row's line: a row of the table is at most seven 12 pt lines tall (the general
# liability row of the 2016 edition), its policy line anywhere in it.
ROW_CELL_REACH_PT: Final = 90.0
# The cell's print is looked for 2 pt in from its rules (a rule and its blur on a scan), in
# strips a point tall: a strip is print when this share of it is inked beyond the cell's usual
# strip (a column's upright rule a skewed scan brings into the cell inks every strip alike; a
# capital's strokes cross a tenth and more of the narrow column, a scan's specks a hundredth).
RULE_CLEAR_PT: Final = 2.0
PRINT_STRIP_INK: Final = 0.03
# A lone letter is 3-12 pt tall (the capitals of 6-12 pt values, a scan's blur); it is read in
# a box 3 pt above and below it.
LEAST_LETTER_PT: Final = 3.0
MOST_LETTER_PT: Final = 12.0
LETTER_MARGIN_PT: Final = 3.0


def _lone_print_in_ruled_cell(p: PageLabels, column: tuple[float, float], cy: float) -> BBox | None:
    """The box of the one letter-sized print in the row's ruled cell of a column, wherever
    the filler's system set it in the cell (some centre the insurer letter in the row, a line
    or so above the policy number's line); None when the rules are not seen (a photo's bent
    rules) or the cell holds no print or more than one piece of it."""
    assert p.ink is not None
    x0, x1 = column[0] + LETTER_CELL_INSET_PT, column[1] - LETTER_CELL_INSET_PT
    rules = p.ink.horizontal_rules(x0, x1, cy - ROW_CELL_REACH_PT, cy + ROW_CELL_REACH_PT)
    above = [r for r in rules if r < cy]
    below = [r for r in rules if r > cy]
    if not above or not below:
        return None
    top, bottom = max(above) + RULE_CLEAR_PT, min(below) - RULE_CLEAR_PT
    strips = [(top + i, p.ink.ink(x0, top + i, x1, top + i + 1)) for i in range(int(bottom - top))]
    if not strips:
        return None
    usual = median(ink for _, ink in strips)
    runs: list[list[float]] = []
    for y, ink in strips:
        if ink >= usual + PRINT_STRIP_INK:
            if runs and y - runs[-1][1] <= 1.0:
                runs[-1][1] = y + 1
            else:
                runs.append([y, y + 1])
    if len(runs) != 1 or not LEAST_LETTER_PT <= runs[0][1] - runs[0][0] <= MOST_LETTER_PT:
        return None
    return (x0, runs[0][0] - LETTER_MARGIN_PT, x1, runs[0][1] + LETTER_MARGIN_PT)
