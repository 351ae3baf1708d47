"""The lower boxes of an ACORD 25: description of operations and certificate holder."""

from __future__ import annotations

from backend.acord.geometry import Label
from backend.acord.page_labels import PageLabels, joined_text
from backend.acord.values import clean_text, split_name_address

# Without the holder label below it, the description box is taken as the form prints it: about
# ten lines of remarks, 120 pt.
DESCRIPTION_BOX_HEIGHT_PT = 120.0
# A value's box may reach a little above its label's bottom when set in a larger font.
LABEL_OVERLAP_PT = 2.0
# A box label starts a line at the form's left edge: within an eighth of the page's width.
BOX_LABEL_START_SHARE = 0.12
# The CANCELLATION label heads the holder's row within a line's height of the holder label.
ROW_SLACK_PT = 8.0


def read_description(p: PageLabels) -> str | None:
    label = p.description_label()
    holder = _holder_label(p)
    if label is None:
        return None
    bottom = holder.top - 0.5 if holder is not None else label.bottom + DESCRIPTION_BOX_HEIGHT_PT
    region = (0, label.bottom - 1, p.page.width, bottom)
    words = [
        w
        for w in p.grey_values(region) or p.values_in(region)
        if w.top >= label.bottom - LABEL_OVERLAP_PT
    ]
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
                ("CERTIFICATE HOLDER",), p.lower_left, BOX_LABEL_START_SHARE * p.page.width
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
        region=(holder.x1, holder.top - ROW_SLACK_PT, p.page.width, holder.bottom + ROW_SLACK_PT),
    )
    right = (
        cancellation.x0 - 2
        if cancellation is not None and cancellation.x0 > holder.x1
        else p.page.width / 2
    )
    footers = [f for f in p.page.find_labels("ACORD 25") if f.top > holder.bottom]
    bottom = footers[0].top - 0.5 if footers else (footer.top if footer else p.page.height)
    lines = p.box_lines((0, holder.bottom - 1, right, bottom), "/certificate_holder/name")
    name, second, address = split_name_address(lines)
    result["name"] = name
    result["address"] = ", ".join(part for part in (second, address) if part) or None
    return result
