"""The lower boxes of an ACORD 25: description of operations and certificate holder."""

from __future__ import annotations

from backend.acord.geometry import Label
from backend.acord.page_labels import PageLabels, joined_text
from backend.acord.ruled_boxes import box_bottom, rule_over
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
# Where OCR lost the holder's label, words centred less than half the label's height under
# its line are what OCR made of the label (its word box blown up by a rule or a speck).
LOST_LABEL_CLEARANCE_SHARE = 0.5


def read_description(p: PageLabels) -> str | None:
    label = p.description_label()
    holder = _holder_label(p)
    if label is None:
        return None
    if holder is None and p.region_ocr is not None:
        # OCR lost the holder's label: its row, placed by CANCELLATION, still ends the box.
        placed = _holder_from_cancellation(p)
        holder = placed[0] if placed is not None else None
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


def _holder_from_cancellation(p: PageLabels) -> tuple[Label, Label] | None:
    """(where the CERTIFICATE HOLDER label stands, the CANCELLATION label) when OCR lost the
    holder's label: the two boxes head one ruled row, the holder's at the form's left edge
    (where the description's label starts) and CANCELLATION's right of it, in capitals just
    under the row's top rule (the word recurs in remarks, in small letters and mid-box)."""
    left = p.description_label() or p.coverages_label()
    if left is None:
        return None
    lower_right = (left.x1, p.lower_left[1], p.page.width, p.page.height)
    for hit in p.page.find_labels("CANCELLATION", region=lower_right, whole_words=True):
        words = [w for w in p.page.words if id(w) in hit.word_ids]
        if not all(w.text.isupper() for w in words) or rule_over(p, hit) is None:
            continue
        p.label_word_ids.update(hit.word_ids)
        width = hit.x1 - hit.x0
        return Label(left.x0, hit.top, left.x0 + width, hit.bottom), hit
    return None


def read_holder(p: PageLabels) -> dict[str, str | None]:
    holder = _holder_label(p)
    footer = p.label("ACORD 25")
    result: dict[str, str | None] = {"name": None, "address": None}
    # The first line of values lies under the label's line.
    top = holder.bottom - 1 if holder is not None else 0.0
    if holder is not None:
        # The CANCELLATION box heads the same row; the word also occurs in remarks above.
        cancellation = p.label(
            "CANCELLATION",
            region=(
                holder.x1,
                holder.top - ROW_SLACK_PT,
                p.page.width,
                holder.bottom + ROW_SLACK_PT,
            ),
        )
    else:
        placed = _holder_from_cancellation(p) if p.region_ocr is not None else None
        if placed is None:
            return result
        holder, cancellation = placed
        # What OCR made of the lost label lies on its line: only words centred clearly under
        # it are values.
        top = holder.bottom + LOST_LABEL_CLEARANCE_SHARE * (holder.bottom - holder.top)
    right = (
        cancellation.x0 - 2
        if cancellation is not None and cancellation.x0 > holder.x1
        else p.page.width / 2
    )
    footers = [f for f in p.page.find_labels("ACORD 25") if f.top > holder.bottom]
    bottom = footers[0].top - 0.5 if footers else (footer.top if footer else p.page.height)
    # The box ends at the form's bottom rule: the footer under it ("ACORD 25 (2016/03)") is
    # no part of the address where OCR misread it and it was not found.
    ruled = box_bottom(p, holder, bottom)
    bottom = min(bottom, ruled) if ruled is not None else bottom
    lines = p.box_lines((0, top, right, bottom), "/certificate_holder/name")
    name, second, address = split_name_address(lines)
    result["name"] = name
    result["address"] = ", ".join(part for part in (second, address) if part) or None
    return result
