"""Scans and photos: Tesseract words with boxes, in PDF points like the text layer; single boxes
read again; whether a page is upside down. page_image.py makes the page image ready first.

Tesseract runs in this process through its C API (tesseract_api.py) with OMP_THREAD_LIMIT=1:
its own threading is slower on a small machine. A page is cut in two at a pale band where its
text is halved, and both halves are read at once on the two cores.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Final

from PIL import Image, ImageChops, ImageFilter, ImageOps

from backend.acord import tesseract_api
from backend.acord.geometry import Word
from backend.acord.page_blur import Blur, deblurred
from backend.acord.pdftext import DARK_LEVEL

# Pages without a scanner image (vector print-outs) are rendered at this: the form's 6-point
# labels then have capitals about 20 pixels tall, enough for Tesseract to read them.
OCR_DPI: Final = 265


# The share of the page's text edges left above the cut. The two pieces' Tesseract times come
# out about even anywhere near a half (they vary more from run to run on a shared machine); a
# little over half read one more field of the bench's 865 on scans (778 against 777).
_TOP_SHARE: Final = 0.54
# The cut is looked for within a sixteenth of the page's height of that row (about five lines
# of the form's print), and never in the outer quarters (both pieces stay worth a core).
_CUT_WINDOW_PARTS: Final = 16
_CUT_OUTER_PARTS: Final = 4
# A cut row is judged with its neighbours, as many rows each side as a four-hundredth of the
# page's height (seven at 265 dpi; at least three), so a pale gap inside one letter, or
# between two lines of one label, does not count as the pale band between blocks of print.
_CUT_BAND_PARTS: Final = 400
_CUT_BAND_MIN_PX: Final = 3

# Columns of Tesseract's TSV output (level, page, block, paragraph, line, word, left, top,
# width, height, confidence, text); level 5 rows are words.
_TSV_COLUMNS: Final = 12
_TSV_WORD_LEVEL: Final = "5"
_TSV_LEFT: Final = 6
_TSV_TOP: Final = 7
_TSV_WIDTH: Final = 8
_TSV_HEIGHT: Final = 9
_TSV_CONF: Final = 10
_TSV_TEXT: Final = 11
# Grey levels of an 8-bit image.
_LEVELS: Final = 256
_WHITE: Final = 255


def _split_row(image: Image.Image) -> int:
    """A row where the page can be cut in two pieces that cost Tesseract about the same time,
    without cutting text: the palest band of rows (a single pale row may lie between two lines
    of one label) near the row that leaves a little over half the page's text above it.

    Tesseract's time follows the amount of text, which the ink-to-paper steps along each row
    measure well (a rule is one long dark run, a line of print many short ones); cutting at the
    middle left one piece half as long again as the other on a form with a dense bottom half.
    """
    edges = ImageChops.difference(image, ImageChops.offset(image, 1, 0))
    text = edges.resize((1, image.height), Image.Resampling.BOX).tobytes()
    total = sum(text)
    running = 0
    target = image.height // 2
    for y, amount in enumerate(text):
        running += amount
        if total and running >= _TOP_SHARE * total:
            target = y
            break
    profile = image.resize((1, image.height), Image.Resampling.BOX).tobytes()
    window = image.height // _CUT_WINDOW_PARTS
    half_band = max(image.height // _CUT_BAND_PARTS, _CUT_BAND_MIN_PX)
    low = max(target - window, image.height // _CUT_OUTER_PARTS)
    far = image.height * (_CUT_OUTER_PARTS - 1) // _CUT_OUTER_PARTS
    high = max(min(target + window, far), low + 1)

    def paleness(y: int) -> tuple[int, int]:
        return min(profile[max(y - half_band, 0) : y + half_band + 1]), -abs(y - target)

    return max(range(low, high), key=paleness)


# A word as Tesseract read it: text, left, top, width, height (pixels), confidence (0-100).
Row = tuple[str, int, int, int, int, float]
Rows = list[Row]


def _run_tesseract(
    image: Image.Image,
    y_offset: int,
    psm: int = tesseract_api.PSM_SPARSE_TEXT,
    x_offset: int = 0,
    whitelist: str | None = None,
    thresholding: int = tesseract_api.THRESHOLD_GLOBAL,
) -> Rows:
    with tesseract_api.TEXT.engine() as engine:
        tsv = engine.tsv(image, psm, whitelist=whitelist, thresholding=thresholding)
    return parse_tsv(tsv, x_offset, y_offset)


def parse_tsv(tsv: str, x_offset: int = 0, y_offset: int = 0) -> Rows:
    """Word rows (text, left, top, width, height, confidence) of Tesseract's TSV."""
    rows: Rows = []
    for line in tsv.splitlines():
        fields = line.split("\t", _TSV_COLUMNS - 1)
        if len(fields) != _TSV_COLUMNS or fields[0] != _TSV_WORD_LEVEL:
            continue
        text = fields[_TSV_TEXT].strip().strip("|")
        # Table rules come back as "|" or "_" words.
        if not text.strip("_—-=|!"):
            continue
        try:
            conf = float(fields[_TSV_CONF])
            left = int(fields[_TSV_LEFT]) + x_offset
            top = int(fields[_TSV_TOP]) + y_offset
            width, height = int(fields[_TSV_WIDTH]), int(fields[_TSV_HEIGHT])
        except ValueError:
            continue
        rows.append((text, left, top, width, height, conf))
    return rows


# The ink-paper threshold lies this share of the way from the darkest ink to the paper: a
# little under half, so blurred small print stays black and scanner noise goes.
INK_SHARE: Final = 0.45
# The darkest ink is the level half a percent of the pixels are darker than (print covers a
# few percent of a form; single black specks are fewer); the paper, the level 60 % of the
# pixels are darker than (paper is most of the page).
_INK_PERCENTILE: Final = 0.005
_PAPER_PERCENTILE: Final = 0.6


def ink_threshold(image: Image.Image, share: float = INK_SHARE) -> int:
    """The grey level between ink and paper: a little under half way from the darkest ink to
    the paper, so blurred small print stays black and scanner noise goes."""
    histogram = image.histogram()[:_LEVELS]
    total = sum(histogram)

    def percentile(share: float) -> int:
        running = 0
        for level, count in enumerate(histogram):
            running += count
            if running >= share * total:
                return level
        return _WHITE

    ink, paper = percentile(_INK_PERCENTILE), percentile(_PAPER_PERCENTILE)
    return round(ink + share * (paper - ink))


def print_level(image: Image.Image) -> int:
    """The grey level under which a pixel of a scan is print when asking whether a box holds
    any: the fixed DARK_LEVEL of a crisp page, or the page's own ink-paper cut where that lies
    higher (print that came out grey: faint toner, a light scan, a soft small font), the same
    cut the page pass reads the page with, so a cell the page pass saw print in is not taken
    for an empty one."""
    return max(DARK_LEVEL, ink_threshold(image))


def binarize(image: Image.Image) -> Image.Image:
    """Black ink on white paper (Tesseract misses much of a form's 6-point print on a grey,
    noisy scan)."""
    level = ink_threshold(image)
    return image.point(lambda p: _WHITE if p > level else 0)


# A blurred page (a phone photo, a soft scan) is sharpened with an unsharp mask three pixels
# wide (about a stroke of the form's small print at 265 dpi, so each stroke's edge is steepened
# without ringing over the next letter), at twice the difference; steps under two grey levels
# are the paper's grain and are left alone.
_SHARPEN_RADIUS_PX: Final = 3
_SHARPEN_PERCENT: Final = 200
_SHARPEN_THRESHOLD: Final = 2
# The grey, sharpened page is read instead of the black-and-white one when its sample reads
# a quarter more sure letters: blur merges the strokes that a black-and-white cut separates
# ("Mall tacorporeted"), where a crisp scan reads better cut (its specks go).
_GREY_PREFERENCE: Final = 1.25


def sharpened(image: Image.Image) -> Image.Image:
    """The page with its print's edges steepened (for a blurred page read in grey)."""
    return image.filter(
        ImageFilter.UnsharpMask(
            radius=_SHARPEN_RADIUS_PX, percent=_SHARPEN_PERCENT, threshold=_SHARPEN_THRESHOLD
        )
    )


# A page read in grey is cut to black and white by Tesseract with Sauvola's local threshold
# (each pixel against the mean and spread of grey around it): a blurred photo's small print
# keeps a fraction of the contrast its bold print keeps, and one level for the whole page,
# Tesseract's default, drops it where a local level keeps it.
GREY_THRESHOLDING: Final = tesseract_api.THRESHOLD_SAUVOLA


def ocr_words(image: Image.Image, points_per_pixel: float, grey: bool = False) -> list[Word]:
    """Words of a (deskewed, grayscale) page image, boxes converted to points; `grey` reads
    the image as it is (a blurred page already sharpened), else cut to black and white. The
    words of typed size the page pass read unsure are read again alone (`reread_unsure`)."""
    page = image if grey else binarize(image)
    cut = _split_row(page)
    halves = [
        (page.crop((0, 0, page.width, cut)), 0),
        (page.crop((0, cut, page.width, page.height)), cut),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda half: _run_tesseract(
                    half[0],
                    half[1],
                    thresholding=GREY_THRESHOLDING if grey else tesseract_api.THRESHOLD_GLOBAL,
                ),
                halves,
            )
        )
        page_rows = [row for part in results for row in part]
        rows = reread_unsure(image, page_rows, points_per_pixel, pool)
    return _to_words(rows, points_per_pixel)


# A word the page pass read with a confidence under this (Tesseract's 0-100) is read again
# alone: a slip of one letter in a word of typed print ("Cormerstone", "Adanta", "594993520")
# comes back under it, where a word read right mostly scores above it.
REREAD_CONFIDENCE: Final = 90
# Only words at least this tall (points) are read again: typed values are 8 pt or larger,
# whose capitals stand 5.7 pt; the form's own labels, in 6-7 pt capitals under 5 pt, are read
# by the label reader with its tolerance for slips and are most of a page's unsure words.
REREAD_MIN_HEIGHT_PT: Final = 5.0
# The word is read from the grey page (not the page pass's black-and-white cut, which merges
# or breaks a blurred stroke), half as large again (a typed capital then stands some 30
# pixels, the size Tesseract's line model reads best), as one line.
REREAD_ZOOM: Final = 1.5
# Pixels kept around the word's box: its anti-aliased edges, not the next word's.
_REREAD_MARGIN_PX: Final = 3


def reread_unsure(
    image: Image.Image, rows: Rows, points_per_pixel: float, pool: ThreadPoolExecutor
) -> Rows:
    """The page pass's word rows, each unsure word of typed size read again alone from the
    grey `image` and replaced by that reading when it is one word read more surely.

    On a page the line model reads a word with its neighbours, and a letter blurred or
    broken by the scan is guessed from the page's cut; alone, from the grey pixels, a little
    larger, the same word mostly reads surely and right, and a word read worse alone keeps
    its first reading (the more confident one is kept)."""
    min_height_px = REREAD_MIN_HEIGHT_PT / points_per_pixel

    def unsure(row: Row) -> bool:
        return row[5] < REREAD_CONFIDENCE and row[4] >= min_height_px and len(row[0]) >= 2

    def better(row: Row) -> Row:
        _, left, top, width, height, conf = row
        box = (
            max(left - _REREAD_MARGIN_PX, 0),
            max(top - _REREAD_MARGIN_PX, 0),
            min(left + width + _REREAD_MARGIN_PX, image.width),
            min(top + height + _REREAD_MARGIN_PX, image.height),
        )
        crop = image.crop(box)
        crop = crop.resize(
            (round(crop.width * REREAD_ZOOM), round(crop.height * REREAD_ZOOM)),
            Image.Resampling.LANCZOS,
        )
        padded = ImageOps.expand(crop, border=_MARGIN_PX, fill=paper_level(crop))
        again = _run_tesseract(padded, 0, tesseract_api.PSM_SINGLE_LINE)
        if len(again) != 1 or again[0][5] <= conf:
            return row
        return (again[0][0], left, top, width, height, again[0][5])

    return list(pool.map(lambda row: better(row) if unsure(row) else row, rows))


# A second OCR engine for the unsure words (issue 16, Must 8) was built and measured on
# 2026-12-07 and not kept (branch rapid-engine holds it): RapidOCR's PP-OCRv4 line recogniser
# (rapidocr-onnxruntime 1.4.4, model in the wheel, opencv-python-headless, one ONNX Runtime
# thread), asked for codes (a digit or an @) still under REREAD_CONFIDENCE after the reading
# alone, its reading taken at a score >= 0.95 above Tesseract's, same joiners, at most two glyph
# edits. It mended 5S, IJ and O0 slips of policy numbers: seed 31 2678 -> 2683 of 2845 fields,
# seed 7 2917 -> 2920 of 3006 (40 OCR documents each, none worse), but acord-real-raster stayed
# 940 of 976 with no document changed, for ~250 MB of wheels, 0.8 s CPU to load per process,
# ~25 ms a word and malloc arenas to cap in the sandbox. Joining codes cut at a narrow "1" from
# the glyphs' pitch (same branch) changed no field: binarised scan strokes break into several
# ink runs, so a pitch taken from runs comes out short; take it from a word's width instead.


# The densest print is looked for away from the top and bottom tenths (a scanner's dark edge,
# a photo's desk) in a box a third of the page wide (a few words of one column of the form).
_DENSE_MARGIN_PARTS: Final = 10
_DENSE_WIDTH_PARTS: Final = 3
# The small-print sample is taken above four tenths of the page's height: the head of the form
# with its disclaimers, above the coverage table.
_SMALL_PRINT_END_PARTS: Final = 4
# Windows are tried every four pixels: print lines are some thirty pixels apart.
_WINDOW_STEP_PX: Final = 4


def _densest_text(
    image: Image.Image, height: int, end_parts: int = _DENSE_MARGIN_PARTS - 1
) -> tuple[int, int, int, int]:
    """The box, a third of the page wide, where the most print lies: the band of rows richest in
    ink-to-paper steps (from a tenth of the page's height down to `end_parts` tenths), then
    the richest third of that band."""
    edges = ImageChops.difference(image, ImageChops.offset(image, 1, 0))
    rows = edges.resize((1, image.height), Image.Resampling.BOX).tobytes()
    top = _densest_window(
        rows,
        height,
        image.height // _DENSE_MARGIN_PARTS,
        image.height * end_parts // _DENSE_MARGIN_PARTS,
    )
    band = edges.crop((0, top, image.width, top + height))
    columns = band.resize((image.width, 1), Image.Resampling.BOX).tobytes()
    width = image.width // _DENSE_WIDTH_PARTS
    left = _densest_window(columns, width, 0, image.width)
    return left, top, left + width, top + height


def _densest_window(profile: bytes, size: int, start: int, end: int) -> int:
    running = [0]
    for value in profile:
        running.append(running[-1] + value)
    starts = range(start, max(end - size, start + 1), _WINDOW_STEP_PX)
    return max(starts, key=lambda i: running[min(i + size, len(profile))] - running[i])


# Tesseract's confidence (0-100) of a word read from upright print; a word of at least three
# letters, as turned print gives only shorter fragments read surely.
_SURE_WORD_CONFIDENCE: Final = 70
_WORD_LETTERS: Final = 3
# Too small to be a page (a thumbnail): its orientation is not judged.
_SMALLEST_PAGE_PX: Final = 300
# Two or three lines of the form's small print: 70 rows on a page 2900 pixels tall, at least 20.
_ORIENTATION_LINES_PX: Final = 70
_ORIENTATION_PAGE_PX: Final = 2900
_ORIENTATION_LINES_MIN_PX: Final = 20
# Turned print reads twice as many sure letters as upright print, and at least ten more, for the
# page to be upside down (upright print on a form gives 40-100, the wrong way mostly under 10
# and up to some 25 for sans-serif print, whose letters upside down are letters again).
_TURNED_RATIO: Final = 2
_TURNED_MARGIN: Final = 10
# Tesseract's confidences are percentages.
_PERCENT: Final = 100


def _reading_score(rows: Rows) -> int:
    """Letters in confidently read words of three letters or more: upside-down print reads as
    a few low-confidence fragments."""
    return sum(
        len(text)
        for text, *_, conf in rows
        if conf >= _SURE_WORD_CONFIDENCE and len(re.findall("[A-Za-z]", text)) >= _WORD_LETTERS
    )


def upside_down(image: Image.Image) -> bool:
    """Whether the page is upside down (a sheet fed or photographed the wrong way round)."""
    return reading_plan(image)[0]


def reading_plan(
    image: Image.Image, photo: bool = False, blur: Blur | None = None
) -> tuple[bool, bool]:
    """(upside down, read in grey) for a page. Its densest few lines of print are read cut to
    black and white upright (~40-100 sure letters on a form) and turned (under ~10).

    A `photo` (a sheet photographed on a desk: a lens's blur, not a scanner's crisp edges)
    is then read in grey, sharpened, when the densest small print of its upper part (the
    form's disclaimers in 6-7 pt capitals, the print blur loses first; the densest print of
    the whole page may be a typed description in large type) reads better so than cut. A
    scan is always cut: on the generated scans the grey sample read better as often as not
    while the whole page read worse (82 % of the fields against 97 %). A photo's measured
    `blur` (page_blur.py) is undone before its sample is cut, as its page will be."""
    if image.width < _SMALLEST_PAGE_PX or image.height < _SMALLEST_PAGE_PX:
        return False, False
    lines = max(
        image.height * _ORIENTATION_LINES_PX // _ORIENTATION_PAGE_PX, _ORIENTATION_LINES_MIN_PX
    )
    crop = binarize(image.crop(_densest_text(image, lines)))
    upright = _reading_score(_run_tesseract(crop, 0, tesseract_api.PSM_SINGLE_BLOCK))
    # The sample is always read turned as well (about 55 ms): no count of sure letters read
    # upright settles it alone. Sans-serif print upside down is mostly letters again (u/n, p/d,
    # o, s, x, z), and Tesseract reads words of them surely: an upside-down turned scan's
    # sample read 23 sure letters ("SuaAojdwa", "jeuonippy") against 92 the right way round,
    # and the page was read upside down, every field lost.
    down = (
        _reading_score(
            _run_tesseract(
                crop.transpose(Image.Transpose.ROTATE_180), 0, tesseract_api.PSM_SINGLE_BLOCK
            )
        )
        >= _TURNED_RATIO * upright + _TURNED_MARGIN
    )
    if not photo:
        return down, False
    page = image.transpose(Image.Transpose.ROTATE_180) if down else image
    small = page.crop(_densest_text(page, lines, _SMALL_PRINT_END_PARTS))
    # The cut is judged as it will be made: after the page's measured blur is undone.
    cut_view = binarize(deblurred(small, blur) if blur is not None else small)
    cut, grey = _scores(
        (cut_view, sharpened(small)), (tesseract_api.THRESHOLD_GLOBAL, GREY_THRESHOLDING)
    )
    return down, grey > _GREY_PREFERENCE * cut


def _scores(views: tuple[Image.Image, Image.Image], thresholdings: tuple[int, int]) -> list[int]:
    """Sure letters of each view, each cut by Tesseract as its page would be."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(
            pool.map(
                lambda view, thresholding: _reading_score(
                    _run_tesseract(
                        view, 0, tesseract_api.PSM_SINGLE_BLOCK, thresholding=thresholding
                    )
                ),
                views,
                thresholdings,
            )
        )


def _to_words(rows: Rows, scale: float) -> list[Word]:
    return [
        Word(
            text,
            left * scale,
            top * scale,
            (left + width) * scale,
            (top + height) * scale,
            max(min(conf / _PERCENT, 1.0), 0.0),
        )
        for text, left, top, width, height, conf in rows
    ]


# Pixels darker than this are ink (a rule's anti-aliased edge included).
_RULE_INK_LEVEL: Final = 200
# A pixel line whose mean (ink 0, paper 255) is under this is inked over about 85 % of its
# length: a rule; a line of print inks well under half of its pixels.
_RULE_MEAN: Final = 40
# A box narrower or lower than this many pixels holds no legible character.
_SMALLEST_BOX_PX: Final = 4
# Margin (pixels) of paper around a region read alone: Tesseract finds text touching the edge.
_MARGIN_PX: Final = 20
# Scattered small labels (a header row) are read at twice their size.
_SPARSE_ZOOM: Final = 2.0


# A box or a word read alone is paper over well more than a tenth of it (a word's box has
# a few pixels of paper round its letters, and paper between them): the level nine tenths of
# its pixels are darker than is its paper's.
_CROP_PAPER_PERCENTILE: Final = 0.9


# Paper measured at 230 or above is a scanner's white, its grain aside (a scan's noise is a
# few % of white): it is taken as white, so a scan's cells are read exactly as they always
# were; a phone's photo leaves paper at 180-220.
_WHITE_PAPER: Final = 230


def paper_level(crop: Image.Image) -> int:
    """The grey level of the paper in a crop: white on a scan, a grey of 180-220 on a phone's
    photo, whose exposure leaves paper short of white."""
    histogram = crop.histogram()[:_LEVELS]
    total = sum(histogram)
    running = 0
    for level, count in enumerate(histogram):
        running += count
        if running >= _CROP_PAPER_PERCENTILE * total:
            return level if level < _WHITE_PAPER else _WHITE
    return _WHITE


def _erase_rules(crop: Image.Image, paper: int = _WHITE) -> Image.Image:
    """Paint over, in the paper's level, the pixel columns and rows that are dark almost end to
    end: the table's rules, which make Tesseract drop the small print between them, not text.
    Ink is measured against the paper's level (a photo's paper is grey)."""
    crop = crop.copy()
    level = _RULE_INK_LEVEL * paper / _WHITE
    ink = crop.point(lambda p: 0 if p < level else _WHITE)
    columns = ink.resize((crop.width, 1), Image.Resampling.BOX).tobytes()
    rows = ink.resize((1, crop.height), Image.Resampling.BOX).tobytes()
    for x, mean in enumerate(columns):
        if mean < _RULE_MEAN:
            crop.paste(paper, (x, 0, x + 1, crop.height))
    for y, mean in enumerate(rows):
        if mean < _RULE_MEAN:
            crop.paste(paper, (0, y, crop.width, y + 1))
    return crop


def _unsteered_rows(image: Image.Image, mode: int, whitelist: str) -> Rows:
    """The words of a box read without the whitelist, kept only where every character is one
    the whitelist allows: Tesseract given a whitelist sometimes returns nothing at all for a
    lone, plainly printed character it reads surely without one (the "B" of an INSR LTR
    cell, the "5" of a revision number), so the whitelist is applied to its answer instead."""
    allowed = set(whitelist)
    return [row for row in _run_tesseract(image, 0, mode) if row[0] and set(row[0]) <= allowed]


class RegionReader:
    """Reads one small region again with a page-segmentation mode suited to a single box.

    The whole-page pass skips some boxed values (a bold date in a ruled box, a lone insurer
    letter); the layout reader asks again for just the cell it needs.
    """

    # A cell read costs tens of milliseconds; the cap only bounds a pathological page.
    MAX_CALLS = 60

    def __init__(
        self,
        image: Image.Image,
        points_per_pixel: float,
        finish: Callable[[list[Word]], list[Word]] | None = None,
    ) -> None:
        self.image = image
        self.scale = points_per_pixel
        # What is done to every word read (a lost period put back where its dot is printed).
        self.finish = finish
        self.calls = 0
        self._lock = threading.Lock()
        self._done: dict[tuple[object, ...], list[Word]] = {}

    def read_many(
        self, boxes: Sequence[tuple[float, float, float, float]], **options: Any
    ) -> list[list[Word]]:
        """The words of each box (same options as a single call), two boxes at a time on the
        machine's two cores: a dozen one-line reads in about half the time one after another."""
        if len(boxes) < 2:
            return [self(box, **options) for box in boxes]
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(lambda box: self(box, **options), boxes))

    def __call__(
        self,
        box: tuple[float, float, float, float],
        single_char: bool = False,
        sparse: bool = False,
        zoom: float = 1.0,
        *,
        single_line: bool = False,
        whitelist: str | None = None,
    ) -> list[Word]:
        """Words in the box; `sparse` reads a strip of scattered small labels (a table's header
        row), which the whole-page pass often loses among the table's rules; `single_line`
        reads the box as one line of text; `whitelist` limits the characters Tesseract may
        return (for this call only). The same box asked again with the same options is not read
        twice."""
        key = (tuple(box), single_char, sparse, zoom, single_line, whitelist)
        with self._lock:
            if key in self._done:
                return [replace(word) for word in self._done[key]]
            if self.calls >= self.MAX_CALLS:
                return []
            self.calls += 1
        words = self._read(box, single_char, sparse, zoom, single_line, whitelist)
        if self.finish is not None and whitelist is None and not single_char:
            words = self.finish(words)
        with self._lock:
            self._done[key] = [replace(word) for word in words]
        return words

    def _read(
        self,
        box: tuple[float, float, float, float],
        single_char: bool,
        sparse: bool,
        zoom: float,
        single_line: bool,
        whitelist: str | None,
    ) -> list[Word]:
        s = 1 / self.scale
        left = max(int(box[0] * s), 0)
        top = max(int(box[1] * s), 0)
        right = min(int(box[2] * s), self.image.width)
        bottom = min(int(box[-1] * s), self.image.height)
        if right - left < _SMALLEST_BOX_PX or bottom - top < _SMALLEST_BOX_PX:
            return []
        crop = self.image.crop((left, top, right, bottom))
        # The margin and the painted-over rules take the paper's own level: white around a
        # photo's grey paper reads, cut by Tesseract's one level for the crop, as a frame
        # round a black box, and the letter in it is lost.
        paper = paper_level(crop)
        crop = _erase_rules(crop, paper)
        # Small print reads better a little larger than the page pass saw it.
        zoom = _SPARSE_ZOOM if sparse else zoom
        if zoom != 1.0:
            crop = crop.resize(
                (int(crop.width * zoom), int(crop.height * zoom)), Image.Resampling.LANCZOS
            )
        # A margin lets Tesseract find text that touches the crop's edge.
        padded = ImageOps.expand(crop, border=_MARGIN_PX, fill=paper)
        if sparse:
            mode = tesseract_api.PSM_SPARSE_TEXT
        elif single_char:
            mode = tesseract_api.PSM_SINGLE_CHAR
        elif single_line:
            mode = tesseract_api.PSM_SINGLE_LINE
        else:
            mode = tesseract_api.PSM_SINGLE_BLOCK
        rows = _run_tesseract(padded, 0, mode, whitelist=whitelist)
        if whitelist and not rows:
            rows = _unsteered_rows(padded, mode, whitelist)
        return _to_words(
            [
                (
                    text,
                    int((x - _MARGIN_PX) / zoom) + left,
                    int((y - _MARGIN_PX) / zoom) + top,
                    int(w / zoom),
                    int(h / zoom),
                    conf,
                )
                for text, x, y, w, h, conf in rows
            ],
            self.scale,
        )
