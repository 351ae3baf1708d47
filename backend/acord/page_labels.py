"""The base of the ACORD 25 page reader: printed labels found on the page (exactly, or
fuzzily on a scan), the values around them, and tick marks in check boxes."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from difflib import SequenceMatcher
from typing import Protocol

from backend.acord.corrections import STATE_LETTER
from backend.acord.evidence import Evidence
from backend.acord.geometry import (
    BBox,
    Label,
    Line,
    PageText,
    Word,
    compact,
    group_lines,
)
from backend.acord.tick_options import is_box_glyph, match_options

# The COVERAGES heading stands between the head of the form (producer, insured, insurers:
# the top fifth and more) and the coverage table, above the page's middle on every edition.
COVERAGES_TOP_SHARE = 0.2
COVERAGES_BOTTOM_SHARE = 0.45

_TICK_TEXT = {"X", "x", "✓", "✔", "☒", "■", "√", "V"}


def _is_tick(text: str) -> bool:
    """A tick mark as text: "X" or a check sign, or OCR's doubled reading of a bold X ("xX")."""
    stripped = text.strip()
    # OCR reads a crossed box as "[X]", "(X]", "[XK]", "1X)" or "([X]}".
    return stripped in _TICK_TEXT or bool(
        re.fullmatch(r"[\[({|]{0,2}[1Il]?[xX][xXkK]?[\])}|!]{0,2}", stripped)
    )


class Ink(Protocol):
    def ink(self, x0: float, top: float, x1: float, bottom: float) -> float: ...

    def checkbox_fill(self, right: float, cy: float, reach: float = 24.0) -> float | None: ...

    def vertical_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]: ...

    def horizontal_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]: ...


class RegionOcr(Protocol):
    def __call__(
        self,
        box: BBox,
        single_char: bool = False,
        sparse: bool = False,
        zoom: float = 1.0,
        *,
        single_line: bool = False,
        whitelist: str | None = None,
    ) -> list[Word]: ...


def joined_text(words: list[Word]) -> str:
    return " ".join(line.text for line in group_lines(words))


def lines_with_words(words: list[Word]) -> list[tuple[str, list[Word]]]:
    return [(line.text, line.words) for line in group_lines(words)]


class PageLabels:
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
        # Box labels matched as phrases on a scan, kept: their words are taken once matched.
        self.found_phrases: dict[str, Label | None] = {}
        # Box labels sit at the left edge; the same words recur in the printed disclaimers.
        self.left_margin: BBox = (0.0, 0.0, 110.0, page.height)
        self.lower_left: BBox = (0.0, page.height * 0.45, page.width * 0.5, page.height)

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
        """On a scan, a one-word label OCR misspelt by a letter or two ("POTICY"), or split
        in two ("INSU RED", "PROD UCER"); a label of several words, one of them misspelt
        ("WORKERS COVIP"), as that many words in a row on a line, or one more (a word split)."""
        best: tuple[float, list[Word]] | None = None
        inside = self.page.words_in(region)
        candidates = split_word_pairs(inside)
        lines = [line.words for line in group_lines(inside)] if any(" " in n for n in names) else []
        for name in names:
            key = compact(name)
            if len(key) < 4:
                continue
            count = len(name.split())
            if count == 1:
                runs, needed = candidates, least
            else:
                # The form prints its labels in capitals: a run with a word read mostly in
                # small letters is a value ("Oak Insurance" is no "OF INSURANCE").
                runs = [
                    run
                    for run in (
                        line[start : start + size]
                        for line in lines
                        for size in (count, count + 1)
                        for start in range(len(line) - size + 1)
                    )
                    if not any(_mostly_small(w.text) for w in run)
                ]
                needed = PHRASE_LEAST_RATIO
            least_here = needed if best is None else max(needed, best[0])
            for words in runs:
                text = compact("".join(w.text for w in words))
                matcher = SequenceMatcher(None, key, text)
                # The quick ratios are bounds of the ratio: most candidates end there.
                if matcher.real_quick_ratio() < least_here or matcher.quick_ratio() < least_here:
                    continue
                ratio = matcher.ratio()
                if ratio >= needed and (best is None or ratio > best[0]):
                    best = (ratio, words)
                    least_here = ratio
        if best is None:
            return None
        words = best[1]
        ids = frozenset(id(w) for w in words)
        self.label_word_ids.update(ids)
        return Label(
            min(w.x0 for w in words),
            min(w.top for w in words),
            max(w.x1 for w in words),
            max(w.bottom for w in words),
            ids,
        )

    def coverages_label(self) -> Label | None:
        """The COVERAGES heading over the table, at the form's left edge; on a scan, found
        fuzzily there when OCR misspelt or split it ("lex WERAGES")."""
        if "coverages" in self.found_phrases:
            return self.found_phrases["coverages"]
        hit = self.label("COVERAGES")
        if hit is None and self.region_ocr is not None:
            height = self.page.height
            area = (
                0.0,
                COVERAGES_TOP_SHARE * height,
                self.left_margin[2],
                COVERAGES_BOTTOM_SHARE * height,
            )
            hit = self.label("COVERAGES", region=area)
        self.found_phrases["coverages"] = hit
        return hit

    def description_label(self) -> Label | None:
        """The DESCRIPTION OF OPERATIONS / LOCATIONS label of the box under the table."""
        if "description" in self.found_phrases:
            return self.found_phrases["description"]
        hit = self.label(
            "DESCRIPTION OF OPERATIONS / LOCATIONS", "DESCRIPTION OF OPERATIONS/LOCATIONS"
        )
        if hit is None and self.region_ocr is not None:
            width, height = self.page.width, self.page.height
            area = (0.0, 0.45 * height, 0.7 * width, 0.95 * height)
            # The box's label starts at the form's left edge; the same words recur in the
            # workers compensation row ("describe under DESCRIPTION OF OPERATIONS below").
            hit = self.scan_phrase(("DESCRIPTION OF OPERATIONS",), area, 0.12 * width)
        self.found_phrases["description"] = hit
        return hit

    def scan_phrase(
        self, spellings: tuple[str, ...], region: BBox, line_start: float
    ) -> Label | None:
        """On a scan, a label of several words OCR misspelt or split ("DESCRIPTION OF OFE
        RATIONS"), matched as a phrase at the start of a line beginning left of `line_start`.
        The form prints its box labels in capitals: words read mostly in small letters are
        the remarks' running text ("... in favor of / the certificate holder."), not a label."""
        starts = [
            word
            for line in group_lines(self.page.words_in(region))
            if line.words[0].x0 < line_start
            for word in line.words[:6]
            if not _mostly_small(word.text)
        ]
        placed = match_options(starts, {"phrase": spellings}, self.label_word_ids)
        hit = placed.get("phrase")
        if hit is not None:
            self.label_word_ids.update(hit.word_ids)
        return hit

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
                if 0 <= x0 - w.x1 < 0.6 * height
                and not _is_tick(w.text)
                # OCR's reading of an empty box ("[_]", "CJ") is the box, not a word of the label.
                and not (self.region_ocr is not None and is_box_glyph(w.text))
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

    def grey_values(self, region: BBox, found: list[Word] | None = None) -> list[Word] | None:
        """On a scan, the values of a box read again line by line in grey; None on a text page
        or when the page pass found nothing there.

        The page pass reads black-and-white pixels to keep the form's small print, which breaks
        the thin strokes of the values' letters ("Ine" for "Inc.", "Ortando"); each line read
        again on its own in grey comes out better. Only where the page pass saw print is read
        (the box's rules and empty speckled paper come back as junk words), and words lying on
        a printed label already found are dropped. `found` is the page pass's words of the
        box when the caller has sorted out which belong to it.
        """
        if self.region_ocr is None:
            return None
        lines = _joined_lines(group_lines(self.values_in(region) if found is None else found))
        if not lines:
            return None
        # A line the page pass read with near certainty word by word is kept as read: its
        # grey reading would cost a Tesseract run (the bulk of a scan's re-reads) for nothing.
        doubtful = [
            line for line in lines if min(w.confidence for w in line.words) < SURE_CONFIDENCE
        ]
        boxes = [
            (
                max(min(w.x0 for w in line.words) - 4, region[0]),
                max(line.top - 2, region[1]),
                min(max(w.x1 for w in line.words) + 4, region[2]),
                min(line.bottom + 2, region[3]),
            )
            for line in doubtful
        ]
        region_ocr = self.region_ocr
        with ThreadPoolExecutor(max_workers=2) as pool:
            fresh_by_line = dict(
                zip(
                    map(id, doubtful),
                    pool.map(lambda box: region_ocr(box, single_line=True), boxes),
                    strict=True,
                )
            )
        readings = [fresh_by_line.get(id(line), line.words) for line in lines]
        labels = [w.bbox for w in self.page.words if id(w) in self.label_word_ids]
        words: list[Word] = []
        for line, fresh in zip(lines, readings, strict=True):
            kept = [
                w
                for w in fresh
                if not any(a <= w.cx <= c and b <= w.cy <= d for a, b, c, d in labels)
                # a doubtful word where the page pass saw nothing: a rule or a speck
                and (w.confidence >= 0.6 or any(_overlaps(w, p) for p in line.words))
            ]
            # A line the grey reading made out worse than the page pass did (a file number read
            # as "NGO URO" at a third of the confidence) keeps the page pass's words.
            order = (line.words, kept) if _surer(line.words, kept) else (kept, line.words)
            for candidate in order:
                if legible(candidate):
                    # Two lines the page pass split one printed line into (a skewed scan) are
                    # each read again whole: a word already taken from the other is not twice.
                    words.extend(w for w in candidate if not _read_already(w, words))
                    break
        return words

    def box_lines(self, region: BBox, pointer: str) -> list[str]:
        words = self.grey_values(region) or self.values_in(region)
        lines = lines_with_words(words)
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
            segment = leading_run([w for w in line_words if w.x0 < left + 60] and line_words)
            if segment:
                kept.append(" ".join(w.text for w in segment))
                kept_words.extend(segment)
        self.evidence.note(pointer, kept_words)
        return kept


# OCR splits a word of small print where a letter's strokes break apart ("INSU RED"): two
# words on one line closer than a capital's height may be one printed word. A space between
# two words of the form's labels is about as wide, so the gap alone does not tell: a pair is
# only a candidate, taken where together the two spell the label better than either alone.
SPLIT_WORD_GAP_SHARE = 1.0


def _mostly_small(text: str) -> bool:
    """More small letters than capitals in a word."""
    return sum(c.islower() for c in text) > sum(c.isupper() for c in text)


def split_word_pairs(words: list[Word]) -> list[list[Word]]:
    """Each word alone, and each word with the next on its line when the gap between them is
    narrower than a space: the candidates for one printed word OCR may have split."""
    candidates: list[list[Word]] = [[w] for w in words]
    for line in group_lines(words):
        for before, after in zip(line.words, line.words[1:], strict=False):
            height = max(before.height, after.height)
            if 0 <= after.x0 - before.x1 < SPLIT_WORD_GAP_SHARE * height:
                candidates.append([before, after])
    return candidates


# A label of several words read with a letter or two wrong still agrees with its spelling on
# 85 % of its letters or more ("WORKERS COVIP" 0.87, "EMPLOVERS LIABILITY" 0.94), while two
# of the form's labels sharing a word agree on far less ("AUTOMOBILE LIABILITY" and "UMBRELLA
# LIABILITY" 0.56).
PHRASE_LEAST_RATIO = 0.85


# The page pass's confidence above which a word's grey reading has not been seen to differ.
SURE_CONFIDENCE = 0.95


def likelier_words(fresh: list[Word], page_words: list[Word]) -> list[Word]:
    """A second reading of a line, word by word the likelier of it and the page pass: where
    the page pass read the same place as one word with more confidence, its word is kept,
    unless it is the second reading's word without its closing period ("Co" for "Co."): the
    page pass reads the page cut to black and white, where a blurred one-point dot is lost
    first, while the second reading sees it in grey."""
    chosen: list[Word] = []
    for word in fresh:
        same = [p for p in page_words if _overlaps(word, p) and _overlaps(p, word)]
        lost_period = len(same) == 1 and f"{same[0].text}." == word.text
        if len(same) == 1 and same[0].confidence > word.confidence and not lost_period:
            chosen.append(same[0])
        else:
            chosen.append(word)
    return chosen


def _joined_lines(lines: list[Line]) -> list[Line]:
    """Lines that share most of their height joined into one: on a skewed scan the page pass
    splits one printed line in two where its words' centres drift apart, and each part's
    box, read again, would read the whole line."""
    joined: list[Line] = []
    for line in lines:
        if joined:
            last = joined[-1]
            shared = min(last.bottom, line.bottom) - max(last.top, line.top)
            shorter = min(last.bottom - last.top, line.bottom - line.top)
            if shared > SAME_WORD_LINE_SHARE * shorter:
                joined[-1] = Line(sorted(last.words + line.words, key=lambda w: w.x0))
                continue
        joined.append(line)
    return joined


def _surer(page_words: list[Word], fresh: list[Word]) -> bool:
    """Whether the page pass read a line with clearly more confidence than its grey reading:
    on average by more than GREY_WORSE_MARGIN. Tesseract's confidence for a line's words in
    the two readings is on one scale (the same engine and language model), and the grey
    reading exists to mend strokes the black-and-white cut broke, which raises confidence;
    a reading that loses a quarter of it has made letters out of something else."""
    if not page_words or not fresh:
        return False
    page = sum(w.confidence for w in page_words) / len(page_words)
    grey = sum(w.confidence for w in fresh) / len(fresh)
    return page - grey > GREY_WORSE_MARGIN


# A quarter of the confidence scale: far beyond the few hundredths the two readings of one
# well printed line differ by, as a word misread as other letters falls (0.9 to 0.3 or less).
GREY_WORSE_MARGIN = 0.25


def _read_already(word: Word, taken: list[Word]) -> bool:
    """Whether the same word at the same place (sharing half its width and its line) was
    already taken from another reading of its line."""
    return any(
        w.text == word.text
        and _overlaps(word, w)
        and abs(w.cy - word.cy) < SAME_WORD_LINE_SHARE * max(w.height, word.height)
        for w in taken
    )


# Two readings of one word lie on one line: centres within half the taller one's height.
SAME_WORD_LINE_SHARE = 0.5


def _overlaps(word: Word, other: Word) -> bool:
    """Whether two readings of a line share a word's place (half the narrower one's width)."""
    shared = min(word.x1, other.x1) - max(word.x0, other.x0)
    return shared > 0.5 * min(word.x1 - word.x0, other.x1 - other.x0)


def legible(words: list[Word]) -> bool:
    """Whether a line reads as print rather than noise: a few letters or digits read with
    some confidence (Tesseract turns rules and specks into low-confidence scraps)."""
    if not words:
        return False
    letters = sum(len(re.sub(r"[^A-Za-z0-9]", "", w.text)) for w in words)
    confidence = sum(w.confidence for w in words) / len(words)
    return letters >= 3 and confidence >= 0.5


_STATE_OR_ZIP = re.compile(STATE_LETTER + r"{2},?|\d{5}(-\d{4})?")


# What follows a city across the gap between the fillable form's boxes: a state and a ZIP code
# as OCR may read them, digits for letters and letters for digits ("1D 83772", "IL 6O6O1").
_STATE_AND_ZIP = re.compile(
    r"(?:" + STATE_LETTER + r"|[0-9]){2},?\s+[0-9OoDIlS]{5}(-[0-9OoDIlS]{4})?"
)
# A gap wider than this (or three letter heights) starts another text block on the line.
BLOCK_GAP_PT = 25.0


def _bare(text: str) -> str:
    """A word without the marks OCR read at its front from a speck or a rule's end ("_TX")."""
    return text.lstrip("_|~'‘’.-")


def leading_run(words: list[Word]) -> list[Word]:
    """The words of a line up to the first wide gap (a second text block further right)."""
    run: list[Word] = []
    ordered = sorted(words, key=lambda w: w.x0)
    for index, word in enumerate(ordered):
        gap = word.x0 - run[-1].x1 if run else 0.0
        # City, state and ZIP sit in separate boxes on the fillable form: keep them together.
        if run and gap > max(BLOCK_GAP_PT, 3 * word.height):
            if _STATE_AND_ZIP.fullmatch(" ".join(_bare(w.text) for w in ordered[index:])):
                return run + ordered[index:]
            if not _STATE_OR_ZIP.fullmatch(_bare(word.text)):
                break
        run.append(word)
    return run
