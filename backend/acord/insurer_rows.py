"""The INSURER A-F rows on a scan, read from the ruled rows of the insurers box.

OCR garbles the small "INSURER A :" labels ("INSURER 0", "[INst RER", "SURER A") and the page
pass misses names set in another font across a row's rule (the 2001 edition's typewriter
names). The box's rows are ruled, in the printed order A to F, so the rows are found from the
rules, the whole box is read again in grey, and each line of that reading goes to its row.
"""

from __future__ import annotations

import re
import statistics
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

from backend.acord.geometry import BBox, Label, Word, group_lines
from backend.acord.page_labels import PageLabels, joined_text, legible, likelier_words
from backend.acord.tick_options import similarity
from backend.acord.values import clean_name

_LETTERS = "ABCDEF"
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "S": "5"})


def naic_code(text: str) -> str | None:
    """A five-digit NAIC company code from OCR's reading of the NAIC cell, letters that OCR
    takes for digits mapped back ("1O730" -> "10730"); None unless exactly five digits. The
    cell holds the code alone: a word of five digits beside scraps (the form's right border
    read as "I": "«19576 I") is the code; otherwise the words are joined (a code OCR split)."""
    words = [
        re.sub(r"[^0-9A-Za-z]", "", word).translate(_DIGIT_LOOKALIKES) for word in text.split()
    ]
    codes = [word for word in words if re.fullmatch(r"\d{5}", word)]
    if len(codes) == 1:
        return codes[0]
    token = "".join(words)
    return token if re.fullmatch(r"\d{5}", token) else None


def _insurer_label_words(p: PageLabels, area: BBox) -> list[Word]:
    """The words of the page pass that are the INSURER labels of the rows, however
    garbled ("[INSURER", "SURER", "INSURE"): the largest set of INSURER-like words
    standing one under the other, not the box's heading INSURER(S) nor other print."""
    like = [
        w
        for w in p.page.words_in(area)
        if similarity(w.text, "INSURER") >= 0.6 and not re.search(r"R\(?S\)?\W*$", w.text.upper())
    ]
    columns = [[w for w in like if abs(w.x0 - anchor.x0) <= 6] for anchor in like]
    return max(columns, key=len, default=[])


# The INSURER(S) AFFORDING COVERAGE box fills the right of the head of the form: from about a
# third of the width, below the title line, down to the COVERAGES heading (taken as 40 % of
# the height when that heading was not read: the head of the form ends above it).
INSURERS_LEFT_SHARE = 0.35
INSURERS_TOP_SHARE = 0.08
INSURERS_BOTTOM_SHARE = 0.4
# Six insurer rows (A to F), each about 13 pt high.
INSURER_ROWS = 6
INSURER_ROW_MAX_PT = 13.0
# Below the last label read: room for its row's bottom rule and one more row's top.
LAST_ROW_BELOW_PT = 16.0
# Rules closer than 7 pt are one rule drawn twice or a letter's stroke; further than 22 pt
# apart they hold more than one row.
INSURER_RULE_GAP_MIN_PT = 7.0
INSURER_RULE_GAP_MAX_PT = 22.0
# The NAIC # column at the right edge is about 60 pt wide; its codes may start up to 12 pt left
# of the "NAIC #" header, which is centred over them.
NAIC_COLUMN_PT = 60.0
NAIC_HEADER_INSET_PT = 12.0
# Specks of a scanned page ink about a hundredth of an empty cell; print inks far more.
EMPTY_CELL_INK_SHARE = 0.02


def _insurers_area(p: PageLabels) -> BBox:
    """The right of the head of the form, down to the COVERAGES heading."""
    coverages = p.coverages_label()
    bottom = coverages.top if coverages is not None else INSURERS_BOTTOM_SHARE * p.page.height
    return (
        INSURERS_LEFT_SHARE * p.page.width,
        INSURERS_TOP_SHARE * p.page.height,
        p.page.width,
        bottom,
    )


def _right_column_edge(p: PageLabels) -> float:
    """On a scan, where the right half of the head of the form starts: just left of the
    column of INSURER labels (the producer and insured boxes end there); the page's
    width elsewhere."""
    if p.region_ocr is None:
        return p.page.width
    labels = _insurer_label_words(p, _insurers_area(p))
    return min(w.x0 for w in labels) - 2 if len(labels) >= 3 else p.page.width


def _insurer_rows(p: PageLabels, labels: list[Word]) -> tuple[list[tuple[float, float]], int]:
    """(top, bottom) of the ruled rows around the INSURER labels, and the index of row A
    among them (rows of the heading and above may come first); index -1 when it is not
    known which row is A."""
    if p.ink is None:
        return [], -1
    left = statistics.median(w.x0 for w in labels)
    # Room above for the rows whose labels OCR lost entirely.
    top = min(w.top for w in labels) - INSURER_ROWS * INSURER_ROW_MAX_PT
    bottom = max(w.bottom for w in labels) + LAST_ROW_BELOW_PT
    rules = p.ink.horizontal_rules(left + 40, left + 200, top, bottom)
    rows = [
        (a, b)
        for a, b in pairwise(rules)
        if INSURER_RULE_GAP_MIN_PT <= b - a <= INSURER_RULE_GAP_MAX_PT
    ]
    # Rows whose printed letter OCR read say which row is A.
    offsets = [
        i - _LETTERS.index(letter)
        for letter, cy in _insurer_letters(p, labels)
        for i, row in enumerate(rows)
        if row[0] <= cy <= row[1]
    ]
    if offsets:
        return rows, statistics.mode(offsets)
    # Without a letter, the topmost of (nearly) all six labels is A.
    if len(labels) < 5:
        return rows, -1
    first = min(labels, key=lambda w: w.top)
    inside = [i for i, row in enumerate(rows) if row[0] <= first.cy <= row[1]]
    return rows, inside[0] if inside else -1


def _insurer_letters(p: PageLabels, labels: list[Word]) -> list[tuple[str, float]]:
    """(letter, line centre) of the rows whose letter OCR read: "INSURER B", or a lone
    capital A-F just after an INSURER-like word."""
    found = []
    for letter in _LETTERS:
        hit = p.page.find_label(f"INSURER {letter}")
        if hit is not None:
            found.append((letter, hit.cy))
    for label in labels:
        after = [
            w
            for w in p.page.words_in((label.x1, label.top - 3, label.x1 + 20, label.bottom + 3))
            if w.x0 >= label.x1 - 1
        ]
        nearest = min(after, key=lambda w: w.x0, default=None)
        if nearest is not None:
            letter = nearest.text.strip(" :;.,")
            if len(letter) == 1 and letter in _LETTERS:
                found.append((letter, label.cy))
    return found


def _insurers_from_rows(p: PageLabels, naic: Label | None) -> list[dict[str, str | None]] | None:
    """The insurers of a scan, or None when the ruled rows cannot be found."""
    assert p.region_ocr is not None
    width = p.page.width
    labels = _insurer_label_words(p, _insurers_area(p))
    if len(labels) < 3:
        return None
    rows, first = _insurer_rows(p, labels)
    if first < 0:
        return None
    lettered = rows[first : first + len(_LETTERS)]
    # The form prints five or six rows.
    if len(lettered) < 5:
        return None
    # The letter and colon of "INSURER A :" follow the word INSURER; the name after them.
    label_right = statistics.median(w.x1 for w in labels)
    naic_left = naic.x0 - NAIC_HEADER_INSET_PT if naic is not None else width - NAIC_COLUMN_PT
    with ThreadPoolExecutor(max_workers=2) as pool:
        readings = list(pool.map(lambda row: _read_insurer_row(p, label_right, row), lettered))
    by_row = {index: words for index, words in enumerate(readings) if words}
    lettered_rows = dict(enumerate(lettered))
    if not by_row:
        return None
    insurers: list[dict[str, str | None]] = []
    for index, words in sorted(by_row.items()):
        name_words = sorted((w for w in words if w.cx < naic_left), key=lambda w: w.x0)
        naic_words = [w for w in words if w.cx >= naic_left]
        # The name is one run of words a space apart: print set further right is the NAIC
        # column's, its code or scraps of it read across the column's edge ("51S,").
        name_words, beyond = _name_run(name_words)
        naic_words = [*beyond, *naic_words]
        # A NAIC code set a little left of its column ends up after the name.
        while name_words and re.fullmatch(r"\W?\d{4,6}\W?", name_words[-1].text):
            naic_words = [name_words.pop(), *naic_words]
        name = clean_name(joined_text(name_words)) if name_words else ""
        if not re.search(r"[A-Za-z]{4}", name):
            continue
        code = naic_code(joined_text(naic_words)) if naic_words else None
        if code is None:
            top, bottom = lettered_rows[index]
            code = _reread_naic(p, (naic_left, top + 0.5, p.page.width - 6, bottom - 0.5))
        pointer = f"/insurers/{len(insurers)}"
        p.evidence.note(f"{pointer}/name", name_words)
        if naic_words:
            p.evidence.note(f"{pointer}/naic", naic_words)
        insurers.append({"letter": _LETTERS[index], "name": name, "naic": code})
    return insurers


# An insurer's name is set in one run, its words a space apart (2-8 pt at the form's 8-10 pt
# type); a gap of 15 pt or more after a word ends the name: what follows stands in the NAIC
# column or across its edge.
NAME_GAP_PT = 15.0


def _name_run(words: list[Word]) -> tuple[list[Word], list[Word]]:
    """A row's words left of the NAIC column, left to right, cut at the first gap wider than
    a name's spaces: (the name's words, the words after the gap)."""
    for index in range(1, len(words)):
        if words[index].x0 - words[index - 1].x1 >= NAME_GAP_PT:
            return words[:index], words[index:]
    return words, []


def _read_insurer_row(p: PageLabels, label_right: float, row: tuple[float, float]) -> list[Word]:
    """The name and NAIC code of one row, read again in grey as a line; a row with nothing
    printed in it is not read."""
    assert p.region_ocr is not None and p.ink is not None
    right = p.page.width - 6
    top, bottom = row[0] + 0.5, row[1] - 0.5
    if p.ink.ink(label_right + 16, top + 1.5, right - 4, bottom - 1.5) < EMPTY_CELL_INK_SHARE:
        return []
    words = [
        w
        for w in p.region_ocr((label_right + 1, top, right, bottom), single_line=True)
        if not (w.x0 < label_right + 16 and _label_scrap(w.text))
        and not _heading_word(w.text)
        # Tesseract's scraps of rules and specks are short or garbled, and unsure
        and (w.confidence >= 0.3 or len(w.text) > 3)
        and not (w.confidence < 0.5 and not _wordlike(w.text))
    ]
    # The name's line; scraps Tesseract set above or below it are rules and specks.
    lines = [line.words for line in group_lines(words)]
    main = max(lines, key=lambda ws: sum(len(w.text) for w in ws), default=[])
    main = _without_label_letter(sorted(main, key=lambda w: w.x0), label_right)
    page_words = p.values_in((label_right + 1, top, right, bottom))
    # Words of the name the page pass read with more confidence are kept; a NAIC code's
    # digits are this reading's (the page pass reads "1" as "T" with more confidence).
    chosen = [
        w if re.search(r"\d{3}", w.text) else merged
        for w, merged in zip(main, likelier_words(main, page_words), strict=True)
    ]
    # One place of the line holds one word: a word read at next to no confidence whose box
    # takes in a word read surely ("sss26627—" over "Company" and the NAIC code beyond it) is
    # rules and print Tesseract could not tell apart.
    chosen = [
        w
        for w in chosen
        if not (
            w.confidence <= GARBLED_CONFIDENCE
            and any(
                o is not w and o.confidence >= SURE_WORD_CONFIDENCE and _within(o, w)
                for o in chosen
            )
        )
    ]
    # The row is print when its words, each the likelier reading, are: a grey reading unsure
    # of words the page pass read surely ("Lines" at 0.02) is still the row's name.
    return chosen if legible(chosen) else []


# Tesseract's confidence in a run of print and rules it could not read is next to none; in a
# word it read surely, half or more.
GARBLED_CONFIDENCE = 0.1
SURE_WORD_CONFIDENCE = 0.5


def _within(word: Word, wide: Word) -> bool:
    """Whether most of a word's width lies inside another's box."""
    shared = min(word.x1, wide.x1) - max(word.x0, wide.x0)
    return shared > (word.x1 - word.x0) / 2


def _reread_naic(p: PageLabels, cell: BBox) -> str | None:
    """A NAIC code read again as digits only, when the first reading was not five digits."""
    assert p.region_ocr is not None and p.ink is not None
    if p.ink.ink(cell[0] + 4, cell[1] + 1.5, cell[2] - 4, cell[3] - 1.5) < EMPTY_CELL_INK_SHARE:
        return None
    fresh = p.region_ocr(cell, single_line=True, whitelist="0123456789")
    return naic_code(joined_text(fresh)) if fresh else None


def _without_label_letter(words: list[Word], label_right: float) -> list[Word]:
    """A row's words (left to right) without the label's letter and colon read as a short
    word ("ERA" for "A :") just after the INSURER label and set apart from the name by more
    than a space."""
    if len(words) < 2:
        return words
    first, second = words[0], words[1]
    if (
        first.x0 < label_right + 16
        and len(re.sub(r"[^A-Za-z0-9]", "", first.text)) <= 3
        and second.x0 - first.x1 > 2 * first.height
    ):
        return words[1:]
    return words


def _label_scrap(text: str) -> bool:
    """The letter and colon of an "INSURER A :" label as OCR read them ("A", ":", "8B:",
    "‘KS"): at most two letters or digits, where a name's first word starts."""
    return len(re.sub(r"[^A-Za-z0-9]", "", text)) <= 2


_HEADING = ("INSURERS", "INSURER(S)", "AFFORDING", "PROVIDING", "COVERAGE", "NAIC")


def _heading_word(text: str) -> bool:
    """A word of the box's heading, "INSURER(S) AFFORDING COVERAGE ... NAIC #"."""
    return text.strip() == "#" or any(similarity(text, word) >= 0.8 for word in _HEADING)


def _wordlike(text: str) -> bool:
    """Mostly letters and digits, with no odd marks inside ("=§-§/§s" and "goe(it*d" are
    Tesseract's reading of a rule or a speck)."""
    letters = len(re.sub(r"[^A-Za-z0-9]", "", text))
    return letters >= 0.6 * len(text) and not re.search(r"\w[^\w\s.,&'/-]+\w", text)
