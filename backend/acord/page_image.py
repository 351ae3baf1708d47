"""A scan or photo made ready for OCR: grey, evenly lit, its lines of text running across, level,
at about 265 dpi for a letter page.

Whether a page is upside down takes reading (ocr.upside_down); everything here is measured on
the pixels: a quarter turn from the way the text lines run, the skew from the same projection
profiles, uneven light from the paper's brightness around the text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from PIL import Image, ImageFilter, ImageMath, ImageOps

from backend.acord.page_dewarp import rectify
from backend.acord.page_quad import desk_sides, find_sheet, flatten, lies_on_desk

# Longest side of a page image for OCR: about 265 dpi on a letter page. Scans of 150-200 dpi are
# scaled up to it (small print reads better), larger photos down (Tesseract's time grows with
# the pixels; 300 dpi read no better on the generated scans and took a quarter longer).
OCR_LONGEST_SIDE = 2900

# Paper whose brightness spreads over more grey levels than this, text aside, is lit unevenly.
_UNEVEN_LIGHT = 40
# A page whose text profile across is this many times weaker than down is lying on its side.
_SIDEWAYS_RATIO = 2.0
# The light is measured on the page brought down to about 200 pixels across its short side
# (the light changes over inches, not letters), ...
_LIGHT_SAMPLE_PX: Final = 200
# ... as the brightest pixel within 5 sample pixels (about 40 page pixels, a gap between two
# lines of print, so each window holds paper), smoothed over 2 sample pixels.
_PAPER_WINDOW_PX: Final = 5
_PAPER_BLUR_PX: Final = 2
# The paper's spread of brightness is measured between its 5 % and 95 % levels (the brightest
# and darkest corners of the sheet, a few stray pixels aside).
_PAPER_LOW: Final = 0.05
_PAPER_HIGH: Final = 0.95
_WHITE: Final = 255
# The text lines' direction and skew are measured on the page brought down to 500 pixels
# across: a line of print is still a line at that size, and a turn of it costs little.
_INK_SAMPLE_PX: Final = 500
# Darker than this (of 255) on that sample is ink: print, mid-grey once brought down.
_INK_SAMPLE_LEVEL: Final = 150
# Whether the lines run across or down is told at whole degrees up to 4° of skew (a scanner's
# or photographer's skew; half a degree off, lines 500 pixels long still read as lines).
_SIDEWAYS_SKEW_DEG: Final = 4
# The skew is searched in half degrees up to 5° (scans and photos are skewed less), then in
# tenths around the best; under 0.15° it is left alone (a turn blurs more than it helps).
_SKEW_RANGE_DEG: Final = 5
_SKEW_STEPS_PER_DEG: Final = 2
_FINE_STEPS_PER_DEG: Final = 10
_FINE_STEPS: Final = 5
_LEAST_SKEW_DEG: Final = 0.15
# An image within this of the OCR size is used as it is (a resampling blurs for nothing).
_SIZE_SLACK_LOW: Final = 0.9
_SIZE_SLACK_HIGH: Final = 1.05
# A picture with desk along two of its edges may be a sheet on a desk with things against it;
# its form (border to border) then spans at most 85 % of its width: a page filling the frame
# spans 94 % (576 of 612 pt), a sheet photographed with desk round it less ...
_SOME_DESK_SIDES: Final = 2
_FORM_IN_FRAME_SHARE: Final = 0.85
# ... or its form's borders (or its outermost rules across) converge, as only a perspective
# makes them: a scanner images the page straight down, so they stay parallel (within a tenth of
# a degree as traced over a page), where a phone held a few degrees off square over the sheet
# (a keystone of 2 %, the far edge 4 % shorter) makes its borders meet at about 2°. A sheet
# framed tightly, its form across 85-90 % of the frame, is still pulled flat.
_PERSPECTIVE_DEG: Final = 0.5
# A rotation's cosine and sine rounded to 15 digits, as Pillow's own rotate() does, so a
# turn made in two bands gives its pixels exactly.
_MATRIX_DIGITS: Final = 15


@dataclass
class PreparedPage:
    image: Image.Image
    quarter_turned: bool  # the page was turned 90° (its width is the file's page height)
    skew_degrees: float
    flattened: bool = False  # a photographed sheet pulled back to its rectangle
    # A sheet photographed on a desk whose ruled grid was not found: flattened by its paper's
    # corners alone (or not at all), so its rows and columns may still bend (the reader warns).
    grid_missing: bool = False


def upright_gray(image: Image.Image) -> Image.Image:
    """Grey, turned as the EXIF orientation of a photo says."""
    image = ImageOps.exif_transpose(image) or image
    return image if image.mode == "L" else image.convert("L")


def even_lighting(gray: Image.Image) -> Image.Image:
    """The page divided by its paper's brightness when a photo lights it unevenly, so one ink
    level separates print from paper everywhere; an evenly lit scan is returned as it is."""
    factor = max(min(gray.size) // _LIGHT_SAMPLE_PX, 1)
    small = gray.reduce(factor) if factor > 1 else gray
    # The brightest pixel around each point is paper.
    paper = small.filter(ImageFilter.MaxFilter(_PAPER_WINDOW_PX)).filter(
        ImageFilter.GaussianBlur(_PAPER_BLUR_PX)
    )
    histogram = paper.histogram()
    spread = _percentile(histogram, _PAPER_HIGH) - _percentile(histogram, _PAPER_LOW)
    if spread < _UNEVEN_LIGHT:
        return gray
    light = paper.resize(gray.size, Image.Resampling.BILINEAR)
    flat = ImageMath.lambda_eval(
        lambda m: m["convert"](
            m["min"](
                m["float"](m["page"]) * float(_WHITE) / m["max"](m["float"](m["light"]), 1.0),
                _WHITE,
            ),
            "L",
        ),
        page=gray,
        light=light,
    )
    assert isinstance(flat, Image.Image)
    return flat


def _percentile(histogram: list[int], share: float) -> int:
    total = sum(histogram)
    running = 0
    for level, count in enumerate(histogram):
        running += count
        if running >= share * total:
            return level
    return len(histogram) - 1


def _ink_sample(gray: Image.Image) -> Image.Image:
    """Ink as white on black, 500 pixels across: text lines stay lines at that size."""
    factor = max(gray.width / _INK_SAMPLE_PX, 1.0)
    small = gray.resize(
        (int(gray.width / factor), int(gray.height / factor)), Image.Resampling.BILINEAR
    )
    return small.point(lambda p: _WHITE if p < _INK_SAMPLE_LEVEL else 0)


def _line_score(ink: Image.Image, angle: float) -> float:
    """How sharply the rows alternate between ink and paper once turned by `angle`: highest
    when the text lines run exactly across. Per row, so a page and its quarter turn compare."""
    # Nearest-pixel turns are six times faster and keep the lines.
    turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
    profile = turned.resize((1, turned.height), Image.Resampling.BOX).tobytes()
    return sum((a - b) ** 2 for a, b in pairwise(profile)) / max(turned.height, 1)


def lies_sideways(gray: Image.Image) -> bool:
    """Whether the text lines run down the image (a page photographed or scanned on its side)."""
    ink = _ink_sample(gray)
    angles = range(-_SIDEWAYS_SKEW_DEG, _SIDEWAYS_SKEW_DEG + 1)
    across = max(_line_score(ink, a) for a in angles)
    down_ink = ink.transpose(Image.Transpose.ROTATE_90)
    down = max(_line_score(down_ink, a) for a in angles)
    return down > _SIDEWAYS_RATIO * across


def estimate_skew(image: Image.Image) -> float:
    """Angle in degrees that straightens the text lines (projection-profile search)."""
    ink = _ink_sample(image if image.mode == "L" else image.convert("L"))
    steps = _SKEW_RANGE_DEG * _SKEW_STEPS_PER_DEG
    coarse = (a / _SKEW_STEPS_PER_DEG for a in range(-steps, steps + 1))
    best = max(coarse, key=lambda a: _line_score(ink, a))
    fine = max(
        (best + a / _FINE_STEPS_PER_DEG for a in range(-_FINE_STEPS, _FINE_STEPS + 1)),
        key=lambda a: _line_score(ink, a),
    )
    return fine if abs(fine) >= _LEAST_SKEW_DEG else 0.0


def scale_factor(size: tuple[int, int], longest: int | None) -> float:
    """1.0 when the image is near enough the OCR size (or none is asked for)."""
    if longest is None:
        return 1.0
    current = max(size)
    if longest * _SIZE_SLACK_LOW <= current <= longest * _SIZE_SLACK_HIGH:
        return 1.0
    return longest / current


def _in_two_bands(size: tuple[int, int], band: Callable[[int, int], Image.Image]) -> Image.Image:
    """An image made as its upper and lower rows at once: Pillow lets go of the GIL while it
    resamples, so the two halves of a page-sized turn take the two cores."""
    cut = size[1] // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        upper, lower = pool.map(lambda rows: band(*rows), ((0, cut), (cut, size[1])))
    whole = Image.new("L", size)
    whole.paste(upper, (0, 0))
    whole.paste(lower, (0, cut))
    return whole


def _resize(image: Image.Image, factor: float) -> Image.Image:
    if factor == 1.0:
        return image
    # One piece: resizing two bands of rows (Pillow's `box`) moves a twentieth of the pixels
    # by a grey level, and that read 2% of the fields worse on the bench scans.
    size = (int(image.width * factor), int(image.height * factor))
    return image.resize(size, Image.Resampling.LANCZOS)


def _rotate(image: Image.Image, degrees: float) -> Image.Image:
    """The same pixels as `image.rotate(degrees, BICUBIC, fillcolor=255)` about the centre,
    made in two bands of rows."""
    radians = -math.radians(degrees)
    a, b = round(math.cos(radians), _MATRIX_DIGITS), round(math.sin(radians), _MATRIX_DIGITS)
    d, e = -b, a
    cx, cy = image.width / 2.0, image.height / 2.0
    c = cx - a * cx - b * cy
    f = cy - d * cx - e * cy

    def rows(start: int, end: int) -> Image.Image:
        # Output row y of the band is row start + y of the page.
        matrix = (a, b, c + b * start, d, e, f + e * start)
        return image.transform(
            (image.width, end - start),
            Image.Transform.AFFINE,
            matrix,
            Image.Resampling.BICUBIC,
            fillcolor=_WHITE,
        )

    return _in_two_bands(image.size, rows)


def prepare_page(image: Image.Image, longest: int | None = OCR_LONGEST_SIDE) -> PreparedPage:
    """Grey, evenly lit, text lines across, level, scaled so its longest side is `longest`
    (None: as it is). Upside down is left to the reading (ocr.upside_down)."""
    gray = upright_gray(image)
    factor = scale_factor(gray.size, longest)
    if factor < 1.0:
        # A large photo is brought down first: every later step costs its pixels (the light
        # correction works in floating point, four bytes a pixel).
        gray = _resize(gray, factor)
    sheet = find_sheet(gray)
    rectified = None
    on_desk = sheet is not None or lies_on_desk(gray)
    if not on_desk and desk_sides(gray) >= _SOME_DESK_SIDES:
        # Another sheet or a note against the sheet may hide the desk along an edge or two:
        # a form found well inside the frame is still a sheet on a desk (a page that fills
        # the frame puts its borders near the frame's edges).
        found = rectify(gray, None)
        on_desk = found is not None and (
            found.form_share <= _FORM_IN_FRAME_SHARE or found.converging_deg >= _PERSPECTIVE_DEG
        )
        # Without the sheet's corners, the grid's own page is the one made below.
        rectified = found if on_desk else None
    if on_desk:
        # A photographed sheet on a desk: pulled flat from the form's own ruled grid (its
        # perspective, curl, folds and the lens's bend), or when the grid is not found,
        # flattened to its paper's corners; then scaled as that page needs (it is smaller
        # than the photo around it).
        if rectified is None:
            rectified = rectify(gray, sheet)
        if rectified is not None:
            gray = rectified.image
        elif sheet is not None:
            gray = flatten(gray, sheet)
        factor = scale_factor(gray.size, longest)
        if factor < 1.0:
            gray = _resize(gray, factor)
    gray = even_lighting(gray)
    # A page made from its ruled grid has its rules across running across and level: its
    # print is not measured again for which way it runs (a strong grid and a shadow can tip
    # that measure) nor for skew.
    turned = rectified is None and lies_sideways(gray)
    if turned:
        gray = gray.transpose(Image.Transpose.ROTATE_90)
    if factor > 1.0:
        gray = _resize(gray, factor)
    angle = estimate_skew(gray) if rectified is None else 0.0
    if angle != 0.0:
        # Turned at the OCR size, after scaling up: turning a 150 dpi scan and then scaling it
        # read 1.3% of the fields worse on 60 generated scans (the turn blurs at the pixel size).
        gray = _rotate(gray, angle)
    photographed = rectified is not None or sheet is not None
    return PreparedPage(gray, turned, angle, photographed, on_desk and rectified is None)
