"""How blurred a page image is, measured on the form's own ruled lines, and the blur undone as
far as a black-and-white cut needs.

An ACORD 25 is drawn with long horizontal rules between its boxes. A rule is a thin dark bar
printed sharp; whatever widens its cross-section on the image is the optics (a phone's lens out
of focus, a scanner's soft glass) and the resampling after it. So the width at half darkness
of the thinnest rules, measured across the page, is the blur's own width, the rule's printed
width aside (a thin rule is a fraction of a point). Nothing here assumes how the blur arose:
it is measured on the page it is undone on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageFilter

# The rules are looked for in narrow vertical strips, each averaged along its rows: 128 pixels
# wide, so a rule left tilted by the deskew's floor (0.15°) moves a third of a pixel across the
# strip and keeps its cross-section.
_STRIP_PX: Final = 128
# Seven strips, at each eighth of the page's width: every rule of the form crosses several.
_STRIP_PARTS: Final = 8
# A strip is averaged into 32 cells of 4 pixels across, narrower than the space between two
# words of the form's smallest print (6 pixels at 265 dpi): a rule darkens every cell of its
# row evenly, a line of print leaves some cell pale.
_CELLS: Final = 32
# Every cell at least 60 % as dark as the row's darkest: the row crosses the strip as one line.
_CELL_SHARE: Final = 0.6
# A row counts as a rule's centre from 40 grey levels darker than the paper (a third of the way
# to print): a rule blurred to twice its width still reaches that.
_LEAST_DARKNESS: Final = 40
# ... and stands 30 levels above the darkest of its surroundings, so its half level is clear
# of the grain and of a faint neighbouring row.
_LEAST_PEAK: Final = 30
# The half level is looked for within 14 pixels each side of the centre: a spread up to 28
# pixels at the OCR's 265 dpi (2.7 mm), far past any blur that leaves print legible.
_WINDOW_PX: Final = 14
# The paper's level of a strip: the level nine tenths of its rows are darker than (most rows
# of a form are paper between lines of print).
_PAPER_SHARE: Final = 0.9
# The form draws thin rules and thicker ones (section borders): the spread of the thinnest
# quarter is the blur's, the thickness of a thin rule aside.
_THIN_SHARE: Final = 0.25
# Fewer rule crossings than this and the page is no ruled form (or too dark to measure).
_LEAST_CROSSINGS: Final = 12
# A Gaussian's width at half its height is 2.355 standard deviations (2 sqrt(2 ln 2)).
_FWHM_PER_SIGMA: Final = 2.355
_WHITE: Final = 255


@dataclass(frozen=True)
class Blur:
    """The blur of a page image: the width at half darkness of its thin rules, in pixels."""

    spread_px: float

    @property
    def sigma_px(self) -> float:
        """The standard deviation of a Gaussian blur as wide (the rule's own width included)."""
        return self.spread_px / _FWHM_PER_SIGMA


def _half_width(dark: list[float], y: int) -> float | None:
    """Width at half height of the peak of `dark` at row `y`, interpolated between rows."""
    low = min(*dark[y - _WINDOW_PX : y], *dark[y + 1 : y + _WINDOW_PX + 1])
    peak = dark[y] - low
    if peak < _LEAST_PEAK:
        return None
    half = low + peak / 2
    above = y
    while above > y - _WINDOW_PX and dark[above] > half:
        above -= 1
    below = y
    while below < y + _WINDOW_PX and dark[below] > half:
        below += 1
    if above == y - _WINDOW_PX or below == y + _WINDOW_PX:
        return None
    start = above + (half - dark[above]) / (dark[above + 1] - dark[above])
    end = below - (half - dark[below]) / (dark[below - 1] - dark[below])
    return end - start


def _strip_widths(gray: Image.Image, x0: int) -> list[float]:
    height = gray.height
    cells = gray.crop((x0, 0, x0 + _STRIP_PX, height)).resize(
        (_CELLS, height), Image.Resampling.BOX
    )
    data = cells.tobytes()
    profile = [sum(data[y * _CELLS : (y + 1) * _CELLS]) / _CELLS for y in range(height)]
    paper = sorted(profile)[int(_PAPER_SHARE * (height - 1))]
    dark = [paper - level for level in profile]
    widths = []
    for y in range(_WINDOW_PX, height - _WINDOW_PX):
        here = dark[y]
        # The centre of a crossing: at least as dark as the row below, darker than the one above.
        if here < _LEAST_DARKNESS or here <= dark[y - 1] or here < dark[y + 1]:
            continue
        row = data[y * _CELLS : (y + 1) * _CELLS]
        if paper - max(row) < _CELL_SHARE * (paper - min(row)):
            continue
        width = _half_width(dark, y)
        if width is not None:
            widths.append(width)
    return widths


def measure_blur(gray: Image.Image) -> Blur | None:
    """The blur of a grey, level page of a ruled form; None when too few rules are found."""
    if gray.width < _STRIP_PARTS * _STRIP_PX or gray.height <= 2 * _WINDOW_PX:
        return None
    widths: list[float] = []
    for part in range(1, _STRIP_PARTS):
        x0 = part * gray.width // _STRIP_PARTS - _STRIP_PX // 2
        widths.extend(_strip_widths(gray, x0))
    if len(widths) < _LEAST_CROSSINGS:
        return None
    widths.sort()
    return Blur(widths[int(_THIN_SHARE * (len(widths) - 1))])


# The unsharp mask adds back 1.5 times what a blur as wide takes away. For a Gaussian blur of
# standard deviation s, a detail of frequency 1/s (a period of 2 pi s: the stems of small print
# when the blur just begins to merge them) keeps e^-1/2 = 61 % of its contrast; 1 + 1.5 (1 -
# e^-1/2) brings it back to 97 % (100 % would restore 85 %, 200 % overshoot to 108 %).
_DEBLUR_PERCENT: Final = 150
# Steps under two grey levels are the paper's grain and JPEG's noise, not print: left alone.
_DEBLUR_THRESHOLD: Final = 2


def deblurred(gray: Image.Image, blur: Blur) -> Image.Image:
    """The page with the measured blur undone to first order (an unsharp mask as wide as the
    blur), so a black-and-white cut finds the small print's stems again."""
    return gray.filter(
        ImageFilter.UnsharpMask(
            radius=blur.sigma_px, percent=_DEBLUR_PERCENT, threshold=_DEBLUR_THRESHOLD
        )
    )


# The form's smallest print is 6-point Helvetica or Arial, whose narrowest stem-to-stem step
# (an "l" beside an "l": 0.222 em) is 1.33 pt. A blur whose half-darkness width is wider than
# that merges neighbouring stems: no single cut level separates them, even sharpened, and the
# page is read in grey (Tesseract then thresholds each piece of text on its own).
SMALL_PRINT_PITCH_PT: Final = 6 * 0.222


def merges_small_print(blur: Blur, points_per_pixel: float) -> bool:
    """Whether the blur is wider than the stem step of the form's smallest print."""
    return blur.spread_px * points_per_pixel > SMALL_PRINT_PITCH_PT
