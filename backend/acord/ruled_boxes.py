"""Where a box of the head or foot of an ACORD 25 ends, from its ruled grid.

Every box of the form is a ruled cell with its label in the top left corner: the label stands
just under the cell's top rule, and the box's values lie between that rule and the next one
down. A box bounded by labels instead (down to the next label found, or a fixed depth) takes
in what lies past its rules: the certificate number printed on the COVERAGES line under the
insured's box, the form's footer under the holder's. The rules come from the page's ink (the
vector paths of a PDF, the pixels of a picture), so the same bound holds for every source.
"""

from __future__ import annotations

from typing import Final

from backend.acord.geometry import Label
from backend.acord.page_labels import PageLabels

# A box's label stands in the top left corner of its cell: its word box's top within 7 pt
# under the cell's top rule (measured 4-6 pt on scans: the rule's width and blur, the room the
# form leaves above a label), or reaching over the rule where OCR took it into the word.
LABEL_UNDER_RULE_PT: Final = 7.0
# A rule is looked for 20 pt past the label's end too: it runs on over the cell's blank paper
# there, while the tops of a bold label's capitals, which make a dark pixel row of their own,
# stop at its last letter.
LABEL_RULE_RUN_PT: Final = 20.0
# A rule within 6 pt under a label closes the label's own band (the 2016 edition's CERTIFICATE
# HOLDER label is ruled off above the holder's values), not the box: a box's first line of
# values stands 8 pt or more under its label.
LABEL_BAND_PT: Final = 6.0
# A box's values keep clear of its closing rule by half a point (the rule's own width).
RULE_CLEARANCE_PT: Final = 0.5


def rule_over(p: PageLabels, label: Label) -> float | None:
    """The ruled line a cell's label stands under (the top of its cell), or None when the
    page's ink shows none there."""
    if p.ink is None:
        return None
    rules = p.ink.horizontal_rules(
        label.x0, label.x1 + LABEL_RULE_RUN_PT, label.top - LABEL_UNDER_RULE_PT, label.cy
    )
    return max(rules) if rules else None


def box_bottom(p: PageLabels, label: Label, limit: float) -> float | None:
    """The y where the box under `label` ends: the first ruled line under the label, past the
    label's own band and above `limit`, running across the label's column (the box's left
    part, where its values start); None when the ink shows no such rule."""
    if p.ink is None or limit <= label.bottom + LABEL_BAND_PT:
        return None
    rules = p.ink.horizontal_rules(
        label.x0, label.x1 + LABEL_RULE_RUN_PT, label.bottom + LABEL_BAND_PT, limit
    )
    return min(rules) - RULE_CLEARANCE_PT if rules else None
