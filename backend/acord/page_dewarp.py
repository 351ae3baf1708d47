"""A photographed form pulled flat from its own ruled grid.

The ACORD 25 is drawn with long rules across the whole form (between the producer, insured,
insurer, coverage and holder boxes, and between the table's rows) and long rules down (the
form's left and right borders, a quarter inch in from the sides of the letter page, and the
table's columns). On the paper every one of them is straight. A photo shows them through the
phone's perspective and twist, bent by a sheet that curls or was folded in three for an
envelope and by a wide-angle lens. The rules are traced on the photo itself (in narrow strips,
as rows dark from edge to edge with paper above and below), the form's borders and its outermost
rules across give the perspective, and the bend of every traced rule the warp left at its place:
the page is resampled once so each traced rule runs straight, linearly between neighbouring
rules (a fold's crease bends the rules on either side differently, so the warp is followed rule
by rule, not as one global surface). Where the paper's edge is hidden (a note or another sheet
against it, a hand's shadow, a frame cutting into a margin) the grid is still there.

Nothing here knows how the warp arose: it is measured on the picture it is undone on. Without
the grid (not a ruled form, or too dim to trace) `rectify` gives None, and the caller falls back
to the paper's corners and says so.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from PIL import Image, ImageChops, ImageFilter

from backend.acord.page_quad import Quad, _rank

# The photo is cut into strips 16 pixels wide (about 7 pt of the page at a photo's 150-180 dpi):
# a rule crosses a strip as a row dark from edge to edge, even tilted by the photo's twist and
# keystone (up to 1 in 8, two pixels across a strip, taken up by the thickening below).
_STRIP_PX: Final = 16
# A pixel is ink when it is darker than the paper around it by 15 % of the paper's level (a thin
# rule blurred at a photo's far edge keeps about a fifth of its contrast; the sensor's noise, 2 %
# of paper, stays below). The paper's level is the brightest within 7 pixels (wider than a
# rule, narrower than a line of print's gaps), so the threshold follows the light and shadows.
_PAPER_WINDOW_PX: Final = 7
_INK_SHARE: Final = 0.15
# The traced ink is thickened by a 3-pixel square: a thin rule tilted across a strip drifts a
# pixel or two, and thickened it still darkens whole rows of it.
_THICKEN_PX: Final = 3
# A row of a strip is a rule's crossing when at least 85 % of its pixels are ink (noise and a
# JPEG block may break a blurred rule here and there) ...
_RULE_FILL: Final = 0.85
# ... with rows 4 pixels above and below it under 70 % ink: a thin rule, thickened and tilted,
# is about 5 pixels deep; print (12-16 pixels a line at a photo's 150-180 dpi), however bold,
# is inked rows deep.
_CLEAR_PX: Final = 4
_CLEAR_FILL: Final = 0.7
# Those rows are also paper for at least 30 % of the strip (a line of print beside a rule
# leaves that much between its strokes): the edge of the sheet against a darker desk, which the
# ink's local measure makes look like a rule, has desk on one side.
_PAPER_BESIDE: Final = 0.3
# Paper is told from the desk against the brightest level within 5 cells of 8 pixels (about
# 40 pixels: farther than the ink's reach, so the desk beside the sheet's edge is measured
# against the paper, yet near enough to follow a shadow's penumbra).
_PAPER_REDUCE: Final = 8
_PAPER_REACH: Final = 5
# A rule's crossing moves at most 3 pixels from one strip to the next (a slope of 1 in 5: more
# than a twist of 4° and a keystone's slant of the borders together) ...
_STEP_PX: Final = 3.0
# ... and may be missing from up to 3 strips in a row (a check box, a letter touching it, a
# fold's crease) without ending it.
_GAP_STRIPS: Final = 3
# A chain of crossings counts as one of the form's long rules across when it spans 45 % of the
# photo's width (the rules between the boxes of the top half span about half the page, those of
# the table and the form's outer rules all of it) ...
_LONG_SHARE: Final = 0.3
# ... and down when it spans 30 % of its height: the ACORD 25's borders run down beside its
# coverage table and description, about half the page, which a photo shows at 45-50 % of its
# height.
_LONG_DOWN_SHARE: Final = 0.3
# A chain needs 5 crossings to be a rule: its ends are continued along the line through their
# last 5, and each crossing is smoothed by the running mean of 5 (a crossing's centre is known
# to half a pixel; the warp changes over many strips).
_END_POINTS: Final = 5
_SMOOTH_POINTS: Final = 5
# Fewer long rules across than this and the grid was not found (the ACORD 25 has more than
# twenty; a dim or badly blurred photo shows few).
_LEAST_RULES: Final = 6
# A rule across starts or ends at a border when its traced end lies within two and a half
# strips of it (a chain's end is known to a strip; a rule may stop a strip short at a check
# box or a letter touching it).
_END_TOLERANCE_PX: Final = 2.5 * _STRIP_PX
# A border is a rule down at which at least 4 rules across start (or end): the ACORD 25's
# borders meet a dozen or more; a pen's or a keyboard's edge on the desk, none.
_LEAST_BORDER_RULES: Final = 4
# The page is resampled through a mesh of cells 48 pixels wide (at 265 dpi, a fifth of an
# inch): the warp changes over inches, so each cell is exact to a fraction of a pixel.
_MESH_PX: Final = 48
# A US letter page is 8.5 by 11 in (612 by 792 pt); the ACORD 25's left and right borders
# stand a quarter inch (18 pt) in from its sides.
_LETTER_HEIGHT_PT: Final = 792.0
_LETTER_WIDTH_PT: Final = 612.0
_BORDER_PT: Final = 18.0
# Above the form's first rule across its width stand its title and date box (about 50 pt of
# the page); below its last, the form's footer (about 40 pt). The form's height between them
# is measured: a photo's perspective leaves the page's proportions uncertain by a few %.
_ABOVE_FORM_PT: Final = 50.0
_BELOW_FORM_PT: Final = 40.0
# The sheet's edges, carried onto the page by the grid's perspective, stand a letter page
# apart within 10 % (the perspective's uncertainty) when the sheet was found right.
_PAPER_HEIGHT_SLACK: Final = 0.1
# The ACORD 25's ruled form is taller than it is wide (its rules across the full width span
# 600-700 pt of the page, its borders 576 pt apart): measured wider than tall, the rules taken
# as across are the form's rules down, the page lying on its side.
_LEAST_FORM_ASPECT: Final = 1.0
# A sheet photographed to be read fills most of the frame: its form spans at least half the
# photo's width (80-92 % of the frame's height for the page is 75-85 % of its width).
_LEAST_FORM_SHARE: Final = 0.5
# A form measured taller than a letter page and a half is not the ACORD 25 seen flat.
_TALLEST_PAGE: Final = 1.5
_WHITE: Final = 255
# A pivot this small leaves the equations without one answer (rules that coincide).
_SINGULAR: Final = 1e-12


@dataclass(frozen=True)
class Rule:
    """A traced rule: its crossings (t along it, s across it), smoothed, in order of t."""

    points: tuple[tuple[float, float], ...]

    def at(self, t: float) -> float:
        """Where the rule runs at `t`: between its crossings, on the line joining the two
        around `t`; beyond its ends, along the line through its last few crossings (a rule
        stops short of the borders by a strip or two, and the warp there is the one beside)."""
        points = self.points
        if t <= points[0][0]:
            return _continued(points[:_END_POINTS], t)
        if t >= points[-1][0]:
            return _continued(points[-_END_POINTS:], t)
        k = bisect_right([p[0] for p in points], t)
        (t0, s0), (t1, s1) = points[k - 1], points[k]
        return s0 + (s1 - s0) * (t - t0) / (t1 - t0) if t1 > t0 else s0

    def level(self) -> float:
        """Where the rule runs once straight: its mean over its crossings."""
        return sum(s for _, s in self.points) / len(self.points)


def _continued(points: tuple[tuple[float, float], ...], t: float) -> float:
    offset, slope = _line(list(points))
    return offset + slope * t


def _ink(gray: Image.Image) -> Image.Image:
    """Ink as 255 on 0: darker than the paper around it by `_INK_SHARE` of its level."""
    paper = _rank(gray, ImageFilter.MaxFilter, _PAPER_WINDOW_PX)
    # Ink where paper - gray > paper * share, compared through clipped differences.
    darker = ImageChops.subtract(paper, gray)
    needed = paper.point(lambda v: round(v * _INK_SHARE))
    return ImageChops.subtract(darker, needed).point(lambda v: _WHITE if v > 0 else 0)


def _paper(gray: Image.Image) -> Image.Image:
    """Paper as 255 on 0: within `_INK_SHARE` of the brightest level over a wider reach, so the
    desk beside the sheet is not paper even where it is the brightest thing near it."""
    coarse = gray.reduce(_PAPER_REDUCE)
    level = _rank(coarse, ImageFilter.MaxFilter, _PAPER_REACH).resize(
        gray.size, Image.Resampling.BILINEAR
    )
    needed = level.point(lambda v: round(v * (1 - _INK_SHARE)))
    return ImageChops.subtract(gray, needed).point(lambda v: _WHITE if v > 0 else 0)


def _crossings(ink: Image.Image, paper: Image.Image) -> list[tuple[float, list[float]]]:
    """Per strip, its centre and the centres of the rows a rule crosses it on."""
    width, height = ink.size
    strips = []
    least = _RULE_FILL * _WHITE
    clear = _CLEAR_FILL * _WHITE
    bright = _PAPER_BESIDE * _WHITE
    for x0 in range(0, width - _STRIP_PX + 1, _STRIP_PX):
        profile = ink.crop((x0, 0, x0 + _STRIP_PX, height)).resize(
            (1, height), Image.Resampling.BOX
        )
        data = profile.tobytes()
        beside = (
            paper.crop((x0, 0, x0 + _STRIP_PX, height))
            .resize((1, height), Image.Resampling.BOX)
            .tobytes()
        )
        centres: list[float] = []
        y = _CLEAR_PX
        while y < height - _CLEAR_PX:
            if data[y] >= least:
                run = y
                while y < height - _CLEAR_PX and data[y] >= least:
                    y += 1
                # A rule is a thin line with paper above and below it; a line of print,
                # however bold, is inked rows deep.
                above, below = run - _CLEAR_PX, y - 1 + _CLEAR_PX
                if (
                    data[above] <= clear
                    and data[below] <= clear
                    and beside[above] >= bright
                    and beside[below] >= bright
                ):
                    centres.append((run + y - 1) / 2)
            y += 1
        strips.append((x0 + _STRIP_PX / 2, centres))
    return strips


def _chains(strips: list[tuple[float, list[float]]]) -> list[list[tuple[float, float]]]:
    """Crossings linked strip to strip into rules (nearest within a step, gaps allowed)."""
    open_chains: list[tuple[list[tuple[float, float]], int]] = []
    done: list[list[tuple[float, float]]] = []
    for index, (x, centres) in enumerate(strips):
        taken: set[int] = set()
        still: list[tuple[list[tuple[float, float]], int]] = []
        for chain, last in open_chains:
            if index - last > _GAP_STRIPS + 1:
                done.append(chain)
                continue
            y_last = chain[-1][1]
            allowed = _STEP_PX * (index - last)
            if len(chain) >= _END_POINTS:
                # A rule's slope is known from its last crossings: across a gap it goes on
                # along it, within one step (a gap's allowance growing with its length would
                # let the chain jump onto print or the next rule).
                (x0, y0), (x1, _) = chain[-_END_POINTS], chain[-1]
                y_last += (y_last - y0) / (x1 - x0) * (x - x1) if x1 > x0 else 0.0
                allowed = _STEP_PX
            best = None
            for k, y in enumerate(centres):
                if k in taken:
                    continue
                if abs(y - y_last) <= allowed and (best is None or abs(y - y_last) < best[1]):
                    best = (k, abs(y - y_last))
            if best is not None:
                taken.add(best[0])
                chain.append((x, centres[best[0]]))
                still.append((chain, index))
            else:
                still.append((chain, last))
        for k, y in enumerate(centres):
            if k not in taken:
                still.append(([(x, y)], index))
        open_chains = still
    done.extend(chain for chain, _ in open_chains)
    return done


def _solve(matrix: list[list[float]], values: list[float]) -> list[float] | None:
    size = len(values)
    rows = [[*row, value] for row, value in zip(matrix, values, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        lead = rows[column][column]
        if abs(lead) < _SINGULAR:
            return None
        for r in range(size):
            if r != column:
                ratio = rows[r][column] / lead
                rows[r] = [a - ratio * b for a, b in zip(rows[r], rows[column], strict=True)]
    return [rows[r][size] / rows[r][r] for r in range(size)]


def _fit(points: list[tuple[float, float]]) -> Rule | None:
    """The chain's crossings smoothed by a running mean over 5 of them (a crossing's centre is
    known to half a pixel; the warp changes over many strips)."""
    if len(points) < _END_POINTS:
        return None
    ordered = sorted(points)
    reach = _SMOOTH_POINTS // 2
    smoothed = []
    for k, (t, _) in enumerate(ordered):
        near = ordered[max(k - reach, 0) : k + reach + 1]
        smoothed.append((t, sum(s for _, s in near) / len(near)))
    return Rule(tuple(smoothed))


def _between(rules: list[Rule], levels: list[float], along: float, place: float) -> float:
    """The source coordinate for output `place` at running coordinate `along`: the rules on
    either side at their traced places, linearly between them."""
    k = bisect_right(levels, place)
    if k == 0:
        return rules[0].at(along) + (place - levels[0])
    if k == len(levels):
        return rules[-1].at(along) + (place - levels[-1])
    low, high = rules[k - 1], rules[k - 1 + 1]
    share = (place - levels[k - 1]) / (levels[k] - levels[k - 1])
    return low.at(along) + share * (high.at(along) - low.at(along))


@dataclass(frozen=True)
class Traced:
    """The long rules of a picture, as chains of points in its own pixels."""

    across: list[list[tuple[float, float]]]  # (x, y) points, top to bottom
    down: list[list[tuple[float, float]]]  # (x, y) points, left to right


def _long_chains(
    ink: Image.Image, paper: Image.Image, share: float
) -> list[list[tuple[float, float]]]:
    least = share * ink.width
    chains = [
        c
        for c in _chains(_crossings(ink, paper))
        if c[-1][0] - c[0][0] >= least and len(c) >= _END_POINTS
    ]
    chains.sort(key=lambda c: sum(y for _, y in c) / len(c))
    return chains


def trace(gray: Image.Image) -> Traced:
    """The picture's long rules across (spanning 45 % of its width) and down (30 % of its
    height: the ACORD 25's borders run down beside its coverage table and description, about
    half the page, which a photo's frame shows at 45-50 % of its height)."""
    ink = _rank(_ink(gray), ImageFilter.MaxFilter, _THICKEN_PX)
    paper = _paper(gray)
    across = _long_chains(ink, paper, _LONG_SHARE)
    turn = Image.Transpose.TRANSPOSE
    turned = _long_chains(ink.transpose(turn), paper.transpose(turn), _LONG_DOWN_SHARE)
    down = [[(y, x) for x, y in chain] for chain in turned]
    return Traced(across, down)


def _line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares s = a + b t through (t, s) points."""
    count = len(points)
    mean_t = sum(t for t, _ in points) / count
    mean_s = sum(s for _, s in points) / count
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    slope = sum((t - mean_t) * (s - mean_s) for t, s in points) / spread if spread else 0.0
    return mean_s - slope * mean_t, slope


def _y_at(line: tuple[float, float], x: float) -> float:
    return line[0] + line[1] * x


def _through(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The line y = a + b x through two (x, y) points."""
    (x0, y0), (x1, y1) = points
    slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    return y0 - slope * x0, slope


def _meet(across: tuple[float, float], down: tuple[float, float]) -> tuple[float, float]:
    """Where y = a + b x meets x = c + d y."""
    a, b = across
    c, d = down
    y = (a + b * c) / (1 - b * d)
    return c + d * y, y


def _homography(
    source: list[tuple[float, float]], target: list[tuple[float, float]]
) -> tuple[float, ...] | None:
    matrix: list[list[float]] = []
    values: list[float] = []
    for (x, y), (u, v) in zip(source, target, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        values.append(u)
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values.append(v)
    solved = _solve(matrix, values)
    return None if solved is None else tuple(solved)


def _map(h: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f, g, k = h
    w = g * x + k * y + 1
    return (a * x + b * y + c) / w, (d * x + e * y + f) / w


def _ends_at(
    chains: list[list[tuple[float, float]]], border: tuple[float, float], first: bool
) -> int:
    """How many chains across start (`first`) or end at the line x = a + b y."""
    count = 0
    for chain in chains:
        x, y = chain[0] if first else chain[-1]
        if abs(border[0] + border[1] * y - x) <= _END_TOLERANCE_PX:
            count += 1
    return count


FormFrame = tuple[
    tuple[float, float],
    tuple[float, float],
    tuple[float, float],
    tuple[float, float],
    Traced,
    list[list[tuple[float, float]]],
]


def _form_frame(traced: Traced) -> FormFrame | None:
    """The form's left and right borders (x = a + b y), its outermost rules across that run
    from one to the other (y = a + b x), and those rules with the borders. A border is the rule
    down at which the most rules across start (or end): lines on the desk, a pen's or a
    keyboard's edge, stand alone."""
    lines = [_line([(y, x) for x, y in chain]) for chain in traced.down]
    starts = [_ends_at(traced.across, line, True) for line in lines]
    ends = [_ends_at(traced.across, line, False) for line in lines]
    left = max(range(len(lines)), key=lambda k: (starts[k], -k))
    right = max(range(len(lines)), key=lambda k: (ends[k], k))
    if min(starts[left], ends[right]) < _LEAST_BORDER_RULES or left == right:
        return None
    left_line, right_line = lines[left], lines[right]
    full = [
        chain
        for chain in traced.across
        if abs(left_line[0] + left_line[1] * chain[0][1] - chain[0][0]) <= _END_TOLERANCE_PX
        and abs(right_line[0] + right_line[1] * chain[-1][1] - chain[-1][0]) <= _END_TOLERANCE_PX
    ]
    if len(full) < 2:
        return None
    top_line, bottom_line = _line(full[0]), _line(full[-1])
    # The borders run down from the form's top rule to its bottom rule. Where print touching
    # the top rule hides it from the trace (a blurred photo's disclaimer in bold capitals sits
    # a point under it), the first rule traced from border to border lies far below the
    # borders' tops: the line through their ends is the form's top (and so at the bottom).
    sides = ((left_line, traced.down[left]), (right_line, traced.down[right]))
    tops = [(line[0] + line[1] * chain[0][1], chain[0][1]) for line, chain in sides]
    bottoms = [(line[0] + line[1] * chain[-1][1], chain[-1][1]) for line, chain in sides]
    middle = (tops[0][0] + tops[1][0]) / 2
    if _y_at(top_line, middle) - _y_at(_through(tops), middle) > _END_TOLERANCE_PX:
        top_line = _through(tops)
    if _y_at(_through(bottoms), middle) - _y_at(bottom_line, middle) > _END_TOLERANCE_PX:
        bottom_line = _through(bottoms)
    # The warp is followed along the rules that run from border to border and the borders
    # themselves; a rule across part of the form (the insurer rows, the contact box) only
    # over its own span: continued beyond its ends it would bend the rest of the page by its
    # own small errors.
    grid = Traced(full, [traced.down[left], traced.down[right]])
    top_y = [min(y for _, y in full[0]), max(y for _, y in full[-1])]
    partial = [
        chain
        for chain in traced.across
        if chain not in full and top_y[0] < chain[len(chain) // 2][1] < top_y[1]
    ]
    return left_line, right_line, top_line, bottom_line, grid, partial


def _placed(rule: Rule, full: list[Rule], levels: list[float]) -> tuple[Rule, float | None]:
    """A rule across part of the form and where it runs once straight: where the rules from
    border to border around it would put it, on average over its span (so it bends the page
    only where it lies). None when it leaves the band between two of them (it crosses one, or
    lies beyond the outermost)."""
    placed = []
    band = None
    for t, s in rule.points:
        ys = [r.at(t) for r in full]
        k = bisect_right(ys, s)
        if k == 0 or k == len(ys) or (band is not None and k != band):
            return rule, None
        band = k
        low, high = ys[k - 1], ys[k]
        share = (s - low) / (high - low) if high > low else 0.0
        placed.append(levels[k - 1] + share * (levels[k] - levels[k - 1]))
    return rule, sum(placed) / len(placed) if placed else None


@dataclass(frozen=True)
class Rectified:
    image: Image.Image
    rules: int
    form_share: float  # the form's width (border to border) as a share of the photo's
    # The angle at which the form's borders, or its outermost rules across, meet (degrees):
    # parallel on a scanner's glass, converging in a photo's perspective.
    converging_deg: float


def rectify(gray: Image.Image, sheet: Quad | None = None) -> Rectified | None:
    """The photographed form pulled flat from its ruled grid in one resampling: the outermost
    rules across and the form's left and right borders give the perspective (the borders stand
    18 pt in from each side of the letter page), every rule from border to border the bend
    left. The page's top and bottom are the sheet's (`sheet`, its corners as page_quad found
    them) when they lie a letter page's height apart within 10 %; else the form's first rule is
    taken as 50 pt below the page's top. None when the grid is not found."""
    traced = trace(gray)
    # The ACORD 25 has many more long rules across than down; the other way round, the page
    # lies on its side.
    if len(traced.across) < max(_LEAST_RULES, len(traced.down) + 1) or len(traced.down) < 2:
        return None
    frame = _form_frame(traced)
    if frame is None:
        return None
    left_line, right_line, top_line, bottom_line, inside, partial = frame
    corners = [
        _meet(top_line, left_line),
        _meet(top_line, right_line),
        _meet(bottom_line, right_line),
        _meet(bottom_line, left_line),
    ]
    # The form's proportions from its nearer (longer) edges: the far edge of a sheet seen at
    # an angle is shortened by the perspective, the near one least.
    width_px = max(math.dist(corners[0], corners[1]), math.dist(corners[3], corners[2]))
    height_px = max(math.dist(corners[0], corners[3]), math.dist(corners[1], corners[2]))
    if height_px < _LEAST_FORM_ASPECT * width_px or width_px < _LEAST_FORM_SHARE * gray.width:
        # Wider than tall: the rules taken as across run down the form (a page on its side).
        return None
    # The page is made at the photo's own scale (the form's nearer edge): scaled to the OCR's
    # size afterwards with a sharp filter, as a scan is, rather than by the warp's bicubic.
    scale = width_px / (_LETTER_WIDTH_PT - 2 * _BORDER_PT)
    x0, x1 = _BORDER_PT * scale, (_LETTER_WIDTH_PT - _BORDER_PT) * scale
    form_h = (x1 - x0) * height_px / width_px
    y0 = _ABOVE_FORM_PT * scale
    page_w = _LETTER_WIDTH_PT * scale
    page_h = y0 + form_h + _BELOW_FORM_PT * scale
    if page_h > _TALLEST_PAGE * _LETTER_HEIGHT_PT * scale:
        return None
    target = [(x0, y0), (x1, y0), (x1, y0 + form_h), (x0, y0 + form_h)]
    to_page = _homography(corners, target)
    if to_page is None:
        return None
    if sheet is not None:
        # The paper's top and bottom edges on the page as the grid places them: when they
        # stand a letter page apart (within the perspective's uncertainty), they set the page's
        # vertical place and scale; a sheet found wrongly (a note or another sheet against it)
        # does not.
        tl, tr, br, bl = (_map(to_page, *corner) for corner in sheet.corners)
        paper_top, paper_bottom = (tl[1] + tr[1]) / 2, (bl[1] + br[1]) / 2
        letter_h = _LETTER_HEIGHT_PT * scale
        if abs((paper_bottom - paper_top) / letter_h - 1) <= _PAPER_HEIGHT_SLACK:
            stretch = letter_h / (paper_bottom - paper_top)
            target = [(x, (y - paper_top) * stretch) for x, y in target]
            page_h = letter_h
            to_page = _homography(corners, target)
    to_photo = _homography(target, corners)
    if to_page is None or to_photo is None:
        return None
    # Every long rule carried onto the page and fitted there: its bend is the warp left.
    across = [r for r in (_fit([_map(to_page, *p) for p in c]) for c in inside.across) if r]
    down = [
        r
        for r in (_fit([_map(to_page, *p)[::-1] for p in c]) for c in inside.down)
        if r is not None
    ]
    across.sort(key=lambda r: r.level())
    down.sort(key=lambda r: r.level())
    full_levels = [r.level() for r in across]
    down_levels = [r.level() for r in down]
    size = (round(page_w), round(page_h))
    spans = [
        (rule, level)
        for rule, level in (
            _placed(r, across, full_levels)
            for r in (_fit([_map(to_page, *p) for p in c]) for c in partial)
            if r is not None
        )
        if level is not None
    ]
    # A partial rule's bend beyond its own span: what it adds to the full rules' warp at its
    # ends, carried on unchanged (a fold or a curl bends a row alike along it).
    xs = [*range(0, size[0], _MESH_PX), size[0]]
    rules = list(across)
    levels = list(full_levels)
    for rule, level in spans:
        start, end = rule.points[0][0], rule.points[-1][0]

        def residual(t: float, rule: Rule = rule, level: float = level) -> float:
            return rule.at(t) - _between(across, full_levels, t, level)

        first, last = residual(start), residual(end)
        carried = []
        for x in xs:
            extra = first if x < start else last if x > end else residual(x)
            carried.append((float(x), _between(across, full_levels, x, level) + extra))
        rules.append(Rule(tuple(carried)))
        levels.append(level)
    order = sorted(range(len(rules)), key=lambda k: levels[k])
    rules = [rules[k] for k in order]
    levels = [levels[k] for k in order]

    def source(x: float, y: float) -> tuple[float, float]:
        sx = _between(down, down_levels, y, x)
        sy = _between(rules, levels, sx, y)
        return _map(to_photo, sx, sy)

    ys = [*range(0, size[1], _MESH_PX), size[1]]
    points = {(x, y): source(x, y) for x in xs for y in ys}
    mesh = []
    for x0_, x1_ in pairwise(xs):
        for y0_, y1_ in pairwise(ys):
            nw, sw = points[x0_, y0_], points[x0_, y1_]
            se, ne = points[x1_, y1_], points[x1_, y0_]
            mesh.append(((x0_, y0_, x1_, y1_), (*nw, *sw, *se, *ne)))
    flat = gray.transform(
        size, Image.Transform.MESH, mesh, Image.Resampling.BICUBIC, fillcolor=_WHITE
    )
    converging = max(
        abs(math.degrees(math.atan(left_line[1]) - math.atan(right_line[1]))),
        abs(math.degrees(math.atan(top_line[1]) - math.atan(bottom_line[1]))),
    )
    return Rectified(flat, len(across) + len(spans), width_px / gray.width, converging)
