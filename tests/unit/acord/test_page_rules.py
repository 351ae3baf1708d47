"""A page's long ruled lines are taken out before the page pass reads it; its print, however
bold and blurred, and its check boxes stay."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFilter

from backend.acord.page_rules import rules_mask, without_rules

# A part of a form at the OCR's 265 dpi, with the blur of a phone's photo.
SIZE = (1200, 500)
PAPER = 205
INK = 40
BLUR_PX = 1.5


def _form() -> Image.Image:
    page = Image.new("L", SIZE, PAPER)
    draw = ImageDraw.Draw(page)
    # Rules across (one with a line of print pressed a few pixels under it, as a date box's
    # value or a section's label sits) and a rule down.
    draw.line([(20, 100), (1180, 100)], fill=INK, width=3)
    draw.line([(20, 300), (1180, 300)], fill=INK, width=2)
    draw.line([(600, 20), (600, 480)], fill=INK, width=3)
    # Bold print: capitals 22 pixels tall, stems 5 wide, close together.
    for x in range(40, 560, 9):
        draw.rectangle((x, 106, x + 5, 128), fill=INK)
    # A check box, 30 pixels a side (8 pt), and a tick in it.
    draw.rectangle((700, 200, 730, 230), outline=INK, width=2)
    draw.line([(704, 204), (726, 226)], fill=INK, width=3)
    return page.filter(ImageFilter.GaussianBlur(BLUR_PX))


def test_rules_are_painted_over_in_the_papers_level() -> None:
    cleaned = without_rules(_form())
    for x in (100, 500, 900, 1100):
        assert cleaned.getpixel((x, 100)) > PAPER - 20
        assert cleaned.getpixel((x, 300)) > PAPER - 20
    for y in (50, 200, 400):
        assert cleaned.getpixel((600, y)) > PAPER - 20


def test_print_pressed_against_a_rule_and_check_boxes_stay() -> None:
    form = _form()
    mask, _ = rules_mask(form)
    # The print's middle rows and the box's sides and tick are not a rule's.
    for x in range(42, 550, 9):
        assert mask.getpixel((x + 2, 117)) == 0
    for point in ((700, 215), (730, 215), (715, 200), (715, 230), (715, 215)):
        assert mask.getpixel(point) == 0
    cleaned = without_rules(form)
    assert cleaned.getpixel((42 + 2, 117)) < PAPER / 2
    assert cleaned.getpixel((715, 215)) < PAPER / 2


def test_a_rule_is_taken_out_to_its_end_on_a_page_not_a_whole_number_of_cells() -> None:
    """The rules are found in cells 32 pixels long; on a page whose side is no whole number of
    cells, each cell must be painted where it was measured: painted as if the cells were
    exactly 32 pixels, the mask fell short of the rules near the far end of the page, and the
    stub of each rule down left standing there was read as a "1" (an OTHER row of the coverage
    table made of rules' ends)."""
    size = (900, 2900)  # 2900 = 90 cells of 32 and 20 pixels over
    page = Image.new("L", size, PAPER)
    draw = ImageDraw.Draw(page)
    draw.line([(20, 2800), (880, 2800)], fill=INK, width=3)
    draw.line([(450, 100), (450, 2800)], fill=INK, width=3)
    cleaned = without_rules(page.filter(ImageFilter.GaussianBlur(BLUR_PX)))
    for y in range(2700, 2800, 4):
        assert cleaned.getpixel((450, y)) > PAPER - 20, y


def test_a_rule_ending_inside_a_cell_is_taken_out_to_its_end() -> None:
    """A rule down that ends at a rule across (a box's corner) ends inside one of the cells it
    is measured in: that cell is only partly inked and was left standing, and the stub (up to
    31 pixels, 8 pt) read as a "t" after the certificate number."""
    size = (640, 640)  # whole cells: only where the rule ends matters here
    page = Image.new("L", size, PAPER)
    draw = ImageDraw.Draw(page)
    draw.line([(20, 400), (620, 400)], fill=INK, width=3)
    # Down from the top to the rule across, ending 16 pixels into a cell (400 = 12 * 32 + 16).
    draw.line([(300, 20), (300, 400)], fill=INK, width=3)
    form = page.filter(ImageFilter.GaussianBlur(BLUR_PX))
    cleaned = without_rules(form)
    for y in range(380, 400, 2):
        assert cleaned.getpixel((300, y)) > PAPER - 20, y
    # Print beside the rule's end, past it along no row of the rule, stays.
    mask, _ = rules_mask(form)
    assert mask.getpixel((300, 430)) == 0
