"""Phone photos: turned a quarter, half or three-quarter turn and unevenly lit, read upright."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageFilter

from backend.acord import read_document, tesseract_api
from backend.acord.ocr import upside_down
from backend.acord.page_image import (
    _percentile,
    _rotate,
    estimate_skew,
    even_lighting,
    lies_sideways,
    prepare_page,
)
from fixturegen.generate import build_document
from fixturegen.scan import PhotoSettings, photograph, rasterise

needs_tesseract = pytest.mark.skipif(
    not tesseract_api.available(), reason="libtesseract not installed"
)


@pytest.fixture(scope="module")
def certificate() -> tuple[Image.Image, dict[str, Any]]:
    """A generated certificate page at 150 dpi and the values printed on it."""
    built = build_document(7, 0, "text", 0)
    return rasterise(built.data, 150)[0], built.entry["expected"]


def _photo(page: Image.Image, quarter_turns: int, falloff: float = 0.4) -> Image.Image:
    return photograph(page, PhotoSettings(quarter_turns, falloff, (0.1, 0.05)))


def _paper_spread(image: Image.Image) -> int:
    """Grey levels between the dim and the bright paper (the brightest pixel near each point)."""
    paper = image.reduce(8).filter(ImageFilter.MaxFilter(5))
    histogram = paper.histogram()
    return _percentile(histogram, 0.95) - _percentile(histogram, 0.05)


def test_uneven_light_is_evened_and_an_even_page_left_alone(
    certificate: tuple[Image.Image, dict[str, Any]],
) -> None:
    page, _ = certificate
    assert even_lighting(page) is page
    # Half a turn twice is the page again, now lit from one corner.
    dim = _photo(page, 2).transpose(Image.Transpose.ROTATE_180)
    assert _paper_spread(dim) > 50
    assert _paper_spread(even_lighting(dim)) < 10


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_a_page_on_its_side_is_told_from_one_upright_or_upside_down(
    certificate: tuple[Image.Image, dict[str, Any]], quarter_turns: int
) -> None:
    page, _ = certificate
    assert not lies_sideways(page)
    assert lies_sideways(_photo(page, quarter_turns)) == (quarter_turns != 2)


def test_skew_is_measured_in_the_right_direction(
    certificate: tuple[Image.Image, dict[str, Any]],
) -> None:
    page, _ = certificate
    assert estimate_skew(page) == 0.0
    tilted = page.rotate(2.0, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert estimate_skew(tilted) == pytest.approx(-2.0, abs=0.3)


@needs_tesseract
@pytest.mark.parametrize("quarter_turns", [0, 1, 2, 3])
def test_the_prepared_page_is_upside_down_exactly_when_the_reading_says_so(
    certificate: tuple[Image.Image, dict[str, Any]], quarter_turns: int
) -> None:
    page, _ = certificate
    photo = _photo(page, quarter_turns) if quarter_turns else page
    prepared = prepare_page(photo)
    assert prepared.quarter_turned == (quarter_turns in (1, 3))
    # The side test turns a page a quarter turn back; one turned three quarters ends upside down.
    assert upside_down(prepared.image) == (quarter_turns in (2, 3))


@needs_tesseract
def test_a_photo_turned_three_quarters_reads_like_the_upright_page(
    certificate: tuple[Image.Image, dict[str, Any]],
) -> None:
    page, expected = certificate
    skewed = page.rotate(random.Random(3).uniform(1, 2), fillcolor=255, expand=True)
    buffer = io.BytesIO()
    _photo(skewed, 3, 0.35).save(buffer, format="JPEG", quality=80)
    result = read_document(buffer.getvalue())
    assert result["source"] == "ocr"
    assert result["certificate_date"] == expected["certificate_date"]
    assert result["coverages"][0]["policy_number"] == expected["coverages"][0]["policy_number"]


def test_the_turn_in_two_bands_gives_pillows_pixels(
    certificate: tuple[Image.Image, dict[str, Any]],
) -> None:
    page, _ = certificate
    odd = page.crop((0, 0, 1001, 1333))
    for degrees in (1.7, -2.9):
        expected = odd.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)
        assert ImageChops.difference(_rotate(odd, degrees), expected).getbbox() is None


@needs_tesseract
def test_a_pdf_scanned_on_its_side_reads_in_page_points(
    certificate: tuple[Image.Image, dict[str, Any]],
) -> None:
    page, expected = certificate
    sideways = page.transpose(Image.Transpose.ROTATE_90)  # a landscape page in the file
    buffer = io.BytesIO()
    sideways.save(buffer, format="PDF", resolution=150)
    result = read_document(buffer.getvalue())
    assert result["source"] == "ocr"
    assert result["certificate_date"] == expected["certificate_date"]
    assert result["insured"]["name"] == expected["insured"]["name"]
    # Evidence boxes lie on the upright letter page: 612 points wide.
    boxes = [f["bbox"] for f in result["fields"].values() if f.get("bbox")]
    assert boxes and max(box[2] for box in boxes) <= 612


@needs_tesseract
def test_a_turned_scan_whose_sans_print_reads_as_words_upside_down_is_turned_upright() -> None:
    """A landscape scan turned three quarters (seed 31's fx-0036) comes out of the side test
    upside down; its sample read upside down gives 23 sure letters of mirrored sans-serif words,
    which once settled the page as upright and lost every field. Both readings are compared."""
    import pypdfium2 as pdfium

    from backend.acord.reader import _scanned_image

    built = build_document(31, 35, "turned", 5)
    assert built.entry["turn"]["raster_degrees"] == 270
    document = pdfium.PdfDocument(built.data)
    picture = _scanned_image(document[0])
    assert picture is not None
    prepared = prepare_page(picture)
    assert prepared.quarter_turned
    assert upside_down(prepared.image)
