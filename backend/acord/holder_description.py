"""The lower boxes of an ACORD 25: description of operations and certificate holder."""

from __future__ import annotations

from backend.acord.geometry import Label
from backend.acord.page_labels import PageLabels, joined_text
from backend.acord.values import clean_text, split_name_address


def read_description(p: PageLabels) -> str | None:
    label = p.description_label()
    holder = _holder_label(p)
    if label is None:
        return None
    bottom = holder.top - 0.5 if holder is not None else label.bottom + 120
    region = (0, label.bottom - 1, p.page.width, bottom)
    words = [w for w in p.grey_values(region) or p.values_in(region) if w.top >= label.bottom - 2]
    if not words:
        return None
    p.evidence.note("/description_of_operations", words)
    return clean_text(joined_text(words)) or None


def _holder_label(p: PageLabels) -> Label | None:
    """The box label: the lowest "CERTIFICATE HOLDER" in capitals (the description may
    mention the certificate holder in ordinary text above it)."""
    hits = [
        hit
        for hit in p.page.find_labels("CERTIFICATE HOLDER", region=p.lower_left)
        if all(w.text.isupper() for w in p.page.words if id(w) in hit.word_ids)
    ]
    if not hits:
        if p.region_ocr is None:
            return None
        if "holder" not in p.found_phrases:
            p.found_phrases["holder"] = p.scan_phrase(
                ("CERTIFICATE HOLDER",), p.lower_left, 0.12 * p.page.width
            )
        return p.found_phrases["holder"]
    hit = max(hits, key=lambda h: h.top)
    p.label_word_ids.update(hit.word_ids)
    return hit


def read_holder(p: PageLabels) -> dict[str, str | None]:
    holder = _holder_label(p)
    footer = p.label("ACORD 25")
    result: dict[str, str | None] = {"name": None, "address": None}
    if holder is None:
        return result
    # The CANCELLATION box heads the same row; the word also occurs in remarks above.
    cancellation = p.label(
        "CANCELLATION",
        region=(holder.x1, holder.top - 8, p.page.width, holder.bottom + 8),
    )
    right = (
        cancellation.x0 - 2
        if cancellation is not None and cancellation.x0 > holder.x1
        else p.page.width / 2
    )
    footers = [f for f in p.page.find_labels("ACORD 25") if f.top > holder.bottom]
    bottom = footers[0].top - 0.5 if footers else (footer.top if footer else p.page.height)
    lines = p._box_lines((0, holder.bottom - 1, right, bottom), "/certificate_holder/name")
    name, second, address = split_name_address(lines)
    result["name"] = name
    result["address"] = ", ".join(p for p in (second, address) if p) or None
    return result
