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

from PIL import Image, ImageFilter, ImageMath, ImageOps

# Longest side of a page image for OCR: about 265 dpi on a letter page. Scans of 150-200 dpi are
# scaled up to it (small print reads better), larger photos down (Tesseract's time grows with
# the pixels; 300 dpi read no better on the generated scans and took a quarter longer).
OCR_LONGEST_SIDE = 2900

# Paper whose brightness spreads over more grey levels than this, text aside, is lit unevenly.
_UNEVEN_LIGHT = 40
# A page whose text profile across is this many times weaker than down is lying on its side.
_SIDEWAYS_RATIO = 2.0


@dataclass
class PreparedPage:
    image: Image.Image
    quarter_turned: bool  # the page was turned 90° (its width is the file's page height)
    skew_degrees: float


def upright_gray(image: Image.Image) -> Image.Image:
    """Grey, turned as the EXIF orientation of a photo says."""
    image = ImageOps.exif_transpose(image) or image
    return image if image.mode == "L" else image.convert("L")


def even_lighting(gray: Image.Image) -> Image.Image:
    """The page divided by its paper's brightness when a photo lights it unevenly, so one ink
    level separates print from paper everywhere; an evenly lit scan is returned as it is."""
    factor = max(min(gray.size) // 200, 1)
    small = gray.reduce(factor) if factor > 1 else gray
    # The brightest pixel around each point is paper; a window of ~40 page pixels spans the
    # gaps between lines of print.
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(2))
    histogram = paper.histogram()
    if _percentile(histogram, 0.95) - _percentile(histogram, 0.05) < _UNEVEN_LIGHT:
        return gray
    light = paper.resize(gray.size, Image.Resampling.BILINEAR)
    flat = ImageMath.lambda_eval(
        lambda m: m["convert"](
            m["min"](m["float"](m["page"]) * 255.0 / m["max"](m["float"](m["light"]), 1.0), 255),
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
    factor = max(gray.width / 500, 1.0)
    small = gray.resize(
        (int(gray.width / factor), int(gray.height / factor)), Image.Resampling.BILINEAR
    )
    return small.point(lambda p: 255 if p < 150 else 0)


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
    # Whole degrees: half a degree off, lines 500 pixels long still read as lines.
    angles = range(-4, 5)
    across = max(_line_score(ink, a) for a in angles)
    down_ink = ink.transpose(Image.Transpose.ROTATE_90)
    down = max(_line_score(down_ink, a) for a in angles)
    return down > _SIDEWAYS_RATIO * across


def estimate_skew(image: Image.Image) -> float:
    """Angle in degrees that straightens the text lines (projection-profile search)."""
    ink = _ink_sample(image if image.mode == "L" else image.convert("L"))
    best = max((a / 2 for a in range(-10, 11)), key=lambda a: _line_score(ink, a))
    fine = max((best + a / 10 for a in range(-5, 6)), key=lambda a: _line_score(ink, a))
    return fine if abs(fine) >= 0.15 else 0.0


def scale_factor(size: tuple[int, int], longest: int | None) -> float:
    """1.0 when the image is near enough the OCR size (or none is asked for)."""
    if longest is None:
        return 1.0
    current = max(size)
    if longest * 0.9 <= current <= longest * 1.05:
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
    a, b = round(math.cos(radians), 15), round(math.sin(radians), 15)
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
            fillcolor=255,
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
    gray = even_lighting(gray)
    turned = lies_sideways(gray)
    if turned:
        gray = gray.transpose(Image.Transpose.ROTATE_90)
    if factor > 1.0:
        gray = _resize(gray, factor)
    angle = estimate_skew(gray)
    if angle != 0.0:
        # Turned at the OCR size, after scaling up: turning a 150 dpi scan and then scaling it
        # read 1.3% of the fields worse on 60 generated scans (the turn blurs at the pixel size).
        gray = _rotate(gray, angle)
    return PreparedPage(gray, turned, angle)
