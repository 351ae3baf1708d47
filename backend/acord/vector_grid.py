"""The ruled grid of a PDF page from its vector paths: exact rules, no pixels.

An ACORD 25 drawn by a program is a grid of stroked lines and thin filled rectangles. Read from
the paths, a rule's position is exact and a light grey rule counts as much as a black one; the
rendered page (pdftext.InkMeter) still answers for pages whose grid is a picture.

PDFium gives the paths: it has the page open already and lists its objects in a millisecond or
two. pdfplumber (pdfminer) gives the same lines and rectangles, but only by interpreting the
whole page again, glyphs included: measured on generated certificates, 60-300 ms a page
against 1-14 ms (README, "Certificate reader").
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# A path this thin (points) drawn filled is a rule, as agency systems draw them; thicker, it is a
# shaded cell or a logo.
RULE_MAX_THICKNESS_PT = 2.0
# Shorter segments are tick-box sides, check marks or letter strokes, not the grid's rules.
RULE_MIN_LENGTH_PT = 6.0
# A segment this far off the horizontal or vertical over its length is a slanted stroke.
STRAIGHT_SLACK_PT = 0.5
# Rules closer than this (points) are one rule drawn twice (a cell's edge and its neighbour's).
SAME_RULE_PT = 1.0
# A rule crosses a band when it covers this share of it, like the rendered test's 90 %.
CROSSING_SHARE = 0.9
# Ink lighter than this grey level (0 black, 255 white) is not a visible rule: the rendered
# test's own level.
VISIBLE_GREY = 200
# A page with fewer rules than this does not have its grid in vector form (a frame around a
# scanned picture, a signature line): the rendered page answers instead.
MIN_RULES = 20
# A path whose segments are more than this share curves is lettering or a drawing, not a grid.
CURVED_SHARE = 0.5
# Form XObjects nest; a cycle in a broken file must not recurse forever.
MAX_FORM_DEPTH = 6

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass
class VectorGrid:
    """Horizontal rules as (y, x0, x1) and vertical rules as (x, top, bottom), in points from
    the page's top-left corner, like every word box."""

    horizontal: list[tuple[float, float, float]] = field(default_factory=list)
    vertical: list[tuple[float, float, float]] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return len(self.horizontal) + len(self.vertical) >= MIN_RULES

    def vertical_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]:
        """x positions of vertical rules crossing the band from `top` to `bottom`."""
        near = [(x, a, b) for x, a, b in self.vertical if x0 <= x <= x1]
        return _crossing(near, top, bottom)

    def horizontal_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]:
        """y positions of horizontal rules running across the band from `x0` to `x1`."""
        near = [(y, a, b) for y, a, b in self.horizontal if top <= y <= bottom]
        return _crossing(near, x0, x1)


def _crossing(rules: list[tuple[float, float, float]], start: float, end: float) -> list[float]:
    """Positions whose rules (pieces at about one position, joined) cover the span."""
    span = end - start
    if span <= 0:
        return []
    found: list[float] = []
    groups: list[list[tuple[float, float, float]]] = []
    for rule in sorted(rules):
        if groups and rule[0] - groups[-1][-1][0] <= SAME_RULE_PT:
            groups[-1].append(rule)
        else:
            groups.append([rule])
    for group in groups:
        pieces = sorted((max(a, start), min(b, end)) for _, a, b in group if b > start and a < end)
        covered, reach = 0.0, start
        for a, b in pieces:
            if b > reach:
                covered += b - max(a, reach)
                reach = b
        if covered >= CROSSING_SHARE * span:
            found.append(sum(r[0] for r in group) / len(group))
    return found


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    oa, ob, oc, od, oe, of = outer
    return (
        a * oa + b * oc,
        a * ob + b * od,
        c * oa + d * oc,
        c * ob + d * od,
        e * oa + f * oc + oe,
        e * ob + f * od + of,
    )


def _matrix(obj: pdfium_c.FPDF_PAGEOBJECT) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _visible(getter: object, obj: pdfium_c.FPDF_PAGEOBJECT) -> bool:
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
    if not getter(  # type: ignore[operator]
        obj, ctypes.byref(red), ctypes.byref(green), ctypes.byref(blue), ctypes.byref(alpha)
    ):
        return True
    grey = 0.299 * red.value + 0.587 * green.value + 0.114 * blue.value
    return alpha.value > 0 and grey < VISIBLE_GREY


def _small(obj: pdfium_c.FPDF_PAGEOBJECT, outer: Matrix) -> bool:
    """Whether the object's box is shorter than a rule both ways: a glyph drawn as outlines,
    a tick box, a logo's detail. Pages whose text is outlines hold thousands of these."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(
        obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)
    ):
        return False
    a, b, c, d, _, _ = outer
    width, height = right.value - left.value, top.value - bottom.value
    # The box's extent once the enclosing forms' matrices are applied.
    wide = abs(a) * width + abs(c) * height
    tall = abs(b) * width + abs(d) * height
    return wide < RULE_MIN_LENGTH_PT and tall < RULE_MIN_LENGTH_PT


def _paths(
    objects: Iterator[pdfium_c.FPDF_PAGEOBJECT], outer: Matrix, depth: int
) -> Iterator[tuple[pdfium_c.FPDF_PAGEOBJECT, Matrix]]:
    for obj in objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            if not _small(obj, outer):
                yield obj, _compose(_matrix(obj), outer)
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
            inner = _compose(_matrix(obj), outer)
            count = pdfium_c.FPDFFormObj_CountObjects(obj)
            children = (pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count))
            yield from _paths(children, inner, depth + 1)


def _points(path: pdfium_c.FPDF_PAGEOBJECT, m: Matrix) -> list[list[tuple[float, float]]]:
    """The path's straight subpaths as lists of page points (curves break a subpath). A path
    mostly of curves (glyphs drawn as outlines, a logo, a signature) has no rules: skipped."""
    count = pdfium_c.FPDFPath_CountSegments(path)
    segments = [pdfium_c.FPDFPath_GetPathSegment(path, i) for i in range(count)]
    kinds = [pdfium_c.FPDFPathSegment_GetType(segment) for segment in segments]
    if kinds.count(pdfium_c.FPDF_SEGMENT_BEZIERTO) > CURVED_SHARE * count:
        return []
    subpaths: list[list[tuple[float, float]]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
    a, b, c, d, e, f = m
    for segment, kind in zip(segments, kinds, strict=True):
        if not pdfium_c.FPDFPathSegment_GetPoint(segment, x_ref, y_ref):
            continue
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and subpaths:
            subpaths[-1].append(point)
        else:
            subpaths.append([point])
        if pdfium_c.FPDFPathSegment_GetClose(segment) and len(subpaths[-1]) > 1:
            subpaths[-1].append(subpaths[-1][0])
    return subpaths


def page_grid(page: pdfium.PdfPage) -> VectorGrid:
    """The rules a viewer draws on the page from its paths (stroked lines and edges, thin
    filled bars), in top-left page points."""
    height = page.get_height()
    grid = VectorGrid()
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    count = pdfium_c.FPDFPage_CountObjects(page.raw)
    top_level = (pdfium_c.FPDFPage_GetObject(page.raw, i) for i in range(count))
    for path, m in _paths(top_level, _IDENTITY, 0):
        if not pdfium_c.FPDFPath_GetDrawMode(path, ctypes.byref(fill_mode), ctypes.byref(stroke)):
            continue
        stroked = bool(stroke.value) and _visible(pdfium_c.FPDFPageObj_GetStrokeColor, path)
        filled = fill_mode.value != 0 and _visible(pdfium_c.FPDFPageObj_GetFillColor, path)
        if not stroked and not filled:
            continue
        for points in _points(path, m):
            if stroked:
                for (ax, ay), (bx, by) in pairwise(points):
                    _add_segment(grid, ax, height - ay, bx, height - by)
            if filled and len(points) >= 3:
                xs, ys = [p[0] for p in points], [height - p[1] for p in points]
                left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
                if right - left <= RULE_MAX_THICKNESS_PT and bottom - top >= RULE_MIN_LENGTH_PT:
                    grid.vertical.append(((left + right) / 2, top, bottom))
                elif bottom - top <= RULE_MAX_THICKNESS_PT and right - left >= RULE_MIN_LENGTH_PT:
                    grid.horizontal.append(((top + bottom) / 2, left, right))
    return grid


def _add_segment(grid: VectorGrid, ax: float, ay: float, bx: float, by: float) -> None:
    if abs(ay - by) <= STRAIGHT_SLACK_PT and abs(bx - ax) >= RULE_MIN_LENGTH_PT:
        grid.horizontal.append(((ay + by) / 2, min(ax, bx), max(ax, bx)))
    elif abs(ax - bx) <= STRAIGHT_SLACK_PT and abs(by - ay) >= RULE_MIN_LENGTH_PT:
        grid.vertical.append(((ax + bx) / 2, min(ay, by), max(ay, by)))
