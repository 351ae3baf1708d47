"""The boxes at the head of an ACORD 25: producer (agency and its contact), insured, insurers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from backend.acord.geometry import Label, Word, group_lines
from backend.acord.insurer_rows import InsurerRowsReader
from backend.acord.page_labels import joined_text, leading_run
from backend.acord.scan_header import ScanHeaderReader
from backend.acord.tick_options import similarity
from backend.acord.values import clean_text, split_name_address


class HeaderBoxesReader(InsurerRowsReader, ScanHeaderReader):
    def _producer(self) -> dict[str, str | None]:
        producer = self.label("PRODUCER", region=self.left_margin, whole=True)
        insured = self._insured_label()
        contact = self.label("CONTACT")
        right_column = contact.x0 - 2 if contact is not None else self.page.width / 2
        right_column = min(right_column, self._right_column_edge())
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
                result["contact"] = clean_text(joined_text(words)) or None
                self.evidence.note("/producer/contact", words)
        if phone is not None:
            bottom = email.bottom if email is not None else phone.bottom + 12
            right = fax.x0 - 1 if fax is not None else self.page.width
            area_code = self.label(
                "(A/C, No, Ext):", region=(phone.x0 - 5, phone.top - 2, right, phone.bottom + 2)
            )
            left = max(phone.x1, area_code.x1 if area_code else phone.x1) + 0.5
            words = leading_run(
                _closest(
                    self.values_in((left, phone.top - 7, right, bottom)), phone, [contact, email]
                )
            )
            if words:
                printed = clean_text(joined_text(words))
                # Keep the number itself when OCR ran it together with its neighbours' words.
                number = _PHONE.search(printed)
                result["phone"] = (number.group(0) if number else printed) or None
                self.evidence.note("/producer/phone", words)
        if self.region_ocr is not None and result["contact"]:
            self._tidy_ocr_contact(result)
        if self.region_ocr is not None:
            self._prefer_scan_contact(result, producer)
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

    def _insured_label(self) -> Label | None:
        """The INSURED box label at the form's left edge. On a scan OCR may garble it
        ("SURED", "WWSURED") while a word elsewhere reads closer to it ("INSRD" of the table's
        INSR LTR header, "insureds" of the description): the box's label is the capitalised
        word under the PRODUCER label, at its left edge, in the head of the form."""
        if self.region_ocr is None:
            return self.label("INSURED", region=self.left_margin, whole=True)
        coverages = self.label("COVERAGES")
        bottom = coverages.top if coverages is not None else 0.45 * self.page.height
        producer = self.label("PRODUCER", region=self.left_margin, whole=True)
        if producer is not None:
            under = [
                w
                for w in self.page.words_in((0, producer.bottom, self.left_margin[2], bottom))
                if abs(w.x0 - producer.x0) <= 4
                and w.text.isupper()
                and similarity(w.text, "INSURED") >= 0.6
            ]
            if under:
                word = min(under, key=lambda w: w.top)
                self.label_word_ids.add(id(word))
                return Label(word.x0, word.top, word.x1, word.bottom, frozenset({id(word)}))
        hit = self.label("INSURED", region=(*self.left_margin[:3], bottom), whole=True)
        if hit is not None and not all(
            w.text.isupper() for w in self.page.words if id(w) in hit.word_ids
        ):
            self.label_word_ids.difference_update(hit.word_ids)
            return None  # a value's word ("Insurance"), not the box's printed label
        return hit

    def _prefer_scan_contact(self, result: dict[str, str | None], producer: Label | None) -> None:
        """On a scan, the contact, phone and e-mail read again in grey where that reading
        looks like one (a name, a telephone number, an e-mail address)."""
        edge = self._right_column_edge()
        labels = self._insurer_label_words(self._insurers_area())
        if not labels or edge >= self.page.width:
            return
        bottom = min(w.top for w in labels) - 2
        top = producer.top - 4 if producer is not None else bottom - 50
        for key, value in self._scan_contact(top, bottom, edge + 2).items():
            if value:
                result[key] = value
        if len(re.findall(r"[A-Za-z]", result["contact"] or "")) < 2:
            result["contact"] = None  # a rule or a speck of an empty box ("~—"), not a name
            self.evidence.fields.pop("/producer/contact", None)

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
        insured = self._insured_label()
        coverages = self.label("COVERAGES")
        insurer_a = self.label("INSURER A")
        result: dict[str, str | None] = {"name": None, "address": None}
        if insured is None:
            return result
        right = insurer_a.x0 - 2 if insurer_a is not None else self.page.width / 2
        right = min(right, self._right_column_edge())
        bottom = coverages.top - 0.5 if coverages is not None else insured.bottom + 50
        # An agency code may sit at the far end of the INSURED label's line.
        region = (0, insured.top - 2, right, bottom)
        region_words = [
            w
            for w in self.values_in(region)
            if not (abs(w.cy - insured.cy) < 3 and w.x0 > insured.x1 + 100)
        ]
        region_words = self.grey_values(region, region_words) or region_words
        lines = [
            " ".join(w.text for w in leading_run(line.words)) for line in group_lines(region_words)
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
        if self.region_ocr is not None:
            from_rows = self._insurers_from_rows(naic)
            if from_rows is not None:
                return from_rows
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
            name = clean_text(joined_text(name_words).lstrip(": ")) if name_words else ""
            if len(re.findall(r"[A-Za-z]", name)) < 2:
                continue
            if self.region_ocr is not None and not re.search(r"[A-Za-z]{4}", name):
                continue  # specks and rules OCR read in an empty row
            pointer = f"/insurers/{len(insurers)}"
            self.evidence.note(f"{pointer}/name", name_words)
            naic_value = re.sub(r"[^\d]", "", joined_text(naic_words)) or None
            if naic_value is not None and self.region_ocr is not None and len(naic_value) != 5:
                naic_value = None  # NAIC codes have five digits; a partial reading is no value
            if naic_words:
                self.evidence.note(f"{pointer}/naic", naic_words)
            insurers.append({"letter": letter, "name": name, "naic": naic_value})
        return insurers


def _closest(words: list[Word], label: Label, others: Sequence[Label | None]) -> list[Word]:
    """The words whose line is nearer to `label` than to any of the other labels."""
    rivals = [o.cy for o in others if o is not None and o is not label]
    return [w for w in words if all(abs(w.cy - label.cy) <= abs(w.cy - y) for y in rivals)]


_PHONE = re.compile(r"(?:\+?1[\s.-])?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?)\s?\d+)?")
_CONTACT_LINE = re.compile(r"\s*(PHONE|PH|TEL|FAX|E-?MAIL)\b", re.I)
