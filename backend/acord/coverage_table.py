"""The coverage table's structure: its columns from the header labels (or the drawn rules),
its row bands from the row labels; on a scan, the header row and the values read again."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from backend.acord.geometry import BBox, Label, PageText, Word
from backend.acord.page_labels import PageLabels
from backend.acord.values import LEAST_LIMIT, parse_money

# The form's geometry, in points of a letter page (612 x 792), as every edition prints it.
# The LIMITS column fills the right third of the table: its amounts stand right of 60 % of the
# page's width, below its top quarter (the head of the form), and are $1,000 or more
# (values.LEAST_LIMIT).
AMOUNTS_LEFT_SHARE: Final = 0.6
TABLE_TOP_SHARE: Final = 0.25
# Without its rules, the header row is the 18 pt above the first amount (two lines of 6-7 pt
# print and their padding); its rules are looked for in the 50 pt above it (the first amount
# may stand a row or two under the header), between 8 and 26 pt apart (one or two lines of
# the header's small print), across the middle 80 % of the page.
HEADER_SEARCH_PT: Final = 50.0
HEADER_ROW_MIN_PT: Final = 8.0
HEADER_ROW_MAX_PT: Final = 26.0
RULE_SPAN_MARGIN_SHARE: Final = 0.1
# A rule's own thickness (its first pixel row is its position): a strip's edges keep off it.
RULE_PT: Final = 1.0
# The TYPE OF INSURANCE cell is the widest of the header row, over 60 pt (the marks and date
# columns are narrower); its header is printed over the left 60 % of the cell.
TYPE_CELL_MIN_PT: Final = 60.0
TYPE_HEADER_SHARE: Final = 0.6
# The header's rules reach 25 pt below the header row's top (two lines and the rule), and
# past the POLICY NUMBER header's left edge by 6 pt (a header centred in its cell).
HEADER_RULES_BELOW_PT: Final = 25.0
POLICY_HEADER_REACH_PT: Final = 6.0
# Where the description box's label was not read, the table is taken as 36 % of the page's
# height tall (the 2016 form's table, with room for an OTHER row).
TABLE_HEIGHT_SHARE: Final = 0.36
# The policy-number block read again starts 15 pt left of the column (a number printed across
# its edge) but no more than 40 pt (the marks columns' Y/N stay out).
POLICY_BLOCK_LEAD_PT: Final = 15.0
POLICY_BLOCK_MAX_LEAD_PT: Final = 40.0
# The limit labels' block ends 12 pt short of the amounts (the "$" signs stand between), and
# each block keeps 3 pt off the words that bound it.
LABELS_BEFORE_AMOUNTS_PT: Final = 12.0
BLOCK_MARGIN_PT: Final = 3.0
# Limit labels are 5-6 pt small capitals: read again at twice the size; values at their own.
LABEL_ZOOM: Final = 2.0
VALUE_ZOOM: Final = 1.0
# The table lies in the middle 60 % of the page's height (the head of the form above, the
# description and holder boxes below): its header labels are looked for there.
TABLE_ZONE_TOP_SHARE: Final = 0.2
TABLE_ZONE_BOTTOM_SHARE: Final = 0.8
# The header row's labels stand on two lines: from 10 pt above TYPE OF INSURANCE (the
# POLICY EFF line over its format) to 4 pt below it.
HEADER_ABOVE_PT: Final = 10.0
HEADER_BELOW_PT: Final = 4.0
# Without an EACH OCCURRENCE label, the LIMITS column starts at 69 % of the width (2016/03).
LIMITS_LEFT_SHARE: Final = 0.69
# A label stands 2 pt right of its column's rule; a narrow column without rules reaches 5 pt
# past its header (the header is as wide as the column's values).
LABEL_INSET_PT: Final = 2.0
NARROW_HEADER_SLACK_PT: Final = 5.0
# The table's columns: INSR LTR, TYPE OF INSURANCE, ADDL INSD, SUBR WVD, POLICY NUMBER, POLICY
# EFF, POLICY EXP; fewer found from the headers are completed from the rules.
TABLE_COLUMNS: Final = 7
# Without "$" signs read, the amounts' "$" column is 30 % into the LIMITS column.
DOLLAR_SHARE: Final = 0.3
# The first row starts half a point under the header's bottom rule; a row label's top lies
# 1.5 pt under its row's top rule.
ROW_EDGE_PT: Final = 0.5
ROW_LABEL_INSET_PT: Final = 1.5
# Without the description label the table is taken to end at 75 % of the height.
TABLE_END_SHARE: Final = 0.75
# Without an auto row label, the auto row starts 80 pt under the table's top (the general
# liability row's six limit lines).
GL_ROW_PT: Final = 80.0
# A STATUTE label more than 15 pt above WORKERS COMPENSATION is another row's print.
STATUTE_ABOVE_PT: Final = 15.0
# "... describe under DESCRIPTION OF OPERATIONS below" stands within 12 pt of the last limit
# label of the workers compensation row.
OPERATIONS_BELOW_REACH_PT: Final = 12.0
# A row holds at least a line of print: rules closer than 15 pt under its label, or 12 pt
# above the next one, belong to the row itself.
ROW_MIN_PT: Final = 15.0
NEXT_ROW_CLEARANCE_PT: Final = 12.0
# The form's outer rule stands 18-20 pt in from the sheet's left edge on every edition (no
# printer prints to the edge): a dark run within 4 pt of the page image's left edge is what
# lies beyond the sheet (the desk left beside a flattened photo, a scanner lid's shadow), and a
# narrow "cell" from it to the outer rule is no column of the table.
SHEET_EDGE_PT: Final = 4.0
# ADDL INSD and SUBR WVD are each 8-30 pt wide: a Y or an X and its padding.
MARK_CELL_MIN_PT: Final = 8.0
MARK_CELL_MAX_PT: Final = 30.0


# An amount as limits are printed: with thousands separators ("1,000,000"), or as bare digits
# (agency systems print "1000000"), four or more of them (a NAIC code stays in the insurer
# box above the table, a date has slashes).
AMOUNT_TEXT: Final = re.compile(r"\d[,.]\d{3}|^\$?\d{4,}$")


@dataclass
class Table:
    columns: dict[str, tuple[float, float]]
    bands: dict[str, tuple[float, float]]
    dollar_x: float
    limits_x: float


def _reread_header_row(p: PageLabels) -> None:
    """On a scan whose page-wide OCR lost the table's header labels, read the header row
    again on its own: it lies just above the first limit amount of the table."""
    if p.region_ocr is None:
        return
    # The table starts under the COVERAGES line: NAIC codes above it are no limits.
    coverages = p.coverages_label()
    floor = coverages.bottom if coverages is not None else TABLE_TOP_SHARE * p.page.height
    amounts = [
        w
        for w in p.page.words
        if w.cx > AMOUNTS_LEFT_SHARE * p.page.width
        and w.cy > floor
        and (parse_money(w.text) or 0) >= LEAST_LIMIT
        and AMOUNT_TEXT.search(w.text)
    ]
    # The first row's printed label (COMMERCIAL GENERAL LIABILITY) stands right under the
    # header even when that row is left empty and the first amount is rows lower.
    first_row = _first_row_label(p, (0.0, floor, p.page.width, p.page.height))
    if not amounts and first_row is None:
        return
    first = min([w.top for w in amounts] + ([first_row.top] if first_row is not None else []))
    strip = (0.0, first - HEADER_ROW_HEIGHT_PT, p.page.width, first - RULE_PT)
    if p.ink is not None:
        # The header row lies between two rules that run across the table, the lowest such
        # pair above the first amount (which may sit a row or two lower).
        width = p.page.width
        margin = RULE_SPAN_MARGIN_SHARE * width
        rules = p.ink.horizontal_rules(margin, width - margin, first - HEADER_SEARCH_PT, first)
        pairs = [
            (a, b) for a, b in pairwise(rules) if HEADER_ROW_MIN_PT <= b - a <= HEADER_ROW_MAX_PT
        ]
        if pairs:
            upper, lower = pairs[-1]
            strip = (0.0, upper - RULE_PT, width, lower + RULE_PT)
    p.header_strip = strip
    fresh = p.region_ocr(strip, sparse=True)
    if not fresh:
        return
    _, strip_top, _, strip_bottom = strip
    kept = [w for w in p.page.words if not strip_top <= w.cy <= strip_bottom]
    p.page = PageText(kept + fresh, p.page.width, p.page.height, p.page.page_number)


# The header row of the coverage table is at most two lines of small print (6-7 pt) with its
# padding: the first row's label starts within 18 pt below the header's top.
HEADER_ROW_HEIGHT_PT = 18.0


def _type_header_from_rows(p: PageLabels, central: BBox) -> Label | None:
    """Where TYPE OF INSURANCE stands when neither its words nor the rules around it were
    found (an insurer's own drawing with other header wording, or OCR that lost it): over the
    table's first row label, COMMERCIAL GENERAL LIABILITY."""
    first = _first_row_label(p, central)
    if first is None:
        return None
    p.label_word_ids.update(first.word_ids)
    return Label(first.x0, first.top - HEADER_ROW_HEIGHT_PT, first.x1, first.top - 1, frozenset())


def _first_row_label(p: PageLabels, region: BBox) -> Label | None:
    """The table's first row label, COMMERCIAL GENERAL LIABILITY, as the form prints it."""
    return next(
        (
            hit
            for name in ("COMMERCIAL GENERAL LIAB", "GENERAL LIABILITY")
            for hit in p.page.find_labels(name, region=region, word_start=True)
            if _printed_label(p, hit)
        ),
        None,
    )


def _printed_label(p: PageLabels, hit: Label) -> bool:
    """Whether a hit is the form's printed row label, in capitals, not the same words typed in
    a value ("... on the general liability policy" in the description of operations)."""
    return all(w.text.isupper() for w in p.page.words if id(w) in hit.word_ids)


def _type_header_from_rules(p: PageLabels, central: BBox) -> Label | None:
    """Where TYPE OF INSURANCE is printed when OCR lost it: the widest cell of the header
    row left of POLICY NUMBER (or of the page's middle)."""
    policy = p.page.find_label("POLICY NUMBER", region=central)
    if p.ink is None:
        return None
    if policy is None:
        # No header label read at all: the header row found between its rules will do;
        # TYPE OF INSURANCE is its widest cell in the left half.
        if p.header_strip is None:
            return None
        _, top, _, bottom = p.header_strip
        policy = Label(p.page.width / 2, top + 1, p.page.width / 2 + 1, bottom - 1)
    rules = p.ink.vertical_rules(
        0.0,
        policy.x0 + POLICY_HEADER_REACH_PT,
        policy.top - RULE_PT,
        policy.bottom + HEADER_RULES_BELOW_PT,
    )
    cells = [(a, b) for a, b in pairwise(rules) if b - a > MIN_CELL_PT]
    if not cells:
        return None
    left, right = max(cells, key=lambda c: c[1] - c[0])
    if right - left < TYPE_CELL_MIN_PT:
        return None
    header_right = left + TYPE_HEADER_SHARE * (right - left)
    return Label(left + LABEL_INSET_PT, policy.top, header_right, policy.bottom)


def _reread_values(
    p: PageLabels, columns: dict[str, tuple[float, float]], top: float, limits_x: float
) -> None:
    """On a scan, read the policy numbers and dates, and the limit amounts, again as blocks
    in grey (the page pass works on black-and-white pixels to keep the small labels, which
    breaks the thin strokes of serif digits: "01/01/2025" as "OL OF 2025"), and the limit
    labels again at twice the size."""
    assert p.region_ocr is not None
    description = p.description_label()
    bottom = (
        description.top - RULE_PT
        if description is not None
        else top + TABLE_HEIGHT_SHARE * p.page.height
    )
    blocks: list[tuple[BBox, float]] = []
    if "policy" in columns:
        right = max(columns[n][1] for n in ("policy", "eff", "exp") if n in columns)
        # Start a column early: a policy number printed across the column's edge must not
        # be cut (only words centred in the policy and date columns are used).
        policy_left = columns["policy"][0]
        left = min(
            [columns[n][0] for n in ("addl", "subr") if n in columns]
            + [policy_left - POLICY_BLOCK_LEAD_PT]
        )
        block = (max(left, policy_left - POLICY_BLOCK_MAX_LEAD_PT), top, right, bottom)
        blocks.append((block, VALUE_ZOOM))
    amounts = [
        w
        for w in p.page.words
        if w.x0 > limits_x and top < w.cy < bottom and AMOUNT_TEXT.search(w.text)
    ]
    if amounts:
        left = min(w.x0 for w in amounts) - BLOCK_MARGIN_PT
        labels = (limits_x - BLOCK_MARGIN_PT, top, left - LABELS_BEFORE_AMOUNTS_PT, bottom)
        blocks.append((labels, LABEL_ZOOM))
        blocks.append(((left, top, p.page.width, bottom), VALUE_ZOOM))
    words = list(p.page.words)
    region_ocr = p.region_ocr
    # The blocks are independent Tesseract runs: two at a time on two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        readings = list(pool.map(lambda item: region_ocr(item[0], zoom=item[1]), blocks))
    for (block, zoom), fresh in zip(blocks, readings, strict=True):
        if zoom == VALUE_ZOOM:
            # Values: kept as a second reading; each value takes the likelier of the two.
            p.alternates.extend(fresh)
            continue
        if not fresh:
            continue
        # Labels: the larger reading replaces the page pass's.
        x0, y0, x1, y1 = block
        words = [w for w in words if not (x0 <= w.cx <= x1 and y0 <= w.cy <= y1)]
        words.extend(fresh)
    if len(words) != len(p.page.words):
        p.page = PageText(words, p.page.width, p.page.height, p.page.page_number)


def find_table(p: PageLabels) -> Table | None:
    central = (
        0.0,
        TABLE_ZONE_TOP_SHARE * p.page.height,
        p.page.width,
        TABLE_ZONE_BOTTOM_SHARE * p.page.height,
    )
    type_header = p.label("TYPE OF INSURANCE", "TYPE OF INS", "OF INSURANCE", region=central)
    if type_header is None:
        _reread_header_row(p)
        type_header = p.label("TYPE OF INSURANCE", "TYPE OF INS", "OF INSURANCE", region=central)
    if type_header is None:
        type_header = _type_header_from_rules(p, central)
    if type_header is None:
        type_header = _type_header_from_rows(p, central)
    if type_header is None:
        return None
    page = p.page
    row = (0.0, type_header.top - HEADER_ABOVE_PT, page.width, type_header.bottom + HEADER_BELOW_PT)
    headers: list[tuple[str, Label]] = [("type", type_header)]
    for name, spellings in (
        ("ltr", ("LTR", "INSR")),
        ("addl", ("ADDL", "ADD'L", "INSD", "INSRD")),
        ("subr", ("SUBR", "WVD")),
        ("policy", ("POLICY NUMBER",)),
    ):
        hit = p.label(*spellings, region=row)
        # OCR's misspelt header may be matched to another column's ("INSR" for "INSD").
        if hit is not None and not any(
            min(hit.x1, other.x1) - max(hit.x0, other.x0) > 0 for _, other in headers
        ):
            headers.append((name, hit))
    headers.extend(_date_headers(p, row))
    headers.sort(key=lambda item: item[1].x0)
    first_limit = p.label("EACH OCCURRENCE", "EACHOCCURRENCE")
    limits_x = (
        first_limit.x0 - LABEL_INSET_PT
        if first_limit is not None
        else page.width * LIMITS_LEFT_SHARE
    )
    # Columns end at the table's vertical rules where they are drawn (a header is centred in
    # its cell on one edition and left-aligned on another); else half-way between headers.
    rules = (
        p.ink.vertical_rules(
            0.0, limits_x, type_header.top - RULE_PT, type_header.bottom + HEADER_RULES_BELOW_PT
        )
        if p.ink is not None
        else []
    )
    rules = form_rules(rules)
    edges: list[tuple[float, bool]] = []
    for (_, hit), (_, following) in pairwise(headers):
        middle = (hit.x1 + following.x0) / 2
        between = [x for x in rules if hit.x1 - 1 < x < following.x0 + 1]
        if between:
            edges.append((min(between, key=lambda x: abs(x - middle)), True))
        else:
            edges.append((middle, False))
    columns: dict[str, tuple[float, float]] = {}
    for index, (name, hit) in enumerate(headers):
        left, left_ruled = edges[index - 1] if index > 0 else (0.0, False)
        right, right_ruled = edges[index] if index < len(edges) else (limits_x, True)
        # Without rules the narrow columns are as wide as their headers.
        if name in ("ltr", "addl", "subr"):
            if not left_ruled:
                left = max(left, hit.x0 - NARROW_HEADER_SLACK_PT)
            if not right_ruled:
                right = min(right, hit.x1 + NARROW_HEADER_SLACK_PT)
        columns[name] = (left, right)
    order = [name for name, _ in headers]
    place = order.index("type")
    columns["type"] = (
        columns[order[place - 1]][1] if place > 0 else 0.0,
        columns[order[place + 1]][0] if place + 1 < len(order) else limits_x,
    )
    if len(columns) < TABLE_COLUMNS:
        centres = {name: hit.cx for name, hit in headers}
        _columns_from_rules(columns, centres, [x for x in rules if x < limits_x + 1], limits_x)
    _date_columns_from_rules(columns, [x for x in rules if x < limits_x + 1])
    _letter_column_from_rules(columns, [x for x in rules if x < limits_x + 1])
    if p.region_ocr is not None:
        _marks_columns_from_rules(columns, rules)
        _reread_values(p, columns, type_header.bottom + ROW_EDGE_PT, limits_x)
    dollars = [
        w for w in page.words if w.text == "$" and w.x0 > limits_x and w.cy > type_header.bottom
    ]
    dollar_x = (
        sorted(w.x0 for w in dollars)[len(dollars) // 2] - 1
        if dollars
        else limits_x + DOLLAR_SHARE * (page.width - limits_x)
    )
    table_top = _first_row_top(p, columns, type_header)
    description = p.description_label()
    end = (
        description.top - ROW_EDGE_PT if description is not None else page.height * TABLE_END_SHARE
    )
    left_part = (0.0, table_top, limits_x, end)
    auto = p.label("AUTOMOBILE LIABILITY", "AUTO LIABILITY", region=left_part)
    csl = p.label("COMBINED SINGLE LIMIT")
    umbrella = p.label("UMBRELLA LIAB", "EXCESS LIAB", "EXCESS LIABILITY", region=left_part)
    # The row's label goes on "AND EMPLOYERS' LIABILITY", found when OCR garbled its start.
    wc = p.label("WORKERS COMPENSATION", "WORKERS COMP", "EMPLOYERS LIABILITY", region=left_part)
    statute = p.label("STATUTE", "STATUTORY", "WC STATU")
    el_policy = p.label("DISEASE - POLICY LIMIT", "DISEASEPOLICYLIMIT")
    marks = []
    label_tops = [lab.top for lab in (auto, csl) if lab is not None] or [table_top + GL_ROW_PT]
    auto_top = min(label_tops) - ROW_LABEL_INSET_PT
    marks.append(("general_liability", table_top))
    marks.append(("auto_liability", auto_top))
    if umbrella is not None:
        marks.append(("umbrella", umbrella.top - ROW_LABEL_INSET_PT))
    if wc is not None:
        wc_top = min(
            wc.top,
            statute.top
            if statute is not None and statute.top > wc.top - STATUTE_ABOVE_PT
            else wc.top,
        )
        marks.append(("workers_compensation", wc_top - ROW_LABEL_INSET_PT))
    if el_policy is not None:
        below = p.label(
            "OPERATIONS below",
            "OPERATIONSBELOW",
            region=(
                0,
                el_policy.top - OPERATIONS_BELOW_REACH_PT,
                limits_x,
                el_policy.bottom + OPERATIONS_BELOW_REACH_PT,
            ),
        )
        last_line = max(el_policy.bottom, below.bottom if below is not None else 0.0)
        other_top = last_line + ROW_EDGE_PT
        marks.append(("other", other_top))
    if el_policy is None and wc is not None and p.region_ocr is not None:
        # OCR lost the last limit label of the workers compensation row: an OTHER row is
        # there when a rule runs across the policy columns below that row's lines.
        ruled = _ruled_row_after(p, columns, wc_top - ROW_LABEL_INSET_PT, end)
        if ruled is not None:
            marks.append(("other", ruled))
    marks.sort(key=lambda item: item[1])
    if umbrella is None and p.region_ocr is not None:
        below_auto = [top for _, top in marks if top > auto_top]
        ruled = _ruled_row_after(p, columns, auto_top, min(below_auto or [end]))
        if ruled is not None:
            marks.append(("umbrella", ruled))
            marks.sort(key=lambda item: item[1])
    bands: dict[str, tuple[float, float]] = {}
    for index, (name, top) in enumerate(marks):
        bottom = marks[index + 1][1] if index + 1 < len(marks) else end
        bands[name] = (top, bottom)
    return Table(columns, bands, dollar_x, limits_x)


# The header row's bottom rule lies within 14 pt under the TYPE OF INSURANCE header: on the
# 2001 edition that header is the first of two lines of 6-7 pt print (INSR over LTR, the
# dates' formats under their headers) and their padding, on the 2016 edition the last.
HEADER_BOTTOM_REACH_PT: Final = 14.0


def form_rules(rules: list[float]) -> list[float]:
    """The form's own rules down among the dark runs found: what is dark at the sheet's very
    edge lies beyond the sheet."""
    return [x for x in rules if x > SHEET_EDGE_PT]


def _first_row_top(p: PageLabels, columns: dict[str, tuple[float, float]], header: Label) -> float:
    """The top of the table's first row: on a scan, under the header row's bottom rule (the
    rule across the policy number column closest under the TYPE OF INSURANCE header), so
    the header's second line (the dates' "(MM/DD/YY)") is no part of the row; else half a
    point under the header."""
    top = header.bottom + ROW_EDGE_PT
    if p.ink is None or p.region_ocr is None or "policy" not in columns:
        return top
    left, right = columns["policy"]
    rules = p.ink.horizontal_rules(
        left + RULE_PT,
        right - RULE_PT,
        header.bottom - RULE_PT,
        header.bottom + HEADER_BOTTOM_REACH_PT,
    )
    return max(top, rules[0] + ROW_EDGE_PT) if rules else top


def _date_headers(p: PageLabels, row: BBox) -> list[tuple[str, Label]]:
    """The POLICY EFF and POLICY EXP headers; one OCR lost is found by the "(MM/DD/YYYY)"
    printed under each, on the correct side of the other (the one under the header read is
    that header's own, and two hits on one spot are one header)."""
    eff = p.label("POLICY EFF", region=row)
    exp = p.label("POLICY EXP", region=row)
    if eff is not None and exp is not None:
        return [("eff", eff), ("exp", exp)]
    distinct: list[Label] = []
    for hit in sorted(p.page.find_labels("(MM/DD/YY", region=row), key=lambda d: d.x0):
        if not any(_overlap(hit, seen) for seen in distinct):
            p.label_word_ids.update(hit.word_ids)
            distinct.append(hit)
    if eff is not None:
        right = [hit for hit in distinct if hit.x0 > eff.x1 and not _overlap(hit, eff)]
        return [("eff", eff)] + ([("exp", right[0])] if right else [])
    if exp is not None:
        left = [hit for hit in distinct if hit.x1 < exp.x0 and not _overlap(hit, exp)]
        return ([("eff", left[-1])] if left else []) + [("exp", exp)]
    return list(zip(("eff", "exp"), distinct[:2], strict=False))


def _ruled_row_after(
    p: PageLabels, columns: dict[str, tuple[float, float]], auto_top: float, next_top: float
) -> float | None:
    """Top of the row ruled off below the auto row, when OCR lost its UMBRELLA LIAB label:
    the form prints the umbrella row between the auto row and the next labelled row (the
    2001 edition has a garage row first, so the lowest such rule is taken)."""
    spans = [columns[name] for name in ("policy", "eff", "exp") if name in columns]
    if p.ink is None or not spans:
        return None
    left, right = min(s[0] for s in spans) + 2, max(s[1] for s in spans) - 2
    # A row holds at least a line of print: rules closer to either label belong to it.
    rules = p.ink.horizontal_rules(
        left, right, auto_top + ROW_MIN_PT, next_top - NEXT_ROW_CLEARANCE_PT
    )
    return rules[-1] + ROW_EDGE_PT if rules else None


def _cell(p: PageLabels, table: Table, column: str, band: tuple[float, float]) -> list[Word]:
    if column not in table.columns:
        return []
    left, right = table.columns[column]
    return p.values_in((left, band[0], right, band[1]))


def _overlap(one: Label, other: Label) -> bool:
    return min(one.x1, other.x1) - max(one.x0, other.x0) > 0


def _marks_columns_from_rules(columns: dict[str, tuple[float, float]], rules: list[float]) -> None:
    """On a scan, the ADDL INSD and SUBR WVD columns are the two narrow ruled cells between
    TYPE OF INSURANCE and POLICY NUMBER when the table draws them: their small headers are
    often misread or read as one box across both."""
    if "type" not in columns or "policy" not in columns:
        return
    left, right = columns["type"][1] - 1, columns["policy"][0] + 1
    inside = sorted(x for x in rules if left <= x <= right)
    cells = [(a, b) for a, b in pairwise(inside) if MARK_CELL_MIN_PT <= b - a <= MARK_CELL_MAX_PT]
    # Exactly the two cells and their three rules: anything else is not the marks columns.
    if len(cells) == 2 and len(inside) == len(cells) + 1:
        columns["addl"], columns["subr"] = cells


def _date_columns_from_rules(columns: dict[str, tuple[float, float]], rules: list[float]) -> None:
    """The two policy date columns as the two ruled cells right after POLICY NUMBER, where
    the headers gave them one cell, the wrong order or a cell left of the policy number (OCR
    lost one date header and the "(MM/DD/YYYY)" under the other was taken for it): every
    edition prints POLICY EFF and POLICY EXP in that order just after the policy number."""
    policy, eff, exp = columns.get("policy"), columns.get("eff"), columns.get("exp")
    if policy is None or (eff is None and exp is None):
        return
    consistent = (
        eff is not None and exp is not None and policy[1] - 1 <= eff[0] and eff[1] <= exp[0] + 1
    )
    if consistent:
        return
    cells = [(a, b) for a, b in pairwise(sorted(rules)) if b - a >= NARROW_COLUMN_PT]
    after = [c for c in cells if c[0] >= policy[1] - 1]
    if len(after) >= 2:
        columns["eff"], columns["exp"] = after[0], after[1]


def _letter_column_from_rules(columns: dict[str, tuple[float, float]], rules: list[float]) -> None:
    """INSR LTR as the table's first ruled cell, left of TYPE OF INSURANCE, where the headers
    put it right of that column or found none (OCR read "INSR" into the ADDL INSD header
    beside it), or put it in the second narrow cell (on the 2001 edition OCR lost "LTR" and
    "INSR" was found in "INSRD" of the ADD'L INSRD header): every edition prints the letter
    column first, and the 2001 edition its ADD'L INSRD column right after it."""
    kind = columns.get("type")
    letter = columns.get("ltr")
    if kind is None:
        return
    cells = [(a, b) for a, b in pairwise(sorted(rules)) if b - a > MIN_CELL_PT]
    first = [c for c in cells if c[1] <= kind[0] + 1 and c[1] - c[0] < NARROW_COLUMN_PT]
    if letter is not None and letter[1] <= kind[0] + 1:
        # Left of TYPE OF INSURANCE already: moved only from the second narrow cell to the
        # first, the two sharing their rule.
        middle = (letter[0] + letter[1]) / 2
        addl = columns.get("addl")
        # Only where the headers gave INSR LTR and ADD'L INSRD one cell: a photo's page edge
        # or the form's outer border may rule a narrow cell left of the table.
        shared = addl is not None and addl[0] <= middle <= addl[1]
        if (
            shared
            and len(first) >= 2
            and first[1][0] <= middle <= first[1][1]
            and first[0][1] == first[1][0]
        ):
            columns["ltr"] = first[0]
            columns["addl"] = first[1]
        return
    if first:
        columns["ltr"] = first[0]
    elif letter is not None:
        del columns["ltr"]


# Rules closer than this are one rule drawn twice (or a thick rule's two edges), no cell.
MIN_CELL_PT = 4.0
# The marks and letter columns (INSR LTR, ADDL INSD, SUBR WVD) are a few letters wide, under
# 30 pt; the policy number and date columns hold ten characters or more, wider than that.
NARROW_COLUMN_PT = 30.0


def _columns_from_rules(
    columns: dict[str, tuple[float, float]],
    header_centres: dict[str, float],
    rules: list[float],
    limits_x: float,
) -> None:
    """Columns whose header OCR lost, placed from the table's vertical rules and the form's
    column order: narrow cells left of TYPE OF INSURANCE are INSR LTR (and ADD'L INSRD on the
    2001 edition), narrow cells after it ADDL INSD and SUBR WVD, the two cells after POLICY
    NUMBER the policy dates."""
    cells = [(a, b) for a, b in pairwise(sorted(rules)) if b - a > MIN_CELL_PT]
    for name, centre in header_centres.items():
        cell = next((c for c in cells if c[0] <= centre <= c[1]), None)
        if cell is not None:
            columns[name] = cell
    type_cell = next((c for c in cells if c == columns["type"]), None)
    if type_cell is None:
        return
    narrow = NARROW_COLUMN_PT
    before = [c for c in cells if c[1] <= type_cell[0] + 1 and c[1] - c[0] < narrow]
    after = [c for c in cells if c[0] >= type_cell[1] - 1]
    names_before = ["ltr", "addl"][: len(before[-2:])]
    for name, cell in zip(names_before, before[-2:], strict=True):
        columns.setdefault(name, cell)
    narrow_after = []
    for cell in after:
        if cell[1] - cell[0] >= narrow:
            break
        narrow_after.append(cell)
    wanted = [n for n in ("addl", "subr") if n not in columns or n in ("subr",)]
    for name, cell in zip(wanted, narrow_after, strict=False):
        columns.setdefault(name, cell)
    wide = [c for c in after if c[1] - c[0] >= narrow and c[1] <= limits_x + 1]
    if "policy" not in columns and wide:
        columns["policy"] = wide[0]
    policy = columns.get("policy")
    if policy is not None:
        dates = [c for c in wide if c[0] >= policy[1] - 1]
        for name, cell in zip(("eff", "exp"), dates, strict=False):
            columns.setdefault(name, cell)
