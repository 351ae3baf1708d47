"""Scans and photos: Tesseract words with boxes, in PDF points like the text layer; single boxes
read again; whether a page is upside down. page_image.py makes the page image ready first.

Tesseract runs in this process through its C API (tesseract_api.py) with OMP_THREAD_LIMIT=1:
its own threading is slower on a small machine. A page is cut in two at a pale band where its
text is halved, and both halves are read at once on the two cores.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from PIL import Image, ImageChops, ImageOps

from backend.acord import tesseract_api
from backend.acord.geometry import Word

OCR_DPI = 265  # pages without a scanner image (vector print-outs) are rendered at this


# The share of the page's text edges left above the cut. The two pieces' Tesseract times come
# out about even anywhere near a half (they vary more from run to run on a shared machine); a
# little over half read one more field of the bench's 865 on scans (778 against 777).
_TOP_SHARE = 0.54


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
    window = image.height // 16
    half_band = max(image.height // 400, 3)
    low = max(target - window, image.height // 4)
    high = max(min(target + window, image.height * 3 // 4), low + 1)

    def paleness(y: int) -> tuple[int, int]:
        return min(profile[max(y - half_band, 0) : y + half_band + 1]), -abs(y - target)

    return max(range(low, high), key=paleness)


Rows = list[tuple[str, int, int, int, int, float]]


def _run_tesseract(
    image: Image.Image,
    y_offset: int,
    psm: int = tesseract_api.PSM_SPARSE_TEXT,
    x_offset: int = 0,
    whitelist: str | None = None,
) -> Rows:
    with tesseract_api.TEXT.engine() as engine:
        tsv = engine.tsv(image, psm, whitelist=whitelist)
    return parse_tsv(tsv, x_offset, y_offset)


def parse_tsv(tsv: str, x_offset: int = 0, y_offset: int = 0) -> Rows:
    """Word rows (text, left, top, width, height, confidence) of Tesseract's TSV."""
    rows: Rows = []
    for line in tsv.splitlines():
        fields = line.split("\t", 11)
        if len(fields) != 12 or fields[0] != "5":
            continue
        text = fields[11].strip().strip("|")
        # Table rules come back as "|" or "_" words.
        if not text.strip("_—-=|!"):
            continue
        try:
            conf = float(fields[10])
            left, top = int(fields[6]) + x_offset, int(fields[7]) + y_offset
            width, height = int(fields[8]), int(fields[9])
        except ValueError:
            continue
        rows.append((text, left, top, width, height, conf))
    return rows


def ink_threshold(image: Image.Image, share: float = 0.45) -> int:
    """The grey level between ink and paper: a little under half way from the darkest ink to
    the paper, so blurred small print stays black and scanner noise goes."""
    histogram = image.histogram()[:256]
    total = sum(histogram)

    def percentile(share: float) -> int:
        running = 0
        for level, count in enumerate(histogram):
            running += count
            if running >= share * total:
                return level
        return 255

    ink, paper = percentile(0.005), percentile(0.6)
    return round(ink + share * (paper - ink))


def binarize(image: Image.Image) -> Image.Image:
    """Black ink on white paper (Tesseract misses much of a form's 6-point print on a grey,
    noisy scan)."""
    level = ink_threshold(image)
    return image.point(lambda p: 255 if p > level else 0)


def ocr_words(image: Image.Image, points_per_pixel: float) -> list[Word]:
    """Words of a (deskewed, grayscale) page image, boxes converted to points."""
    image = binarize(image)
    cut = _split_row(image)
    halves = [
        (image.crop((0, 0, image.width, cut)), 0),
        (image.crop((0, cut, image.width, image.height)), cut),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda half: _run_tesseract(*half), halves))
    return [w for rows in results for w in _to_words(rows, points_per_pixel)]


def _densest_text(image: Image.Image, height: int) -> tuple[int, int, int, int]:
    """The box, a third of the page wide, where the most print lies: the band of rows richest in
    ink-to-paper steps, then the richest third of that band."""
    edges = ImageChops.difference(image, ImageChops.offset(image, 1, 0))
    rows = edges.resize((1, image.height), Image.Resampling.BOX).tobytes()
    top = _densest_window(rows, height, image.height // 10, image.height * 9 // 10)
    band = edges.crop((0, top, image.width, top + height))
    columns = band.resize((image.width, 1), Image.Resampling.BOX).tobytes()
    width = image.width // 3
    left = _densest_window(columns, width, 0, image.width)
    return left, top, left + width, top + height


def _densest_window(profile: bytes, size: int, start: int, end: int) -> int:
    running = [0]
    for value in profile:
        running.append(running[-1] + value)
    starts = range(start, max(end - size, start + 1), 4)
    return max(starts, key=lambda i: running[min(i + size, len(profile))] - running[i])


def _reading_score(rows: Rows) -> int:
    """Letters in confidently read words of three letters or more: upside-down print reads as
    a few low-confidence fragments."""
    return sum(
        len(text)
        for text, *_, conf in rows
        if conf >= 70 and len(re.findall("[A-Za-z]", text)) >= 3
    )


def upside_down(image: Image.Image) -> bool:
    """Whether the page is upside down (a sheet fed or photographed the wrong way round): its
    densest few lines of print read both ways, the upright reading (~40-100 letters on a form)
    against the turned one (under ~10). About a tenth of a second on two cores."""
    if image.width < 300 or image.height < 300:
        return False
    # 70 rows at 265 dpi: two or three lines of small print.
    crop = binarize(image.crop(_densest_text(image, max(image.height * 70 // 2900, 20))))
    views = (crop, crop.transpose(Image.Transpose.ROTATE_180))
    with ThreadPoolExecutor(max_workers=2) as pool:
        upright, turned = pool.map(
            lambda view: _reading_score(_run_tesseract(view, 0, tesseract_api.PSM_SINGLE_BLOCK)),
            views,
        )
    return turned >= 2 * upright + 10


def _to_words(rows: Rows, scale: float) -> list[Word]:
    return [
        Word(
            text,
            left * scale,
            top * scale,
            (left + width) * scale,
            (top + height) * scale,
            max(min(conf / 100, 1.0), 0.0),
        )
        for text, left, top, width, height, conf in rows
    ]


def _erase_rules(crop: Image.Image) -> Image.Image:
    """Whiten the pixel columns and rows that are dark almost end to end: the table's rules,
    which make Tesseract drop the small print between them, not text."""
    crop = crop.copy()
    ink = crop.point(lambda p: 0 if p < 200 else 255)
    columns = ink.resize((crop.width, 1), Image.Resampling.BOX).tobytes()
    rows = ink.resize((1, crop.height), Image.Resampling.BOX).tobytes()
    for x, mean in enumerate(columns):
        if mean < 40:
            crop.paste(255, (x, 0, x + 1, crop.height))
    for y, mean in enumerate(rows):
        if mean < 40:
            crop.paste(255, (0, y, crop.width, y + 1))
    return crop


class RegionReader:
    """Reads one small region again with a page-segmentation mode suited to a single box.

    The whole-page pass skips some boxed values (a bold date in a ruled box, a lone insurer
    letter); the layout reader asks again for just the cell it needs.
    """

    # A cell read costs tens of milliseconds; the cap only bounds a pathological page.
    MAX_CALLS = 60

    def __init__(self, image: Image.Image, points_per_pixel: float) -> None:
        self.image = image
        self.scale = points_per_pixel
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
        bottom = min(int(box[3] * s), self.image.height)
        if right - left < 4 or bottom - top < 4:
            return []
        crop = _erase_rules(self.image.crop((left, top, right, bottom)))
        # Small print reads better a little larger than the page pass saw it.
        zoom = 2.0 if sparse else zoom
        if zoom != 1.0:
            crop = crop.resize(
                (int(crop.width * zoom), int(crop.height * zoom)), Image.Resampling.LANCZOS
            )
        # A white margin lets Tesseract find text that touches the crop's edge.
        padded = ImageOps.expand(crop, border=20, fill=255)
        if sparse:
            mode = tesseract_api.PSM_SPARSE_TEXT
        elif single_char:
            mode = tesseract_api.PSM_SINGLE_CHAR
        elif single_line:
            mode = tesseract_api.PSM_SINGLE_LINE
        else:
            mode = tesseract_api.PSM_SINGLE_BLOCK
        rows = _run_tesseract(padded, 0, mode, whitelist=whitelist)
        return _to_words(
            [
                (
                    text,
                    int((x - 20) / zoom) + left,
                    int((y - 20) / zoom) + top,
                    int(w / zoom),
                    int(h / zoom),
                    conf,
                )
                for text, x, y, w, h, conf in rows
            ],
            self.scale,
        )
