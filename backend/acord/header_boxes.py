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
from backend.acord.page_labels import PageLabels, joined_text, leading_run, split_word_pairs
from backend.acord.scan_header import _scan_contact
from backend.acord.tick_options import similarity
from backend.acord.values import clean_text, split_name_address


def read_producer(p: PageLabels) -> dict[str, str | None]:
    producer = p.label("PRODUCER", region=p.left_margin, whole=True)
    insured = _insured_label(p)
    contact = p.label("CONTACT")
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
        lines = p.box_lines((0, producer.top - 2, right_column, bottom), "/producer/name")
        # Older editions print the agency's phone and fax inside the producer box.
        lines = [line for line in lines if not _CONTACT_LINE.match(line)]
        name, second, address = split_name_address(lines)
        result["name"] = name
        result["address"] = ", ".join(part for part in (second, address) if part) or None
    phone = p.label("PHONE")
    fax = p.label("FAX")
    email = p.label("E-MAIL", "EMAIL")
    insurers = p.label("INSURER(S) AFFORDING COVERAGE", "INSURERS AFFORDING")
    if contact is not None:
        name_label = p.label(
            "NAME:",
            region=(contact.x0 - 5, contact.top - 2, contact.x1 + 40, contact.bottom + 12),
        )
        right_of = max(contact.x1, name_label.x1 if name_label else contact.x1) + 1
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
        under = [
            words
            for words in split_word_pairs(area)
            if abs(words[0].x0 - producer.x0) <= 4
            and all(w.text.isupper() for w in words)
            and similarity("".join(w.text for w in words), "INSURED") >= 0.6
        ]
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
    if hit is not None and not all(w.text.isupper() for w in p.page.words if id(w) in hit.word_ids):
        p.label_word_ids.difference_update(hit.word_ids)
        return None  # a value's word ("Insurance"), not the box's printed label
    return hit


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
