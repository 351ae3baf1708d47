"""Limit amounts of a coverage row, paired with their printed limit labels by nearest line."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from difflib import SequenceMatcher
from itertools import pairwise
from statistics import median
from typing import Final

from backend.acord.coverage_table import RULE_PT, Table
from backend.acord.geometry import BBox, Line, Word, compact, group_lines
from backend.acord.page_labels import PageLabels, joined_text, lines_with_words
from backend.acord.values import (
    LEAST_LIMIT,
    is_included,
    other_limit_key,
    parse_money,
    printable_amount,
    round_limit,
)

# Lines of one limit label ("COMBINED SINGLE LIMIT" over "(Ea accident)") are set at the form's
# line spacing, under 4 pt apart; the next label starts after a row rule, further down.
LABEL_LINE_GAP_PT = 4.0
# A label's next word set within 4 pt of it, on its line to 2 pt, runs on past the "$" column.
RUN_ON_GAP_PT: Final = 4.0
SAME_LINE_PT: Final = 2.0
# A garbled line of five capitals or more is a label OCR could not read (an amount's line has
# digits, a rule's scrap a letter or two); one starting within 2.5 pt of the line above is that
# label's second line ("(Per accident)").
GARBLED_LABEL_LETTERS: Final = 5
SECOND_LINE_GAP_PT: Final = 2.5
# Amounts set in another font may sit up to 5 pt above their row's top edge.
AMOUNT_ABOVE_ROW_PT: Final = 5.0
# The line pitch of the limit labels: 8-16 pt on every edition (12 pt when none can be
# measured); two labels closer than 4 pt are one label's two lines.
LEAST_PITCH_PT: Final = 8.0
MOST_PITCH_PT: Final = 16.0
USUAL_PITCH_PT: Final = 12.0
# A row's rules are looked for 20 pt beyond the edges its labels gave (a row label a line off).
ROW_RULE_REACH_PT: Final = 20.0
# Amount lines are read in a box of their own height (5-10 pt: the values' print), with 2 pt
# above and below, ending 6 pt short of the page's edge (the form's border).
AMOUNT_MIN_HEIGHT_PT: Final = 5.0
AMOUNT_MAX_HEIGHT_PT: Final = 10.0
PAGE_BORDER_PT: Final = 6.0
# An OTHER row's amount line is at least 6 pt tall; a second reading within 0.6 of that of
# its centre is the same line.
OTHER_LINE_MIN_PT: Final = 6.0
SAME_LINE_SHARE: Final = 0.6
# A pitch outside 6-30 pt between the labels read is no line pitch (labels read out of order
# or two rows apart); an amount more than 0.45 of a pitch off a label line is between lines.
PLACE_MIN_PITCH_PT: Final = 6.0
PLACE_MAX_PITCH_PT: Final = 30.0
OFF_LINE_SHARE: Final = 0.45
# A "$" sign read as something else is one or two characters within 3 pt of the "$" column.
STRAY_DOLLAR_CHARS: Final = 2
STRAY_DOLLAR_PT: Final = 3.0
# A label line shorter than five letters cannot be told; wordings share a run of six letters
# or more to count; a kind leads with 60 % of the line's letters and 15 points over the next.
FUZZY_MIN_LETTERS: Final = 5
FUZZY_MIN_SHARED: Final = 6
FUZZY_LEAST_SHARE: Final = 0.6
FUZZY_LEAD: Final = 0.15
# An amount line is paired with a label line at most 14 pt away (a line and a bit).
PAIR_REACH_PT: Final = 14.0
# The rule splitting the LIMITS column (labels | amounts) is looked for from 10 pt into the
# column (its own left rule and the labels' first letters are left out) to 3 pt past where
# the amounts start (OCR may take the rule before an amount into it: "[2").
SPLIT_RULE_FROM_PT: Final = 10.0
RULE_IN_AMOUNT_PT: Final = 3.0
# A row's rules across the LIMITS column are looked for 3 pt inside its edges (the column's
# vertical rules and their blur left out); a rule's first pixel row is half a point above the
# rule's middle, where the row's edge is taken.
LIMITS_RULE_INSET_PT: Final = 3.0
RULE_MIDDLE_PT: Final = 0.5
# A rule more than 10 pt right of where an amount starts ends its cell: the amount's first
# two digits and separator take that much of the 9-10 pt values' print.
AMOUNT_LEAST_WIDTH_PT: Final = 10.0
# An amount's box keeps 1.5 pt clear of its cell's vertical rules (a rule and its blur on a
# scan) and comes down to 0.3 pt above the row's rule below (print may touch the rule).
RULE_CLEARANCE_PT: Final = 1.5
RULE_BELOW_SLACK_PT: Final = 0.3


def read_limits(
    p: PageLabels,
    table: Table,
    band: tuple[float, float],
    spec: list[tuple[str, re.Pattern[str]]],
    pointer: str,
) -> tuple[dict[str, int | None], bool, list[str]]:
    """The row's limits by kind (None where not shown or not read), whether any limit line was
    found, and the kinds printed as "Included" (no amount of their own: the contract keeps
    them None and the coverage lists them under `included_limits`)."""
    # Limit labels are worded differently from one agency system to the next ("MED EXP",
    # "MEDICAL EXPENSE"; "GEN'L AGGREGATE"), so each label line is classified by its key
    # words; a label on two lines anchors its value between them.
    scan = p.region_ocr is not None
    if scan:
        band = _ruled_band(p, table, band)
    region = (table.limits_x, band[0], table.dollar_x, band[1])
    anchors: list[tuple[str | None, float]] = []
    last_key: str | None = None
    last_bottom = -1.0
    # On a scan, label lines OCR garbled beyond recognition still mark a limit's line.
    unknown: list[float] = []
    line_bottom = -1.0
    # The vertical extent of each label with its continuation lines ("(Ea accident)").
    extents: list[list[float]] = []
    for line in group_lines(p.page.words_in(region)):
        # A label runs on past the "$" column when a form prints no "$" signs.
        label_words = list(line.words)
        beyond = p.page.words_in((table.dollar_x, line.top, p.page.width, line.bottom))
        for word in sorted(beyond, key=lambda w: w.x0):
            # An amount set close after a "$" OCR read as a letter is no part of the label.
            if AMOUNT.search(word.text):
                break
            near = word.x0 - label_words[-1].x1 < RUN_ON_GAP_PT
            if near and abs(word.cy - line.words[0].cy) < SAME_LINE_PT:
                label_words.append(word)
        text = compact(" ".join(w.text for w in label_words))
        key = next((k for k, pattern in spec if pattern.search(text)), None)
        if key is None and scan:
            key = fuzzy_limit_key(text, [k for k, _ in spec])
        cy = (line.top + line.bottom) / 2
        follows = line.top - last_bottom < LABEL_LINE_GAP_PT
        if key is not None and key == last_key and follows:
            anchors[-1] = (key, (anchors[-1][1] + cy) / 2)
        elif key is not None and all(k != key for k, _ in anchors):
            anchors.append((key, cy))
            extents.append([line.top, line.bottom])
        if key is None and follows and extents:
            extents[-1][1] = max(extents[-1][1], line.bottom)
        if key is not None:
            last_key, last_bottom = key, line.bottom
            if extents:
                extents[-1][1] = max(extents[-1][1], line.bottom)
            p.label_word_ids.update(id(w) for w in label_words)
        elif (
            scan
            and len(re.sub(r"[^A-Z]", "", text)) >= GARBLED_LABEL_LETTERS
            # not the second line of the label above ("(Per accident)")
            and line.top - line_bottom > SECOND_LINE_GAP_PT
        ):
            unknown.append(cy)
        line_bottom = line.bottom
    for y in unknown:
        if all(abs(y - other) > LABEL_LINE_GAP_PT for _, other in anchors):
            anchors.append((None, y))
    signs = [
        word
        for word in p.page.words_in((table.dollar_x - 1, band[0], p.page.width, band[1]))
        if word.text == "$"
    ]
    # The form prints one "$" to each limit line: paired in order with the labels read, a
    # sign is its label's (beside its second line, "(Ea accident)", when OCR lost that line).
    paired = _align([w.cy for w in signs], [y for _, y in anchors])
    for word, label in zip(signs, paired, strict=True):
        # A "$" beside a label's second line ("(Ea accident)") is that label's sign; one
        # beside no label marks a line whose label was not read.
        if (
            label is None
            and all(abs(word.cy - y) > LABEL_LINE_GAP_PT for _, y in anchors)
            and not any(top <= word.cy <= bottom for top, bottom in extents)
        ):
            anchors.append((None, word.cy))
    anchors.sort(key=lambda a: a[1])
    # Amounts set in another font may sit a few points above their label, and the first
    # one then above the row's top edge.
    value_region = (table.dollar_x - 1, band[0] - AMOUNT_ABOVE_ROW_PT, p.page.width, band[1])
    keys = [k for k, _ in spec]
    ordered = any(spec is printed for printed in PRINT_ORDERED)
    page_values = p.values_in(value_region)
    x0, top, x1, bottom = value_region
    alternates = [w for w in p.alternates if x0 <= w.cx <= x1 and top <= w.cy <= bottom]
    left = _amounts_left(p, table, band, page_values + alternates) if scan else None
    found, unplaced = _amounts(p, page_values, anchors, table, band, keys, ordered, left)
    if scan and unplaced:
        fresh = _reread_labels(p, table, band, spec, anchors, found, unplaced, left)
        if fresh:
            # A label read again takes the place of the unread line it was read for.
            kept = [
                a
                for a in anchors
                if a[0] is not None or all(abs(a[1] - y) > LABEL_LINE_GAP_PT for _, y in fresh)
            ]
            anchors = sorted(kept + fresh, key=lambda a: a[1])
            found, _ = _amounts(p, page_values, anchors, table, band, keys, ordered, left)
    if p.alternates:
        second, _ = _amounts(p, alternates, anchors, table, band, keys, ordered, left)
        if p.region_ocr is not None:
            _settle_amounts(p, table, band, found, second)
        for key, (value, words) in second.items():
            mine = found.get(key)
            # No limit is printed as nought: "0" is OCR's reading of "§.000" or ",000,000".
            if mine is None or not mine[0] or (value and _sureness(words) > _sureness(mine[1])):
                found[key] = (value, words)
    if scan:
        _read_unread_lines(p, table, band, keys, anchors, found, ordered, left)
        _dollar_read_as_digit(p, table, found)
        _off_the_grid(p, table, found)
    limits: dict[str, int | None] = {key: None for key, _ in spec}
    for key, (value, words) in found.items():
        # An OCR reading that is no round amount is a misreading no reading corrected.
        misread = value is not None and scan and not round_limit(value)
        printable = value is not None and printable_amount(None, key, value)
        limits[key] = value if printable and not misread else None
        p.evidence.note(f"{pointer}/limits/{key}", words)
    included = [
        key
        for key, _ in spec
        if key in found and found[key][0] is None and is_included(joined_text(found[key][1]))
    ]
    return limits, bool(found), included


# An amount's cell is read again on a limit line whose label was read, or that lies a whole
# number of line pitches from one (a row whose limits are printed in a fixed order), when
# neither reading found its amount: an amount set high, across its row's rule, is lost by a
# page pass (the rule's pixels are erased in a region read). Its box is a pitch tall; a piece
# of it between rules holding more than this share of ink holds print (specks ink about a
# hundredth of an empty cell).
UNREAD_LINE_INK: Final = 0.02
# The amounts' cell starts after the "$" signs: the rule splitting it off stands within 8 pt
# right of where the signs stand (a sign and its padding).
DOLLAR_CELL_REACH_PT: Final = 8.0


def _read_unread_lines(
    p: PageLabels,
    table: Table,
    band: tuple[float, float],
    keys: list[str],
    anchors: list[tuple[str | None, float]],
    found: dict[str, tuple[int | None, list[Word]]],
    ordered: bool,
    left: float | None,
) -> None:
    """On a scan, the amount of each limit line no reading found, read again alone in its
    cell with an amount's characters, and taken when it is a well-formed amount."""
    assert p.region_ocr is not None
    if p.ink is None:
        return
    lines = {k: y for k, y in anchors if k is not None and k in keys}
    known = sorted((keys.index(k), y) for k, y in lines.items())
    steps = [(y1 - y0) / (i1 - i0) for (i0, y0), (i1, y1) in pairwise(known) if i1 != i0]
    pitch = median(steps) if steps else USUAL_PITCH_PT
    if not PLACE_MIN_PITCH_PT <= pitch <= PLACE_MAX_PITCH_PT:
        return
    if ordered and known:
        for key in keys:
            if key in lines:
                continue
            index, y = min(known, key=lambda item: abs(item[0] - keys.index(key)))
            lines[key] = y + (keys.index(key) - index) * pitch
    wanted = [
        (key, y)
        for key, y in lines.items()
        if key not in found and band[0] - AMOUNT_ABOVE_ROW_PT <= y <= band[1]
    ]
    if not wanted:
        return
    start = left
    if start is None:
        rules = p.ink.vertical_rules(
            table.dollar_x, table.dollar_x + DOLLAR_CELL_REACH_PT, band[0] + 2, band[1] - 2
        )
        start = max(rules) if rules else table.dollar_x + DOLLAR_CELL_REACH_PT
    right = p.page.width - PAGE_BORDER_PT
    boxes: list[tuple[str, BBox]] = []
    for key, y in wanted:
        box = (start + RULE_CLEARANCE_PT, y - pitch / 2, right, y + pitch / 2)
        if _inked_between_rules(p, box):
            boxes.append((key, box))
    region_ocr = p.region_ocr
    with ThreadPoolExecutor(max_workers=2) as pool:
        readings = list(
            pool.map(
                lambda item: region_ocr(item[1], single_line=True, whitelist="$0123456789,."),
                boxes,
            )
        )
    used = {id(w) for _, words in found.values() for w in words}
    for (key, _), fresh in zip(boxes, readings, strict=True):
        amount = _limit_amount(joined_text(fresh)) if fresh else None
        if amount is not None and not any(id(w) in used for w in fresh):
            found[key] = (amount, fresh)


def _inked_between_rules(p: PageLabels, box: BBox) -> bool:
    """Whether a box holds print: some piece of it between the rules across it is inked (a
    rule alone inks a whole pixel row of the box)."""
    assert p.ink is not None
    x0, top, x1, bottom = box
    rules = p.ink.horizontal_rules(x0 + 2, x1 - 2, top, bottom)
    edges = [top, *rules, bottom]
    return any(
        b - a > 2 * RULE_PT and p.ink.ink(x0, a + RULE_PT, x1, b - RULE_PT) >= UNREAD_LINE_INK
        for a, b in pairwise(edges)
    )


def _amounts(
    p: PageLabels,
    value_words: list[Word],
    anchors: list[tuple[str | None, float]],
    table: Table,
    band: tuple[float, float],
    keys: list[str],
    ordered: bool,
    left: float | None = None,
) -> tuple[dict[str, tuple[int | None, list[Word]]], list[Orphan]]:
    """Amounts paired with their labels; on a scan, amounts whose label OCR lost are given
    the limit kinds no label was found for (see place_orphans), and a "$" sign read as a
    letter or digit on its own in the "$" column, or anything left of the amounts' ruled
    cell (`left`), is no amount. Also the amounts left without a limit kind."""
    if p.region_ocr is None:
        return _read_amounts(value_words, anchors)[0], []
    value_words = [
        w
        for w in value_words
        if not _stray_dollar(w, table.dollar_x) and (left is None or w.cx > left)
    ]
    found, orphans = _read_amounts(value_words, anchors, LEAST_LIMIT)
    place_orphans(found, orphans, anchors, band, keys, ordered)
    placed = {id(w) for _, words in found.values() for w in words}
    unplaced = [o for o in orphans if _is_reading(o) and not any(id(w) in placed for w in o[2])]
    return found, unplaced


def _reread_labels(
    p: PageLabels,
    table: Table,
    band: tuple[float, float],
    spec: list[tuple[str, re.Pattern[str]]],
    anchors: list[tuple[str | None, float]],
    found: dict[str, tuple[int | None, list[Word]]],
    unplaced: list[Orphan],
    left: float | None,
) -> list[tuple[str | None, float]]:
    """On a scan whose page pass garbled limit labels set in small print, the label beside
    each amount no label was found for, read again on its own at twice the size: the
    label's line lies as far from its amount as the labels read lie from theirs, within
    half a line pitch."""
    assert p.region_ocr is not None
    keys = [k for k, _ in spec]
    labelled = {k for k, _ in anchors if k is not None}
    missing = [k for k in keys if k not in labelled and k not in found]
    lone = [o for o in unplaced if band[0] <= o[0] <= band[1]]
    if not missing or not lone:
        return []
    known = sorted(y for k, y in anchors if k is not None)
    steps = [b - a for a, b in pairwise(known) if b - a > LABEL_LINE_GAP_PT]
    pitch = min(max(median(steps), LEAST_PITCH_PT), MOST_PITCH_PT) if steps else USUAL_PITCH_PT
    offsets = [
        y - sum(w.cy for w in found[k][1]) / len(found[k][1])
        for k, y in anchors
        if k is not None and k in found and found[k][1]
    ]
    offset = median(offsets) if offsets else 0.0
    right = left - 1 if left is not None else table.dollar_x
    boxes: list[BBox] = [
        (table.limits_x + 1, cy + offset - pitch / 2, right, cy + offset + pitch / 2)
        for cy, _, _ in lone[: len(keys)]
    ]
    region_ocr = p.region_ocr
    with ThreadPoolExecutor(max_workers=2) as pool:
        readings = list(pool.map(lambda b: region_ocr(b, zoom=2.0, single_line=True), boxes))
    fresh: list[tuple[str | None, float]] = []
    for box, words in zip(boxes, readings, strict=True):
        text = compact(joined_text(words))
        key = next((k for k, pattern in spec if pattern.search(text)), None)
        key = key or fuzzy_limit_key(text, keys)
        if key in missing:
            missing.remove(key)
            fresh.append((key, (box[1] + box[3]) / 2))
    return fresh


def _amounts_left(
    p: PageLabels, table: Table, band: tuple[float, float], words: list[Word]
) -> float | None:
    """The left edge of the amounts' cell where the form rules the LIMITS column in two (the
    labels with their "$" signs, the amounts): the last vertical rule across the row left
    of where the row's amounts start (OCR may read the rule as a bracket: "[2")."""
    amounts = [w for w in words if AMOUNT.search(w.text)]
    if p.ink is None or not amounts:
        return None
    start = median(w.x0 for w in amounts)
    rules = p.ink.vertical_rules(
        table.limits_x + SPLIT_RULE_FROM_PT, start + RULE_IN_AMOUNT_PT, band[0] + 2, band[1] - 2
    )
    return max(rules) if rules else None


def _ruled_band(p: PageLabels, table: Table, band: tuple[float, float]) -> tuple[float, float]:
    """A coverage row's band as the table's rules draw it, where the row labels placed it a
    line off (a lost or misread row label): each edge moves to the row rule nearest it, a
    rule that runs across both the LIMITS column and the policy number column (the form
    may rule each limit line too, but only across the LIMITS column)."""
    if p.ink is None or "policy" not in table.columns:
        return band
    reach = ROW_RULE_REACH_PT
    top, bottom = band[0] - reach, band[1] + reach
    left, right = table.columns["policy"]
    across_policy = p.ink.horizontal_rules(left + 2, right - 2, top, bottom)
    across_limits = p.ink.horizontal_rules(
        table.limits_x + LIMITS_RULE_INSET_PT, table.dollar_x - LIMITS_RULE_INSET_PT, top, bottom
    )
    rules = [y for y in across_limits if any(abs(y - x) < 2 for x in across_policy)]
    middle = (band[0] + band[1]) / 2
    edges = []
    for edge in band:
        # Each edge keeps to its own half of the row.
        near = [y for y in rules if abs(y - edge) <= reach and (y < middle) == (edge < middle)]
        edges.append(min(near, key=lambda y: abs(y - edge)) + RULE_MIDDLE_PT if near else edge)
    return edges[0], edges[1]


def _read_amount_boxes(
    region_ocr: Callable[..., list[Word]], boxes: list[BBox]
) -> list[list[Word]]:
    """Each amount's line read again alone, with only an amount's characters: independent
    Tesseract runs, two at a time on two cores."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(
            pool.map(
                lambda box: region_ocr(box, single_line=True, whitelist="$0123456789,."), boxes
            )
        )


def _doubtful_words(
    found: dict[str, tuple[int | None, list[Word]]],
    second: dict[str, tuple[int | None, list[Word]]],
    key: str,
) -> list[Word]:
    readings = [r for r in (found.get(key), second.get(key)) if r is not None and r[1]]
    return [w for _, ws in readings for w in ws]


def _settle_amounts(
    p: PageLabels,
    table: Table,
    band: tuple[float, float],
    found: dict[str, tuple[int | None, list[Word]]],
    second: dict[str, tuple[int | None, list[Word]]],
) -> None:
    """On a scan, an amount the page pass and the grey re-read do not agree on, or that
    neither read as a well-formed amount ("2-000,000", "17,000,000" with the "$" taken
    for a digit), read once more on its own line with only the characters of an amount;
    that reading is taken when it is well formed."""
    region_ocr = p.region_ocr
    assert region_ocr is not None
    doubtful: list[tuple[str, BBox]] = []
    for key in sorted(set(found) | set(second)):
        readings = [r for r in (found.get(key), second.get(key)) if r is not None and r[1]]
        shapes = [_limit_amount(joined_text(r[1])) for r in readings]
        if len(readings) == 2 and shapes[0] and shapes[0] == shapes[1]:
            continue
        words = _doubtful_words(found, second, key)
        if not words:
            continue
        box = _amount_box(p, table, band, words)
        doubtful.append((key, box))
    rereads = _read_amount_boxes(region_ocr, [box for _, box in doubtful])
    # An amount set high, its digits' tops across the row's rule, loses them in a box that
    # stops under the rule ("1,000,000" read "1,,"): read again in a box reaching the rule.
    again = [
        (index, high)
        for index, ((key, box), fresh) in enumerate(zip(doubtful, rereads, strict=True))
        if _limit_amount(joined_text(fresh)) is None
        and (high := _amount_box(p, table, band, _doubtful_words(found, second, key), True)) != box
    ]
    for (index, _), fresh in zip(
        again, _read_amount_boxes(region_ocr, [box for _, box in again]), strict=True
    ):
        if _limit_amount(joined_text(fresh)) is not None:
            rereads[index] = fresh
    for (key, _), fresh in zip(doubtful, rereads, strict=True):
        amount = _limit_amount(joined_text(fresh)) if fresh else None
        prior = [r[1] for r in (found.get(key), second.get(key)) if r is not None and r[1]]
        shapes = [_limit_amount(joined_text(words)) for words in prior]
        # A lone well-formed reading the line read again contradicts stands when it was read
        # the surer ("1,000,000.00" read again "4,000,000.00" at no confidence).
        formed = [words for words, shape in zip(prior, shapes, strict=True) if shape]
        outvoted = (
            len(formed) == 1
            and _limit_amount(joined_text(formed[0])) != amount
            and _sureness(formed[0]) > _sureness(fresh)
        )
        if amount is not None and not _third_opinion(amount, shapes) and not outvoted:
            # Taken over both other readings (the alternates only replace when surer).
            reading = (amount, fresh)
            found[key] = reading
            second[key] = reading


# Amounts typed with their own "$" ("$1,000,000.00") start, left-aligned, where their "$"
# stands: the place is taken from at least two such readings of the table, and a reading
# starting within half a character of it starts with that "$" whatever OCR made of it.
DOLLAR_LED_LEAST: Final = 2
DOLLAR_PLACE_SHARE: Final = 0.5
_DOLLAR_LED = re.compile(r"\$\d")


def _dollar_read_as_digit(
    p: PageLabels, table: Table, found: dict[str, tuple[int | None, list[Word]]]
) -> None:
    """On a scan, an amount whose "$" OCR read as a digit ("51,000,000.00" for
    "$1,000,000.00", its "5" standing where the other amounts' "$" stands) read without it.
    A limit of $51,000,000 would be printed one character wider, starting left of them."""
    led = [
        w
        for w in p.page.words + p.alternates
        if w.x0 > table.dollar_x - 1 and _DOLLAR_LED.match(w.text) and AMOUNT.search(w.text)
    ]
    if len(led) < DOLLAR_LED_LEAST:
        return
    place = median(w.x0 for w in led)
    character = median((w.x1 - w.x0) / len(w.text) for w in led)
    for key, (value, words) in list(found.items()):
        if value is None or not words:
            continue
        first = min(words, key=lambda w: w.x0)
        text = joined_text(sorted(words, key=lambda w: w.x0))
        if text.startswith("$") or abs(first.x0 - place) >= DOLLAR_PLACE_SHARE * character:
            continue
        amount = _limit_amount(text[1:])
        if amount is not None:
            found[key] = (amount, words)


# The amounts of a LIMITS column are typed at one place: each starts where the others start
# (typed left-aligned) or ends where they end (right-aligned), in figures of one width. The
# aligned edge is the one whose places spread least, within half a figure, over at least
# three amounts read; a reading whose aligned edge stands half a figure or more outside the
# others' carries a character the amount does not ("72,000,000": a rule or a stamp's ink
# read as a "7" before "2,000,000"; "50,000,001": the cell's rule read as a "1" after it).
GRID_LEAST_AMOUNTS: Final = 3
GRID_FIGURE_SHARE: Final = 0.5


def _off_the_grid(
    p: PageLabels, table: Table, found: dict[str, tuple[int | None, list[Word]]]
) -> None:
    """On a scan, an amount whose reading sticks out of the column's aligned edge by a
    character read without that character, when what is left is a round limit."""
    if not table.bands:
        return
    top = min(b[0] for b in table.bands.values())
    bottom = max(b[1] for b in table.bands.values())
    typed = [
        w
        for w in p.page.words + p.alternates
        if w.x0 > table.dollar_x - 1 and top <= w.cy <= bottom and _WHOLE_AMOUNT.fullmatch(w.text)
    ]
    if len(typed) < GRID_LEAST_AMOUNTS:
        return
    figure = median((w.x1 - w.x0) / len(w.text) for w in typed)
    edges = {"left": [w.x0 for w in typed], "right": [w.x1 for w in typed]}
    spread = {side: median(abs(x - median(xs)) for x in xs) for side, xs in edges.items()}
    side = min(spread, key=lambda k: spread[k])
    other = "right" if side == "left" else "left"
    # Both edges aligned (every amount as long) tell no side; neither aligned, no grid.
    if spread[side] >= GRID_FIGURE_SHARE * figure or spread[other] < GRID_FIGURE_SHARE * figure:
        return
    place = median(edges[side])
    for key, (value, words) in list(found.items()):
        if value is None or not words:
            continue
        text = re.sub(r"\s", "", joined_text(sorted(words, key=lambda w: w.x0)))
        if side == "left":
            out = place - min(w.x0 for w in words) >= GRID_FIGURE_SHARE * figure
            rest = text[1:]
        else:
            out = max(w.x1 for w in words) - place >= GRID_FIGURE_SHARE * figure
            rest = text[:-1]
        amount = _limit_amount(rest) if out else None
        if amount is not None:
            found[key] = (amount, words)


# An amount read whole: its figures grouped by thousands or bare, nothing else in the word.
_WHOLE_AMOUNT = re.compile(r"\$?\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d{4,}(?:\.\d{2})?")


def _amount_box(
    p: PageLabels,
    table: Table,
    band: tuple[float, float],
    words: list[Word],
    over_rule: bool = False,
) -> BBox:
    """The box an amount is read again in: its line, within the amounts' cell where the
    form rules one off (the "$" signs printed before it, read as "5" or "S", and the
    table's border kept out), and within the row's rules (an amount set close under the
    row's top rule is read as nothing with the rule in its box). `over_rule`: the box's top
    reaches the rule above instead (the region read erases a rule that runs across its box),
    for an amount set so high its digits' tops cross it."""
    # A block reading may give a line a box twice its height: the line is as tall as its
    # shortest reading, about the middle of the readings.
    cy = median(w.cy for w in words)
    shortest = min(w.height for w in words)
    half = min(max(shortest, AMOUNT_MIN_HEIGHT_PT), AMOUNT_MAX_HEIGHT_PT) / 2
    # A page scanned shifted or cropped may bring the amounts up to its edge, past where the
    # form's border would stand: the box then reaches the end of what was read.
    right = max(p.page.width - PAGE_BORDER_PT, min(max(w.x1 for w in words), p.page.width))
    box = [table.dollar_x - 1, cy - half - 2, right, cy + half + 2]
    if p.ink is None:
        return (box[0], box[1], box[2], box[3])
    digits = [w for w in words if AMOUNT.search(w.text)] or [
        w for w in words if re.search(r"\d", w.text) and not _stray_dollar(w, table.dollar_x)
    ]
    start = min(w.x0 for w in digits) if digits else box[2]
    cells = p.ink.vertical_rules(box[0], box[2] + PAGE_BORDER_PT, band[0] + 2, band[1] - 2)
    # OCR may read the rule before an amount as part of it ("[2").
    before = [x for x in cells if table.dollar_x + 2 < x < start + RULE_IN_AMOUNT_PT]
    after = [x for x in cells if x > start + AMOUNT_LEAST_WIDTH_PT]
    if before:
        box[0] = max(before) + RULE_CLEARANCE_PT
    if after:
        box[2] = min(after) - RULE_CLEARANCE_PT
    rules = p.ink.horizontal_rules(box[0] + 2, box[2] - 2, box[1], box[3])
    middle = (box[1] + box[3]) / 2
    for y in rules:
        if y < middle:
            box[1] = max(box[1], y if over_rule else y + RULE_PT)
        else:
            # (y is the rule's first pixel row: print may come down to it)
            box[3] = min(box[3], y - RULE_BELOW_SLACK_PT)
    return (box[0], box[1], box[2], box[3])


def _other_limits(p: PageLabels, table: Table, words: list[Word]) -> dict[str, int]:
    """An OTHER row's amounts paired with their labels by nearest line (amounts set in
    another font may sit above their label, next to the label of the line before)."""
    label_lines = [
        line
        for line in group_lines([w for w in words if w.cx < table.dollar_x])
        if re.search(r"[A-Za-z]{3}", line.text)
    ]
    amount_lines = [
        line
        for line in group_lines([w for w in words if w.cx >= table.dollar_x])
        if re.search(r"\d", line.text)
    ]
    # A label that carries its own amount ("DED: $1,000") is read as printed instead.
    if not label_lines or not amount_lines or any(re.search(r"\d", b.text) for b in label_lines):
        return {}
    assignment = _align(
        [(a.top + a.bottom) / 2 for a in amount_lines],
        [(b.top + b.bottom) / 2 for b in label_lines],
    )
    limits: dict[str, int] = {}
    for amount, index in zip(amount_lines, assignment, strict=True):
        label = label_lines[index].text if index is not None else None
        if p.region_ocr is not None and (label is None or not _names_kind(label)):
            label = _other_label(p, table, amount) or label
        if label is None:
            continue
        value = _other_amount(p, table, amount.words)
        if value is None:
            continue
        key = other_limit_key(label)
        if key in limits:
            # A second amount beside a label OCR garbled is not given a kind on a guess.
            if p.region_ocr is not None and not _names_kind(label):
                continue
            key = f"{key}_2"
        limits[key] = value
    return limits


def _names_kind(label: str) -> bool:
    """Whether an OTHER row's label line names its limit's kind (values.other_limit_key's
    words), not only defaults to "limit"."""
    return other_limit_key(label) != "limit" or re.search(r"LIMIT", label, re.I) is not None


# An OTHER row's label the page pass garbled or lost is read again beside its amount, at twice
# the size (5-7 pt print), from the LIMITS column's rule to the "$" column, in the amount's
# line with half its height more above and below (a label may sit a little off its line).
OTHER_LABEL_ZOOM: Final = 2.0
# The box starts 4 pt left of the column's edge as found, so that its rule (1 pt and its blur,
# found to a point or two) lies whole inside it and is erased, not cut into a stroke.
OTHER_LABEL_LEAD_PT: Final = 4.0
OTHER_LABEL_REACH_SHARE: Final = 0.5


def _other_label(p: PageLabels, table: Table, amount: Line) -> str | None:
    """On a scan, the label of an OTHER row's amount line no label line was read for, read
    again alone; None unless it names a limit kind (values.other_limit_key's words): an
    amount is never given a kind on a guess."""
    if p.region_ocr is None:
        return None
    # The line as its figures stand (a garbled word beside them may be read taller).
    figures = [w for w in amount.words if re.search(r"\d", w.text)] or amount.words
    cy = median(w.cy for w in figures)
    half = min(w.height for w in figures) / 2
    reach = half + OTHER_LABEL_REACH_SHARE * 2 * half
    # From the column's rule (erased by the region read: a label starts close to it).
    box = (table.limits_x - OTHER_LABEL_LEAD_PT, cy - reach, table.dollar_x, cy + reach)
    text = joined_text(p.region_ocr(box, zoom=OTHER_LABEL_ZOOM, single_line=True))
    return text if _names_kind(text) else None


def _other_amount(p: PageLabels, table: Table, words: list[Word]) -> int | None:
    """An OTHER row's amount; on a scan, its grey re-read taken where the page pass was
    less sure, or the line read again in its cell with only an amount's characters when the
    two readings do not agree on a well-formed amount ("$00,000" beside "500,000")."""
    value = parse_money(" ".join(w.text for w in words))
    if p.region_ocr is None:
        return value
    cy = sum(w.cy for w in words) / len(words)
    height = max(min(w.height for w in words), OTHER_LINE_MIN_PT)
    second = [
        w
        for w in p.alternates
        if w.cx >= table.dollar_x
        and abs(w.cy - cy) < SAME_LINE_SHARE * height
        and not _stray_dollar(w, table.dollar_x)
    ]
    readings = [r for r in (words, second) if r]
    shapes = [well_formed_amount(joined_text(r)) for r in readings]
    if len(readings) == 2 and shapes[0] is not None and shapes[0] == shapes[1]:
        return shapes[0]
    box = _amount_box(p, table, (cy - height, cy + height), [w for r in readings for w in r])
    fresh = p.region_ocr(box, single_line=True, whitelist="$0123456789,.")
    amount = well_formed_amount(joined_text(fresh)) if fresh else None
    if amount is not None and not _third_opinion(amount, shapes):
        return amount
    formed = [(_sureness(r), shape) for r, shape in zip(readings, shapes, strict=True) if shape]
    return max(formed)[1] if formed else value


AMOUNT = re.compile(r"\d[,.]\d{3}")
# A printed amount does not start with a nought ("$00,000" is "$500,000" with its 5 lost); it
# is grouped by thousands, or printed as bare digits by agency systems ("1000000"), of which a
# limit has four at the least (values.LEAST_LIMIT).
_WELL_FORMED = re.compile(r"\$?([1-9]\d{0,2}(?:,\d{3})+|[1-9]\d{3,})(?:\.\d{2})?")


def well_formed_amount(text: str) -> int | None:
    """Whole dollars of an amount printed as limits are ("$1,000,000", "25,000.00",
    "1000000"), or None when OCR's reading is not one ("2-000,000", "1,00,000", "5",
    "$00,000")."""
    match = _WELL_FORMED.fullmatch(re.sub(r"\s", "", text).strip(".,"))
    return int(match.group(1).replace(",", "")) if match else None


def _limit_amount(text: str) -> int | None:
    """A liability row's limit as OCR read it, when it is well formed and a round amount
    (values.round_limit): "250,080" is a misreading of "250,000"."""
    amount = well_formed_amount(text)
    return amount if amount is not None and round_limit(amount) else None


def _third_opinion(amount: int, shapes: list[int | None]) -> bool:
    """Whether a line read again is an outlier beside two well-formed readings that disagree
    with each other: it has as many digits as neither ("1,000.00" beside "1,000,000" and
    "7,000,000"; but "1,000,000" beside "11,000,000" and "7,000,000" settles it). The digit
    count is what readings of an amount agree on most; the surer of the two is then kept."""
    formed = [shape for shape in shapes if shape is not None]
    return len(formed) == 2 and all(len(str(amount)) != len(str(f)) for f in formed)


def _sureness(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


Orphan = tuple[float, int | None, list[Word]]


def _read_amounts(
    value_words: list[Word], anchors: list[tuple[str | None, float]], least: int = 0
) -> tuple[dict[str, tuple[int | None, list[Word]]], list[Orphan]]:
    """Amount lines paired with the limit label lines, in order, by nearest line; and the
    amount lines no label line was found for (centre, amount, words). A reading under
    `least` dollars is no amount (a scrap of a stamp or a rule read as "3", an amount OCR
    cut down to its first digit): its line stands unread."""
    value_lines = [
        (text, words)
        for text, words in lines_with_words([w for w in value_words if w.text != "$"])
        # Only amounts and words that stand for one; OCR reads "$" signs as "S" or "§".
        if re.search(r"\d|INCL|EXCL|NONE|N/A", text, re.I)
    ]
    assignment = _align(
        [sum(w.cy for w in ws) / len(ws) for _, ws in value_lines], [y for _, y in anchors]
    )
    found: dict[str, tuple[int | None, list[Word]]] = {}
    orphans: list[Orphan] = []
    for (text, words), anchor_index in zip(value_lines, assignment, strict=True):
        value = parse_money(text) if re.search(r"\d", text) else None
        if value is not None and value < least:
            value = None
        key = anchors[anchor_index][0] if anchor_index is not None else None
        if key is None:
            orphans.append((sum(w.cy for w in words) / len(words), value, words))
            continue
        found[key] = (value, words)
    return found, orphans


def _is_reading(orphan: Orphan) -> bool:
    """Whether a line without a label reads as a limit: an amount, or "Included"."""
    return orphan[1] is not None or is_included(joined_text(orphan[2]))


def place_orphans(
    found: dict[str, tuple[int | None, list[Word]]],
    orphans: list[Orphan],
    anchors: list[tuple[str | None, float]],
    band: tuple[float, float],
    keys: list[str],
    ordered: bool,
) -> None:
    """Amounts whose label line OCR lost or garbled, given the limit kinds whose labels were
    not found: the form prints each limit kind of a row once, so a lone such amount takes the
    one kind left over; where the form prints a row's limits in a fixed order (auto, umbrella,
    workers compensation), an amount takes the kind printed that many lines from a label that
    was read (the line pitch measured between the labels read)."""
    labelled = {k for k, _ in anchors if k is not None}
    missing = [k for k in keys if k not in labelled and k not in found]
    # Only amounts inside the row (the value region reaches a little above it).
    lone = [o for o in orphans if _is_reading(o) and band[0] <= o[0] <= band[1]]
    if not missing or not lone:
        return
    if len(missing) == 1 and len(lone) == 1:
        found[missing[0]] = (lone[0][1], lone[0][2])
        return
    if not ordered:
        return
    known = sorted((keys.index(k), y) for k, y in anchors if k is not None and k in keys)
    steps = [(y1 - y0) / (i1 - i0) for (i0, y0), (i1, y1) in pairwise(known)]
    # The labels read must lie in the printed order, a line apart.
    if not steps or any(step <= 0 for step in steps):
        return
    pitch = median(steps)
    if not PLACE_MIN_PITCH_PT <= pitch <= PLACE_MAX_PITCH_PT:
        return
    for cy, value, words in lone:
        index, y = min(known, key=lambda item: abs(cy - item[1]))
        lines = round((cy - y) / pitch)
        place = index + lines
        if (
            lines != 0
            and 0 <= place < len(keys)
            # A label on two lines has its centre half a line off its first line.
            and abs(cy - y - lines * pitch) < OFF_LINE_SHARE * pitch
            and keys[place] in missing
        ):
            found[keys[place]] = (value, words)
            missing.remove(keys[place])


def _stray_dollar(word: Word, dollar_x: float) -> bool:
    """A "$" sign of the "$" column OCR read as something else ("5", "s", "§"): a word of
    one or two characters where the column's "$" signs stand."""
    return len(word.text) <= STRAY_DOLLAR_CHARS and abs(word.x0 - (dollar_x + 1)) < STRAY_DOLLAR_PT


# How each limit is printed on the editions of the form and by agency systems (compact:
# capitals and digits only), for a label line OCR misread beyond its patterns.
LIMIT_WORDINGS: dict[str, tuple[str, ...]] = {
    "each_occurrence": ("EACHOCCURRENCE", "EACHOCCURRENCELIMIT"),
    "damage_to_rented_premises": (
        "DAMAGETORENTEDPREMISESEAOCCURRENCE",
        "DMGTORENTEDPREMISESEAOCC",
        "FIREDAMAGEANYONEFIRE",
    ),
    "medical_expense": ("MEDEXPANYONEPERSON", "MEDICALEXPENSEANYONEPERSON"),
    "personal_advertising_injury": ("PERSONALADVINJURY", "PERSADVERTISINGINJURY"),
    "general_aggregate": ("GENERALAGGREGATE", "GENLAGGREGATE"),
    "products_completed_operations_aggregate": (
        "PRODUCTSCOMPOPAGG",
        "PRODUCTSCOMPLETEDOPSAGG",
    ),
    "combined_single_limit": ("COMBINEDSINGLELIMITEAACCIDENT",),
    "bodily_injury_per_person": ("BODILYINJURYPERPERSON", "BIPERPERSON"),
    "bodily_injury_per_accident": ("BODILYINJURYPERACCIDENT", "BIPERACCIDENT"),
    "property_damage": ("PROPERTYDAMAGEPERACCIDENT", "PROPDAMAGEPERACCIDENT"),
    "aggregate": ("AGGREGATE",),
    "el_each_accident": ("ELEACHACCIDENT",),
    "el_disease_each_employee": ("ELDISEASEEAEMPLOYEE", "ELDISEASEEACHEMPLOYEE"),
    "el_disease_policy_limit": ("ELDISEASEPOLICYLIMIT",),
}


def fuzzy_limit_key(text: str, keys: list[str]) -> str | None:
    """The limit kind a label line OCR misread most likely names ("ACTEOCCURRESCE LIMET",
    "f PERSON"): the share of the line's letters found in order in one of the kind's
    wordings, when one kind clearly leads. A part of a wording (a label's first or second
    line) counts whole; words the line shares with several kinds' labels decide nothing."""
    line = compact(text)
    if len(line) < FUZZY_MIN_LETTERS:
        return None
    scores: list[tuple[float, str]] = []
    for key in keys:
        best = 0.0
        for wording in LIMIT_WORDINGS.get(key, ()):
            blocks = SequenceMatcher(None, line, wording, autojunk=False).get_matching_blocks()
            shared = sum(b.size for b in blocks if b.size >= 2)
            if shared >= FUZZY_MIN_SHARED:
                best = max(best, shared / len(line))
        scores.append((best, key))
    scores.sort(reverse=True)
    lead = scores[0][0] - scores[1][0] if len(scores) > 1 else 1.0
    if scores[0][0] < FUZZY_LEAST_SHARE or lead < FUZZY_LEAD:
        return None
    return scores[0][1]


def _align(values: list[float], anchors: list[float]) -> list[int | None]:
    """Pair value lines with label lines in order, minimising the vertical distances."""
    n, m = len(values), len(anchors)
    if n == 0:
        return []
    if m == 0:
        return [None] * n
    limit = PAIR_REACH_PT
    skip_cost = limit
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    choice: list[list[tuple[int, int, int | None]]] = [
        [(0, 0, None)] * (m + 1) for _ in range(n + 1)
    ]
    for j in range(m + 1):
        cost[0][j] = 0.0
    for i in range(1, n + 1):
        for j in range(0, m + 1):
            best = cost[i - 1][j] + skip_cost
            pick: tuple[int, int, int | None] = (i - 1, j, None)
            if j > 0:
                if cost[i][j - 1] < best:
                    best, pick = cost[i][j - 1], (i, j - 1, -1)
                distance = abs(values[i - 1] - anchors[j - 1])
                if distance <= limit and cost[i - 1][j - 1] + distance < best:
                    best, pick = cost[i - 1][j - 1] + distance, (i - 1, j - 1, j - 1)
            cost[i][j] = best
            choice[i][j] = pick
    result: list[int | None] = [None] * n
    i, j = n, m
    while i > 0:
        pi, pj, anchor = choice[i][j]
        if pi == i - 1:
            result[i - 1] = anchor if anchor is not None and anchor >= 0 else None
        i, j = pi, pj
    return result


GL_LIMITS: list[tuple[str, re.Pattern[str]]] = [
    ("damage_to_rented_premises", re.compile(r"RENTED|PREMISES|FIREDAMAGE|FIRELEGAL|DMGTO")),
    ("medical_expense", re.compile(r"MEDEX|MEDICAL")),
    ("personal_advertising_injury", re.compile(r"PERS\w{0,8}ADV|ADVERTISING|PERSONALINJ")),
    (
        "products_completed_operations_aggregate",
        re.compile(r"PRODUCTS|PRODCOMP|COMPOP|COMPLETEDOP"),
    ),
    ("general_aggregate", re.compile(r"AGG")),
    ("each_occurrence", re.compile(r"OCCURRENCE|EACHOCC|PEROCC")),
]
AUTO_LIMITS: list[tuple[str, re.Pattern[str]]] = [
    ("combined_single_limit", re.compile(r"COMBINED|SINGLELIMIT|^CSL")),
    ("bodily_injury_per_person", re.compile(r"(BODILYINJURY|^BI).*PERSON")),
    ("bodily_injury_per_accident", re.compile(r"(BODILYINJURY|^BI).*ACC")),
    ("property_damage", re.compile(r"PROPERTYDAMAGE|PROPDAMAGE|^PD")),
]
UMBRELLA_LIMITS: list[tuple[str, re.Pattern[str]]] = [
    ("each_occurrence", re.compile(r"OCCURRENCE|EACHOCC|PEROCC")),
    ("aggregate", re.compile(r"AGG")),
]
WC_LIMITS: list[tuple[str, re.Pattern[str]]] = [
    ("el_each_accident", re.compile(r"ACCIDENT")),
    ("el_disease_each_employee", re.compile(r"EMPLOYEE|EAEMP")),
    ("el_disease_policy_limit", re.compile(r"POLICYLIMIT|POLICY")),
]
# Rows whose limits every edition prints in the same order (the general liability row's
# order differs from one agency system to the next).
PRINT_ORDERED = (AUTO_LIMITS, UMBRELLA_LIMITS, WC_LIMITS)
