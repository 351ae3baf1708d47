"""The coverage table's structure: its columns from the header labels (or the drawn rules),
its row bands from the row labels; on a scan, the header row and the values read again."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise

from backend.acord.geometry import BBox, Label, PageText, Word
from backend.acord.page_labels import PageLabels
from backend.acord.values import parse_money


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
    amounts = [
        w
        for w in p.page.words
        if w.cx > 0.6 * p.page.width
        and w.cy > 0.25 * p.page.height
        and (parse_money(w.text) or 0) >= 1000
        and re.search(r"\d[,.]\d{3}", w.text)
    ]
    if not amounts:
        return
    first = min(amounts, key=lambda w: w.top)
    strip = (0.0, first.top - 18, p.page.width, first.top - 1)
    if p.ink is not None:
        # The header row lies between two rules that run across the table, the lowest such
        # pair above the first amount (which may sit a row or two lower).
        width = p.page.width
        rules = p.ink.horizontal_rules(0.1 * width, 0.9 * width, first.top - 50, first.top)
        pairs = [(a, b) for a, b in pairwise(rules) if 8 <= b - a <= 26]
        if pairs:
            upper, lower = pairs[-1]
            strip = (0.0, upper - 1, width, lower + 1)
    p.header_strip = strip
    fresh = p.region_ocr(strip, sparse=True)
    if not fresh:
        return
    kept = [w for w in p.page.words if not strip[1] <= w.cy <= strip[3]]
    p.page = PageText(kept + fresh, p.page.width, p.page.height, p.page.page_number)


# The header row of the coverage table is at most two lines of small print (6-7 pt) with its
# padding: the first row's label starts within 18 pt below the header's top.
HEADER_ROW_HEIGHT_PT = 18.0


def _type_header_from_rows(p: PageLabels, central: BBox) -> Label | None:
    """Where TYPE OF INSURANCE stands when neither its words nor the rules around it were
    found (an insurer's own drawing with other header wording, or OCR that lost it): over the
    table's first row label, COMMERCIAL GENERAL LIABILITY."""
    first = p.label("COMMERCIAL GENERAL LIABILITY", "GENERAL LIABILITY", region=central)
    if first is None:
        return None
    return Label(first.x0, first.top - HEADER_ROW_HEIGHT_PT, first.x1, first.top - 1, frozenset())


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
    rules = p.ink.vertical_rules(0.0, policy.x0 + 6, policy.top - 1, policy.bottom + 25)
    cells = [(a, b) for a, b in pairwise(rules) if b - a > MIN_CELL_PT]
    if not cells:
        return None
    left, right = max(cells, key=lambda c: c[1] - c[0])
    if right - left < 60:
        return None
    return Label(left + 2, policy.top, left + 0.6 * (right - left), policy.bottom)


def _reread_values(
    p: PageLabels, columns: dict[str, tuple[float, float]], top: float, limits_x: float
) -> None:
    """On a scan, read the policy numbers and dates, and the limit amounts, again as blocks
    in grey (the page pass works on black-and-white pixels to keep the small labels, which
    breaks the thin strokes of serif digits: "01/01/2025" as "OL OF 2025"), and the limit
    labels again at twice the size."""
    assert p.region_ocr is not None
    description = p.description_label()
    bottom = description.top - 1 if description is not None else top + 0.36 * p.page.height
    blocks: list[tuple[BBox, float]] = []
    if "policy" in columns:
        right = max(columns[n][1] for n in ("policy", "eff", "exp") if n in columns)
        # Start a column early: a policy number printed across the column's edge must not
        # be cut (only words centred in the policy and date columns are used).
        left = min(
            [columns[n][0] for n in ("addl", "subr") if n in columns] + [columns["policy"][0] - 15]
        )
        blocks.append(((max(left, columns["policy"][0] - 40), top, right, bottom), 1.0))
    amounts = [
        w
        for w in p.page.words
        if w.x0 > limits_x and top < w.cy < bottom and re.search(r"\d[,.]\d{3}", w.text)
    ]
    if amounts:
        left = min(w.x0 for w in amounts) - 3
        blocks.append(((limits_x - 3, top, left - 12, bottom), 2.0))
        blocks.append(((left, top, p.page.width, bottom), 1.0))
    words = list(p.page.words)
    region_ocr = p.region_ocr
    # The blocks are independent Tesseract runs: two at a time on two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        readings = list(pool.map(lambda item: region_ocr(item[0], zoom=item[1]), blocks))
    for (block, zoom), fresh in zip(blocks, readings, strict=True):
        if zoom == 1.0:
            # Values: kept as a second reading; each value takes the likelier of the two.
            p.alternates.extend(fresh)
            continue
        if not fresh:
            continue
        # Labels: the larger reading replaces the page pass's.
        words = [
            w for w in words if not (block[0] <= w.cx <= block[2] and block[1] <= w.cy <= block[3])
        ]
        words.extend(fresh)
    if len(words) != len(p.page.words):
        p.page = PageText(words, p.page.width, p.page.height, p.page.page_number)


def find_table(p: PageLabels) -> Table | None:
    central = (0.0, 0.2 * p.page.height, p.page.width, 0.8 * p.page.height)
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
    row = (0.0, type_header.top - 10, page.width, type_header.bottom + 4)
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
    limits_x = first_limit.x0 - 2 if first_limit is not None else page.width * 0.69
    # Columns end at the table's vertical rules where they are drawn (a header is centred in
    # its cell on one edition and left-aligned on another); else half-way between headers.
    rules = (
        p.ink.vertical_rules(0.0, limits_x, type_header.top - 1, type_header.bottom + 25)
        if p.ink is not None
        else []
    )
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
                left = max(left, hit.x0 - 5)
            if not right_ruled:
                right = min(right, hit.x1 + 5)
        columns[name] = (left, right)
    order = [name for name, _ in headers]
    place = order.index("type")
    columns["type"] = (
        columns[order[place - 1]][1] if place > 0 else 0.0,
        columns[order[place + 1]][0] if place + 1 < len(order) else limits_x,
    )
    if len(columns) < 7:
        centres = {name: hit.cx for name, hit in headers}
        _columns_from_rules(columns, centres, [x for x in rules if x < limits_x + 1], limits_x)
    _date_columns_from_rules(columns, [x for x in rules if x < limits_x + 1])
    _letter_column_from_rules(columns, [x for x in rules if x < limits_x + 1])
    if p.region_ocr is not None:
        _marks_columns_from_rules(columns, rules)
        _reread_values(p, columns, type_header.bottom + 0.5, limits_x)
    dollars = [
        w for w in page.words if w.text == "$" and w.x0 > limits_x and w.cy > type_header.bottom
    ]
    dollar_x = (
        sorted(w.x0 for w in dollars)[len(dollars) // 2] - 1
        if dollars
        else limits_x + 0.3 * (page.width - limits_x)
    )
    table_top = type_header.bottom + 0.5
    description = p.description_label()
    end = description.top - 0.5 if description is not None else page.height * 0.75
    left_part = (0.0, table_top, limits_x, end)
    auto = p.label("AUTOMOBILE LIABILITY", "AUTO LIABILITY", region=left_part)
    csl = p.label("COMBINED SINGLE LIMIT")
    umbrella = p.label("UMBRELLA LIAB", "EXCESS LIAB", "EXCESS LIABILITY", region=left_part)
    # The row's label goes on "AND EMPLOYERS' LIABILITY", found when OCR garbled its start.
    wc = p.label("WORKERS COMPENSATION", "WORKERS COMP", "EMPLOYERS LIABILITY", region=left_part)
    statute = p.label("STATUTE", "STATUTORY", "WC STATU")
    el_policy = p.label("DISEASE - POLICY LIMIT", "DISEASEPOLICYLIMIT")
    marks = []
    auto_top = min([lab.top for lab in (auto, csl) if lab is not None] or [table_top + 80]) - 1.5
    marks.append(("general_liability", table_top))
    marks.append(("auto_liability", auto_top))
    if umbrella is not None:
        marks.append(("umbrella", umbrella.top - 1.5))
    if wc is not None:
        wc_top = min(
            wc.top, statute.top if statute is not None and statute.top > wc.top - 15 else wc.top
        )
        marks.append(("workers_compensation", wc_top - 1.5))
    if el_policy is not None:
        below = p.label(
            "OPERATIONS below",
            "OPERATIONSBELOW",
            region=(0, el_policy.top - 12, limits_x, el_policy.bottom + 12),
        )
        other_top = max(el_policy.bottom, below.bottom if below is not None else 0.0) + 0.5
        marks.append(("other", other_top))
    if el_policy is None and wc is not None and p.region_ocr is not None:
        # OCR lost the last limit label of the workers compensation row: an OTHER row is
        # there when a rule runs across the policy columns below that row's lines.
        ruled = _ruled_row_after(p, columns, wc_top - 1.5, end)
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
    rules = p.ink.horizontal_rules(left, right, auto_top + 15, next_top - 12)
    return rules[-1] + 0.5 if rules else None


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
    cells = [(a, b) for a, b in pairwise(inside) if 8 <= b - a <= 30]
    if len(cells) == 2 and len(inside) == 3:
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
    beside it): every edition prints the letter column first."""
    kind = columns.get("type")
    letter = columns.get("ltr")
    if kind is None or (letter is not None and letter[1] <= kind[0] + 1):
        return
    cells = [(a, b) for a, b in pairwise(sorted(rules)) if b - a > MIN_CELL_PT]
    first = [c for c in cells if c[1] <= kind[0] + 1 and c[1] - c[0] < NARROW_COLUMN_PT]
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
