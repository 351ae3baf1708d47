"""A photographed page made flat: the sheet found against the desk around it, its four corners
taken, and the quadrilateral they bound pulled back to a rectangle (a perspective warp).

A phone held over a desk sees the page as a trapezium (the near edge longer than the far one),
often with a few degrees of turn, on a background darker than paper. Everything after this
(deskew, the label-and-grid reader) expects a flat page whose rules run straight across and
down; a keystoned page bends the table's columns by several points from top to bottom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageChops, ImageFilter

# The sheet is found on the photo brought down to about 400 pixels across: its edges are
# straight over hundreds of pixels, and every step below costs the sample's pixels.
_SAMPLE_PX: Final = 400
# Closing the print: the brightest pixel within 5 sample pixels (about a tenth of an inch on
# the page, wider than a rule or a stroke of print) turns the printed sheet into plain paper...
_CLOSE_PX: Final = 5
# ... and the darkest within 9 removes a bright speck of the desk smaller than that (a
# reflection) while the sheet, hundreds of pixels across, keeps its shape.
_OPEN_PX: Final = 9
# A row or column of the sample counts as crossing the sheet where paper covers a tenth of
# it: rows that only graze a corner of a turned sheet, or a speck, are not its edges.
_LEAST_COVER: Final = 0.1
# The sheet fills most of a photo taken to be read: under a third of the frame, what was
# found is not the page (a bright object on the desk, or a page the light made unreadable).
_LEAST_AREA_SHARE: Final = 0.33
# Outside the sheet is desk: at least four fifths of it darker than the paper's threshold.
_DESK_DARK_SHARE: Final = 0.8
# A sheet whose corners all lie within 1.5 % of the frame's corners fills the frame (a scan,
# or a photo cropped to the page): nothing to flatten.
_FILLS_FRAME_SHARE: Final = 0.015
# The frame's outermost 2 % on each side is looked at for desk; paper over a fifth of such a
# band means the page reaches that edge of the frame.
_EDGE_BAND_SHARE: Final = 0.02
_EDGE_PAPER_SHARE: Final = 0.2
# An ACORD 25 is a US letter page, 11 in tall by 8.5 in wide. A measured height-to-width
# ratio within 15 % of it (perspective makes the measure approximate) is taken as letter.
_LETTER_RATIO: Final = 11 / 8.5
_RATIO_SLACK: Final = 0.15
_WHITE: Final = 255


@dataclass(frozen=True)
class Quad:
    """Corners of the sheet in the photo's pixels: top left, top right, bottom right,
    bottom left."""

    corners: tuple[tuple[float, float], ...]


def _otsu(histogram: list[int]) -> int:
    """The grey level that best splits the histogram in two classes (paper, desk)."""
    total = sum(histogram)
    weighted = sum(level * count for level, count in enumerate(histogram))
    below = below_weighted = 0.0
    best, best_level = -1.0, 0
    for level, count in enumerate(histogram):
        below += count
        if below == 0 or below == total:
            continue
        below_weighted += level * count
        mean_below = below_weighted / below
        mean_above = (weighted - below_weighted) / (total - below)
        between = below * (total - below) * (mean_below - mean_above) ** 2
        if between > best:
            best, best_level = between, level
    return best_level


# Pillow's rank filters sort every pixel's whole square window, so a 9-pixel window costs 81
# values a pixel; the brightest (darkest) within n pixels is the same as the brightest within
# 3 taken (n - 1) / 2 times over (the image's edge is repeated either way), at 9 values a pass:
# 45 ms less a page, pixel for pixel the same sample.
_RANK_STEP_PX: Final = 3


def _rank(
    image: Image.Image,
    kind: type[ImageFilter.MaxFilter] | type[ImageFilter.MinFilter],
    size: int,
) -> Image.Image:
    """`image.filter(kind(size))` for an odd `size`, as repeated 3-pixel passes."""
    for _ in range((size - 1) // (_RANK_STEP_PX - 1)):
        image = image.filter(kind(_RANK_STEP_PX))
    return image


# The light over a desk falls off across the whole frame, desk and sheet alike: the dim side
# of a sheet on a pale desk (white laminate) can be darker than the desk's lit side, so no one
# grey level parts them. Near the sheet's edge paper is the brightest thing on the desk, so the
# picture is divided by its brightest level within a quarter of the frame's width (the desk
# showing round a sheet photographed to be read is narrower than that): paper comes out white
# everywhere, the desk at its own shade relative to paper. (A desk nearly as pale as paper,
# past four fifths of its brightness, still escapes this: its edge would have to be found as a
# straight line.)
_LIGHT_REACH_SHARE: Final = 0.25
# The light is gauged on the sample brought down 8 times more (it changes over inches).
_LIGHT_REDUCE: Final = 8
# Dividing by the light in 8 bits: the inverse of the light is kept at a quarter of its value
# so that paper lit down to a quarter of white still fits in 255, and the product is scaled
# back up by the same factor (256 / 4 = 64 stands for one over the light at full scale).
_DIVIDE_HEADROOM: Final = 4
_FULL_SCALE: Final = 256


def _relative_to_paper(small: Image.Image) -> Image.Image:
    """The sample divided by the brightest level near each point (the light on the paper)."""
    coarse = small.reduce(_LIGHT_REDUCE) if min(small.size) >= _LIGHT_REDUCE else small
    reach = max(round(_LIGHT_REACH_SHARE * coarse.width), 1)
    light = _rank(coarse, ImageFilter.MaxFilter, 2 * reach + 1).resize(
        small.size, Image.Resampling.BILINEAR
    )
    # `small` * 255 / `light`, in 8 bits: ImageChops.divide is not in Pillow, so through the
    # light's inverse, scaled so the paper's own level maps to white.
    quarter = _FULL_SCALE // _DIVIDE_HEADROOM
    inverse = light.point(lambda v: min(round(_WHITE * quarter / max(v, 1)), _WHITE))
    return ImageChops.multiply(small, inverse).point(lambda v: min(v * _DIVIDE_HEADROOM, _WHITE))


def find_sheet(gray: Image.Image) -> Quad | None:
    """The four corners of a sheet of paper lying on a darker background, or None when the
    image is the page itself (or no sheet stands out)."""
    factor = max(gray.width / _SAMPLE_PX, 1.0)
    size = (max(int(gray.width / factor), 1), max(int(gray.height / factor), 1))
    small = _relative_to_paper(gray.resize(size, Image.Resampling.BOX))
    closed = _rank(_rank(small, ImageFilter.MaxFilter, _CLOSE_PX), ImageFilter.MinFilter, _OPEN_PX)
    level = _otsu(closed.histogram()[: _WHITE + 1])
    mask = closed.point(lambda p: _WHITE if p > level else 0)
    width, height = mask.size
    data = mask.tobytes()
    paper = b"\xff"
    rows = []
    for y in range(height):
        row = data[y * width : (y + 1) * width]
        if row.count(paper) >= _LEAST_COVER * width:
            rows.append((y, row.find(paper), row.rfind(paper)))
    if len(rows) < 2:
        return None
    top_left = min(rows, key=lambda r: r[1] + r[0])
    top_right = max(rows, key=lambda r: r[2] - r[0])
    bottom_right = max(rows, key=lambda r: r[2] + r[0])
    bottom_left = min(rows, key=lambda r: r[1] - r[0])
    corners = (
        (top_left[1], top_left[0]),
        (top_right[2] + 1, top_right[0]),
        (bottom_right[2] + 1, bottom_right[0] + 1),
        (bottom_left[1], bottom_left[0] + 1),
    )
    area = _area(corners)
    if area < _LEAST_AREA_SHARE * width * height:
        return None
    frame = ((0, 0), (width, 0), (width, height), (0, height))
    reach = _FILLS_FRAME_SHARE * max(width, height)
    pairs = zip(corners, frame, strict=True)
    if all(abs(c[0] - f[0]) <= reach and abs(c[1] - f[1]) <= reach for c, f in pairs):
        return None
    # A sheet on a desk leaves desk along all four edges of the frame; paper reaching an edge
    # is a page filling the frame, lit unevenly (its dim side taken for a desk).
    band = max(round(_EDGE_BAND_SHARE * min(width, height)), 1)
    edges = (
        mask.crop((0, 0, width, band)),
        mask.crop((0, height - band, width, height)),
        mask.crop((0, 0, band, height)),
        mask.crop((width - band, 0, width, height)),
    )
    for edge in edges:
        if edge.tobytes().count(paper) > _EDGE_PAPER_SHARE * edge.width * edge.height:
            return None
    paper_pixels = data.count(paper)
    outside = width * height - area
    # Paper found outside the quadrilateral (beyond the few pixels its straight edges cut off
    # a slightly curled sheet) means the mask is not one sheet on a desk.
    if outside <= 0 or (paper_pixels - area) > (1 - _DESK_DARK_SHARE) * outside:
        return None
    return Quad(tuple((x * factor, y * factor) for x, y in corners))


def _area(corners: tuple[tuple[float, float], ...]) -> float:
    """Area of a polygon (shoelace formula)."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1], strict=True):
        total += x0 * y1 - x1 * y0
    return abs(total) / 2


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _solve(matrix: list[list[float]], values: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (an 8 x 8 system)."""
    size = len(values)
    rows = [[*row, value] for row, value in zip(matrix, values, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        lead = rows[column][column]
        if lead == 0:
            raise ValueError("degenerate quadrilateral")
        for r in range(size):
            if r != column:
                ratio = rows[r][column] / lead
                rows[r] = [a - ratio * b for a, b in zip(rows[r], rows[column], strict=True)]
    return [rows[r][size] / rows[r][r] for r in range(size)]


def perspective_coefficients(
    target: tuple[tuple[float, float], ...], source: tuple[tuple[float, float], ...]
) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE data mapping each output point (`target`) to its input point
    (`source`): x = (a u + b v + c) / (g u + h v + 1), y = (d u + e v + f) / (g u + h v + 1)."""
    matrix: list[list[float]] = []
    values: list[float] = []
    for (u, v), (x, y) in zip(target, source, strict=True):
        matrix.append([u, v, 1, 0, 0, 0, -u * x, -v * x])
        values.append(x)
        matrix.append([0, 0, 0, u, v, 1, -u * y, -v * y])
        values.append(y)
    return tuple(_solve(matrix, values))


def flatten(gray: Image.Image, quad: Quad) -> Image.Image:
    """The sheet pulled back to a rectangle as wide as its top and bottom edges on average,
    and as tall as its sides (a letter page's proportions when it measures near them)."""
    tl, tr, br, bl = quad.corners
    width = (_distance(tl, tr) + _distance(bl, br)) / 2
    height = (_distance(tl, bl) + _distance(tr, br)) / 2
    portrait = height >= width
    long_side, short_side = (height, width) if portrait else (width, height)
    if abs(long_side / short_side - _LETTER_RATIO) <= _RATIO_SLACK * _LETTER_RATIO:
        short_side = long_side / _LETTER_RATIO
    width, height = (short_side, long_side) if portrait else (long_side, short_side)
    size = (round(width), round(height))
    target = ((0.0, 0.0), (size[0], 0.0), (size[0], size[1]), (0.0, size[1]))
    data = perspective_coefficients(target, quad.corners)
    return gray.transform(
        size, Image.Transform.PERSPECTIVE, data, Image.Resampling.BICUBIC, fillcolor=_WHITE
    )
