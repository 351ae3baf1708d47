"""A photographed form pulled flat from its own ruled grid: the rules that bend on the photo
(a curled, folded sheet through a wide-angle lens) run straight on the page made from it."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from backend.acord.page_dewarp import Traced, _chains, _form_frame, rectify, trace
from backend.acord.page_image import prepare_page
from backend.acord.page_quad import find_sheet, flatten
from backend.acord.reader import read_bytes
from fixturegen.camera import Shape, Shot, photograph

# A letter page at 150 dpi, its form's borders a quarter inch in from each side.
PAGE = (1275, 1650)
BORDER = 38


def _ruled_page(rules: bool = True) -> Image.Image:
    page = Image.new("RGB", PAGE, (255, 255, 255))
    draw = ImageDraw.Draw(page)
    right = PAGE[0] - BORDER
    top, bottom = 104, 1566
    if rules:
        draw.rectangle((BORDER, top, right, bottom), outline=(0, 0, 0), width=2)
        for y in range(top + 60, bottom, 62):
            draw.line([(BORDER, y), (right, y)], fill=(0, 0, 0), width=2)
        draw.line([(640, top), (640, 700)], fill=(0, 0, 0), width=2)
    # Lines of "print": words of thin stems with gaps between them, as letters are.
    rng = random.Random(5)
    for y in range(top + 20, bottom - 20, 62):
        x = BORDER + 12
        while x < right - 120:
            width = rng.randint(20, 90)
            for stem in range(x, x + width, 5):
                draw.rectangle((stem, y, stem + 1, y + 14), fill=(40, 40, 40))
            x += width + rng.randint(10, 30)
    return page


def _photo(page: Image.Image) -> Image.Image:
    """The page curled (its left and right edges lifted), folded in three, twisted and keystoned,
    through a lens with barrel distortion: a photo of the generator's camera, fixed."""
    shot = Shot(
        frame=(1500, 2000),
        quad=((230.0, 120.0), (1300.0, 150.0), (1400.0, 1880.0), (110.0, 1850.0)),
        twist=2.0,
        distance=0.85,
        barrel=0.018,
        shape=Shape("across", 0.025, 0.2, (True, True), ((1 / 3, 0.008), (2 / 3, -0.008))),
        crop=None,
    )
    image, _ = photograph(random.Random(3), page, 150, shot, (0.25, (0.3, 0.2), (1.0, 1.0, 1.0)))
    return image.convert("L")


def _worst_bend(traced: Traced, least_span: float) -> float:
    """The largest distance of a traced rule across from the straight line through its ends."""
    worst = 0.0
    for chain in traced.across:
        (x0, y0), (x1, y1) = chain[0], chain[-1]
        if x1 - x0 < least_span:
            continue
        for x, y in chain:
            worst = max(worst, abs(y - (y0 + (y1 - y0) * (x - x0) / (x1 - x0))))
    return worst


def test_the_rules_bent_on_the_photo_run_straight_on_the_page() -> None:
    photo = _photo(_ruled_page())
    flat = rectify(photo, find_sheet(photo))
    assert flat is not None and flat.rules >= 10
    straight = _worst_bend(trace(flat.image), 0.5 * flat.image.width)
    # Flattened by the sheet's corners alone, the same page keeps the curl's bow.
    sheet = find_sheet(photo)
    assert sheet is not None
    cornered = flatten(photo, sheet)
    scale = flat.image.width / cornered.width
    bowed = _worst_bend(trace(cornered), 0.5 * cornered.width) * scale
    assert bowed > 12, bowed
    assert straight < 5, straight


def test_the_page_is_a_letter_page_with_the_borders_a_quarter_inch_in() -> None:
    photo = _photo(_ruled_page())
    flat = rectify(photo, find_sheet(photo))
    assert flat is not None
    width = flat.image.width
    # The sheet's top and bottom edges stand a letter page apart: they set its height.
    assert abs(flat.image.height / width - 11 / 8.5) < 0.01
    # The left border's ink lies a quarter inch (18 pt) in from the page's edge.
    row = flat.image.crop((0, 1100, width // 4, 1101)).tobytes()
    first_ink = next(i for i, v in enumerate(row) if v < 128)
    assert abs(first_ink - 18 / 612 * width) < 12


def test_a_photographed_sheet_without_a_ruled_grid_is_said_so() -> None:
    photo = _photo(_ruled_page(rules=False))
    assert rectify(photo, find_sheet(photo)) is None
    page = prepare_page(photo)
    assert page.flattened and page.grid_missing
    out = io.BytesIO()
    photo.convert("RGB").save(out, format="JPEG", quality=85)
    result = read_bytes(out.getvalue())
    assert any("ruled grid was not found" in warning for warning in result["warnings"])


def test_a_sheet_framed_tightly_in_perspective_is_pulled_flat_and_a_scan_is_not() -> None:
    """A phone held close: the sheet runs out of the frame at the top and right, desk shows
    along the left and bottom only, and its form spans over 85 % of the frame's width. Its
    borders converge (the keystone), so it is a photo; a scan as tightly framed, with dark
    margins along its left and bottom edges, has them parallel and stays a scan."""
    shot = Shot(
        frame=(1500, 2000),
        quad=((90.0, -30.0), (1515.0, -10.0), (1530.0, 1950.0), (30.0, 1930.0)),
        twist=0.5,
        distance=0.85,
        barrel=0.0,
        shape=Shape("across", 0.005, 0.5, (True, True), ()),
        crop=None,
    )
    image, _ = photograph(
        random.Random(4), _ruled_page(), 150, shot, (0.2, (0.3, 0.2), (1.0, 1.0, 1.0))
    )
    photo = prepare_page(image.convert("L"))
    assert photo.flattened and not photo.grid_missing

    page = _ruled_page().convert("L").resize((1460, 1889)).rotate(1.0, fillcolor=255)
    scan = Image.new("L", (1500, 2000), 60)
    scan.paste(page, (40, 0))
    assert not prepare_page(scan).flattened


def test_the_form_keeps_its_top_when_print_touching_the_top_rules_hides_them() -> None:
    """Bold capitals a point under the form's top rules merge with them on a blurred photo, so
    the first rule traced from border to border lies far down the form; the borders still run
    up to the top rule, and the form's frame starts there (not at the first rule traced)."""
    left = [(200.0 - 0.02 * y, float(y)) for y in range(100, 1501, 16)]
    right = [(1300.0 + 0.02 * y, float(y)) for y in range(100, 1501, 16)]
    across = [
        [(float(x), y + 0.01 * x) for x in range(200 - round(0.02 * y), 1300 + round(0.02 * y), 16)]
        for y in range(400, 1501, 60)
    ]
    frame = _form_frame(Traced(across, [left, right]))
    assert frame is not None
    top_line, bottom_line = frame[2], frame[3]
    middle = 750.0
    assert abs(top_line[0] + top_line[1] * middle - 100) < 3
    assert abs(bottom_line[0] + bottom_line[1] * middle - (1480 + 0.01 * middle)) < 25


def test_a_traced_rule_goes_on_along_its_slope_across_a_gap_and_does_not_jump() -> None:
    """Crossings of a steep rule (a twisted photo) linked strip to strip: across a gap of three
    strips (print touching the rule) the chain goes on along its slope, and does not take a
    line of print lying level with its last crossing, which was nearer to it than the rule."""
    slope = 2.5
    strips = [(8.0 + 16 * i, [100.0 + slope * i]) for i in range(10)]
    strips += [(8.0 + 16 * i, []) for i in range(10, 13)]
    print_level = 100.0 + slope * 9 + 2
    strips += [(8.0 + 16 * i, [print_level, 100.0 + slope * i]) for i in range(13, 24)]
    longest = max(_chains(strips), key=len)
    assert len(longest) == 21
    assert all(abs(y - (100.0 + slope * (x - 8.0) / 16)) < 0.01 for x, y in longest)
