"""A photographed sheet on a desk: found by its corners and pulled back to a rectangle."""

from __future__ import annotations

import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from backend.acord.page_quad import _rank, find_sheet, flatten, perspective_coefficients

DESK = 90
PAPER = 235
# A keystoned sheet: the far (top) edge shorter than the near one, as a phone held over it
# sees it; letter proportions (8.5 x 11).
CORNERS = ((260.0, 150.0), (1240.0, 170.0), (1330.0, 1500.0), (170.0, 1480.0))


def _photo() -> Image.Image:
    image = Image.new("L", (1500, 1650), DESK)
    draw = ImageDraw.Draw(image)
    draw.polygon(CORNERS, fill=PAPER)
    # Print and rules on the sheet: a ruled table must not split it into pieces.
    for step in range(8):
        y = 300 + step * 130
        draw.line([(300 + step * 3, y), (1200 + step * 6, y + 20)], fill=20, width=2)
    draw.line([(700, 250), (720, 1400)], fill=20, width=2)
    return image


def test_the_sheets_corners_are_found_on_the_desk() -> None:
    sheet = find_sheet(_photo())
    assert sheet is not None
    for (x, y), (want_x, want_y) in zip(sheet.corners, CORNERS, strict=True):
        assert abs(x - want_x) < 15 and abs(y - want_y) < 15


def test_a_page_that_fills_the_frame_is_left_alone() -> None:
    page = Image.new("L", (1200, 1550), PAPER)
    ImageDraw.Draw(page).line([(100, 400), (1100, 400)], fill=20, width=2)
    assert find_sheet(page) is None


def test_the_flattened_sheet_is_a_letter_rectangle_of_paper() -> None:
    photo = _photo()
    sheet = find_sheet(photo)
    assert sheet is not None
    flat = flatten(photo, sheet)
    assert abs(flat.height / flat.width - 11 / 8.5) < 0.01
    # No desk left at the corners: they are paper.
    inset = 12
    for x, y in (
        (inset, inset),
        (flat.width - inset, inset),
        (flat.width - inset, flat.height - inset),
        (inset, flat.height - inset),
    ):
        assert flat.getpixel((x, y)) > (DESK + PAPER) / 2


def test_perspective_coefficients_map_the_corners() -> None:
    target = ((0.0, 0.0), (100.0, 0.0), (100.0, 130.0), (0.0, 130.0))
    a, b, c, d, e, f, g, h = perspective_coefficients(target, CORNERS)
    for (u, v), (x, y) in zip(target, CORNERS, strict=True):
        w = g * u + h * v + 1
        assert abs((a * u + b * v + c) / w - x) < 1e-6
        assert abs((d * u + e * v + f) / w - y) < 1e-6


def test_repeated_small_rank_passes_give_pillows_large_window() -> None:
    # Noise reaching every edge: the edge handling of the two ways must agree too.
    rng = random.Random(5)
    image = Image.new("L", (61, 47))
    image.putdata([rng.randrange(256) for _ in range(61 * 47)])
    for kind, size in ((ImageFilter.MaxFilter, 5), (ImageFilter.MinFilter, 9)):
        ours = _rank(image, kind, size)
        assert ImageChops.difference(ours, image.filter(kind(size))).getbbox() is None


def test_a_sheet_on_a_pale_desk_lit_from_one_side_is_found() -> None:
    """The light falls off across the frame: the sheet's dim side is darker than the desk's
    lit side, so no single grey level parts them; paper is still the brightest thing near
    the sheet's edge."""
    pale_desk = 195
    image = Image.new("L", (1500, 1650), pale_desk)
    draw = ImageDraw.Draw(image)
    draw.polygon(CORNERS, fill=250)
    for step in range(8):
        y = 300 + step * 130
        draw.line([(300, y), (1200, y + 10)], fill=20, width=2)
    # Full light at the left edge, 35 % less at the right (a lamp to one side).
    ramp = Image.linear_gradient("L").rotate(90).resize(image.size)
    light = ramp.point(lambda v: 255 - round(v * 0.35))
    photo = ImageChops.multiply(image, light)
    assert photo.getpixel((1250, 800)) < photo.getpixel((60, 800))  # dim paper, lit desk
    sheet = find_sheet(photo)
    assert sheet is not None
    for (x, y), (want_x, want_y) in zip(sheet.corners, CORNERS, strict=True):
        assert abs(x - want_x) < 15 and abs(y - want_y) < 15


def test_things_against_the_sheet_and_a_frame_cutting_its_margin_leave_its_corners() -> None:
    """A sticky note and the corner of another sheet lie against the sheet's edges (the paper
    mask runs on past the edge there), a dark phone lies beside it: each edge is the line most
    of its points lie on, not the outline round the clutter."""
    photo = _photo()
    draw = ImageDraw.Draw(photo)
    draw.polygon([(560, 60), (740, 50), (750, 175), (570, 185)], fill=PAPER - 10)  # a note
    draw.polygon([(1200, 700), (1500, 640), (1500, 1000), (1310, 1010)], fill=PAPER)  # paper
    draw.ellipse((1340, 1200, 1480, 1400), fill=30)  # a phone
    sheet = find_sheet(photo)
    assert sheet is not None
    for (x, y), (want_x, want_y) in zip(sheet.corners, CORNERS, strict=True):
        assert abs(x - want_x) < 15 and abs(y - want_y) < 15
    # The frame cuts off the sheet's left margin: its left side is the frame's edge.
    cropped = photo.crop((300, 0, photo.width, photo.height))
    sheet = find_sheet(cropped)
    assert sheet is not None
    (tlx, _), _, _, (blx, _) = sheet.corners
    assert tlx < 15 and blx < 15
