"""The form's ruled lines taken out of a page image before the page is read, so Tesseract sees
the print alone.

An ACORD 25 packs its labels and values tight between long rules (the date box's value a few
points above its bottom rule, a section label like CERTIFICATE HOLDER in a band 8 pt deep).
Tesseract's layout analysis takes a long dark line with print close against it for a picture or
a table's border and drops the print with it: on a blurred photo, where every rule is a few
pixels wide and the print beside it bleeds toward it, whole boxes (the date, the holder's label,
the insurer letters) come back empty though they read plainly once the rules are gone.

A rule is told from print by its shape alone: a row of pixels dark along a long stretch with
paper just above and just below it. A line of print, however bold or blurred, is dark for many
rows and has gaps between its letters. Nothing here knows where the form's rules are; the
marks a reader needs (check boxes, their ticks) are far shorter than a rule and stay.
"""

from __future__ import annotations

from typing import Final

from PIL import Image, ImageChops, ImageFilter

# The paper's level is gauged on the page brought down 8 times and taken as the brightest
# within 3 of those cells (about 24 pixels, a tenth of an inch at the OCR's 265 dpi: wider
# than a rule or a stroke, so each window holds paper, narrow enough to follow a shadow).
_PAPER_REDUCE: Final = 8
_PAPER_WINDOW: Final = 3
# A pixel is ink when darker than 80 % of that level: a rule blurred across five pixels keeps
# more than half its darkness at its centre row, and the paper's grain stays far above.
_INK_SHARE: Final = 0.8
# Rows are measured in cells 32 pixels long (about 9 pt: three capitals of the form's labels).
_CELL_PX: Final = 32
# A cell's row is a rule's when 85 % of it is ink (noise and JPEG blocks break a blurred rule
# here and there) ...
_RULE_FILL: Final = 0.85
# ... with a row under half ink within 6 pixels above it and another within 6 below (a rule,
# a point thick at most and blurred, is a few pixels deep; a line of print is ink over its
# letters' whole height, 16-30 pixels, and its rows just above and below the middle are still
# mostly ink where they are as dark as a rule's).
_CLEAR_FILL: Final = 0.5
_CLEAR_REACH_PX: Final = 6
# ... and so for at least two cells side by side (18 pt: longer than any mark inside a box,
# a check box is 8-9 pt; every rule of the form is longer).
_LEAST_CELLS: Final = 2
# A rule's last cell is followed to its end in steps of 4 pixels (about a point: a stub left
# shorter than that is a speck no reading takes for a character).
_END_STEP_PX: Final = 4
# Rows within 2 pixels of a rule's are its blurred edge: taken out with it.
_EDGE_PX: Final = 2
_WHITE: Final = 255


def _shifted(image: Image.Image, rows: int) -> Image.Image:
    """`image` moved down by `rows` (up when negative), black coming in."""
    out = Image.new("L", image.size, 0)
    if rows > 0:
        out.paste(image.crop((0, 0, image.width, image.height - rows)), (0, rows))
    else:
        out.paste(image.crop((0, -rows, image.width, image.height)), (0, 0))
    return out


def _turned(image: Image.Image) -> Image.Image:
    return image.transpose(Image.Transpose.TRANSPOSE)


def _rule_rows(ink: Image.Image) -> Image.Image:
    """Where rules across run, as 255 on 0, in cells `_CELL_PX` wide (the image's width cut to
    whole cells)."""
    cells = max(ink.width // _CELL_PX, 1)
    share = ink.resize((cells, ink.height), Image.Resampling.BOX)
    full = share.point(lambda v: _WHITE if v >= _RULE_FILL * _WHITE else 0)
    clear = share.point(lambda v: _WHITE if v <= _CLEAR_FILL * _WHITE else 0)
    above = below = Image.new("L", share.size, 0)
    for rows in range(1, _CLEAR_REACH_PX + 1):
        above = ImageChops.lighter(above, _shifted(clear, rows))
        below = ImageChops.lighter(below, _shifted(clear, -rows))
    rule = ImageChops.multiply(ImageChops.multiply(full, above), below)
    # A neighbouring cell also a rule's (two cells side by side at least).
    beside = _turned(rule)
    neighbours = ImageChops.lighter(
        _turned(_shifted(beside, _LEAST_CELLS - 1)), _turned(_shifted(beside, 1 - _LEAST_CELLS))
    )
    rule = ImageChops.multiply(rule, neighbours)
    rule = _to_ends(rule, ink)
    grown = rule
    for rows in range(1, _EDGE_PX + 1):
        grown = ImageChops.lighter(
            grown, ImageChops.lighter(_shifted(rule, rows), _shifted(rule, -rows))
        )
    # Back over the image's whole width, each cell where it was measured.
    return grown.resize(ink.size, Image.Resampling.NEAREST)


def _along(image: Image.Image, steps: int) -> Image.Image:
    """`image` moved right by `steps` columns (left when negative), black coming in."""
    out = Image.new("L", image.size, 0)
    if steps > 0:
        out.paste(image.crop((0, 0, image.width - steps, image.height)), (steps, 0))
    else:
        out.paste(image.crop((-steps, 0, image.width, image.height)), (0, 0))
    return out


def _to_ends(rule: Image.Image, ink: Image.Image) -> Image.Image:
    """The rule cells found, carried on along their rows to where the rule's ink ends, in
    steps of `_END_STEP_PX`: where a rule ends (at a crossing rule, or a box's corner) its last
    cell is only partly the rule's, too little inked to be found whole, and the stub left
    standing reads as a "1", a "t" or an "I"."""
    steps = _CELL_PX // _END_STEP_PX
    fine = ink.resize((rule.width * steps, ink.height), Image.Resampling.BOX)
    full = fine.point(lambda v: _WHITE if v >= _RULE_FILL * _WHITE else 0)
    ruled = rule.resize(fine.size, Image.Resampling.NEAREST)
    for _ in range(steps):
        reach = ImageChops.lighter(_along(ruled, 1), _along(ruled, -1))
        ruled = ImageChops.lighter(ruled, ImageChops.multiply(reach, full))
    return ruled


def rules_mask(gray: Image.Image) -> tuple[Image.Image, Image.Image]:
    """The pixels of the page's long rules across and down (255 on 0), and the paper's level
    around each pixel."""
    coarse = gray.reduce(_PAPER_REDUCE) if min(gray.size) >= _PAPER_REDUCE else gray
    paper = coarse.filter(ImageFilter.MaxFilter(_PAPER_WINDOW)).resize(
        gray.size, Image.Resampling.BILINEAR
    )
    needed = paper.point(lambda v: round(v * _INK_SHARE))
    ink = ImageChops.subtract(needed, gray).point(lambda v: _WHITE if v > 0 else 0)
    mask = Image.new("L", gray.size, 0)
    mask.paste(_rule_rows(ink), (0, 0))
    down = Image.new("L", gray.size, 0)
    down.paste(_turned(_rule_rows(_turned(ink))), (0, 0))
    return ImageChops.lighter(mask, down), paper


def without_rules(gray: Image.Image) -> Image.Image:
    """The page with its long ruled lines painted over in the paper's own level."""
    mask, paper = rules_mask(gray)
    return Image.composite(paper, gray, mask)
