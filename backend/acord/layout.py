"""The ACORD 25 page reader: values found by the printed labels and the column structure.

Nothing here depends on fixed coordinates. The coverage table's columns come from its header
labels (INSR LTR, TYPE OF INSURANCE, ADDL INSD, SUBR WVD, POLICY NUMBER, the two date headers,
LIMITS); its row bands from the row labels (COMMERCIAL GENERAL LIABILITY, AUTOMOBILE LIABILITY,
UMBRELLA LIAB, WORKERS COMPENSATION, the description box). Values set in another font a few
points off their label's line are paired with labels in order, by nearest line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import pairwise
from typing import Any, Protocol

from backend.acord.geometry import (
    BBox,
    Label,
    PageText,
    Word,
    compact,
    group_lines,
    union_bbox,
)
from backend.acord.values import (
    clean_text,
    other_limit_key,
    parse_date,
    parse_edition,
    parse_mark,
    parse_money,
    parse_other_limits,
    split_name_address,
)

_TICK_TEXT = {"X", "x", "✓", "✔", "☒", "■", "√", "V"}


def _is_tick(text: str) -> bool:
    """A tick mark as text: "X" or a check sign, or OCR's doubled reading of a bold X ("xX")."""
    stripped = text.strip()
    # OCR reads a crossed box as "[X]", "(X]" or "[XK]".
    return stripped in _TICK_TEXT or bool(re.fullmatch(r"[\[({|]?[xX][xXkK]?[\])}|]?", stripped))


class Ink(Protocol):
    def ink(self, x0: float, top: float, x1: float, bottom: float) -> float: ...

    def checkbox_fill(self, right: float, cy: float, reach: float = 24.0) -> float | None: ...

    def vertical_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]: ...

    def horizontal_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]: ...


class RegionOcr(Protocol):
    def __call__(
        self, box: BBox, single_char: bool = False, sparse: bool = False, zoom: float = 1.0
    ) -> list[Word]: ...


@dataclass
class Evidence:
    page_number: int
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    def note(self, pointer: str, words: list[Word], confidence: float | None = None) -> None:
        if not words:
            return
        x0, top, x1, bottom = union_bbox(words)
        conf = confidence if confidence is not None else min(w.confidence for w in words)
        self.fields[pointer] = {
            "confidence": round(conf, 3),
            "page": self.page_number,
            "bbox": [round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1)],
        }

    def note_box(self, pointer: str, box: BBox, confidence: float) -> None:
        self.fields[pointer] = {
            "confidence": round(confidence, 3),
            "page": self.page_number,
            "bbox": [round(v, 1) for v in box],
        }


def _text(words: list[Word]) -> str:
    return " ".join(line.text for line in group_lines(words))


def _lines_text(words: list[Word]) -> list[tuple[str, list[Word]]]:
    return [(line.text, line.words) for line in group_lines(words)]


@dataclass
class _Table:
    columns: dict[str, tuple[float, float]]
    bands: dict[str, tuple[float, float]]
    dollar_x: float
    limits_x: float


class Acord25Reader:
    def __init__(
        self,
        page: PageText,
        ink: Ink | None,
        evidence: Evidence,
        region_ocr: RegionOcr | None = None,
    ) -> None:
        self.page = page
        self.region_ocr = region_ocr
        self.ink = ink
        self.evidence = evidence
        self.warnings: list[str] = []
        self.label_word_ids: set[int] = set()
        # On a scan, words of the table read a second time in grey: candidates for values.
        self.alternates: list[Word] = []
        self.header_strip: BBox | None = None
        # Box labels sit at the left edge; the same words recur in the printed disclaimers.
        self.left_margin: BBox = (0.0, 0.0, 110.0, page.height)
        self.lower_left: BBox = (0.0, page.height * 0.45, page.width * 0.5, page.height)

    # -- helpers ---------------------------------------------------------------------------

    def label(
        self, *names: str, region: BBox | None = None, whole: bool = False, start: bool = False
    ) -> Label | None:
        for name in names:
            hit = self.page.find_label(name, region=region, whole_words=whole, word_start=start)
            if hit is not None:
                self.label_word_ids.update(hit.word_ids)
                return hit
        if self.region_ocr is not None and region is not None:
            return self._fuzzy_label(names, region)
        return None

    def _fuzzy_label(
        self, names: tuple[str, ...], region: BBox, least: float = 0.75
    ) -> Label | None:
        """On a scan, a one-word label OCR misspelt by a letter or two ("POTICY")."""
        best: tuple[float, Word] | None = None
        for name in names:
            key = compact(name)
            if " " in name.strip() or len(key) < 4:
                continue
            for word in self.page.words_in(region):
                ratio = SequenceMatcher(None, key, compact(word.text)).ratio()
                if ratio >= least and (best is None or ratio > best[0]):
                    best = (ratio, word)
        if best is None:
            return None
        word = best[1]
        self.label_word_ids.add(id(word))
        return Label(word.x0, word.top, word.x1, word.bottom, frozenset({id(word)}))

    def values_in(self, region: BBox) -> list[Word]:
        return [w for w in self.page.words_in(region) if id(w) not in self.label_word_ids]

    def any_ticked(self, name: str, region: BBox) -> bool:
        return any(
            self.ticked(hit) for hit in self.page.find_labels(name, region=region, word_start=True)
        )

    def _phrase_start(self, label: Label) -> Label:
        """The label extended left over the words printed just before it on its line ("WC" in
        "WC STATU-TORY LIMITS"), where the box that belongs to the whole phrase is."""
        x0 = label.x0
        height = max(label.bottom - label.top, 4.0)
        while True:
            before = [
                w
                for w in self.page.words_in((x0 - 0.6 * height - 40, label.top, x0, label.bottom))
                if 0 <= x0 - w.x1 < 0.6 * height and not _is_tick(w.text)
            ]
            if not before:
                break
            x0 = min(w.x0 for w in before)
        if x0 == label.x0:
            return label
        return Label(x0, label.top, label.x1, label.bottom, label.word_ids)

    def ticked(self, label: Label | None) -> bool:
        if label is None:
            return False
        label = self._phrase_start(label)
        h = max(label.bottom - label.top, 5.0)
        for word in self.page.words_in((label.x0 - 18, label.cy - h, label.x0 - 0.5, label.cy + h)):
            if _is_tick(word.text) and abs(word.cy - label.cy) < 0.9 * h:
                return True
        if self.ink is None:
            return False
        # A two-line label has its box centred between its lines.
        centre = label.cy
        for word in self.page.words:
            if (
                abs(word.x0 - label.x0) < 3
                and label.bottom - 1.5 < word.top < label.bottom + 2.5
                # the label's second line, not a value printed under it ("25,000")
                and not re.search(r"\d", word.text)
                and abs(word.height - (label.bottom - label.top)) < 0.4 * word.height
            ):
                centre = (label.cy + word.cy) / 2
                break
        fill = self.ink.checkbox_fill(label.x0 - 0.8, centre)
        return fill is not None and fill > 0.07

    # -- page ------------------------------------------------------------------------------

    def read(self) -> dict[str, Any]:
        page = self.page
        all_text = " ".join(line.text for line in page.lines)
        result: dict[str, Any] = {
            "form": "ACORD 25",
            "form_edition": _known_edition(parse_edition(all_text), self.region_ocr is not None),
        }
        result["certificate_date"] = self._date()
        result["certificate_number"], result["revision_number"] = self._numbers()
        result["producer"] = self._producer()
        result["insured"] = self._insured()
        result["insurers"] = self._insurers()
        result["coverages"] = self._coverages()
        result["description_of_operations"] = self._description()
        result["certificate_holder"] = self._holder()
        hidden = [w for w in page.words if w.hidden]
        if hidden:
            text = _text(hidden)
            self.warnings.append(
                f"page {page.page_number}: text present in the file but not visible on the page "
                f"(covered by a painted box or invisible); it was not read as a value: {text[:200]}"
            )
        return result

    def _date(self) -> str | None:
        label = self.label("DATE (MM/DD/YYYY)", "DATE(MM/DD/YY)", "DATE (MM")
        if label is not None:
            region = (label.x0 - 60, label.top - 8, self.page.width, label.bottom + 24)
        else:
            region = (self.page.width * 0.78, 10.0, self.page.width, 70.0)
        candidates = [self.values_in(region)]
        if self.region_ocr is not None:
            candidates.append(self.region_ocr(region))
        for words in candidates:
            for word in words:
                value = parse_date(word.text)
                if value:
                    self.evidence.note("/certificate_date", [word])
                    return value
        return None

    def _numbers(self) -> tuple[str | None, str | None]:
        cert = self.label("CERTIFICATE NUMBER")
        revision = self.label("REVISION NUMBER")
        cert_value: str | None = None
        revision_value: str | None = None
        if cert is not None:
            right = revision.x0 - 2 if revision is not None else self.page.width
            words = self.values_in((cert.x1 + 0.5, cert.top - 4, right, cert.bottom + 4))
            if words:
                cert_value = clean_text(_text(words)) or None
                self.evidence.note("/certificate_number", words)
        if revision is not None:
            words = self.values_in(
                (revision.x1 + 0.5, revision.top - 4, self.page.width, revision.bottom + 4)
            )
            if words:
                revision_value = clean_text(_text(words)) or None
                self.evidence.note("/revision_number", words)
        return cert_value, revision_value

    def _box_lines(self, region: BBox, pointer: str) -> list[str]:
        words = self.values_in(region)
        lines = _lines_text(words)
        if not lines:
            return []
        # Keep the main text block: drop far-right fragments (agency codes, QR code captions).
        left = min(w.x0 for _, ws in lines for w in ws)
        kept: list[str] = []
        kept_words: list[Word] = []
        for text, line_words in lines:
            # A stray mark OCR read off a rule or a speck is not a line of the address.
            if self.region_ocr is not None and len(re.sub(r"[^A-Za-z0-9]", "", text)) < 2:
                continue
            segment = _leading_run([w for w in line_words if w.x0 < left + 60] and line_words)
            if segment:
                kept.append(" ".join(w.text for w in segment))
                kept_words.extend(segment)
        self.evidence.note(pointer, kept_words)
        return kept

    def _producer(self) -> dict[str, str | None]:
        producer = self.label("PRODUCER", region=self.left_margin, whole=True)
        insured = self.label("INSURED", region=self.left_margin, whole=True)
        contact = self.label("CONTACT")
        right_column = contact.x0 - 2 if contact is not None else self.page.width / 2
        result: dict[str, str | None] = {
            "name": None,
            "address": None,
            "contact": None,
            "phone": None,
            "email": None,
        }
        if producer is not None:
            bottom = insured.top - 1 if insured is not None else producer.bottom + 60
            lines = self._box_lines((0, producer.top - 2, right_column, bottom), "/producer/name")
            # Older editions print the agency's phone and fax inside the producer box.
            lines = [line for line in lines if not _CONTACT_LINE.match(line)]
            name, second, address = split_name_address(lines)
            result["name"] = name
            result["address"] = ", ".join(p for p in (second, address) if p) or None
        phone = self.label("PHONE")
        fax = self.label("FAX")
        email = self.label("E-MAIL", "EMAIL")
        insurers = self.label("INSURER(S) AFFORDING COVERAGE", "INSURERS AFFORDING")
        if contact is not None:
            name_label = self.label(
                "NAME:",
                region=(contact.x0 - 5, contact.top - 2, contact.x1 + 40, contact.bottom + 12),
            )
            right_of = max(contact.x1, name_label.x1 if name_label else contact.x1) + 1
            bottom = phone.bottom if phone is not None else contact.bottom + 10
            words = _closest(
                self.values_in((right_of, contact.top - 6, self.page.width, bottom)),
                contact,
                [phone],
            )
            if words:
                result["contact"] = clean_text(_text(words)) or None
                self.evidence.note("/producer/contact", words)
        if phone is not None:
            bottom = email.bottom if email is not None else phone.bottom + 12
            right = fax.x0 - 1 if fax is not None else self.page.width
            area_code = self.label(
                "(A/C, No, Ext):", region=(phone.x0 - 5, phone.top - 2, right, phone.bottom + 2)
            )
            left = max(phone.x1, area_code.x1 if area_code else phone.x1) + 0.5
            words = _leading_run(
                _closest(
                    self.values_in((left, phone.top - 7, right, bottom)), phone, [contact, email]
                )
            )
            if words:
                printed = clean_text(_text(words))
                # Keep the number itself when OCR ran it together with its neighbours' words.
                number = _PHONE.search(printed)
                result["phone"] = (number.group(0) if number else printed) or None
                self.evidence.note("/producer/phone", words)
        if self.region_ocr is not None and result["contact"]:
            self._tidy_ocr_contact(result)
        if contact is not None or email is not None:
            anchor = contact or email
            assert anchor is not None
            bottom = insurers.top - 0.5 if insurers is not None else anchor.bottom + 36
            area = self.values_in((anchor.x0, anchor.top - 5, self.page.width, bottom))
            words = [w for w in area if re.search(r"\S@\S+\.\w", w.text)]
            if words:
                result["email"] = words[0].text.strip(" ,;")
                self.evidence.note("/producer/email", words[:1])
            elif self.region_ocr is not None:
                # OCR may set the "@" or a "." apart: "service @ agency.com".
                joined = " ".join(line.text for line in group_lines(area))
                found = re.search(r"[\w.+-]+\s?@\s?[\w-]+(?:\s?\.\s?[A-Za-z]{2,})+", joined)
                if found:
                    result["email"] = re.sub(r"\s", "", found.group(0))
            if self.region_ocr is not None and result["email"]:
                result["email"] = result["email"].lower()
        return result

    @staticmethod
    def _tidy_ocr_contact(result: dict[str, str | None]) -> None:
        """When OCR lost the PHONE label its number runs on after the contact's name; and a
        misread "NAME:" label leaves a lower-case scrap before it."""
        text = result["contact"] or ""
        number = _PHONE.search(text)
        if number is not None:
            if result["phone"] is None:
                result["phone"] = number.group(0)
            text = text[: number.start()]
        words = text.split()
        while words and words[0].islower():
            words.pop(0)
        result["contact"] = clean_text(" ".join(words)) or None

    def _insured(self) -> dict[str, str | None]:
        insured = self.label("INSURED", region=self.left_margin, whole=True)
        coverages = self.label("COVERAGES")
        insurer_a = self.label("INSURER A")
        result: dict[str, str | None] = {"name": None, "address": None}
        if insured is None:
            return result
        right = insurer_a.x0 - 2 if insurer_a is not None else self.page.width / 2
        bottom = coverages.top - 0.5 if coverages is not None else insured.bottom + 50
        # An agency code may sit at the far end of the INSURED label's line.
        region_words = [
            w
            for w in self.values_in((0, insured.top - 2, right, bottom))
            if not (abs(w.cy - insured.cy) < 3 and w.x0 > insured.x1 + 100)
        ]
        ids = {id(w) for w in region_words}
        lines = [
            " ".join(w.text for w in _leading_run(line.words))
            for line in group_lines([w for w in self.page.words if id(w) in ids])
        ]
        self.evidence.note("/insured/name", region_words)
        name, second, address = split_name_address(lines)
        result["name"] = name
        if second:
            result["name_line_2"] = second
        result["address"] = address
        return result

    def _insurers(self) -> list[dict[str, str | None]]:
        naic = self.label("NAIC #", "NAIC")
        insurers: list[dict[str, str | None]] = []
        labels = [(letter, self.label(f"INSURER {letter}")) for letter in "ABCDEF"]
        found = [(letter, lab) for letter, lab in labels if lab is not None]
        others = [lab for _, lab in found]
        for letter, lab in found:
            naic_left = naic.x0 - 12 if naic is not None else self.page.width - 60
            # A value printed a few points off its label's line belongs to the nearest label.
            band = (lab.top - 8, lab.bottom + 8)
            name_words = [
                w
                for w in _closest(
                    self.values_in((lab.x1 + 0.5, band[0], naic_left, band[1])), lab, others
                )
                if w.text.strip(":") != ""
            ]
            naic_words = [
                w
                for w in _closest(
                    self.values_in((naic_left, band[0], self.page.width, band[1])), lab, others
                )
                if re.search(r"\d", w.text)
            ]
            # A NAIC code set a little left of its column ends up after the name.
            while name_words and re.fullmatch(r"\W?\d{4,6}\W?", name_words[-1].text):
                naic_words = [name_words.pop(), *naic_words]
            name = clean_text(_text(name_words).lstrip(": ")) if name_words else ""
            if len(re.findall(r"[A-Za-z]", name)) < 2:
                continue
            if self.region_ocr is not None and not re.search(r"[A-Za-z]{4}", name):
                continue  # specks and rules OCR read in an empty row
            pointer = f"/insurers/{len(insurers)}"
            self.evidence.note(f"{pointer}/name", name_words)
            naic_value = re.sub(r"[^\d]", "", _text(naic_words)) or None
            if naic_value is not None and self.region_ocr is not None and len(naic_value) != 5:
                naic_value = None  # NAIC codes have five digits; a partial reading is no value
            if naic_words:
                self.evidence.note(f"{pointer}/naic", naic_words)
            insurers.append({"letter": letter, "name": name, "naic": naic_value})
        return insurers

    # -- coverage table -------------------------------------------------------------------

    def _reread_header_row(self) -> None:
        """On a scan whose page-wide OCR lost the table's header labels, read the header row
        again on its own: it lies just above the first limit amount of the table."""
        if self.region_ocr is None:
            return
        amounts = [
            w
            for w in self.page.words
            if w.cx > 0.6 * self.page.width
            and w.cy > 0.25 * self.page.height
            and (parse_money(w.text) or 0) >= 1000
            and re.search(r"\d[,.]\d{3}", w.text)
        ]
        if not amounts:
            return
        first = min(amounts, key=lambda w: w.top)
        strip = (0.0, first.top - 18, self.page.width, first.top - 1)
        if self.ink is not None:
            # The header row lies between two rules that run across the table, the lowest such
            # pair above the first amount (which may sit a row or two lower).
            width = self.page.width
            rules = self.ink.horizontal_rules(0.1 * width, 0.9 * width, first.top - 50, first.top)
            pairs = [(a, b) for a, b in pairwise(rules) if 8 <= b - a <= 26]
            if pairs:
                upper, lower = pairs[-1]
                strip = (0.0, upper - 1, width, lower + 1)
        self.header_strip = strip
        fresh = self.region_ocr(strip, sparse=True)
        if not fresh:
            return
        kept = [w for w in self.page.words if not strip[1] <= w.cy <= strip[3]]
        self.page = PageText(kept + fresh, self.page.width, self.page.height, self.page.page_number)

    def _type_header_from_rules(self, central: BBox) -> Label | None:
        """Where TYPE OF INSURANCE is printed when OCR lost it: the widest cell of the header
        row left of POLICY NUMBER (or of the page's middle)."""
        policy = self.page.find_label("POLICY NUMBER", region=central)
        if self.ink is None:
            return None
        if policy is None:
            # No header label read at all: the header row found between its rules will do;
            # TYPE OF INSURANCE is its widest cell in the left half.
            if self.header_strip is None:
                return None
            _, top, _, bottom = self.header_strip
            policy = Label(self.page.width / 2, top + 1, self.page.width / 2 + 1, bottom - 1)
        rules = self.ink.vertical_rules(0.0, policy.x0 + 6, policy.top - 1, policy.bottom + 25)
        cells = [(a, b) for a, b in pairwise(rules) if b - a > 4]
        if not cells:
            return None
        left, right = max(cells, key=lambda c: c[1] - c[0])
        if right - left < 60:
            return None
        return Label(left + 2, policy.top, left + 0.6 * (right - left), policy.bottom)

    def _reread_values(
        self, columns: dict[str, tuple[float, float]], top: float, limits_x: float
    ) -> None:
        """On a scan, read the policy numbers and dates, and the limit amounts, again as blocks
        in grey (the page pass works on black-and-white pixels to keep the small labels, which
        breaks the thin strokes of serif digits: "01/01/2025" as "OL OF 2025"), and the limit
        labels again at twice the size."""
        assert self.region_ocr is not None
        description = self.label(
            "DESCRIPTION OF OPERATIONS / LOCATIONS", "DESCRIPTION OF OPERATIONS/LOCATIONS"
        )
        bottom = description.top - 1 if description is not None else top + 0.36 * self.page.height
        blocks: list[tuple[BBox, float]] = []
        if "policy" in columns:
            right = max(columns[n][1] for n in ("policy", "eff", "exp") if n in columns)
            # Start a column early: a policy number printed across the column's edge must not
            # be cut (only words centred in the policy and date columns are used).
            left = min(
                [columns[n][0] for n in ("addl", "subr") if n in columns]
                + [columns["policy"][0] - 15]
            )
            blocks.append(((max(left, columns["policy"][0] - 40), top, right, bottom), 1.0))
        amounts = [
            w
            for w in self.page.words
            if w.x0 > limits_x and top < w.cy < bottom and re.search(r"\d[,.]\d{3}", w.text)
        ]
        if amounts:
            left = min(w.x0 for w in amounts) - 3
            blocks.append(((limits_x - 3, top, left - 12, bottom), 2.0))
            blocks.append(((left, top, self.page.width, bottom), 1.0))
        words = list(self.page.words)
        region_ocr = self.region_ocr
        # The blocks are independent Tesseract runs: two at a time on two cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            readings = list(pool.map(lambda item: region_ocr(item[0], zoom=item[1]), blocks))
        for (block, zoom), fresh in zip(blocks, readings, strict=True):
            if zoom == 1.0:
                # Values: kept as a second reading; each value takes the likelier of the two.
                self.alternates.extend(fresh)
                continue
            if not fresh:
                continue
            # Labels: the larger reading replaces the page pass's.
            words = [
                w
                for w in words
                if not (block[0] <= w.cx <= block[2] and block[1] <= w.cy <= block[3])
            ]
            words.extend(fresh)
        if len(words) != len(self.page.words):
            self.page = PageText(words, self.page.width, self.page.height, self.page.page_number)

    def _table(self) -> _Table | None:
        central = (0.0, 0.2 * self.page.height, self.page.width, 0.8 * self.page.height)
        type_header = self.label("TYPE OF INSURANCE", "TYPE OF INS", "OF INSURANCE", region=central)
        if type_header is None:
            self._reread_header_row()
            type_header = self.label(
                "TYPE OF INSURANCE", "TYPE OF INS", "OF INSURANCE", region=central
            )
        if type_header is None:
            type_header = self._type_header_from_rules(central)
        if type_header is None:
            return None
        page = self.page
        row = (0.0, type_header.top - 10, page.width, type_header.bottom + 4)
        headers: list[tuple[str, Label]] = [("type", type_header)]
        for name, spellings in (
            ("ltr", ("LTR", "INSR")),
            ("addl", ("ADDL", "ADD'L", "INSD", "INSRD")),
            ("subr", ("SUBR", "WVD")),
            ("policy", ("POLICY NUMBER",)),
        ):
            hit = self.label(*spellings, region=row)
            if hit is not None:
                headers.append((name, hit))
        date_labels = [
            hit
            for hit in (
                self.label("POLICY EFF", region=row),
                self.label("POLICY EXP", region=row),
            )
            if hit is not None
        ]
        if len(date_labels) < 2:
            dates = page.find_labels("(MM/DD/YY", region=row)
            for date_label in dates:
                self.label_word_ids.update(date_label.word_ids)
            date_labels = sorted(dates, key=lambda d: d.x0)[:2]
        for name, hit in zip(("eff", "exp"), date_labels, strict=False):
            headers.append((name, hit))
        headers.sort(key=lambda item: item[1].x0)
        first_limit = self.label("EACH OCCURRENCE", "EACHOCCURRENCE")
        limits_x = first_limit.x0 - 2 if first_limit is not None else page.width * 0.69
        # Columns end at the table's vertical rules where they are drawn (a header is centred in
        # its cell on one edition and left-aligned on another); else half-way between headers.
        rules = (
            self.ink.vertical_rules(0.0, limits_x, type_header.top - 1, type_header.bottom + 25)
            if self.ink is not None
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
        if self.region_ocr is not None:
            self._reread_values(columns, type_header.bottom + 0.5, limits_x)
        dollars = [
            w for w in page.words if w.text == "$" and w.x0 > limits_x and w.cy > type_header.bottom
        ]
        dollar_x = (
            sorted(w.x0 for w in dollars)[len(dollars) // 2] - 1
            if dollars
            else limits_x + 0.3 * (page.width - limits_x)
        )
        table_top = type_header.bottom + 0.5
        description = self.label(
            "DESCRIPTION OF OPERATIONS / LOCATIONS", "DESCRIPTION OF OPERATIONS/LOCATIONS"
        )
        end = description.top - 0.5 if description is not None else page.height * 0.75
        left_part = (0.0, table_top, limits_x, end)
        auto = self.label("AUTOMOBILE LIABILITY", "AUTO LIABILITY", region=left_part)
        csl = self.label("COMBINED SINGLE LIMIT")
        umbrella = self.label("UMBRELLA LIAB", "EXCESS LIAB", "EXCESS LIABILITY", region=left_part)
        wc = self.label("WORKERS COMPENSATION", "WORKERS COMP", region=left_part)
        statute = self.label("STATUTE", "STATUTORY", "WC STATU")
        el_policy = self.label("DISEASE - POLICY LIMIT", "DISEASEPOLICYLIMIT")
        marks = []
        auto_top = (
            min([lab.top for lab in (auto, csl) if lab is not None] or [table_top + 80]) - 1.5
        )
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
            below = self.label(
                "OPERATIONS below",
                "OPERATIONSBELOW",
                region=(0, el_policy.top - 12, limits_x, el_policy.bottom + 12),
            )
            other_top = max(el_policy.bottom, below.bottom if below is not None else 0.0) + 0.5
            marks.append(("other", other_top))
        marks.sort(key=lambda item: item[1])
        bands: dict[str, tuple[float, float]] = {}
        for index, (name, top) in enumerate(marks):
            bottom = marks[index + 1][1] if index + 1 < len(marks) else end
            bands[name] = (top, bottom)
        return _Table(columns, bands, dollar_x, limits_x)

    def _cell(self, table: _Table, column: str, band: tuple[float, float]) -> list[Word]:
        if column not in table.columns:
            return []
        left, right = table.columns[column]
        return self.values_in((left, band[0], right, band[1]))

    def _coverages(self) -> list[dict[str, Any]]:
        table = self._table()
        if table is None:
            return []
        coverages: list[dict[str, Any]] = []
        for line in ("general_liability", "auto_liability", "umbrella", "workers_compensation"):
            if line in table.bands:
                coverage = self._coverage(table, line, table.bands[line], len(coverages))
                if coverage is not None:
                    coverages.append(coverage)
        if "other" in table.bands:
            coverages.extend(self._other_rows(table, table.bands["other"], len(coverages)))
        return coverages

    def _common(
        self, table: _Table, band: tuple[float, float], pointer: str, line: str
    ) -> dict[str, Any]:
        ltr_words = [w for w in self._cell(table, "ltr", band) if re.fullmatch(r"[A-F]", w.text)]
        policy_words = self._cell(table, "policy", band)
        eff_words = [w for w in self._cell(table, "eff", band) if parse_date(w.text)]
        exp_words = [w for w in self._cell(table, "exp", band) if parse_date(w.text)]
        addl_words = [w for w in self._cell(table, "addl", band) if parse_mark(w.text) is not None]
        subr_words = [w for w in self._cell(table, "subr", band) if parse_mark(w.text) is not None]
        if line == "workers_compensation":
            addl_words = [w for w in addl_words if w.text.upper() not in {"N", "A"}]
        policy_lines = _lines_text(policy_words)
        policy_text, policy_used = policy_lines[0] if policy_lines else ("", [])
        common: dict[str, Any] = {
            "line": line,
            "insurer_letter": ltr_words[0].text if ltr_words else None,
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
        if self.alternates:
            self._prefer_alternates(table, band, common, policy_used, eff_words, exp_words)
            for key, column, found in (
                ("additional_insured", "addl", addl_words),
                ("subrogation_waived", "subr", subr_words),
            ):
                if found or column not in table.columns:
                    continue
                left, right = table.columns[column]
                marks = [
                    w
                    for w in self.alternates
                    if left <= w.cx <= right
                    and band[0] <= w.cy <= band[1]
                    and parse_mark(w.text) is not None
                    and not (line == "workers_compensation" and w.text.upper() in {"N", "A"})
                ]
                if marks:
                    common[key] = bool(parse_mark(marks[0].text))
        if (
            not ltr_words
            and self.region_ocr is not None
            and common["policy_number"]
            and policy_used
            and "ltr" in table.columns
        ):
            left, right = table.columns["ltr"]
            row_cy = sum(w.cy for w in policy_used) / len(policy_used)
            cell = (left, row_cy - 7, right, row_cy + 7)
            for word in self.region_ocr(cell, single_char=True):
                letter = word.text.strip(" .|:[](){}").upper()
                if re.fullmatch(r"[A-F]", letter):
                    common["insurer_letter"] = letter
                    ltr_words = [word]
                    break
        self.evidence.note(f"{pointer}/insurer_letter", ltr_words[:1])
        self.evidence.note(f"{pointer}/policy_number", policy_used)
        self.evidence.note(f"{pointer}/effective", eff_words[:1])
        self.evidence.note(f"{pointer}/expiration", exp_words[:1])
        self.evidence.note(f"{pointer}/additional_insured", addl_words[:1])
        self.evidence.note(f"{pointer}/subrogation_waived", subr_words[:1])
        return common

    def _prefer_alternates(
        self,
        table: _Table,
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
            return [
                w for w in self.alternates if left <= w.cx <= right and band[0] <= w.cy <= band[1]
            ]

        def sure(words: list[Word]) -> float:
            return sum(w.confidence for w in words) / len(words) if words else 0.0

        lines = [
            (text, words) for text, words in _lines_text(cell("policy")) if re.search(r"\d", text)
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

    def _limits(
        self,
        table: _Table,
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

    def _coverage(
        self, table: _Table, line: str, band: tuple[float, float], index: int
    ) -> dict[str, Any] | None:
        pointer = f"/coverages/{index}"
        common = self._common(table, band, pointer, line)
        type_left, type_right = table.columns.get("type", (0.0, table.limits_x))
        type_region = (type_left, band[0], type_right, band[1])
        coverage: dict[str, Any] = dict(common)
        if line == "general_liability":
            limits, any_value = self._limits(table, band, _GL_LIMITS, pointer)
            claims = self.ticked(self.label("CLAIMS-MADE", region=type_region))
            occur = self.ticked(self.label("OCCUR", region=type_region, whole=True))
            coverage["basis"] = "occurrence" if occur else ("claims_made" if claims else None)
            agg_row = self.label("LIMIT APPLIES PER", "APPLIES PER", region=type_region)
            per: str | None = None
            if agg_row is not None:
                row = (type_left, agg_row.top - 2, type_right, agg_row.bottom + 16)
                policy = self.label("POLICY", region=row, start=True)
                project = self.label("PROJECT", "PRO", region=row, start=True)
                location = self.label("LOC", region=row, start=True)
                for name, hit in (("policy", policy), ("project", project), ("location", location)):
                    if hit is not None and hit.top > agg_row.top + 2 and self.ticked(hit):
                        per = name
                        break
            coverage["aggregate_applies_per"] = per
        elif line == "auto_liability":
            limits, any_value = self._limits(table, band, _AUTO_LIMITS, pointer)
            coverage["covered_autos"] = self._covered_autos(type_region)
        elif line == "umbrella":
            limits, any_value = self._limits(table, band, _UMBRELLA_LIMITS, pointer)
            # The 2001/08 edition heads the row "EXCESS / UMBRELLA LIABILITY" above the boxes.
            umbrella = self.any_ticked("UMBRELLA", region=type_region)
            excess = self.any_ticked("EXCESS", region=type_region)
            if excess and not umbrella:
                coverage["line"] = "excess"
            occur = self.ticked(self.label("OCCUR", region=type_region, whole=True))
            claims = self.ticked(self.label("CLAIMS-MADE", region=type_region))
            coverage["basis"] = "occurrence" if occur else ("claims_made" if claims else None)
        else:
            limits, any_value = self._limits(table, band, _WC_LIMITS, pointer)
            statute_area = (table.limits_x - 10, band[0], self.page.width, band[1])
            statute = self.label("PER STATUTE", "STATUTE", "STATU", region=statute_area)
            if statute is None and self.region_ocr is not None:
                statute = self._fuzzy_label(
                    ("PERSTATUTE", "STATUTORY", "WCSTATUTORY"), statute_area, least=0.6
                )
            coverage["statutory"] = self.ticked(statute) if statute is not None else None
            coverage["officers_excluded"] = self._officers_excluded(table, band)
        coverage["limits"] = limits
        has_content = any_value or coverage["policy_number"] or coverage["effective"]
        return coverage if has_content else None

    def _covered_autos(self, type_region: BBox) -> list[str]:
        spellings = {
            "any_auto": ("ANY AUTO",),
            "owned": ("ALL OWNED", "OWNED"),
            "scheduled": ("SCHEDULED",),
            "hired": ("HIRED",),
            "non_owned": ("NON-OWNED", "NONOWNED"),
        }
        hits = {
            key: self.label(*names, region=type_region, start=True)
            for key, names in spellings.items()
        }
        # The boxes form a grid (ANY AUTO; OWNED | SCHEDULED; HIRED | NON-OWNED): a label OCR
        # missed is placed from its row and column neighbours.
        grid = {"owned": ("any_auto", "scheduled"), "hired": ("any_auto", "non_owned")}
        for key, (column_mate, row_mate) in grid.items():
            column, row = hits.get(column_mate), hits.get(row_mate)
            if hits[key] is None and column is not None and row is not None:
                hits[key] = Label(column.x0, row.top, column.x0 + 20, row.bottom)
        for key, (row_mate, column_mate) in {
            "scheduled": ("owned", "non_owned"),
            "non_owned": ("hired", "scheduled"),
        }.items():
            row, column = hits.get(row_mate), hits.get(column_mate)
            if hits[key] is None and column is not None and row is not None:
                hits[key] = Label(column.x0, row.top, column.x0 + 20, row.bottom)
        return [key for key in spellings if self.ticked(hits[key])]

    def _officers_excluded(self, table: _Table, band: tuple[float, float]) -> bool | None:
        """The Y / N answer printed after "... OFFICER/MEMBER EXCLUDED?"."""
        left_part = (0, band[0], table.limits_x, band[1])
        yes_no = self.label("Y / N", "Y/N", region=left_part)
        self.label("N / A", "N/A", region=left_part)
        if yes_no is not None:
            # The answer box sits under its "Y / N" heading.
            below = (yes_no.x0 - 8, yes_no.bottom - 1, yes_no.x1 + 8, yes_no.bottom + 14)
            for word in sorted(self.values_in(below), key=lambda w: w.top):
                value = parse_mark(word.text)
                if value is not None and word.text.upper() != "X":
                    return value
        excluded = self.label("EXCLUDED", region=left_part)
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
        region = (excluded.x1, excluded.top - 10, right, excluded.bottom + 4)
        for word in sorted(self.values_in(region), key=lambda w: w.x0):
            value = parse_mark(word.text)
            if value is not None and word.text.upper() != "X":
                return value
        return None

    def _other_rows(
        self, table: _Table, band: tuple[float, float], first_index: int
    ) -> list[dict[str, Any]]:
        words = self.values_in((0, band[0], self.page.width, band[1]))
        lines = group_lines(words)
        policy_cols = [table.columns.get(c) for c in ("ltr", "policy")]
        starts: list[int] = []
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
                stop = (
                    starts[number + 1] - 1 if starts[number + 1] - 1 > start else starts[number + 1]
                )
            row_words = [w for line in lines[begin:stop] for w in line.words]
            rows.append(row_words)
        coverages: list[dict[str, Any]] = []
        for row_words in rows:
            if not row_words:
                continue
            top = min(w.top for w in row_words) - 0.5
            bottom = max(w.bottom for w in row_words) + 0.5
            pointer = f"/coverages/{first_index + len(coverages)}"
            common = self._common(table, (top, bottom), pointer, "other")
            type_col = table.columns.get("type", (0.0, 0.0))
            desc_words = [w for w in row_words if type_col[0] <= w.cx <= type_col[1]]
            limit_words = [w for w in row_words if w.cx >= table.limits_x]
            printed = " ".join(line.text for line in group_lines(limit_words))
            coverage: dict[str, Any] = {
                "line": "other",
                "description": _without_row_label(clean_text(_text(desc_words))),
                **{k: v for k, v in common.items() if k != "line"},
                "limits": self._other_limits(table, limit_words) or parse_other_limits(printed),
                "limits_as_printed": printed or None,
            }
            self.evidence.note(f"{pointer}/description", desc_words)
            self.evidence.note(f"{pointer}/limits", limit_words)
            if coverage["description"] or coverage["policy_number"]:
                coverages.append(coverage)
        return coverages

    def _other_limits(self, table: _Table, words: list[Word]) -> dict[str, int]:
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

    # -- lower boxes ----------------------------------------------------------------------

    def _description(self) -> str | None:
        label = self.label(
            "DESCRIPTION OF OPERATIONS / LOCATIONS", "DESCRIPTION OF OPERATIONS/LOCATIONS"
        )
        holder = self._holder_label()
        if label is None:
            return None
        bottom = holder.top - 0.5 if holder is not None else label.bottom + 120
        words = [
            w
            for w in self.values_in((0, label.bottom - 1, self.page.width, bottom))
            if w.top >= label.bottom - 2
        ]
        if not words:
            return None
        self.evidence.note("/description_of_operations", words)
        return clean_text(_text(words)) or None

    def _holder_label(self) -> Label | None:
        """The box label: the lowest "CERTIFICATE HOLDER" in capitals (the description may
        mention the certificate holder in ordinary text above it)."""
        hits = [
            hit
            for hit in self.page.find_labels("CERTIFICATE HOLDER", region=self.lower_left)
            if all(w.text.isupper() for w in self.page.words if id(w) in hit.word_ids)
        ]
        if not hits:
            return None
        hit = max(hits, key=lambda h: h.top)
        self.label_word_ids.update(hit.word_ids)
        return hit

    def _holder(self) -> dict[str, str | None]:
        holder = self._holder_label()
        footer = self.label("ACORD 25")
        result: dict[str, str | None] = {"name": None, "address": None}
        if holder is None:
            return result
        # The CANCELLATION box heads the same row; the word also occurs in remarks above.
        cancellation = self.label(
            "CANCELLATION",
            region=(holder.x1, holder.top - 8, self.page.width, holder.bottom + 8),
        )
        right = (
            cancellation.x0 - 2
            if cancellation is not None and cancellation.x0 > holder.x1
            else self.page.width / 2
        )
        footers = [f for f in self.page.find_labels("ACORD 25") if f.top > holder.bottom]
        bottom = footers[0].top - 0.5 if footers else (footer.top if footer else self.page.height)
        lines = self._box_lines((0, holder.bottom - 1, right, bottom), "/certificate_holder/name")
        name, second, address = split_name_address(lines)
        result["name"] = name
        result["address"] = ", ".join(p for p in (second, address) if p) or None
        return result


# Editions of the ACORD 25 in use; an OCR'd month is snapped to the one edition of its year.
_EDITIONS = ("1993/03", "1997/07", "2001/08", "2009/09", "2010/05", "2014/01", "2016/03")


def _known_edition(edition: str | None, from_ocr: bool) -> str | None:
    if edition is None or not from_ocr or edition in _EDITIONS:
        return edition
    same_year = [e for e in _EDITIONS if e[:4] == edition[:4]]
    return same_year[0] if len(same_year) == 1 else edition


def _sureness(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def _read_amounts(
    value_words: list[Word], anchors: list[tuple[str | None, float]]
) -> dict[str, tuple[int | None, list[Word]]]:
    """Amount lines paired with the limit label lines, in order, by nearest line."""
    value_lines = [
        (text, words)
        for text, words in _lines_text([w for w in value_words if w.text != "$"])
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
    cells = [(a, b) for a, b in pairwise(sorted(rules)) if b - a > 4]
    for name, centre in header_centres.items():
        cell = next((c for c in cells if c[0] <= centre <= c[1]), None)
        if cell is not None:
            columns[name] = cell
    type_cell = next((c for c in cells if c == columns["type"]), None)
    if type_cell is None:
        return
    narrow = 30.0
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


def _closest(words: list[Word], label: Label, others: Sequence[Label | None]) -> list[Word]:
    """The words whose line is nearer to `label` than to any of the other labels."""
    rivals = [o.cy for o in others if o is not None and o is not label]
    return [w for w in words if all(abs(w.cy - label.cy) <= abs(w.cy - y) for y in rivals)]


_PHONE = re.compile(r"(?:\+?1[\s.-])?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?)\s?\d+)?")
_CONTACT_LINE = re.compile(r"\s*(PHONE|PH|TEL|FAX|E-?MAIL)\b", re.I)


def _without_row_label(text: str) -> str | None:
    """An OTHER row's description without the printed "OTHER" row label of older editions."""
    stripped = re.sub(r"^OTHER\b[:\s]*|\s*\bOTHER$", "", text)
    return (stripped or text) or None


_STATE_OR_ZIP = re.compile(r"[A-Z]{2},?|\d{5}(-\d{4})?")


def _leading_run(words: list[Word]) -> list[Word]:
    """The words of a line up to the first wide gap (a second text block further right)."""
    run: list[Word] = []
    for word in sorted(words, key=lambda w: w.x0):
        gap = word.x0 - run[-1].x1 if run else 0.0
        # City, state and ZIP sit in separate boxes on the fillable form: keep them together.
        if run and gap > max(25.0, 3 * word.height) and not _STATE_OR_ZIP.fullmatch(word.text):
            break
        run.append(word)
    return run


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


_GL_LIMITS: list[tuple[str, re.Pattern[str]]] = [
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
_AUTO_LIMITS: list[tuple[str, re.Pattern[str]]] = [
    ("combined_single_limit", re.compile(r"COMBINED|SINGLELIMIT|^CSL")),
    ("bodily_injury_per_person", re.compile(r"(BODILYINJURY|^BI).*PERSON")),
    ("bodily_injury_per_accident", re.compile(r"(BODILYINJURY|^BI).*ACC")),
    ("property_damage", re.compile(r"PROPERTYDAMAGE|PROPDAMAGE|^PD")),
]
_UMBRELLA_LIMITS: list[tuple[str, re.Pattern[str]]] = [
    ("each_occurrence", re.compile(r"OCCURRENCE|EACHOCC|PEROCC")),
    ("aggregate", re.compile(r"AGG")),
]
_WC_LIMITS: list[tuple[str, re.Pattern[str]]] = [
    ("el_each_accident", re.compile(r"ACCIDENT")),
    ("el_disease_each_employee", re.compile(r"EMPLOYEE|EAEMP")),
    ("el_disease_policy_limit", re.compile(r"POLICYLIMIT|POLICY")),
]
