"""A phone's photograph of a printed certificate lying on a desk, modelled in the order the light
goes: the sheet (curled, sometimes folded in three for an envelope) on a desk with other things
on it, lit unevenly and partly shadowed by the hand or the phone, seen through a phone held at an
angle (a keystone and a twist) and a wide-angle lens (barrel distortion, focus falling off
across the tilted sheet), on a small sensor (noise), saved as a JPEG; now and then the frame
cuts into the sheet's blank margin.

Every parameter is drawn per document from the caller's `random.Random` (noise included), so
the same seed gives the same bytes. Each range below says why real phone photos fall in it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter

Point = tuple[float, float]

# --- framing ---------------------------------------------------------------------------------
# Phone main cameras have 4:3 sensors (4032 x 3024 for 12 megapixels): the frame is 3 wide by
# 4 tall held upright, not the letter page's own 8.5 by 11.
FRAME_ASPECT = 3 / 4
# Height of the sheet's near (bottom) edge to top, as a share of the frame's height: a person
# photographing a page to send it fills the frame but leaves a strip of desk round it.
FILL = (0.8, 0.92)
# The far edge looks shorter than the near one by twice this share of the near edge's width: a
# phone tilted 10-25° back from straight down over the sheet.
KEYSTONE = (0.02, 0.07)
# Each corner lands up to this share of the frame off the ideal trapezium (a hand is not a tripod).
JITTER = 0.012
# The sheet turned in the frame: a phone held by hand is rarely square to the page within a few
# degrees.
TWIST_DEGREES = 4.0
# The least desk left on any side (share of the frame) when the page is not cropped.
LEAST_MARGIN = 0.015
# One photo in five cuts into the sheet's blank margin on one side: the form's outer rule lies
# 18 pt in from the paper's edge, and a hurried photo loses up to 10 pt of that margin.
CROP_SHARE = 0.2
CROP_POINTS = (3.0, 10.0)
PAGE_WIDTH_PT = 612.0

# --- the sheet's shape -----------------------------------------------------------------------
# Camera height over the desk, in page heights: a 26 mm-equivalent lens (67° across the long
# side of a 4:3 frame) sees a letter page fill 80-92 % of the frame from 0.8-1.0 page heights.
CAMERA_DISTANCE = (0.8, 1.0)
# A sheet's curl, as the height its edge lifts in page heights: 0.4-2.5 % of 11 in is 1-7 mm,
# what a sheet fresh from a laser printer's fuser or out of a folder shows on a desk.
CURL_HEIGHT = (0.004, 0.025)
# The share of the sheet across its middle that lies flat on the desk.
CURL_FLAT = (0.2, 0.6)
# Two photos in five show a sheet folded in three for a #10 envelope (creases at a third and two
# thirds of its height), opened out: each crease stands 1-3 mm (a ridge or a valley).
FOLD_SHARE = 0.4
FOLD_HEIGHT = (0.003, 0.01)
# A crease's two facets face the light differently: one is up to a tenth darker; the crease
# itself is a line a few hundredths of an inch wide, up to a fifth darker still.
FOLD_FACET_SHADE = (0.02, 0.1)
FOLD_CREASE_SHADE = (0.05, 0.2)
FOLD_CREASE_INCH = 0.02
# Phones correct their lens in software; what remains is barrel distortion of up to 2 % at the
# frame's corner (r_d = r (1 - k r^2), r the share of the half-diagonal).
BARREL = (0.0, 0.02)
# The warp is applied as a mesh of cells this many frame pixels wide: the strongest bend (a 2.5 %
# curl over 40 % of the page) leaves a cell's straight-edged quadrilateral within a fifth of a
# pixel of the true warp, and fewer cells keep the photo's making under a second.
MESH_PX = 48
# Iterations of the inverse of the lens and the relief (each displacement is a few % of the
# distance to the centre, so each iteration gains about two digits).
INVERSE_STEPS = 4

# --- light -------------------------------------------------------------------------------------
# Light falling off away from its brightest spot: 20-40 % lost at a corner's distance (a desk
# lamp or a window to one side; vignetting of a phone lens alone is about 15-25 %).
FALLOFF = (0.2, 0.4)
# A desk's colours under the page (oak, walnut, grey laminate, white laminate), RGB.
DESKS = ((150, 110, 70), (90, 60, 40), (120, 120, 115), (200, 195, 185))
# A desk's grain or pattern varies its shade by up to this share.
DESK_GRAIN = 0.12
# The light's colour, as each channel's share: daylight, office tubes, a warm desk lamp.
LIGHTS = ((1.0, 1.0, 1.0), (0.97, 1.0, 0.97), (1.0, 0.93, 0.8))
# Half the photos carry the shadow of the hand or phone over part of the sheet: it blocks the
# main light and leaves the room's ambient light, 60-85 % of indoor light on a desk.
SHADOW_SHARE = 0.5
SHADOW_DEPTH = (0.15, 0.4)
# Its edge is soft: a hand 20-40 cm over the sheet under a lamp of some size throws a penumbra
# 2-6 % of the frame wide.
SHADOW_SOFTNESS = (0.02, 0.06)
# How far in from the frame's edge the shadow reaches, as a share of the frame.
SHADOW_REACH = (0.1, 0.35)

# --- lens, sensor, file --------------------------------------------------------------------
# Focus set on the middle of the tilted sheet. In focus, a phone's picture brought down by the
# messaging app is soft by a Gaussian of 0.6-1.2 pixels (lens, demosaicing and denoising, a
# little hand shake).
BLUR_NEAR = (0.6, 1.2)
# Away from the middle the sheet leaves the plane of focus: its far edge is farther from the
# lens and its near edge nearer, by the share the keystone shows (the far edge looks shorter in
# the ratio of the two distances). A point at distance d, the focus at s, is blurred into a disk
# that, carried back onto the sheet, is A |d - s| / d across, A the lens's entrance pupil: phone
# main cameras have focal lengths of 4.2-6.9 mm at f/1.5-1.9, a pupil of 2.3-4.6 mm. A uniform
# disk of diameter c spreads like a Gaussian of standard deviation c / 4; it adds to the in-focus
# blur in quadrature (blurs convolve). At the sheet's 23-28 cm and a keystone of 2-7 % this is
# 0.1-0.7 pixels at the far edge: a phone's depth of field holds a tilted page nearly sharp.
APERTURE_MM = (2.3, 4.6)
PAGE_HEIGHT_MM = 279.4
_DISK_SIGMA_PER_DIAMETER = 0.25
# Sensor noise left after the phone's denoising, standard deviation in grey levels: indoor
# shots at ISO 200-800.
NOISE_SIGMA = (1.5, 5.0)
# Noise is drawn as a square tile this wide and laid over the frame at random offsets per
# channel (a tile of independent pixels is noise at every scale OCR looks at).
NOISE_TILE_PX = 1024
# The spread of the mean of two uniform bytes (a triangular distribution): 255 / sqrt(24).
_TRIANGULAR_SIGMA = 255 / math.sqrt(24)
# JPEG quality: a phone saves at 90-95, a messaging app recompresses at 70-85.
JPEG_QUALITY = (70, 92)

# --- clutter ---------------------------------------------------------------------------------
# Things on a desk beside the sheet: up to three of a pen, another sheet of paper, a phone or
# mug, a sticky note, the edge of a keyboard; drawn under the sheet, sticking out round it.
CLUTTER_MOST = 3
CLUTTER_KINDS = ("pen", "paper", "dark", "note", "keyboard")
PEN_INKS = ((20, 30, 90), (25, 25, 25), (160, 30, 30))
NOTE_COLOURS = ((245, 230, 110), (250, 190, 200), (170, 220, 240))
_WHITE = 255
# A blur under a twentieth of a pixel wider than the in-focus one is not worth a second filter.
_LEAST_BLUR_STEP = 0.05


@dataclass(frozen=True)
class Shape:
    """The sheet's relief: z (in page heights) as a function of its position (shares)."""

    curl_axis: str  # "across": left and right edges lift; "down": top and bottom lift
    curl_height: float
    curl_flat: float
    curl_edges: tuple[bool, bool]  # whether the low / high edge lifts
    folds: tuple[tuple[float, float], ...]  # (position as share of height, signed height)

    def height(self, s: float, t: float) -> float:
        along = s if self.curl_axis == "across" else t
        off = 2 * along - 1
        lifts = self.curl_edges[1] if off > 0 else self.curl_edges[0]
        z = 0.0
        if lifts and abs(off) > self.curl_flat:
            z += self.curl_height * ((abs(off) - self.curl_flat) / (1 - self.curl_flat)) ** 2
        for place, rise in self.folds:
            # A ridge (or valley) a sixth of the page wide each side of the crease.
            tent = max(0.0, 1 - abs(t - place) * 6)
            z += rise * tent if rise > 0 else -rise * (1 - tent)
        return z


@dataclass(frozen=True)
class Shot:
    frame: tuple[int, int]
    quad: tuple[Point, ...]  # where the flat page's corners land (frame pixels), TL TR BR BL
    twist: float
    distance: float
    barrel: float
    shape: Shape
    crop: tuple[str, float] | None

    def describe(self) -> dict[str, Any]:
        fw, fh = self.frame
        return {
            "corners": [[round(x / fw, 3), round(y / fh, 3)] for x, y in self.quad],
            "twist_degrees": round(self.twist, 2),
            "camera_distance": round(self.distance, 3),
            "barrel": round(self.barrel, 4),
            "curl": {
                "axis": self.shape.curl_axis,
                "height": round(self.shape.curl_height, 4),
                "edges": list(self.shape.curl_edges),
            },
            "folds": [[round(p, 3), round(h, 4)] for p, h in self.shape.folds],
            "cropped": None
            if self.crop is None
            else {"side": self.crop[0], "points": round(self.crop[1], 1)},
        }


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    size = len(rhs)
    rows = [[*row, value] for row, value in zip(matrix, rhs, strict=True)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][size] / rows[i][i] for i in range(size)]


def homography(source: list[Point], target: list[Point]) -> list[float]:
    """Coefficients (a..h) of the map sending each `source` point to its `target` point."""
    matrix: list[list[float]] = []
    rhs: list[float] = []
    for (x, y), (u, v) in zip(source, target, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    return _solve(matrix, rhs)


def _apply(h: list[float], x: float, y: float) -> Point:
    a, b, c, d, e, f, g, k = h
    w = g * x + k * y + 1
    return (a * x + b * y + c) / w, (d * x + e * y + f) / w


def choose_shot(rng: random.Random, long_side: int) -> Shot:
    frame = (round(long_side * FRAME_ASPECT), long_side)
    fw, fh = frame
    fill = rng.uniform(*FILL)
    keystone = rng.uniform(*KEYSTONE)
    height = fill * fh
    near = height * PAGE_WIDTH_PT / 792
    far = near * (1 - 2 * keystone)
    shape = [(-far / 2, -height / 2), (far / 2, -height / 2), (near / 2, height / 2)]
    shape.append((-near / 2, height / 2))
    twist = rng.uniform(-TWIST_DEGREES, TWIST_DEGREES)
    cos, sin = math.cos(math.radians(twist)), math.sin(math.radians(twist))
    corners = []
    for x, y in shape:
        jx, jy = rng.uniform(-JITTER, JITTER) * fw, rng.uniform(-JITTER, JITTER) * fh
        corners.append((x * cos - y * sin + jx, x * sin + y * cos + jy))
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    room = min(
        (fw * (1 - 2 * LEAST_MARGIN)) / (max(xs) - min(xs)),
        (fh * (1 - 2 * LEAST_MARGIN)) / (max(ys) - min(ys)),
        1.0,
    )
    corners = [(x * room, y * room) for x, y in corners]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    slack_x = fw - (max(xs) - min(xs))
    slack_y = fh - (max(ys) - min(ys))
    dx = -min(xs) + slack_x * rng.uniform(0.3, 0.7)
    dy = -min(ys) + slack_y * rng.uniform(0.3, 0.7)
    quad = [(x + dx, y + dy) for x, y in corners]
    crop: tuple[str, float] | None = None
    if rng.random() < CROP_SHARE:
        side = rng.choice(("left", "right", "top", "bottom"))
        points = rng.uniform(*CROP_POINTS)
        crop = (side, points)
        cut = points * near * room / PAGE_WIDTH_PT
        xs, ys = [c[0] for c in quad], [c[1] for c in quad]
        shift = {
            "left": (-(min(xs) + cut), 0.0),
            "right": (fw - max(xs) + cut, 0.0),
            "top": (0.0, -(min(ys) + cut)),
            "bottom": (0.0, fh - max(ys) + cut),
        }[side]
        quad = [(x + shift[0], y + shift[1]) for x, y in quad]
    folds: list[tuple[float, float]] = []
    if rng.random() < FOLD_SHARE:
        for place in (1 / 3, 2 / 3):
            folds.append((place, rng.uniform(*FOLD_HEIGHT) * rng.choice((-1, 1))))
    relief = Shape(
        curl_axis=rng.choice(("across", "down")),
        curl_height=rng.uniform(*CURL_HEIGHT),
        curl_flat=rng.uniform(*CURL_FLAT),
        curl_edges=rng.choice(((True, True), (True, False), (False, True))),
        folds=tuple(folds),
    )
    return Shot(
        frame=frame,
        quad=tuple(quad),
        twist=twist,
        distance=rng.uniform(*CAMERA_DISTANCE),
        barrel=rng.uniform(*BARREL),
        shape=relief,
        crop=crop,
    )


def _frame_to_page(shot: Shot, page_size: tuple[int, int]) -> Any:
    """The map from a frame pixel to the page pixel seen there (lens and relief undone)."""
    pw, ph = page_size
    fw, fh = shot.frame
    cx, cy = fw / 2, fh / 2
    half_diagonal_sq = cx * cx + cy * cy
    corners = [(0.0, 0.0), (float(pw), 0.0), (float(pw), float(ph)), (0.0, float(ph))]
    to_page = homography(list(shot.quad), corners)

    def inverse(x: float, y: float) -> Point:
        # The lens: r_d = r (1 - k r^2), undone by fixed-point iteration.
        ox, oy = x - cx, y - cy
        r_d2 = (ox * ox + oy * oy) / half_diagonal_sq
        scale = 1.0
        for _ in range(INVERSE_STEPS):
            scale = 1 / (1 - shot.barrel * r_d2 * scale * scale)
        ox, oy = ox * scale, oy * scale
        # The relief: a point z above the desk is seen (D / (D - z)) further from the centre.
        u, v = _apply(to_page, cx + ox, cy + oy)
        for _ in range(INVERSE_STEPS):
            z = shot.shape.height(min(max(u / pw, 0.0), 1.0), min(max(v / ph, 0.0), 1.0))
            shrink = (shot.distance - z) / shot.distance
            u, v = _apply(to_page, cx + ox * shrink, cy + oy * shrink)
        return u, v

    return inverse


Mesh = list[tuple[tuple[int, ...], tuple[float, ...]]]


def _mesh(shot: Shot, page_size: tuple[int, int]) -> Mesh:
    fw, fh = shot.frame
    inverse = _frame_to_page(shot, page_size)
    xs = [*range(0, fw, MESH_PX), fw]
    ys = [*range(0, fh, MESH_PX), fh]
    points = {(x, y): inverse(x, y) for x in xs for y in ys}
    mesh: Mesh = []
    for x0, x1 in pairwise(xs):
        for y0, y1 in pairwise(ys):
            nw, sw, se, ne = points[x0, y0], points[x0, y1], points[x1, y1], points[x1, y0]
            mesh.append(((x0, y0, x1, y1), (*nw, *sw, *se, *ne)))
    return mesh


def _fold_shading(rng: random.Random, shot: Shot, page: Image.Image, dpi: float) -> Image.Image:
    """The folded sheet's facets lit differently and its creases darker, on the flat page."""
    if not shot.shape.folds:
        return page
    height = page.height
    shade = [1.0] * height
    crease = max(1, round(FOLD_CREASE_INCH * dpi))
    for place, _rise in shot.shape.folds:
        row = round(place * height)
        facet = rng.uniform(*FOLD_FACET_SHADE)
        # The facet below or above the crease faces away from the light.
        rows = range(row, height) if rng.random() < 0.5 else range(row)
        for y in rows:
            shade[y] *= 1 - facet
        dark = rng.uniform(*FOLD_CREASE_SHADE)
        for y in range(max(row - crease, 0), min(row + crease + 1, height)):
            shade[y] *= 1 - dark * (1 - abs(y - row) / (crease + 1))
    column = Image.new("L", (1, height))
    column.putdata([round(_WHITE * s) for s in shade])
    light = column.resize(page.size, Image.Resampling.NEAREST)
    return ImageChops.multiply(page, Image.merge("RGB", [light] * 3))


def _desk(rng: random.Random, size: tuple[int, int], colour: tuple[int, int, int]) -> Image.Image:
    """The desk's colour with a grain: streaks along its length, smooth over many pixels."""
    grain = Image.frombytes("L", (8, 64), rng.randbytes(8 * 64))
    grain = grain.resize(size, Image.Resampling.BICUBIC)
    lows = grain.point(lambda v: round(_WHITE * (1 - DESK_GRAIN * v / _WHITE)))
    desk = Image.new("RGB", size, colour)
    return ImageChops.multiply(desk, Image.merge("RGB", [lows] * 3))


def _rotated_box(cx: float, cy: float, w: float, h: float, degrees: float) -> list[Point]:
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    box = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in box]


def _clutter(rng: random.Random, desk: Image.Image, quad: tuple[Point, ...]) -> list[str]:
    """Up to three things on the desk, each centred by one edge of the sheet, partly under it."""
    draw = ImageDraw.Draw(desk)
    fw, fh = desk.size
    kinds = []
    xs, ys = [c[0] for c in quad], [c[1] for c in quad]
    for _ in range(rng.randint(0, CLUTTER_MOST)):
        kind = rng.choice(CLUTTER_KINDS)
        kinds.append(kind)
        side = rng.choice(("left", "right", "top", "bottom"))
        along = rng.uniform(0.1, 0.9)
        # Centred from 6 % of the frame outside the sheet's edge to 2 % under it.
        inward = rng.uniform(-0.06, 0.02) * (1 if side in ("left", "top") else -1)
        if side in ("left", "right"):
            edge = min(xs) if side == "left" else max(xs)
            cx, cy = edge + inward * fw, along * fh
        else:
            edge = min(ys) if side == "top" else max(ys)
            cx, cy = along * fw, edge + inward * fh
        angle = rng.uniform(0, 180)
        if kind == "pen":
            box = _rotated_box(cx, cy, 0.4 * fw, 0.018 * fw, angle)
            draw.polygon(box, fill=rng.choice(PEN_INKS))
        elif kind == "paper":
            box = _rotated_box(cx, cy, 0.6 * fw, 0.75 * fw, rng.uniform(-20, 20))
            tone = rng.randint(215, 240)
            draw.polygon(box, fill=(tone, tone, tone - rng.randint(0, 15)))
        elif kind == "dark":
            r = rng.uniform(0.08, 0.14) * fw
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(rng.randint(20, 70),) * 3)
        elif kind == "note":
            box = _rotated_box(cx, cy, 0.2 * fw, 0.2 * fw, rng.uniform(-25, 25))
            draw.polygon(box, fill=rng.choice(NOTE_COLOURS))
        else:
            box = _rotated_box(cx, cy, 0.9 * fw, 0.22 * fw, rng.uniform(-8, 8))
            draw.polygon(box, fill=(rng.randint(30, 60),) * 3)
    return kinds


def _shadow(rng: random.Random, frame: Image.Image) -> dict[str, Any] | None:
    if rng.random() >= SHADOW_SHARE:
        return None
    fw, fh = frame.size
    side = rng.choice(("left", "right", "top", "bottom"))
    depth = rng.uniform(*SHADOW_DEPTH)
    soft = rng.uniform(*SHADOW_SOFTNESS)
    reach = rng.uniform(*SHADOW_REACH)
    small_w, small_h = max(fw // 8, 1), max(fh // 8, 1)
    mask = Image.new("L", (small_w, small_h), _WHITE)
    draw = ImageDraw.Draw(mask)
    along = rng.uniform(0.2, 0.8)
    # A hand's or phone's shadow: a broad blob coming in from the frame's edge.
    span = rng.uniform(0.3, 0.6)
    if side in ("left", "right"):
        inward = reach * small_w
        x_edge = 0 if side == "left" else small_w
        x0, x1 = (x_edge - inward, x_edge + inward)
        y0, y1 = ((along - span / 2) * small_h, (along + span / 2) * small_h)
    else:
        inward = reach * small_h
        y_edge = 0 if side == "top" else small_h
        y0, y1 = (y_edge - inward, y_edge + inward)
        x0, x1 = ((along - span / 2) * small_w, (along + span / 2) * small_w)
    draw.ellipse((x0, y0, x1, y1), fill=round(_WHITE * (1 - depth)))
    mask = mask.filter(ImageFilter.GaussianBlur(soft * max(small_w, small_h)))
    mask = mask.resize(frame.size, Image.Resampling.BILINEAR)
    frame.paste(ImageChops.multiply(frame, Image.merge("RGB", [mask] * 3)))
    return {"side": side, "depth": round(depth, 3), "reach": round(reach, 3)}


def defocus(shot: Shot, in_focus: float, aperture_mm: float) -> tuple[float, float]:
    """The blur (Gaussian standard deviation, frame pixels) at the sheet's far (top) and near
    (bottom) edges, the focus on its middle: the in-focus blur and the defocus disk's in
    quadrature."""
    tl, tr, br, bl = shot.quad
    far_width, near_width = math.dist(tl, tr), math.dist(bl, br)
    # The far and near edges' distances, s (1 + d) and s (1 - d), stand in the ratio of the
    # widths they are seen at.
    ratio = far_width / near_width
    share = (1 - ratio) / (1 + ratio)
    height_px = (math.dist(tl, bl) + math.dist(tr, br)) / 2
    px_per_mm = height_px / PAGE_HEIGHT_MM
    sigmas = []
    for off in (share / (1 + share), share / (1 - share)):
        disk = aperture_mm * abs(off) * px_per_mm
        sigmas.append(math.hypot(in_focus, _DISK_SIGMA_PER_DIAMETER * disk))
    return sigmas[0], sigmas[1]


def _focus(frame: Image.Image, shot: Shot, in_focus: float, far: float, near: float) -> Image.Image:
    """The frame blurred by `in_focus` across the sheet's middle, growing to `far` at its top
    edge and to `near` at its bottom edge (the defocus grows about linearly with the distance
    from the plane of focus)."""
    sharp = frame.filter(ImageFilter.GaussianBlur(in_focus))
    ys = [y for _, y in shot.quad]
    top, bottom = (ys[0] + ys[1]) / 2, (ys[2] + ys[3]) / 2
    middle, half = (top + bottom) / 2, max((bottom - top) / 2, 1.0)
    for sigma, above in ((far, True), (near, False)):
        if sigma - in_focus < _LEAST_BLUR_STEP:
            continue
        soft = frame.filter(ImageFilter.GaussianBlur(sigma))
        weights = [
            round(_WHITE * min(max((middle - y if above else y - middle) / half, 0.0), 1.0))
            for y in range(frame.height)
        ]
        column = Image.new("L", (1, frame.height))
        column.putdata(weights)
        sharp = Image.composite(soft, sharp, column.resize(frame.size, Image.Resampling.NEAREST))
    return sharp


def _noise(rng: random.Random, frame: Image.Image, sigma: float) -> Image.Image:
    """Independent noise per channel, near-Gaussian (the mean of two uniform draws)."""
    fw, fh = frame.size
    tile_px = NOISE_TILE_PX
    gain = sigma / _TRIANGULAR_SIGMA
    channels = []
    for channel in frame.split():
        one = Image.frombytes("L", (tile_px, tile_px), rng.randbytes(tile_px * tile_px))
        two = Image.frombytes("L", (tile_px, tile_px), rng.randbytes(tile_px * tile_px))
        tile = Image.blend(one, two, 0.5).point(lambda v: round(128 + (v - 128) * gain))
        layer = Image.new("L", (fw, fh))
        ox, oy = rng.randrange(tile_px), rng.randrange(tile_px)
        for y in range(-oy, fh, tile_px):
            for x in range(-ox, fw, tile_px):
                layer.paste(tile, (x, y))
        channels.append(ImageChops.add(channel, layer, 1.0, -128))
    return Image.merge("RGB", channels)


def photograph(
    rng: random.Random,
    page: Image.Image,
    dpi: float,
    shot: Shot,
    light: tuple[float, tuple[float, float], tuple[float, float, float]],
) -> tuple[Image.Image, dict[str, Any]]:
    """The photo of `page` (RGB, rendered at `dpi`) as `shot` frames it; what was drawn."""
    from fixturegen.scan import light_unevenly

    falloff, light_from, tint = light
    page = _fold_shading(rng, shot, page, dpi)
    mesh = _mesh(shot, page.size)
    sheet = page.transform(shot.frame, Image.Transform.MESH, mesh, Image.Resampling.BICUBIC)
    paper = Image.new("L", page.size, _WHITE).transform(
        shot.frame, Image.Transform.MESH, mesh, Image.Resampling.BILINEAR, fillcolor=0
    )
    desk_colour = rng.choice(DESKS)
    scene = _desk(rng, shot.frame, desk_colour)
    clutter = _clutter(rng, scene, shot.quad)
    scene.paste(sheet, (0, 0), paper)
    lit = light_unevenly(scene, falloff, light_from, tint)
    shadow = _shadow(rng, lit)
    in_focus = rng.uniform(*BLUR_NEAR)
    aperture = rng.uniform(*APERTURE_MM)
    # The keystone's short edge is the far one: the top, as the quad is drawn.
    far, near = defocus(shot, in_focus, aperture)
    focused = _focus(lit, shot, in_focus, far, near)
    sigma = rng.uniform(*NOISE_SIGMA)
    shot_image = _noise(rng, focused, sigma)
    notes = shot.describe() | {
        "desk": list(desk_colour),
        "clutter": clutter,
        "shadow": shadow,
        "blur_radius": round(in_focus, 2),
        "blur_far": round(far, 2),
        "blur_near_edge": round(near, 2),
        "aperture_mm": round(aperture, 2),
        "noise_sigma": round(sigma, 2),
    }
    return shot_image, notes
