"""The lower boxes of an ACORD 25: description of operations and certificate holder."""

from __future__ import annotations

from backend.acord.geometry import Label
from backend.acord.page_labels import PageLabels, joined_text
from backend.acord.values import clean_text, split_name_address


class HolderDescriptionReader(PageLabels):
    def _description(self) -> str | None:
        label = self.description_label()
        holder = self._holder_label()
        if label is None:
            return None
        bottom = holder.top - 0.5 if holder is not None else label.bottom + 120
        region = (0, label.bottom - 1, self.page.width, bottom)
        words = [
            w
            for w in self.grey_values(region) or self.values_in(region)
            if w.top >= label.bottom - 2
        ]
        if not words:
            return None
        self.evidence.note("/description_of_operations", words)
        return clean_text(joined_text(words)) or None

    def _holder_label(self) -> Label | None:
        """The box label: the lowest "CERTIFICATE HOLDER" in capitals (the description may
        mention the certificate holder in ordinary text above it)."""
        hits = [
            hit
            for hit in self.page.find_labels("CERTIFICATE HOLDER", region=self.lower_left)
            if all(w.text.isupper() for w in self.page.words if id(w) in hit.word_ids)
        ]
        if not hits:
            if self.region_ocr is None:
                return None
            if "holder" not in self.found_phrases:
                self.found_phrases["holder"] = self.scan_phrase(
                    ("CERTIFICATE HOLDER",), self.lower_left, 0.12 * self.page.width
                )
            return self.found_phrases["holder"]
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
