"""Scans and photos: deskew, then Tesseract words with boxes, in PDF points like the text layer.

Tesseract runs as the `tesseract` binary (Debian's tesseract-ocr) with OMP_THREAD_LIMIT=1:
its own threading is slower on a small machine. A page is cut in two at a blank band and both
halves are read at once, which halves the wall time on two cores.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

from PIL import Image, ImageOps

from backend.acord.errors import ReadError
from backend.acord.geometry import Word

OCR_DPI = 300
_TESSERACT_TIMEOUT_S = 60


def tesseract_path() -> str:
    path = shutil.which("tesseract")
    if path is None:
        raise ReadError(
            "unreadable",
            "This file needs OCR but Tesseract is not installed (Debian package tesseract-ocr).",
        )
    return path


def estimate_skew(image: Image.Image) -> float:
    """Angle in degrees that straightens the text lines (projection-profile search)."""
    gray = image.convert("L")
    factor = max(gray.width / 700, 1.0)
    small = gray.resize(
        (int(gray.width / factor), int(gray.height / factor)), Image.Resampling.BILINEAR
    )
    ink = small.point(lambda p: 255 if p < 150 else 0)

    def score(angle: float) -> float:
        turned = ink.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
        profile = list(turned.resize((1, turned.height), Image.Resampling.BOX).getdata())
        return float(sum((a - b) ** 2 for a, b in pairwise(profile)))

    best = max((a / 2 for a in range(-10, 11)), key=score)
    fine = max((best + a / 10 for a in range(-5, 6)), key=score)
    return fine if abs(fine) >= 0.15 else 0.0


def deskew(image: Image.Image) -> tuple[Image.Image, float]:
    angle = estimate_skew(image)
    if angle == 0.0:
        return image, 0.0
    return image.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255
    ), angle


def _split_row(image: Image.Image) -> int:
    """A blank pixel row near the middle, where the page can be cut without cutting text."""
    profile = list(image.resize((1, image.height), Image.Resampling.BOX).getdata())
    middle = image.height // 2
    window = image.height // 8
    best = max(range(middle - window, middle + window), key=lambda y: profile[y])
    return best


def _run_tesseract(
    image: Image.Image, y_offset: int, psm: str = "11", x_offset: int = 0
) -> list[tuple[str, int, int, int, int, float]]:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        completed = subprocess.run(  # noqa: S603 - fixed binary, no shell
            [tesseract_path(), "stdin", "stdout", "--psm", psm, "-l", "eng", "tsv"],
            input=buffer.getvalue(),
            capture_output=True,
            timeout=_TESSERACT_TIMEOUT_S,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ReadError("timeout", "OCR of a page took too long.") from exc
    if completed.returncode != 0:
        raise ReadError("unreadable", "OCR failed on a page image.")
    rows: list[tuple[str, int, int, int, int, float]] = []
    reader = csv.DictReader(
        io.StringIO(completed.stdout.decode("utf-8", "replace")),
        delimiter="\t",
        quoting=csv.QUOTE_NONE,
    )
    for row in reader:
        text = (row.get("text") or "").strip().strip("|")
        # Table rules come back as "|" or "_" words.
        if row.get("level") != "5" or not text.strip("_—-=|!"):
            continue
        try:
            conf = float(row["conf"])
            left, top = int(row["left"]) + x_offset, int(row["top"]) + y_offset
            width, height = int(row["width"]), int(row["height"])
        except (KeyError, ValueError):
            continue
        rows.append((text, left, top, width, height, conf))
    return rows


def ocr_words(image: Image.Image, points_per_pixel: float) -> list[Word]:
    """Words of a (deskewed, grayscale) page image, boxes converted to points."""
    cut = _split_row(image)
    halves = [
        (image.crop((0, 0, image.width, cut)), 0),
        (image.crop((0, cut, image.width, image.height)), cut),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda half: _run_tesseract(*half), halves))
    return [w for rows in results for w in _to_words(rows, points_per_pixel)]


def _to_words(rows: list[tuple[str, int, int, int, int, float]], scale: float) -> list[Word]:
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
    """Whiten pixel columns and rows that are mostly dark: the table's rules, not text."""
    crop = crop.copy()
    columns = list(crop.resize((crop.width, 1), Image.Resampling.BOX).getdata())
    rows = list(crop.resize((1, crop.height), Image.Resampling.BOX).getdata())
    for x, mean in enumerate(columns):
        if mean < 110:
            crop.paste(255, (x, 0, x + 1, crop.height))
    for y, mean in enumerate(rows):
        if mean < 110:
            crop.paste(255, (0, y, crop.width, y + 1))
    return crop


class RegionReader:
    """Reads one small region again with a page-segmentation mode suited to a single box.

    The whole-page pass skips some boxed values (a bold date in a ruled box, a lone insurer
    letter); the layout reader asks again for just the cell it needs.
    """

    def __init__(self, image: Image.Image, points_per_pixel: float) -> None:
        self.image = image
        self.scale = points_per_pixel
        self.calls = 0

    def __call__(
        self, box: tuple[float, float, float, float], single_char: bool = False
    ) -> list[Word]:
        if self.calls >= 8:
            return []
        self.calls += 1
        s = 1 / self.scale
        left = max(int(box[0] * s), 0)
        top = max(int(box[1] * s), 0)
        right = min(int(box[2] * s), self.image.width)
        bottom = min(int(box[3] * s), self.image.height)
        if right - left < 4 or bottom - top < 4:
            return []
        crop = _erase_rules(self.image.crop((left, top, right, bottom)))
        # A white margin lets Tesseract find text that touches the crop's edge.
        padded = ImageOps.expand(crop, border=20, fill=255)
        rows = _run_tesseract(padded, top - 20, "10" if single_char else "6", left - 20)
        return _to_words(rows, self.scale)


def prepare_image(image: Image.Image) -> Image.Image:
    """Grayscale, upright (EXIF), at most about 300 dpi for a letter page."""
    image = ImageOps.exif_transpose(image) or image
    gray = image.convert("L")
    longest = max(gray.size)
    if longest > 3400:
        factor = 3300 / longest
        gray = gray.resize(
            (int(gray.width * factor), int(gray.height * factor)), Image.Resampling.LANCZOS
        )
    elif longest < 2000:
        factor = 2600 / longest
        gray = gray.resize(
            (int(gray.width * factor), int(gray.height * factor)), Image.Resampling.LANCZOS
        )
    return gray
