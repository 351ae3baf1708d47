"""One coverage per row of the table: insurer letter, policy number, dates, marks, limits
and the boxes ticked in the TYPE OF INSURANCE cell; OTHER rows as printed."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any, Final

from backend.acord.coverage_limits import (
    AUTO_LIMITS,
    GL_LIMITS,
    UMBRELLA_LIMITS,
    WC_LIMITS,
    _other_limits,
    read_limits,
)
from backend.acord.coverage_table import Table, _cell, find_table
from backend.acord.coverage_ticks import (
    _covered_autos,
    _gl_ticks,
    _statute_box,
    _umbrella_ticks,
)
from backend.acord.geometry import Word, compact, group_lines
from backend.acord.officers_question import (
    answer_candidates,
    answer_letter_box,
    question_end,
    question_right,
)
from backend.acord.page_labels import PageLabels, joined_text, lines_with_words
from backend.acord.pdftext import InkMeter
from backend.acord.scan_cells import (
    MARK_ZOOMS,
    _read_mark,
    _reread_dates,
    insurer_letter,
    on_row_line,
    read_row_letter,
)
from backend.acord.tick_marks import INSET_PT, find_boxes
from backend.acord.values import (
    clean_text,
    parse_date,
    parse_mark,
    parse_other_limits,
    zero_before_digit,
)

# A policy number's cell is read again 3 pt beyond the page pass's words (a number across the
# column's edge), 1 pt inside the column's rules otherwise.
POLICY_MARGIN_PT: Final = 3.0
# The STATUTE box of the workers compensation row may start 10 pt left of the LIMITS column.
STATUTE_LEAD_PT: Final = 10.0
# The officers' Y / N answer box stands in the right 45 % of the TYPE OF INSURANCE cell.
ANSWER_LEFT_SHARE: Final = 0.55
# A letter within 0.6 of its height of a slash's line is the "Y / N" heading, not an answer.
HEADING_LINE_SHARE: Final = 0.6
# The answer box under its "Y / N" heading: 6 pt wider each side, 12 pt tall (a 9-10 pt letter
# and its rules); after the question "EXCLUDED?" on the 2001 edition: 8 pt above to 4 below.
ANSWER_SIDE_PT: Final = 6.0
ANSWER_BOX_PT: Final = 12.0
QUESTION_ABOVE_PT: Final = 8.0
QUESTION_BELOW_PT: Final = 4.0
# Specks of a scanned page ink a few thousandths of an empty box; a letter in a box this size,
# a few hundredths.
ANSWER_INK: Final = 0.012
# On a text page the answer is typed under its heading: 8 pt wider each side, 14 pt down.
TYPED_ANSWER_SIDE_PT: Final = 8.0
TYPED_ANSWER_BELOW_PT: Final = 14.0
# ... or after the question, from 10 pt above its line (values set a few points high).
TYPED_ANSWER_ABOVE_PT: Final = 10.0
# An OTHER row's band keeps half a point round its words.
ROW_MARGIN_PT: Final = 0.5
# A Y or N of the marks columns is a capital of the values' print, 6 pt or larger: 3 pt tall
# at the least, twice a speck read as a letter (1-2 pt).
MARK_MIN_HEIGHT_PT: Final = 3.0
# A policy number holds five letters or digits or more.
POLICY_MIN_CHARACTERS: Final = 5


def _is_mark(p: PageLabels, word: Word) -> bool:
    """A Y, N or X read in a marks column; on a scan, only as tall as a letter of the values'
    print: a speck or a rule's end OCR took for a small "y" or "x" is a point or two."""
    if parse_mark(word.text) is None:
        return False
    return p.region_ocr is None or word.height >= MARK_MIN_HEIGHT_PT


def read_coverages(p: PageLabels) -> list[dict[str, Any]]:
    table = find_table(p)
    if table is None:
        return []
    coverages: list[dict[str, Any]] = []
    for line in ("general_liability", "auto_liability", "umbrella", "workers_compensation"):
        if line in table.bands:
            coverage = _coverage(p, table, line, table.bands[line], len(coverages))
            if coverage is not None:
                coverages.append(coverage)
    if "other" in table.bands:
        coverages.extend(_other_rows(p, table, table.bands["other"], len(coverages)))
    return coverages


def _common(
    p: PageLabels, table: Table, band: tuple[float, float], pointer: str, line: str
) -> dict[str, Any]:
    ltr_words = [w for w in _cell(p, table, "ltr", band) if insurer_letter(w.text) is not None]
    policy_words = _cell(p, table, "policy", band)
    eff_words = [w for w in _cell(p, table, "eff", band) if parse_date(w.text)]
    exp_words = [w for w in _cell(p, table, "exp", band) if parse_date(w.text)]
    addl_words = [w for w in _cell(p, table, "addl", band) if _is_mark(p, w)]
    subr_words = [w for w in _cell(p, table, "subr", band) if _is_mark(p, w)]
    if line == "workers_compensation":
        addl_words = [w for w in addl_words if w.text.upper() not in {"N", "A"}]
    policy_lines = lines_with_words(policy_words)
    if p.region_ocr is not None:
        # On a scan a rule or a speck above the number reads as a scrap ("in", "L", "4"); a
        # policy number holds digits, and five characters or more ("4" is a speck's).
        numbered = [pl for pl in policy_lines if re.search(r"\d", pl[0])]
        policy_lines = (
            [
                pl
                for pl in numbered
                if len(re.sub(r"[^A-Za-z0-9]", "", pl[0])) >= POLICY_MIN_CHARACTERS
            ]
            or numbered
            or policy_lines
        )
    policy_text, policy_used = policy_lines[0] if policy_lines else ("", [])
    common: dict[str, Any] = {
        "line": line,
        "insurer_letter": insurer_letter(ltr_words[0].text) if ltr_words else None,
        "policy_number": clean_text(policy_text) or None,
        "effective": parse_date(eff_words[0].text) if eff_words else None,
        "expiration": parse_date(exp_words[0].text) if exp_words else None,
        # A form without the column (the 2001/08 edition has no SUBR WVD) says nothing.
        "additional_insured": bool(addl_words and parse_mark(addl_words[0].text))
        if "addl" in table.columns
        else None,
        "subrogation_waived": bool(subr_words and parse_mark(subr_words[0].text))
        if "subr" in table.columns
        else None,
    }
    if p.alternates:
        _prefer_alternates(p, table, band, common, policy_used, eff_words, exp_words)
        for key, column, found in (
            ("additional_insured", "addl", addl_words),
            ("subrogation_waived", "subr", subr_words),
        ):
            if found or column not in table.columns:
                continue
            left, right = table.columns[column]
            marks = [
                w
                for w in p.alternates
                if left <= w.cx <= right
                and band[0] <= w.cy <= band[1]
                and _is_mark(p, w)
                and not (line == "workers_compensation" and w.text.upper() in {"N", "A"})
            ]
            if marks:
                common[key] = bool(parse_mark(marks[0].text))
                continue
            if p.region_ocr is not None and policy_used:
                mark = _read_mark(p, table.columns[column], policy_used)
                if mark is not None:
                    common[key] = mark
    if p.region_ocr is not None and "ltr" in table.columns:
        row = policy_used or eff_words[:1] or exp_words[:1]
        # On a scan a letter read off the row's line is another row's, or a speck's.
        if not on_row_line(ltr_words, row):
            read = read_row_letter(p, table.columns["ltr"], row)
            common["insurer_letter"] = insurer_letter(read[0].text) if read else None
            ltr_words = read
    if p.region_ocr is not None:
        row = policy_used or ltr_words or eff_words[:1] or exp_words[:1]
        _reread_dates(p, table, common, row, pointer)
    p.evidence.note(f"{pointer}/insurer_letter", ltr_words[:1])
    p.evidence.note(f"{pointer}/policy_number", policy_used)
    if p.region_ocr is not None:
        _reread_policy_number(
            p, table, common, policy_used or eff_words[:1] or exp_words[:1], pointer
        )
    if p.region_ocr is not None and common["policy_number"]:
        common["policy_number"] = zero_before_digit(common["policy_number"])
    p.evidence.note(f"{pointer}/effective", eff_words[:1])
    p.evidence.note(f"{pointer}/expiration", exp_words[:1])
    p.evidence.note(f"{pointer}/additional_insured", addl_words[:1])
    p.evidence.note(f"{pointer}/subrogation_waived", subr_words[:1])
    return common


def _reread_policy_number(
    p: PageLabels, table: Table, common: dict[str, Any], row: list[Word], pointer: str
) -> None:
    """On a scan, the policy number read again on its own as one line in grey, with the
    characters policy numbers are printed with, unless the page pass read it cleanly and
    surely. The page pass works on black-and-white pixels and the table's grey re-read on
    the whole column; both misread a digit or a dash as a sign ("$8GLVD37220",
    "GA_-829253.18") or split a number ("UMB-28 3045-34"). A differing reading never
    scores higher than the readings it replaces."""
    assert p.region_ocr is not None
    if "policy" not in table.columns or not row:
        return
    current = common["policy_number"]
    page_text = joined_text(row) if re.search(r"\d", joined_text(row)) else None
    if (
        current is not None
        and current == page_text
        and len(row) == 1
        and row[0].confidence >= _SURE_POLICY
        and _clean_policy_number(current)
    ):
        return  # one word read surely and cleanly (a space the page pass saw is checked)
    left, right = table.columns["policy"]
    # The whole cell's width on the row's line: the page pass may have read only part of
    # the number, and a number printed across the column's edge is taken whole.
    inside = [w for w in row if left <= w.cx <= right]
    box = (
        min([left + 1] + [w.x0 - POLICY_MARGIN_PT for w in inside]),
        min(w.top for w in row) - 2,
        max([right - 1] + [w.x1 + POLICY_MARGIN_PT for w in inside]),
        max(w.bottom for w in row) + 2,
    )
    fresh = p.region_ocr(box, single_line=True, whitelist=_POLICY_CHARACTERS)
    value, words = policy_number_reading(fresh)
    if value is None and current is not None and current == page_text:
        # The grey reading gave no number: the page pass's words, split ones joined.
        value, words = policy_number_reading(row)
    if value is None or value == current:
        return
    common["policy_number"] = value
    before = p.evidence.fields.get(f"{pointer}/policy_number", {}).get("confidence", 1.0)
    p.evidence.note(
        f"{pointer}/policy_number",
        words,
        confidence=min([before, *(w.confidence for w in words)]),
    )


def _prefer_alternates(
    p: PageLabels,
    table: Table,
    band: tuple[float, float],
    common: dict[str, Any],
    policy_used: list[Word],
    eff_words: list[Word],
    exp_words: list[Word],
) -> None:
    """Take the second (grey) reading of the policy number and dates where it is the
    likelier one: the page pass found nothing there, or was less sure."""

    def cell(column: str) -> list[Word]:
        if column not in table.columns:
            return []
        left, right = table.columns[column]
        return [w for w in p.alternates if left <= w.cx <= right and band[0] <= w.cy <= band[1]]

    def sure(words: list[Word]) -> float:
        return sum(w.confidence for w in words) / len(words) if words else 0.0

    lines = [
        (text, words) for text, words in lines_with_words(cell("policy")) if re.search(r"\d", text)
    ]
    if lines:
        text, words = lines[0]
        if not common["policy_number"] or sure(words) > sure(policy_used):
            common["policy_number"] = clean_text(text) or common["policy_number"]
    for key, column, found in (
        ("effective", "eff", eff_words),
        ("expiration", "exp", exp_words),
    ):
        dates = [w for w in cell(column) if parse_date(w.text)]
        if dates and (common[key] is None or sure(dates[:1]) > sure(found[:1])):
            common[key] = parse_date(dates[0].text)


def _coverage(
    p: PageLabels, table: Table, line: str, band: tuple[float, float], index: int
) -> dict[str, Any] | None:
    pointer = f"/coverages/{index}"
    common = _common(p, table, band, pointer, line)
    type_left, type_right = table.columns.get("type", (0.0, table.limits_x))
    type_region = (type_left, band[0], type_right, band[1])
    coverage: dict[str, Any] = dict(common)
    if line == "general_liability":
        limits, any_value, included = read_limits(p, table, band, GL_LIMITS, pointer)
        coverage["basis"], coverage["aggregate_applies_per"] = _gl_ticks(p, type_region)
    elif line == "auto_liability":
        limits, any_value, included = read_limits(p, table, band, AUTO_LIMITS, pointer)
        coverage["covered_autos"] = _covered_autos(p, type_region)
    elif line == "umbrella":
        limits, any_value, included = read_limits(p, table, band, UMBRELLA_LIMITS, pointer)
        excess, coverage["basis"] = _umbrella_ticks(p, type_region)
        if excess:
            coverage["line"] = "excess"
    else:
        limits, any_value, included = read_limits(p, table, band, WC_LIMITS, pointer)
        statute_area = (table.limits_x - STATUTE_LEAD_PT, band[0], p.page.width, band[1])
        coverage["statutory"] = _statute_box(p, statute_area, type_region)
        coverage["officers_excluded"] = _officers_excluded(p, table, band)
    coverage["limits"] = limits
    coverage["included_limits"] = included
    has_content = any_value or coverage["policy_number"] or coverage["effective"]
    return coverage if has_content else None


def _officers_excluded(p: PageLabels, table: Table, band: tuple[float, float]) -> bool | None:
    """The Y / N answer printed after "... OFFICER/MEMBER EXCLUDED?"."""
    answer = _officers_answer(p, table, band)
    if answer is None and p.region_ocr is not None:
        answer = _scan_officers_answer(p, table, band)
    if answer is None and p.region_ocr is not None:
        answer = _boxed_officers_answer(p, table, band)
    return answer


def _boxed_officers_answer(p: PageLabels, table: Table, band: tuple[float, float]) -> bool | None:
    """On a scan whose readings of the row found no answer: the answer box itself, found
    from its printed outline in the right of the row's TYPE OF INSURANCE cell, its inside
    read alone as one letter Y or N, larger when the page's scale gives nothing (a thin
    letter in a box reads as the box's borders). Only where the cell holds one box with print
    in it: the form prints one answer box there."""
    assert p.region_ocr is not None
    if "type" not in table.columns or not isinstance(p.ink, InkMeter):
        return None
    left, right = table.columns["type"]
    region = (left + ANSWER_LEFT_SHARE * (right - left), band[0], right, band[1])
    inked = [box for box in find_boxes(p.ink, region) if not box.empty]
    if len(inked) != 1:
        return None
    box = inked[0]
    inside = (box.x0 + INSET_PT, box.top + INSET_PT, box.x1 - INSET_PT, box.bottom - INSET_PT)
    for zoom in MARK_ZOOMS:
        for word in p.region_ocr(inside, single_char=True, whitelist="YN", zoom=zoom):
            mark = parse_mark(_answer_text(word))
            if mark is not None:
                return mark
    return None


def _scan_officers_answer(p: PageLabels, table: Table, band: tuple[float, float]) -> bool | None:
    """On a scan whose page pass lost the question's labels or its answer: the lone Y or N
    in the right of the TYPE OF INSURANCE cell of the row, read again as scattered print
    (the "Y / N" heading above the box reads as letters beside a slash)."""
    assert p.region_ocr is not None
    if "type" not in table.columns:
        return None
    left, right = table.columns["type"]
    if "addl" in table.columns and table.columns["addl"][0] > left:
        right = min(right, table.columns["addl"][0])
    region = (left + ANSWER_LEFT_SHARE * (right - left), band[0] + 1, right - 1, band[1] - 1)
    words = p.region_ocr(region, sparse=True)
    slashes = [w for w in words if "/" in w.text]
    excluded = question_end(p, (0, band[0], table.limits_x, band[1]))
    # A letter above the question's first line is the heading's (its N read alone).
    answers = words if excluded is None else answer_candidates(p, words, excluded)
    lone = [
        w
        for w in answers
        if _answer_text(w) in ("Y", "N")
        and not any(abs(s.cy - w.cy) < HEADING_LINE_SHARE * w.height for s in slashes)
        and _stands_alone(w, words, region)
    ]
    if lone:
        return parse_mark(_answer_text(max(lone, key=lambda w: w.height)))
    # The answer box under its "Y / N" heading, or after the question on the 2001
    # edition, read alone.
    heading = next((w for w in words if re.fullmatch(r"Y.?N", compact(w.text))), None)
    if heading is not None:
        box = (
            heading.x0 - ANSWER_SIDE_PT,
            heading.bottom,
            heading.x1 + ANSWER_SIDE_PT,
            heading.bottom + ANSWER_BOX_PT,
        )
        if p.ink is None or p.ink.ink(*box) < ANSWER_INK:
            return None
    elif excluded is not None and isinstance(p.ink, InkMeter):
        top, bottom = excluded.top - QUESTION_ABOVE_PT, excluded.bottom + QUESTION_BELOW_PT
        # The answer stands after both lines of the question, the first the longer: the box
        # is where a letter's ink stands alone there (the share of ink of a box so wide
        # would not tell a thin letter from a scan's specks).
        after = (question_right(p, excluded, (top, bottom)) + 1, top, right - 1, bottom)
        letter = answer_letter_box(p.ink, after) if after[2] > after[0] else None
        if letter is None:
            return None
        box = letter
    else:
        return None
    # A lone letter is often not recognised at the page's scale; larger, it is.
    for zoom in MARK_ZOOMS:
        for word in p.region_ocr(box, single_char=True, whitelist="YN", zoom=zoom):
            # The question's "?" may come out as a letter before the answer ("NN").
            mark = parse_mark(word.text[-1:])
            if mark is not None:
                return mark
    # Read as one character the box may give nothing (print beside the letter): read as a
    # block, the answer is its last lone Y or N, not one beside a slash (the "Y / N" and
    # "N / A" headings).
    return _last_lone_answer(p.region_ocr(box))


# A letter with another word on its line closer than its own height is a letter of a word of
# the form's print (the "N" of "DESCRIPTION OF OPERATIONS below" cut at the read box's edge),
# not the lone Y or N typed in the answer box; one within a point of the box's left edge is a
# word cut by the box.
LONE_LETTER_CLEARANCE_SHARE: Final = 1.0
CUT_AT_EDGE_PT: Final = 1.0


def _answer_text(word: Word) -> str:
    """A reading of the answer box's letter: the box holds only Y or N, so a yen sign there
    is OCR's reading of a Y."""
    return word.text.strip(" .:|").replace("¥", "Y")


def _stands_alone(word: Word, words: list[Word], region: tuple[float, float, float, float]) -> bool:
    """Whether a letter stands by itself on its line, as an answer does, not inside a line of
    print (the form's question and its "If yes, describe under ..." note)."""
    if word.x0 - region[0] < CUT_AT_EDGE_PT:
        return False
    clearance = LONE_LETTER_CLEARANCE_SHARE * word.height
    return not any(
        other is not word
        and abs(other.cy - word.cy) < HEADING_LINE_SHARE * word.height
        and max(other.x0 - word.x1, word.x0 - other.x1) < clearance
        for other in words
    )


def _last_lone_answer(words: list[Word]) -> bool | None:
    """The Y / N answer a reading of the answer box ends with: its rightmost word that is a
    lone Y or N ("Y.", "N"), none standing on the line of a slash; None without one. The box
    holds only Y or N, so a yen sign there is OCR's reading of a Y."""

    answer = _answer_text
    slashes = [w for w in words if "/" in w.text]
    lone = [
        w
        for w in words
        if answer(w) in ("Y", "N")
        and not any(abs(s.cy - w.cy) < HEADING_LINE_SHARE * w.height for s in slashes)
    ]
    if not lone:
        return None
    return parse_mark(answer(max(lone, key=lambda w: w.x1)))


def _officers_answer(p: PageLabels, table: Table, band: tuple[float, float]) -> bool | None:
    left_part = (0, band[0], table.limits_x, band[1])
    yes_no = p.label("Y / N", "Y/N", region=left_part)
    p.label("N / A", "N/A", region=left_part)
    if yes_no is not None:
        # The answer box sits under its "Y / N" heading.
        below = (
            yes_no.x0 - TYPED_ANSWER_SIDE_PT,
            yes_no.bottom - 1,
            yes_no.x1 + TYPED_ANSWER_SIDE_PT,
            yes_no.bottom + TYPED_ANSWER_BELOW_PT,
        )
        for word in sorted(p.values_in(below), key=lambda w: w.top):
            value = parse_mark(word.text)
            if value is not None and word.text.upper() != "X":
                return value
    excluded = p.label("EXCLUDED", region=left_part)
    if excluded is None:
        return None
    right = min(
        [
            table.columns[name][0]
            for name in ("addl", "subr", "policy")
            if name in table.columns and table.columns[name][0] > excluded.x1
        ]
        or [table.limits_x]
    )
    region = (
        excluded.x1,
        excluded.top - TYPED_ANSWER_ABOVE_PT,
        right,
        excluded.bottom + QUESTION_BELOW_PT,
    )
    for word in answer_candidates(p, p.values_in(region), excluded):
        value = parse_mark(word.text)
        if value is not None and word.text.upper() != "X":
            return value
    return None


def _other_rows(
    p: PageLabels, table: Table, band: tuple[float, float], first_index: int
) -> list[dict[str, Any]]:
    words = p.values_in((0, band[0], p.page.width, band[1]))
    lines = group_lines(words)
    policy_cols = [table.columns.get(c) for c in ("ltr", "policy")]
    # A row starts at its policy number's line (on a scan, a speck or a rule's scrap in the
    # narrow letter column, "E" or "r", or a bracket at the policy column's edge, would
    # split a row in two); at its insurer letter where no policy number was read.
    policy = policy_cols[1]
    starts = [
        index
        for index, line in enumerate(lines)
        if policy is not None
        and any(
            policy[0] <= w.cx <= policy[1] and len(re.sub(r"[^A-Za-z0-9]", "", w.text)) >= 2
            for w in line.words
        )
    ]
    if not starts:
        for index, line in enumerate(lines):
            if any(
                col is not None and any(col[0] <= w.cx <= col[1] for w in line.words)
                for col in policy_cols
            ):
                starts.append(index)
    if not starts and lines:
        starts = [0]
    rows: list[list[Word]] = []
    for number, start in enumerate(starts):
        begin = 0 if number == 0 else start
        # A limit label or description printed just above the row's main line belongs to it.
        if number > 0 and start > 0 and starts[number - 1] != start - 1:
            previous = lines[start - 1]
            if not any(
                policy_cols[1] is not None and policy_cols[1][0] <= w.cx <= policy_cols[1][1]
                for w in previous.words
            ):
                begin = start - 1
        stop = starts[number + 1] if number + 1 < len(starts) else len(lines)
        if number + 1 < len(starts) and starts[number + 1] - 1 > start:
            stop = starts[number + 1] - 1 if starts[number + 1] - 1 > start else starts[number + 1]
        row_words = [w for line in lines[begin:stop] for w in line.words]
        rows.append(row_words)
    coverages: list[dict[str, Any]] = []
    for row_words in rows:
        if not row_words:
            continue
        top = min(w.top for w in row_words) - ROW_MARGIN_PT
        bottom = max(w.bottom for w in row_words) + ROW_MARGIN_PT
        pointer = f"/coverages/{first_index + len(coverages)}"
        common = _common(p, table, (top, bottom), pointer, "other")
        type_col = table.columns.get("type", (0.0, 0.0))
        desc_words = [
            w
            for w in row_words
            if type_col[0] <= w.cx <= type_col[1] and not _rule_scrap(w, type_col)
        ]
        limit_words = [w for w in row_words if w.cx >= table.limits_x]
        printed = " ".join(line.text for line in group_lines(limit_words))
        coverage: dict[str, Any] = {
            "line": "other",
            "description": _without_row_label(clean_text(joined_text(desc_words))),
            **{k: v for k, v in common.items() if k != "line"},
            "limits": _other_limits(p, table, limit_words) or parse_other_limits(printed),
            "limits_as_printed": printed or None,
        }
        p.evidence.note(f"{pointer}/description", desc_words)
        p.evidence.note(f"{pointer}/limits", limit_words)
        if _worded(coverage["description"]) or coverage["policy_number"]:
            coverages.append(coverage)
    return coverages


# On a scan the cell's rules, a box's corner or a speck beside them read as a character of
# their own ("t", "+", "L", "1"): a one-character word within 2 pt of the cell's left or right
# rule (a rule and its blur) is such a scrap; print starts a letter's side bearing further in.
RULE_SCRAP_PT: Final = 2.0
# A description names a line of insurance: two letters at least ("E&O"); a lone letter or a
# sign is a speck's reading.
DESCRIPTION_MIN_LETTERS: Final = 2


def _rule_scrap(word: Word, cell: tuple[float, float]) -> bool:
    return len(word.text.strip()) == 1 and (
        word.x0 - cell[0] < RULE_SCRAP_PT or cell[1] - word.x1 < RULE_SCRAP_PT
    )


def _worded(description: str | None) -> bool:
    return len(re.sub(r"[^A-Za-z]", "", description or "")) >= DESCRIPTION_MIN_LETTERS


# Policy numbers are printed in capitals, digits, dashes and now and then a slash or a space.
_POLICY_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/ "
# The page pass's confidence above which its reading of a clean number is kept unread.
_SURE_POLICY = 0.85
# The ink gap at a printed space is some 0.4 of a letter's width or more (the space and the
# letters' side bearings); OCR also splits a word on narrower gaps.
_SPLIT_GAP = 0.35
# Digits are set on one width (tabular figures) in the fonts forms are filled in, and a "1"
# inks a stem inside its digit's cell with a hairline flag to its left, the stroke a scan
# loses first. Between two digits its ink then leaves a wide blank in its cell: right of the
# stem about 0.3 of a character more than another digit's side, left of it (the flag gone)
# about 0.4. A gap that wide inside a run of digits is no printed space ("SLD-1 132309",
# "BA7 180299"); between a letter and a digit (proportional letters, the place codes print
# their space: "LLW 133763") the gap is measured as it is.
ONE_RIGHT_BLANK_SHARE = 0.3
ONE_LEFT_BLANK_SHARE = 0.4
# A dash joins the parts of a code: no code prints a space on one side of its dash only, so a
# dash OCR set apart from one neighbour by less than a character's width belongs to both
# ("TRP- 2234678", "MCF -2476086").
DASH_GAP_SHARE = 1.0


def _clean_policy_number(text: str) -> bool:
    """Whether a reading looks like a policy number: capitals and digits, inner dashes,
    slashes or single spaces, and a digit."""
    return bool(
        re.fullmatch(r"[A-Z0-9]+(?:[ /-]{1,2}[A-Z0-9]+)*", text)
        and re.search(r"\d", text)
        and len(re.sub(r"[^A-Z0-9]", "", text)) >= POLICY_MIN_CHARACTERS
    )


def policy_number_reading(words: list[Word]) -> tuple[str | None, list[Word]]:
    """A policy number from a one-line reading of its cell (the words left to right): scraps
    of the cell's rules at either end dropped ("/" of a rule read before the number), words
    OCR split on a gap narrower than a space joined ("ZMK-19851 13"); (None, []) unless the
    result looks like a policy number."""
    kept = [w for w in sorted(words, key=lambda w: w.x0) if re.search(r"[A-Z0-9]", w.text)]
    if not kept:
        return None, []
    parts = [kept[0].text]
    for before, word in pairwise(kept):
        if _one_word(before, word):
            parts[-1] += word.text
        else:
            parts.append(word.text)
    value = re.sub(r"^[/-]+|[/-]+$", "", " ".join(parts))
    return (value, kept) if _clean_policy_number(value) else (None, [])


def _one_word(before: Word, word: Word) -> bool:
    """Whether two words of a code's one-line reading, left to right, are one printed word OCR
    split: the ink gap between them, in characters of their own width (their boxes' width
    over their characters), less the blank a "1" leaves beside it among digits, narrower than
    a space; or a dash on one side of the gap only, within a character's width."""
    letters = len(before.text) + len(word.text)
    width = (before.x1 - before.x0 + word.x1 - word.x0) / max(letters, 1)
    if width <= 0:
        return False
    gap = (word.x0 - before.x1) / width
    dash_before = before.text.endswith("-") and len(before.text) > 1
    dash_after = word.text.startswith("-") and len(word.text) > 1
    if dash_before != dash_after and gap < DASH_GAP_SHARE:
        return True
    blank = 0.0
    if before.text[-1:].isdigit() and word.text[:1].isdigit():
        blank = ONE_RIGHT_BLANK_SHARE * before.text.endswith("1") + ONE_LEFT_BLANK_SHARE * (
            word.text.startswith("1")
        )
    return gap - blank < _SPLIT_GAP


def _without_row_label(text: str) -> str | None:
    """An OTHER row's description without the printed "OTHER" row label of older editions."""
    stripped = re.sub(r"^OTHER\b[:\s]*|\s*\bOTHER$", "", text)
    return (stripped or text) or None
