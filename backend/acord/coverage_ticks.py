"""The check boxes of the coverage rows: occurrence or claims-made, what the general aggregate
applies per, the covered autos, umbrella or excess, and the workers compensation statute box.

Each option's printed label is looked up exactly first; on a scan, the options OCR garbled are
placed by matching the cell's words against the cell's short list of printed options
(tick_options). Whether a box is ticked is read from the ink of the box in either case.

On a page image the printed boxes themselves are found first, in the row's ruled cell
(tick_reading): a box told as an option answers for it, found ticked or empty; the options
whose box was not told are read by their labels as above.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from backend.acord.geometry import BBox, Label
from backend.acord.page_labels import PageLabels
from backend.acord.tick_boxes import LEAST_PRINT_HEIGHT_PT, _ticked_boxes, _ticked_by_ink
from backend.acord.tick_options import is_box_glyph, match_options
from backend.acord.tick_reading import BoxReading, place_by_grid, read_boxes, row_cell

# The printed options of each cell, with their wording across editions. Keys starting with "_"
# are other print of the cell, listed so that its garbled words are not taken for an option.
GL_OPTIONS: dict[str, tuple[str, ...]] = {
    "claims_made": ("CLAIMS-MADE", "CLAIMS MADE"),
    "occurrence": ("OCCUR",),
    "policy": ("POLICY",),
    "project": ("PRO-JECT", "PROJECT"),
    "location": ("LOC",),
    "_cgl": ("COMMERCIAL GENERAL LIABILITY",),
    "_per": ("GEN'L AGGREGATE LIMIT APPLIES PER", "AGGREGATE LIMIT APPLIES PER"),
    "_other": ("OTHER",),
}
AUTO_OPTIONS: dict[str, tuple[str, ...]] = {
    "any_auto": ("ANY AUTO",),
    "owned": ("OWNED AUTOS ONLY", "ALL OWNED AUTOS"),
    "scheduled": ("SCHEDULED AUTOS",),
    "hired": ("HIRED AUTOS ONLY", "HIRED AUTOS"),
    "non_owned": ("NON-OWNED AUTOS ONLY", "NON-OWNED AUTOS"),
    "_heading": ("AUTOMOBILE LIABILITY",),
}
UMBRELLA_OPTIONS: dict[str, tuple[str, ...]] = {
    "umbrella": ("UMBRELLA LIAB", "UMBRELLA"),
    "excess": ("EXCESS LIAB", "EXCESS"),
    "occurrence": ("OCCUR",),
    "claims_made": ("CLAIMS-MADE", "CLAIMS MADE"),
    "_heading": ("EXCESS / UMBRELLA LIABILITY",),
    "_deductible": ("DED", "DEDUCTIBLE"),
    "_retention": ("RETENTION $", "RETENTION"),
}
STATUTE_OPTIONS: dict[str, tuple[str, ...]] = {
    "statute": ("PER STATUTE", "WC STATU-TORY LIMITS", "STATUTORY"),
    "_other": ("OTH-ER",),
    "_accident": ("E.L. EACH ACCIDENT",),
    "_employee": ("E.L. DISEASE - EA EMPLOYEE",),
    "_policy": ("E.L. DISEASE - POLICY LIMIT",),
}

# The covered autos' boxes as the editions print them, by line of boxes and place on the line:
# 2010/05 and later in two columns (ANY AUTO alone on the first line), 2001/08 in one.
AUTO_GRIDS: tuple[dict[str, tuple[int, int]], ...] = (
    {
        "any_auto": (0, 0),
        "owned": (1, 0),
        "scheduled": (1, 1),
        "hired": (2, 0),
        "non_owned": (2, 1),
    },
    {
        "any_auto": (0, 0),
        "owned": (1, 0),
        "scheduled": (2, 0),
        "hired": (3, 0),
        "non_owned": (4, 0),
    },
)
# The general aggregate's boxes, on one line in this order on every edition.
AGGREGATE_GRID: tuple[dict[str, tuple[int, int]], ...] = (
    {"policy": (0, 0), "project": (0, 1), "location": (0, 2)},
)

# The POLICY / PRO-JECT / LOC boxes stand on the line under GEN'L AGGREGATE LIMIT APPLIES PER:
# within 16 pt of that label's foot (one line of the cell, 12 pt, and the boxes' height).
AGGREGATE_OPTIONS_BELOW_PT: Final = 16.0
# A word is on an option's line when its centre is within 0.6 of the option's height of the
# option's centre (lines of options are a line and more apart).
SAME_LINE_SHARE: Final = 0.6
# An option placed from its grid neighbours is given the width of a short option word of the
# cell's 5-6 pt print; only its left edge and its line are used (the box before it).
PLACED_OPTION_WIDTH_PT: Final = 20.0
# A ticked box on the row of a known option: its centre within 4 pt of the option's (the rows
# of the autos' boxes are about 12 pt apart).
SAME_ROW_PT: Final = 4.0
# PER STATUTE misspelt by OCR is taken at a looser likeness than a label looked for page-wide
# (0.75): the statute area holds only the workers compensation boxes' few printed words.
STATUTE_LEAST_LIKENESS: Final = 0.6


def _options(
    p: PageLabels,
    region: BBox,
    exact: Mapping[str, Label | None],
    options: Mapping[str, Sequence[str]],
) -> dict[str, Label | None]:
    """The exact labels, and on a scan the missing ones matched among the cell's words."""
    found = dict(exact)
    if p.region_ocr is None or all(found.values()):
        return found
    taken = {i for label in found.values() if label is not None for i in label.word_ids}
    wanted = {k: v for k, v in options.items() if found.get(k) is None}
    placed = match_options(p.page.words_in(region), wanted, taken | p.label_word_ids)
    for key, label in placed.items():
        if key in found:
            found[key] = label
    return found


def _cell(p: PageLabels, type_region: BBox) -> BBox:
    """The row's ruled cell on a page image; the band as given on a text page."""
    return row_cell(p, type_region) if p.region_ocr is not None else type_region


def _either(boxes: BoxReading, key: str, by_label: bool) -> bool:
    """The option's box as found in the pixels when it was told, else as read by its label."""
    found = boxes.ticked(key)
    return by_label if found is None else found


def _gl_ticks(p: PageLabels, type_region: BBox) -> tuple[str | None, str | None]:
    """(basis, what the general aggregate applies per) from the general liability cell."""
    type_region = _cell(p, type_region)
    boxes = read_boxes(p, type_region, GL_OPTIONS)
    for key, box in place_by_grid(boxes, AGGREGATE_GRID).items():
        boxes.boxes.setdefault(key, box)
    left, _, right, _ = type_region
    agg_row = p.label("LIMIT APPLIES PER", "APPLIES PER", region=type_region)
    row = (
        (left, agg_row.top - 2, right, agg_row.bottom + AGGREGATE_OPTIONS_BELOW_PT)
        if agg_row
        else None
    )
    exact: dict[str, Label | None] = {
        "claims_made": p.label("CLAIMS-MADE", region=type_region),
        "occurrence": p.label("OCCUR", region=type_region, whole=True),
        "policy": p.label("POLICY", region=row, start=True) if row else None,
        "project": p.label("PROJECT", "PRO", region=row, start=True) if row else None,
        "location": p.label("LOC", region=row, start=True) if row else None,
    }
    hits = _options(p, type_region, exact, GL_OPTIONS)
    if hits["policy"] is None and hits["project"] is not None:
        hits["policy"] = _first_option_of_line(p, hits["project"], type_region)
    by_ink = _ticked_by_ink(p, type_region, GL_OPTIONS)
    occur = p.ticked(hits["occurrence"]) or "occurrence" in by_ink
    claims = p.ticked(hits["claims_made"]) or "claims_made" in by_ink
    basis = (
        "occurrence"
        if _either(boxes, "occurrence", occur)
        else ("claims_made" if _either(boxes, "claims_made", claims) else None)
    )
    per: str | None = None
    if agg_row is not None or p.region_ocr is not None:
        for name in ("policy", "project", "location"):
            hit = hits[name]
            below = agg_row is None or (hit is not None and hit.top > agg_row.top + 2)
            if _either(boxes, name, (below and p.ticked(hit)) or name in by_ink):
                per = name
                break
    return basis, per


def _first_option_of_line(p: PageLabels, option: Label, region: BBox) -> Label | None:
    """The option printed first on the line of another one (POLICY before PRO-JECT), when
    OCR garbled it past matching: the first word after a box left of that option."""
    height = max(option.bottom - option.top, LEAST_PRINT_HEIGHT_PT)
    before = sorted(
        (
            w
            for w in p.page.words_in((region[0], option.top, option.x0 - 1, option.bottom))
            if abs(w.cy - option.cy) < SAME_LINE_SHARE * height and not is_box_glyph(w.text)
        ),
        key=lambda w: w.x0,
    )
    if not before:
        return None
    first = before[0]
    return Label(first.x0, first.top, first.x1, first.bottom, frozenset({id(first)}))


def _covered_autos(p: PageLabels, type_region: BBox) -> list[str]:
    type_region = _cell(p, type_region)
    boxes = read_boxes(p, type_region, AUTO_OPTIONS)
    for key, box in place_by_grid(boxes, AUTO_GRIDS).items():
        boxes.boxes.setdefault(key, box)
    spellings = {
        "any_auto": ("ANY AUTO",),
        "owned": ("ALL OWNED", "OWNED"),
        "scheduled": ("SCHEDULED",),
        "hired": ("HIRED",),
        "non_owned": ("NON-OWNED", "NONOWNED"),
    }
    hits = _options(
        p,
        type_region,
        {key: p.label(*names, region=type_region, start=True) for key, names in spellings.items()},
        AUTO_OPTIONS,
    )
    # The boxes form a grid (ANY AUTO; OWNED | SCHEDULED; HIRED | NON-OWNED): a label OCR
    # missed is placed from its row and column neighbours.
    grid = {"owned": ("any_auto", "scheduled"), "hired": ("any_auto", "non_owned")}
    for key, (column_mate, row_mate) in grid.items():
        column, row = hits.get(column_mate), hits.get(row_mate)
        if hits[key] is None and column is not None and row is not None:
            hits[key] = Label(column.x0, row.top, column.x0 + PLACED_OPTION_WIDTH_PT, row.bottom)
    for key, (row_mate, column_mate) in {
        "scheduled": ("owned", "non_owned"),
        "non_owned": ("hired", "scheduled"),
    }.items():
        row, column = hits.get(row_mate), hits.get(column_mate)
        if hits[key] is None and column is not None and row is not None:
            hits[key] = Label(column.x0, row.top, column.x0 + PLACED_OPTION_WIDTH_PT, row.bottom)
    by_ink, unknown = _ticked_boxes(p, type_region, AUTO_OPTIONS)
    # A ticked box whose option OCR cannot read is told by its place in the grid: right
    # of OWNED is SCHEDULED, right of HIRED is NON-OWNED, and the other way round.
    places = {k: (v.x0, v.cy) for k, v in hits.items() if v is not None}
    places.update({k: (w.x0, w.cy) for k, w in by_ink.items()})
    places.update({k: (b.x1, b.cy) for k, b in boxes.boxes.items()})
    placed = set(by_ink)
    unplaced = [(w.x0, w.cy) for w in unknown] + [(b.x1, b.cy) for b in boxes.unknown if b.ticked]
    for x, cy in unplaced:
        for left, right in (("owned", "scheduled"), ("hired", "non_owned")):
            for known, other, is_right in ((left, right, True), (right, left, False)):
                if known in places and abs(places[known][1] - cy) < SAME_ROW_PT:
                    if (x > places[known][0]) == is_right and other not in boxes.boxes:
                        placed.add(other)
    return [key for key in spellings if _either(boxes, key, p.ticked(hits[key]) or key in placed)]


def _umbrella_ticks(p: PageLabels, type_region: BBox) -> tuple[bool, str | None]:
    """(excess rather than umbrella, basis) from the umbrella cell."""
    type_region = _cell(p, type_region)
    boxes = read_boxes(p, type_region, UMBRELLA_OPTIONS)
    # The 2001/08 edition heads the row "EXCESS / UMBRELLA LIABILITY" above the boxes.
    umbrella = p.any_ticked("UMBRELLA", region=type_region)
    excess = p.any_ticked("EXCESS", region=type_region)
    exact: dict[str, Label | None] = {
        "occurrence": p.label("OCCUR", region=type_region, whole=True),
        "claims_made": p.label("CLAIMS-MADE", region=type_region),
    }
    if not (umbrella or excess):
        exact.update(umbrella=None, excess=None)
    hits = _options(p, type_region, exact, UMBRELLA_OPTIONS)
    by_ink = _ticked_by_ink(p, type_region, UMBRELLA_OPTIONS)
    if "umbrella" in hits:
        umbrella = p.ticked(hits["umbrella"]) or "umbrella" in by_ink
        excess = p.ticked(hits["excess"]) or "excess" in by_ink
    umbrella = _either(boxes, "umbrella", umbrella)
    excess = _either(boxes, "excess", excess)
    occur = _either(boxes, "occurrence", p.ticked(hits["occurrence"]) or "occurrence" in by_ink)
    claims = _either(boxes, "claims_made", p.ticked(hits["claims_made"]) or "claims_made" in by_ink)
    basis = "occurrence" if occur else ("claims_made" if claims else None)
    return excess and not umbrella, basis


def _statute_box(p: PageLabels, statute_area: BBox, type_region: BBox | None = None) -> bool | None:
    """Whether the workers compensation PER STATUTE box is ticked; None without the box.

    On a page image the area reaches up to the top of the row's ruled cell (`type_region` is the
    row's band of the TYPE OF INSURANCE column): the PER STATUTE line is the row's first."""
    if type_region is not None and p.region_ocr is not None:
        cell = row_cell(p, type_region)
        # Only ever widened: the row's type cell may be ruled below the statute line (the
        # officers question's box on the 2016 layouts).
        statute_area = (
            statute_area[0],
            min(cell[1], statute_area[1]),
            statute_area[2],
            max(cell[3], statute_area[3]),
        )
    found = read_boxes(p, statute_area, STATUTE_OPTIONS).ticked("statute")
    if found is not None:
        return found
    statute = p.label("PER STATUTE", "STATUTE", "STATU", region=statute_area)
    if statute is None and p.region_ocr is not None:
        statute = _options(p, statute_area, {"statute": None}, STATUTE_OPTIONS)["statute"]
    if statute is None and p.region_ocr is not None:
        statute = p._fuzzy_label(
            ("PERSTATUTE", "STATUTORY", "WCSTATUTORY"), statute_area, least=STATUTE_LEAST_LIKENESS
        )
    if "statute" in _ticked_by_ink(p, statute_area, STATUTE_OPTIONS):
        return True
    return p.ticked(statute) if statute is not None else None
