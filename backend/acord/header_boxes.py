"""The boxes at the head of an ACORD 25: producer (agency and its contact), insured, insurers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from backend.acord.geometry import Label, Word, group_lines
from backend.acord.insurer_rows import (
    NAIC_COLUMN_PT,
    NAIC_HEADER_INSET_PT,
    _insurer_label_words,
    _insurers_area,
    _insurers_from_rows,
    _right_column_edge,
)
from backend.acord.page_labels import (
    COVERAGES_BOTTOM_SHARE,
    PageLabels,
    joined_text,
    leading_run,
    split_word_pairs,
)
from backend.acord.ruled_boxes import (
    LABEL_UNDER_RULE_PT,
    RULE_CLEARANCE_PT,
    box_bottom,
    rule_over,
)
from backend.acord.scan_header import _scan_contact
from backend.acord.tick_options import similarity
from backend.acord.values import clean_text, split_name_address


def read_producer(p: PageLabels) -> dict[str, str | None]:
    producer = p.label("PRODUCER", region=p.left_margin, whole=True)
    insured = _insured_label(p)
    if producer is None and insured is not None and p.region_ocr is not None:
        producer = _producer_over(p, insured)
    contact = _head_label(p, producer, "CONTACT")
    right_column = contact.x0 - 2 if contact is not None else p.page.width / 2
    right_column = min(right_column, _right_column_edge(p))
    result: dict[str, str | None] = {
        "name": None,
        "address": None,
        "contact": None,
        "phone": None,
        "email": None,
    }
    if producer is not None:
        bottom = insured.top - 1 if insured is not None else producer.bottom + 60
        ruled = box_bottom(p, producer, insured.cy if insured is not None else bottom)
        bottom = min(bottom, ruled) if ruled is not None else bottom
        lines = p.box_lines((0, producer.top - 2, right_column, bottom), "/producer/name")
        # Older editions print the agency's phone and fax inside the producer box.
        lines = [line for line in lines if not _CONTACT_LINE.match(line)]
        name, second, address = split_name_address(lines)
        result["name"] = name
        result["address"] = ", ".join(part for part in (second, address) if part) or None
    phone = _head_label(p, producer, "PHONE")
    fax = _head_label(p, producer, "FAX")
    email = _head_label(p, producer, "E-MAIL", "EMAIL")
    insurers = _head_label(p, producer, "INSURER(S) AFFORDING COVERAGE", "INSURERS AFFORDING")
    if contact is not None:
        name_label = p.label(
            "NAME:",
            region=(contact.x0 - 5, contact.top - 2, contact.x1 + 40, contact.bottom + 12),
        )
        right_of = max(contact.x1, name_label.x1 if name_label else contact.x1) + 1
        if name_label is None and p.region_ocr is not None:
            # NAME: misread ("CONTACTS ASE"): what starts a space after CONTACT is that label.
            right_of = contact.x1 + NAME_LABEL_SHARE * (contact.bottom - contact.top)
        bottom = phone.bottom if phone is not None else contact.bottom + 10
        words = _closest(
            p.values_in((right_of, contact.top - 6, p.page.width, bottom)),
            contact,
            [phone],
        )
        if words:
            result["contact"] = clean_text(joined_text(words)) or None
            p.evidence.note("/producer/contact", words)
    if phone is not None:
        bottom = email.bottom if email is not None else phone.bottom + 12
        right = fax.x0 - 1 if fax is not None else p.page.width
        area_code = p.label(
            "(A/C, No, Ext):", region=(phone.x0 - 5, phone.top - 2, right, phone.bottom + 2)
        )
        left = max(phone.x1, area_code.x1 if area_code else phone.x1) + 0.5
        words = leading_run(
            _closest(p.values_in((left, phone.top - 7, right, bottom)), phone, [contact, email])
        )
        if words:
            printed = clean_text(joined_text(words))
            # Keep the number itself when OCR ran it together with its neighbours' words.
            number = _PHONE.search(printed)
            result["phone"] = (number.group(0) if number else printed) or None
            p.evidence.note("/producer/phone", words)
    if p.region_ocr is not None and result["contact"]:
        _tidy_ocr_contact(result)
    if p.region_ocr is not None:
        _prefer_scan_contact(p, result, producer)
    if contact is not None or email is not None:
        anchor = contact or email
        assert anchor is not None
        bottom = insurers.top - 0.5 if insurers is not None else anchor.bottom + 36
        area = p.values_in((anchor.x0, anchor.top - 5, p.page.width, bottom))
        words = [w for w in area if re.search(r"\S@\S+\.\w", w.text)]
        if words:
            result["email"] = words[0].text.strip(" ,;")
            p.evidence.note("/producer/email", words[:1])
        elif p.region_ocr is not None:
            # OCR may set the "@" or a "." apart: "service @ agency.com".
            joined = " ".join(line.text for line in group_lines(area))
            found = re.search(r"[\w.+-]+\s?@\s?[\w-]+(?:\s?\.\s?[A-Za-z]{2,})+", joined)
            if found:
                result["email"] = re.sub(r"\s", "", found.group(0))
        if p.region_ocr is not None and result["email"]:
            result["email"] = result["email"].lower()
    return result


def _head_label(p: PageLabels, producer: Label | None, *names: str) -> Label | None:
    """A label of the producer's contact box where the head of the form prints it: from the
    producer's row (CONTACT heads the cell right of PRODUCER, under the same rule) down to the
    COVERAGES heading. The same words recur elsewhere ("contact" in the description, OCR's
    "CONT ACT" in the disclaimer over the producer's row), and a box bounded by a label found
    there reads another part of the page (the contact taken from the description, the
    producer's address cut at the x of a word of the disclaimer). Matched exactly only: spelt
    fuzzily, "CONTACT" is also the disclaimer's "CONTRACT"."""
    coverages = p.coverages_label()
    bottom = coverages.top if coverages is not None else COVERAGES_BOTTOM_SHARE * p.page.height
    top = producer.top - HEAD_ROW_SLACK_PT if producer is not None else 0.0
    for name in names:
        hit = p.page.find_label(name, region=(0.0, top, p.page.width, bottom))
        if hit is not None:
            p.label_word_ids.update(hit.word_ids)
            return hit
    return None


# CONTACT's NAME: stands a space after it, and the contact's name is typed in the field after
# NAME:, 4.5 times the labels' height further at the least (five letters; 8 heights on the
# 2016 edition): a word starting within 3 heights of CONTACT's end is NAME: misread, its first
# letters lost or read into CONTACT ("CONTACTS ASE").
NAME_LABEL_SHARE = 3.0


# The labels heading one row of the head stand within 8 pt of one another's tops (each a few
# points under the row's rule, as its cell's layout sets it).
HEAD_ROW_SLACK_PT = 8.0


def _insured_label(p: PageLabels) -> Label | None:
    """The INSURED box label at the form's left edge. On a scan OCR may garble it
    ("SURED", "WWSURED") while a word elsewhere reads closer to it ("INSRD" of the table's
    INSR LTR header, "insureds" of the description): the box's label is the capitalised
    word under the PRODUCER label, at its left edge, in the head of the form."""
    if p.region_ocr is None:
        return p.label("INSURED", region=p.left_margin, whole=True)
    coverages = p.coverages_label()
    bottom = coverages.top if coverages is not None else 0.45 * p.page.height
    producer = p.label("PRODUCER", region=p.left_margin, whole=True)
    if producer is not None:
        area = p.page.words_in((0, producer.bottom, p.left_margin[2], bottom))
        column = [
            words
            for words in split_word_pairs(area)
            if abs(words[0].x0 - producer.x0) <= LABEL_COLUMN_PT
        ]
        under = [
            words
            for words in column
            if _printed_label(p, words)
            and similarity("".join(w.text for w in words), "INSURED") >= LABEL_LIKENESS
        ]
        if not under:
            under = _label_read_again(p, sorted(column, key=lambda ws: ws[0].top), "INSURED")
        if under:
            # The topmost; of its word alone and the two pieces OCR split it into ("INSU
            # RED"), the one that spells the label better.
            top = min(words[0].top for words in under)
            words = max(
                (ws for ws in under if ws[0].top == top),
                key=lambda ws: similarity("".join(w.text for w in ws), "INSURED"),
            )
            ids = frozenset(id(w) for w in words)
            p.label_word_ids.update(ids)
            return Label(
                words[0].x0,
                min(w.top for w in words),
                words[-1].x1,
                max(w.bottom for w in words),
                ids,
            )
    hit = p.label("INSURED", region=(*p.left_margin[:3], bottom), whole=True)
    if hit is not None and not _printed_label(
        p, [w for w in p.page.words if id(w) in hit.word_ids]
    ):
        p.label_word_ids.difference_update(hit.word_ids)
        return None  # a value's word ("Insurance"), not the box's printed label
    return hit


# The head's box labels start at one x down the form's left column; OCR's word boxes start a
# few points off it (a stray mark read before the word, "[PRODUCER", a first letter lost).
LABEL_COLUMN_PT = 6.0
# OCR's spelling of a label this like it is the label (two letters of INSURED misread, 0.71).
LABEL_LIKENESS = 0.6
# A label read again gets 2 pt of paper before it (a letter cut at the crop's edge reads as
# junk); its line is read 60 pt wide (the head's longest one-word label, PRODUCER, is 35 pt in
# 6 pt capitals) and from the rule down to the label line's foot (a 6 pt line, under the
# label's room under the rule): the values' first line stands lower.
LABEL_MARGIN_PT = 2.0
LABEL_READ_WIDTH_PT = 60.0
LABEL_LINE_PT = 6.0


def _printed_label(p: PageLabels, words: list[Word]) -> bool:
    """Whether words OCR read as a box's label are the form's print rather than a value: all
    capitals, or, where OCR read some capitals as small letters ("lwsureD", "INSt RED"),
    set just under a ruled line (a value's word, "Insurance", stands lower in its box)."""
    return all(w.text.isupper() for w in words) or _under_rule(p, words)


def _under_rule(p: PageLabels, words: list[Word]) -> bool:
    """Whether words stand just under a ruled line, where a cell's label is printed."""
    return bool(words) and rule_over(p, _extent(words)) is not None


def _extent(words: list[Word]) -> Label:
    return Label(
        min(w.x0 for w in words),
        min(w.top for w in words),
        max(w.x1 for w in words),
        max(w.bottom for w in words),
    )


def _label_read_again(p: PageLabels, column: list[list[Word]], name: str) -> list[list[Word]]:
    """The label of a cell where OCR garbled it past knowing ("amas" for INSURED, "freon" for
    PRODUCER): the first word of `column` set just under a ruled line, when the label's line
    under that rule, read again on its own in grey, spells the label."""
    assert p.region_ocr is not None
    for words in column:
        rule = rule_over(p, _extent(words)) if len(words) == 1 else None
        if rule is None:
            continue
        word = words[0]
        line = (
            word.x0 - LABEL_MARGIN_PT,
            rule + RULE_CLEARANCE_PT,
            word.x0 + LABEL_READ_WIDTH_PT,
            rule + LABEL_UNDER_RULE_PT + LABEL_LINE_PT,
        )
        fresh = p.region_ocr(line, single_line=True)
        spelt = any(
            similarity("".join(w.text for w in pair), name) >= LABEL_LIKENESS
            for pair in split_word_pairs(fresh)
        )
        # The label is every word the page pass read on its line there ("freon" "CER").
        return [sorted(p.page.words_in(line) or words, key=lambda w: w.x0)] if spelt else []
    return []


def _producer_over(p: PageLabels, insured: Label) -> Label | None:
    """The PRODUCER label where OCR garbled it past knowing ("freon"): the producer's box is
    the ruled cell over the insured's, its label the lowest word of the label column above
    the INSURED label set just under a ruled line, when a reading of it again in grey spells
    the label."""
    area = p.page.words_in((0, 0, p.left_margin[2], insured.top))
    column = [[w] for w in area if abs(w.x0 - insured.x0) <= LABEL_COLUMN_PT]
    corner = sorted((words for words in column if _under_rule(p, words)), key=lambda ws: -ws[0].top)
    found = _label_read_again(p, corner[:1], "PRODUCER")
    if not found:
        return None
    ids = frozenset(id(w) for w in found[0])
    p.label_word_ids.update(ids)
    extent = _extent(found[0])
    return Label(extent.x0, extent.top, extent.x1, extent.bottom, ids)


def _prefer_scan_contact(
    p: PageLabels, result: dict[str, str | None], producer: Label | None
) -> None:
    """On a scan, the contact, phone and e-mail read again in grey where that reading
    looks like one (a name, a telephone number, an e-mail address)."""
    edge = _right_column_edge(p)
    labels = _insurer_label_words(p, _insurers_area(p))
    if not labels or edge >= p.page.width:
        return
    bottom = min(w.top for w in labels) - 2
    top = producer.top - 4 if producer is not None else bottom - 50
    for key, value in _scan_contact(p, top, bottom, edge + 2).items():
        if value:
            result[key] = value
    if len(re.findall(r"[A-Za-z]", result["contact"] or "")) < 2:
        result["contact"] = None  # a rule or a speck of an empty box ("~—"), not a name
        p.evidence.fields.pop("/producer/contact", None)


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


def read_insured(p: PageLabels) -> dict[str, str | None]:
    insured = _insured_label(p)
    coverages = p.coverages_label()
    insurer_a = p.label("INSURER A")
    result: dict[str, str | None] = {"name": None, "address": None}
    if insured is None:
        return result
    right = insurer_a.x0 - 2 if insurer_a is not None else p.page.width / 2
    right = min(right, _right_column_edge(p))
    bottom = coverages.top - 0.5 if coverages is not None else insured.bottom + 50
    # The box ends at its ruled bottom: the COVERAGES line's certificate number, set a little
    # high on some layouts, stands past it.
    ruled = box_bottom(p, insured, coverages.cy if coverages is not None else bottom)
    bottom = min(bottom, ruled) if ruled is not None else bottom
    # An agency code may sit at the far end of the INSURED label's line.
    region = (0, insured.top - 2, right, bottom)
    region_words = [
        w
        for w in p.values_in(region)
        if not (abs(w.cy - insured.cy) < 3 and w.x0 > insured.x1 + 100)
    ]
    region_words = p.grey_values(region, region_words) or region_words
    lines = [
        " ".join(w.text for w in leading_run(line.words)) for line in group_lines(region_words)
    ]
    p.evidence.note("/insured/name", region_words)
    name, second, address = split_name_address(lines)
    result["name"] = name
    if second:
        result["name_line_2"] = second
    result["address"] = address
    return result


def read_insurers(p: PageLabels) -> list[dict[str, str | None]]:
    naic = p.label("NAIC #", "NAIC")
    if p.region_ocr is not None:
        from_rows = _insurers_from_rows(p, naic)
        if from_rows is not None:
            return from_rows
    insurers: list[dict[str, str | None]] = []
    labels = [(letter, p.label(f"INSURER {letter}")) for letter in "ABCDEF"]
    found = [(letter, lab) for letter, lab in labels if lab is not None]
    others = [lab for _, lab in found]
    for letter, lab in found:
        naic_left = (
            naic.x0 - NAIC_HEADER_INSET_PT if naic is not None else p.page.width - NAIC_COLUMN_PT
        )
        # A value printed a few points off its label's line belongs to the nearest label.
        band = (lab.top - 8, lab.bottom + 8)
        name_words = [
            w
            for w in _closest(p.values_in((lab.x1 + 0.5, band[0], naic_left, band[1])), lab, others)
            if w.text.strip(":") != ""
        ]
        naic_words = [
            w
            for w in _closest(p.values_in((naic_left, band[0], p.page.width, band[1])), lab, others)
            if re.search(r"\d", w.text)
        ]
        # A NAIC code set a little left of its column ends up after the name.
        while name_words and re.fullmatch(r"\W?\d{4,6}\W?", name_words[-1].text):
            naic_words = [name_words.pop(), *naic_words]
        name = clean_text(joined_text(name_words).lstrip(": ")) if name_words else ""
        if len(re.findall(r"[A-Za-z]", name)) < 2:
            continue
        if p.region_ocr is not None and not re.search(r"[A-Za-z]{4}", name):
            continue  # specks and rules OCR read in an empty row
        pointer = f"/insurers/{len(insurers)}"
        p.evidence.note(f"{pointer}/name", name_words)
        naic_value = re.sub(r"[^\d]", "", joined_text(naic_words)) or None
        if naic_value is not None and p.region_ocr is not None and len(naic_value) != 5:
            naic_value = None  # NAIC codes have five digits; a partial reading is no value
        if naic_words:
            p.evidence.note(f"{pointer}/naic", naic_words)
        insurers.append({"letter": letter, "name": name, "naic": naic_value})
    return insurers


def _closest(words: list[Word], label: Label, others: Sequence[Label | None]) -> list[Word]:
    """The words whose line is nearer to `label` than to any of the other labels."""
    rivals = [o.cy for o in others if o is not None and o is not label]
    return [w for w in words if all(abs(w.cy - label.cy) <= abs(w.cy - y) for y in rivals)]


_PHONE = re.compile(r"(?:\+?1[\s.-])?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?)\s?\d+)?")
_CONTACT_LINE = re.compile(r"\s*(PHONE|PH|TEL|FAX|E-?MAIL)\b", re.I)
