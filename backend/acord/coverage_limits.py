"""Limit amounts of a coverage row, paired with their printed limit labels by nearest line."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from backend.acord.coverage_table import Table
from backend.acord.geometry import BBox, Word, compact, group_lines
from backend.acord.page_labels import PageLabels, joined_text, lines_with_words
from backend.acord.values import other_limit_key, parse_money


class CoverageLimitsReader(PageLabels):
    def _limits(
        self,
        table: Table,
        band: tuple[float, float],
        spec: list[tuple[str, re.Pattern[str]]],
        pointer: str,
    ) -> tuple[dict[str, int | None], bool]:
        # Limit labels are worded differently from one agency system to the next ("MED EXP",
        # "MEDICAL EXPENSE"; "GEN'L AGGREGATE"), so each label line is classified by its key
        # words; a label on two lines anchors its value between them.
        region = (table.limits_x, band[0], table.dollar_x, band[1])
        anchors: list[tuple[str | None, float]] = []
        last_key: str | None = None
        last_bottom = -1.0
        for line in group_lines(self.page.words_in(region)):
            # A label runs on past the "$" column when a form prints no "$" signs.
            label_words = list(line.words)
            beyond = self.page.words_in((table.dollar_x, line.top, self.page.width, line.bottom))
            for word in sorted(beyond, key=lambda w: w.x0):
                # An amount set close after a "$" OCR read as a letter is no part of the label.
                if AMOUNT.search(word.text):
                    break
                if word.x0 - label_words[-1].x1 < 4 and abs(word.cy - line.words[0].cy) < 2:
                    label_words.append(word)
            text = compact(" ".join(w.text for w in label_words))
            key = next((k for k, pattern in spec if pattern.search(text)), None)
            cy = (line.top + line.bottom) / 2
            if key is not None and key == last_key and line.top - last_bottom < 4:
                anchors[-1] = (key, (anchors[-1][1] + cy) / 2)
            elif key is not None and all(k != key for k, _ in anchors):
                anchors.append((key, cy))
            if key is not None:
                last_key, last_bottom = key, line.bottom
                self.label_word_ids.update(id(w) for w in label_words)
        for word in self.page.words_in((table.dollar_x - 1, band[0], self.page.width, band[1])):
            if word.text == "$" and all(abs(word.cy - y) > 4 for _, y in anchors):
                anchors.append((None, word.cy))
        anchors.sort(key=lambda a: a[1])
        # Amounts set in another font may sit a few points above their label, and the first
        # one then above the row's top edge.
        value_region = (table.dollar_x - 1, band[0] - 5, self.page.width, band[1])
        found = _read_amounts(self.values_in(value_region), anchors)
        if self.alternates:
            x0, top, x1, bottom = value_region
            second = _read_amounts(
                [w for w in self.alternates if x0 <= w.cx <= x1 and top <= w.cy <= bottom],
                anchors,
            )
            if self.region_ocr is not None:
                self._settle_amounts(table, found, second)
            for key, (value, words) in second.items():
                mine = found.get(key)
                if (
                    mine is None
                    or mine[0] is None
                    or (value is not None and _sureness(words) > _sureness(mine[1]))
                ):
                    found[key] = (value, words)
        limits: dict[str, int | None] = {key: None for key, _ in spec}
        for key, (value, words) in found.items():
            limits[key] = value
            self.evidence.note(f"{pointer}/limits/{key}", words)
        return limits, bool(found)

    def _settle_amounts(
        self,
        table: Table,
        found: dict[str, tuple[int | None, list[Word]]],
        second: dict[str, tuple[int | None, list[Word]]],
    ) -> None:
        """On a scan, an amount the page pass and the grey re-read do not agree on, or that
        neither read as a well-formed amount ("2-000,000", "17,000,000" with the "$" taken
        for a digit), read once more on its own line with only the characters of an amount;
        that reading is taken when it is well formed."""
        region_ocr = self.region_ocr
        assert region_ocr is not None
        doubtful: list[tuple[str, BBox]] = []
        for key in sorted(set(found) | set(second)):
            readings = [r for r in (found.get(key), second.get(key)) if r is not None and r[1]]
            shapes = [well_formed_amount(joined_text(r[1])) for r in readings]
            if len(readings) == 2 and shapes[0] and shapes[0] == shapes[1]:
                continue
            words = [w for _, ws in readings for w in ws]
            if not words:
                continue
            box = (
                table.dollar_x - 1,
                min(w.top for w in words) - 2,
                self.page.width - 6,
                max(w.bottom for w in words) + 2,
            )
            doubtful.append((key, box))
        # The amounts' lines are independent Tesseract runs: two at a time on two cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            rereads = list(
                pool.map(
                    lambda item: region_ocr(item[1], single_line=True, whitelist="$0123456789,."),
                    doubtful,
                )
            )
        for (key, _), fresh in zip(doubtful, rereads, strict=True):
            amount = well_formed_amount(joined_text(fresh)) if fresh else None
            if amount is not None:
                # Taken over both other readings (the alternates only replace when surer).
                reading = (amount, fresh)
                found[key] = reading
                second[key] = reading

    def _other_limits(self, table: Table, words: list[Word]) -> dict[str, int]:
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
        # A label that carries its own amount ("DED: $2,500") is read as printed instead.
        if (
            not label_lines
            or not amount_lines
            or any(re.search(r"\d", b.text) for b in label_lines)
        ):
            return {}
        assignment = _align(
            [(a.top + a.bottom) / 2 for a in amount_lines],
            [(b.top + b.bottom) / 2 for b in label_lines],
        )
        limits: dict[str, int] = {}
        for amount, index in zip(amount_lines, assignment, strict=True):
            value = parse_money(amount.text)
            if index is None or value is None:
                continue
            key = other_limit_key(label_lines[index].text)
            if key in limits:
                key = f"{key}_2"
            limits[key] = value
        return limits


AMOUNT = re.compile(r"\d[,.]\d{3}")
_WELL_FORMED = re.compile(r"\$?(\d{1,3}(?:,\d{3})+)(?:\.\d{2})?")


def well_formed_amount(text: str) -> int | None:
    """Whole dollars of an amount printed as limits are ("$1,000,000", "25,000.00"), or None
    when OCR's reading is not one ("2-000,000", "1,00,000", "5")."""
    match = _WELL_FORMED.fullmatch(re.sub(r"\s", "", text).strip(".,"))
    return int(match.group(1).replace(",", "")) if match else None


def _sureness(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def _read_amounts(
    value_words: list[Word], anchors: list[tuple[str | None, float]]
) -> dict[str, tuple[int | None, list[Word]]]:
    """Amount lines paired with the limit label lines, in order, by nearest line."""
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
    for (text, words), anchor_index in zip(value_lines, assignment, strict=True):
        if anchor_index is None:
            continue
        key = anchors[anchor_index][0]
        if key is None:
            continue
        found[key] = (parse_money(text) if re.search(r"\d", text) else None, words)
    return found


def _align(values: list[float], anchors: list[float]) -> list[int | None]:
    """Pair value lines with label lines in order, minimising the vertical distances."""
    n, m = len(values), len(anchors)
    if n == 0:
        return []
    if m == 0:
        return [None] * n
    limit = 14.0
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
