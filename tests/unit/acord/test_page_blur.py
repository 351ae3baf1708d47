"""A page's blur measured on the form's rules, and undone before the black-and-white cut."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from backend.acord.ocr import binarize, sharpened
from backend.acord.page_blur import (
    SMALL_PRINT_PITCH_PT,
    Blur,
    deblurred,
    measure_blur,
    merges_small_print,
)
from fixturegen.generate import build_document
from fixturegen.scan import rasterise

# The OCR's scale: a letter page 2900 pixels tall is about 265 dpi.
OCR_DPI = 265


@pytest.fixture(scope="module")
def page() -> Image.Image:
    """A generated certificate, drawn sharp at the OCR's scale."""
    built = build_document(31, 0, "text", 0)
    return rasterise(built.data, OCR_DPI)[0]


@pytest.mark.parametrize("sigma", [1.0, 2.0, 3.0])
def test_the_blur_measured_on_the_rules_is_the_lens_blur(page: Image.Image, sigma: float) -> None:
    sharp = measure_blur(page)
    assert sharp is not None
    blurred = measure_blur(page.filter(ImageFilter.GaussianBlur(sigma)))
    assert blurred is not None
    # A thin rule blurred is about as wide as the blur and the rule in quadrature.
    expected = (sigma**2 + sharp.sigma_px**2) ** 0.5
    assert blurred.sigma_px == pytest.approx(expected, rel=0.2)


def test_a_page_without_rules_has_no_measured_blur() -> None:
    text_only = Image.new("L", (2200, 2800), 255)
    draw = ImageDraw.Draw(text_only)
    for row in range(40):
        draw.text((100, 100 + row * 60), "THE QUICK BROWN FOX JUMPS " * 5, fill=0)
    assert measure_blur(text_only) is None
    assert measure_blur(Image.new("L", (2200, 2800), 255)) is None


def _difference(a: Image.Image, b: Image.Image) -> int:
    """Pixels where two black-and-white pages disagree."""
    return sum(ImageChops.difference(a, b).point(lambda p: 1 if p else 0).histogram()[1:])


def test_undoing_the_blur_brings_the_cut_page_back_towards_the_sharp_one(
    page: Image.Image,
) -> None:
    blurred = page.filter(ImageFilter.GaussianBlur(1.8))
    blur = measure_blur(blurred)
    assert blur is not None
    sharp_cut = binarize(page)
    assert _difference(binarize(deblurred(blurred, blur)), sharp_cut) < 0.8 * _difference(
        binarize(blurred), sharp_cut
    )


def test_a_blur_wider_than_the_small_prints_stem_step_merges_it(page: Image.Image) -> None:
    points_per_pixel = 72 / OCR_DPI
    slight = measure_blur(page.filter(ImageFilter.GaussianBlur(1.0)))
    heavy = measure_blur(page.filter(ImageFilter.GaussianBlur(3.0)))
    assert slight is not None and heavy is not None
    assert not merges_small_print(slight, points_per_pixel)
    assert merges_small_print(heavy, points_per_pixel)
    # The bound is the step itself, in points whatever the scale.
    step_px = SMALL_PRINT_PITCH_PT / points_per_pixel
    assert merges_small_print(Blur(step_px * 1.01), points_per_pixel)
    assert not merges_small_print(Blur(step_px * 0.99), points_per_pixel)


def test_a_slight_blur_undone_as_measured_stays_closer_to_the_page_than_a_fixed_sharpening(
    page: Image.Image,
) -> None:
    """A fixed sharpening, made for a heavy blur, overshoots a slight one: halos round the
    print that a grey read's local threshold takes for ink."""
    blurred = page.filter(ImageFilter.GaussianBlur(1.0))
    blur = measure_blur(blurred)
    assert blur is not None

    def far_off(image: Image.Image) -> int:
        """Pixels more than a quarter of the grey scale away from the sharp page."""
        difference = ImageChops.difference(image, page)
        return sum(difference.histogram()[64:])

    assert far_off(deblurred(blurred, blur)) < far_off(sharpened(blurred))
