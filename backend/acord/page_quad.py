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

from PIL import Image, ImageChops, ImageDraw, ImageFilter

# The sheet is found on the photo brought down to about 400 pixels across: its edges are
# straight over hundreds of pixels, and every step below costs the sample's pixels.
_SAMPLE_PX: Final = 400
# Closing the print: the brightest pixel within 5 sample pixels (about a tenth of an inch on
# the page, wider than a rule or a stroke of print) turns the printed sheet into plain paper...
_CLOSE_PX: Final = 5
# ... and the darkest within 9 removes a bright speck of the desk smaller than that (a
# reflection) while the sheet, hundreds of pixels across, keeps its shape.
_OPEN_PX: Final = 9
# The sheet fills most of a photo taken to be read: under a third of the frame, what was
# found is not the page (a bright object on the desk, or a page the light made unreadable).
_LEAST_AREA_SHARE: Final = 0.33
# A sheet whose corners all lie within 1.5 % of the frame's corners fills the frame (a scan,
# or a photo cropped to the page): nothing to flatten.
_FILLS_FRAME_SHARE: Final = 0.015
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


def _moved(image: Image.Image, dx: int, dy: int) -> Image.Image:
    """`image` moved by (dx, dy) pixels, the strip it uncovers keeping the image's own pixels
    (so a window reaching past the edge sees the image only, as Pillow's filters do)."""
    moved = image.copy()
    width, height = image.size
    if abs(dx) >= width or abs(dy) >= height:
        return moved
    box = (max(-dx, 0), max(-dy, 0), width - max(dx, 0), height - max(dy, 0))
    moved.paste(image.crop(box), (max(dx, 0), max(dy, 0)))
    return moved


def _rank(
    image: Image.Image,
    kind: type[ImageFilter.MaxFilter] | type[ImageFilter.MinFilter],
    size: int,
) -> Image.Image:
    """`image.filter(kind(size))` for an odd `size`, pixel for pixel. Pillow's rank filters
    sort every pixel's whole square window (81 values a pixel for 9 pixels, and a pass of 3
    taken four times over cost 0.25 s a photo); the brightest (darkest) in a square is the
    brightest along its rows of the brightest down its columns, and the brightest within
    1 + 2k of the brightest within 1 + k: a few whole-image comparisons of moved copies."""
    pick = ImageChops.lighter if kind is ImageFilter.MaxFilter else ImageChops.darker
    reach = size // 2
    for dx, dy in ((1, 0), (0, 1)):
        done = 0
        while done < reach:
            step = min(done + 1, reach - done)
            image = pick(
                image,
                pick(_moved(image, step * dx, step * dy), _moved(image, -step * dx, -step * dy)),
            )
            done += step
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


# Each edge of the sheet is looked for along the middle half of the frame's width (top and
# bottom) or height (left and right): a sheet photographed to be read spans more than that
# whatever its twist, so every scan line there crosses the edge being fitted, not a corner.
_SIDE_SPAN: Final = 0.25
# An edge point is where, going out from the frame's centre, paper first gives way to desk. A
# line is fitted through them robustly: the median slope of pairs half the points apart and the
# median offset (right whatever a minority of points says: paper or a note lying against the
# sheet, a dark print hole), then least squares over the points within 2 sample pixels of it
# (the sheet's edge, a curled sheet's bow included, is that straight over half the frame).
_EDGE_TOLERANCE_PX: Final = 2.0
# Fewer edge points than a quarter of a side's scan lines and the side was not seen.
_LEAST_EDGE_SHARE: Final = 0.25
# A side whose points lie this close to the frame's border is the frame's cut, not the sheet's
# edge (a photo cropped into the page's margin); more than one such side and the picture is the
# page itself (a scan, or a photo cropped to the page).
_FRAME_CUT_PX: Final = 1.5
# The sheet is solid paper once its print is closed: under nine tenths of the quadrilateral
# found paper, and it is not one sheet.
_LEAST_PAPER_SHARE: Final = 0.9
# The frame's outermost 2 % on each side is looked at for desk: a side is desk where most of
# that band (half) is not paper.
_DESK_BAND_SHARE: Final = 0.02
_DESK_EDGE_SHARE: Final = 0.5
_FRAME_SIDES: Final = 4
# Half a side's scan lines at least end on its fitted edge.
_LEAST_INLIER_SHARE: Final = 0.5
# Paper over more than half the frame outside the sheet and it is no sheet on a desk.
_MOST_PAPER_OUTSIDE: Final = 0.5
# A scan line through pixel row or column n runs through its middle, n + 0.5.
_PIXEL_CENTRE: Final = 0.5


def _scan_out(line: bytes, start: int, forward: bool) -> int | None:
    """Index of the last paper pixel going out from `start` along `line`, or None when the
    line is not paper there."""
    if line[start] == 0:
        return None
    if forward:
        stop = line.find(b"\x00", start)
        return (len(line) if stop < 0 else stop) - 1
    return line.rfind(b"\x00", 0, start) + 1


def _fit_edge(points: list[tuple[float, float]]) -> tuple[float, float, list[tuple[float, float]]]:
    """The line s = a + b t through `points` (t, s), robust to a minority of outliers, and the
    points within tolerance of it."""
    half = len(points) // 2
    slopes = sorted(
        (points[i + half][1] - points[i][1]) / (points[i + half][0] - points[i][0])
        for i in range(half)
        if points[i + half][0] != points[i][0]
    )
    slope = slopes[len(slopes) // 2] if slopes else 0.0
    offsets = sorted(s - slope * t for t, s in points)
    offset = offsets[len(offsets) // 2]
    inliers = [(t, s) for t, s in points if abs(s - offset - slope * t) <= _EDGE_TOLERANCE_PX]
    count = len(inliers)
    if count >= 2:
        mean_t = sum(t for t, _ in inliers) / count
        mean_s = sum(s for _, s in inliers) / count
        spread = sum((t - mean_t) ** 2 for t, _ in inliers)
        if spread > 0:
            slope = sum((t - mean_t) * (s - mean_s) for t, s in inliers) / spread
            offset = mean_s - slope * mean_t
    return offset, slope, inliers


def _edges(mask: Image.Image) -> list[tuple[float, float, list[tuple[float, float]]]] | None:
    """The sheet's four edges (top, right, bottom, left) as fitted lines: top and bottom as
    y = a + b x, left and right as x = a + b y."""
    width, height = mask.size
    rows = mask.tobytes()
    columns = mask.transpose(Image.Transpose.TRANSPOSE).tobytes()
    cx, cy = width // 2, height // 2
    found: dict[str, list[tuple[float, float]]] = {"top": [], "bottom": [], "left": [], "right": []}
    for x in range(int(width * _SIDE_SPAN), int(width * (1 - _SIDE_SPAN))):
        column = columns[x * height : (x + 1) * height]
        top, bottom = _scan_out(column, cy, False), _scan_out(column, cy, True)
        if top is not None and bottom is not None:
            found["top"].append((x + _PIXEL_CENTRE, float(top)))
            found["bottom"].append((x + _PIXEL_CENTRE, float(bottom + 1)))
    for y in range(int(height * _SIDE_SPAN), int(height * (1 - _SIDE_SPAN))):
        row = rows[y * width : (y + 1) * width]
        left, right = _scan_out(row, cx, False), _scan_out(row, cx, True)
        if left is not None and right is not None:
            found["left"].append((y + _PIXEL_CENTRE, float(left)))
            found["right"].append((y + _PIXEL_CENTRE, float(right + 1)))
    least = _LEAST_EDGE_SHARE * (1 - 2 * _SIDE_SPAN) * min(width, height)
    if any(len(points) < least for points in found.values()):
        return None
    fitted = [_fit_edge(found[side]) for side in ("top", "right", "bottom", "left")]
    # Most scan lines of a side end on the sheet's edge; ends scattered over print holes (a
    # page filling the frame, its print not closed) are no edge.
    sides = ("top", "right", "bottom", "left")
    for side, (_, _, inliers) in zip(sides, fitted, strict=True):
        if len(inliers) < _LEAST_INLIER_SHARE * len(found[side]):
            return None
    return fitted


def _crossing(across: tuple[float, float], down: tuple[float, float]) -> tuple[float, float] | None:
    """Where y = a + b x (`across`) meets x = c + d y (`down`)."""
    a, b = across
    c, d = down
    denominator = 1 - b * d
    if denominator == 0:
        return None
    y = (a + b * c) / denominator
    return c + d * y, y


def _paper_mask(gray: Image.Image) -> tuple[Image.Image, float]:
    """Paper (255) and not paper (0) on the photo brought down to the sample's size, and the
    factor it was brought down by."""
    factor = max(gray.width / _SAMPLE_PX, 1.0)
    size = (max(int(gray.width / factor), 1), max(int(gray.height / factor), 1))
    small = _relative_to_paper(gray.resize(size, Image.Resampling.BOX))
    closed = _rank(_rank(small, ImageFilter.MaxFilter, _CLOSE_PX), ImageFilter.MinFilter, _OPEN_PX)
    level = _otsu(closed.histogram()[: _WHITE + 1])
    return closed.point(lambda p: _WHITE if p > level else 0), factor


def desk_sides(gray: Image.Image) -> int:
    """On how many of the picture's four edges something other than paper covers most of the
    edge's band (desk, or things lying on it)."""
    mask, _ = _paper_mask(gray)
    width, height = mask.size
    band = max(round(_DESK_BAND_SHARE * min(width, height)), 1)
    edges = (
        mask.crop((0, 0, width, band)),
        mask.crop((0, height - band, width, height)),
        mask.crop((0, 0, band, height)),
        mask.crop((width - band, 0, width, height)),
    )
    return sum(e.histogram()[0] >= _DESK_EDGE_SHARE * e.width * e.height for e in edges)


def lies_on_desk(gray: Image.Image) -> bool:
    """Whether the picture shows something other than paper along most of each of its four
    edges: a sheet photographed on a desk, not a page scanned or photographed to fill the
    frame (whose dim side, under light falling off, may look like desk along one or three
    edges, never all four)."""
    return desk_sides(gray) == _FRAME_SIDES


def find_sheet(gray: Image.Image) -> Quad | None:
    """The four corners of a sheet of paper lying on a darker background, or None when the
    image is the page itself (or no sheet stands out). Paper or notes lying against the sheet
    and a frame that cuts into one of its margins leave its corners where its edges meet."""
    mask, factor = _paper_mask(gray)
    width, height = mask.size
    edges = _edges(mask)
    if edges is None:
        return None
    top, right, bottom, left = ((a, b) for a, b, _ in edges)
    # A side lying along the frame's border is the frame's cut.
    borders = (0.0, float(width), float(height), 0.0)
    cut = [
        all(abs(s - border) <= _FRAME_CUT_PX for _, s in inliers)
        for (_, _, inliers), border in zip(edges, borders, strict=True)
    ]
    if sum(cut) > 1:
        return None
    found = (
        _crossing(top, left),
        _crossing(top, right),
        _crossing(bottom, right),
        _crossing(bottom, left),
    )
    if any(corner is None for corner in found):
        return None
    corners = tuple(c for c in found if c is not None)
    area = _area(corners)
    if area < _LEAST_AREA_SHARE * width * height:
        return None
    frame = ((0, 0), (width, 0), (width, height), (0, height))
    reach = _FILLS_FRAME_SHARE * max(width, height)
    pairs = zip(corners, frame, strict=True)
    if all(abs(c[0] - f[0]) <= reach and abs(c[1] - f[1]) <= reach for c, f in pairs):
        return None
    # The quadrilateral must be paper: a sheet, not desk between things that look like edges.
    inside = Image.new("L", mask.size, 0)
    ImageDraw.Draw(inside).polygon(list(corners), fill=_WHITE)
    covered = ImageChops.multiply(inside, mask).histogram()[_WHITE]
    inside_area = inside.histogram()[_WHITE]
    if covered < _LEAST_PAPER_SHARE * inside_area:
        return None
    # Round a sheet on a desk is mostly desk (things lying against the sheet cover a part);
    # paper over most of it is a page that fills the frame, the quadrilateral found inside it.
    outside_area = width * height - inside_area
    paper_outside = mask.histogram()[_WHITE] - covered
    if outside_area <= 0 or paper_outside > _MOST_PAPER_OUTSIDE * outside_area:
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
