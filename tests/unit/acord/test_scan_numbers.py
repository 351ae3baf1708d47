"""Scan values of the COVERAGES line and the coverage table read again: certificate and
revision numbers the page pass lost, policy numbers from a one-line reading of their cell."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from backend.acord import tesseract_api
from backend.acord.coverage_rows import policy_number_reading
from backend.acord.evidence import Evidence
from backend.acord.geometry import PageText, Word
from backend.acord.ocr import RegionReader
from backend.acord.page_labels import PageLabels
from backend.acord.pdftext import InkMeter
from backend.acord.scan_header import (
    _reread_value,
    certificate_number_like,
    revision_label_extent,
    rule_scrap,
    scan_numbers,
    without_revision_start,
)
from tests.unit.acord.region_fakes import FakeRegionOcr, RegionCall, reads_as


def test_policy_numbers_split_on_narrow_gaps_are_joined() -> None:
    # "ZMK-19851" and "13" overlap: one number OCR cut in two.
    words = [Word("ZMK-19851", 206.0, 10, 254.8, 17), Word("13", 246.7, 10, 255.3, 17)]
    assert policy_number_reading(words)[0] == "ZMK-1985113"
    # 1.3 pt between words of letters some 4.5 pt wide: no printed space.
    words = [Word("71GLHF", 206.2, 10, 233.5, 17), Word("06254", 234.8, 10, 256.7, 17)]
    assert policy_number_reading(words)[0] == "71GLHF06254"


def test_policy_numbers_keep_their_printed_spaces() -> None:
    # A space leaves about half a letter's width of paper, or more.
    words = [Word("ZUW", 206.0, 10, 220.0, 17), Word("854073", 222.0, 10, 250.4, 17)]
    value, used = policy_number_reading(words)
    assert value == "ZUW 854073" and used == words


def test_policy_number_readings_lose_rule_scraps_and_need_a_number() -> None:
    words = [Word("/", 200.0, 10, 201.0, 17), Word("/58GLV037220", 202.0, 10, 250.0, 17)]
    assert policy_number_reading(words)[0] == "58GLV037220"
    assert policy_number_reading([Word("SS", 206.0, 10, 215.0, 17)]) == (None, [])
    assert policy_number_reading([Word("EEE", 206.0, 10, 220.0, 17)]) == (None, [])
    assert policy_number_reading([]) == (None, [])


def test_certificate_numbers_are_told_from_print_and_specks() -> None:
    assert certificate_number_like("CX730145")
    assert certificate_number_like("00417730-251103094512")
    assert certificate_number_like("CGL 2024-A")
    assert not certificate_number_like("qT")
    assert not certificate_number_like("a ae ae a FOR")
    assert not certificate_number_like("SAYS. THE INSURANCE")
    # Small letters among the digits: a stamp over the line, read as letters and digits.
    assert not certificate_number_like("A22is5e8ilt")


def _cell_page(with_value: bool) -> tuple[PageLabels, FakeRegionOcr]:
    """At 4 px per point: a ruled cell 12 pt high, grey paper with specks, a vertical rule
    across the cell at x=150 pt, and if asked a value's upright strokes above the middle."""
    image = Image.new("L", (800, 240), 235)
    draw = ImageDraw.Draw(image)
    for x in range(0, 800, 9):
        for y in range(84, 124, 11):
            draw.point((x, y), fill=90)  # specks
    draw.rectangle((0, 80, 799, 81), fill=0)
    draw.rectangle((0, 128, 799, 129), fill=0)
    draw.rectangle((600, 80, 601, 128), fill=0)
    if with_value:
        # A "1" set a few points above the label's line: one stroke 6 pt tall.
        draw.rectangle((240, 88, 242, 112), fill=20)
    reader = FakeRegionOcr(reads_as("5", 0.8))
    page = PageText([], 200, 60, 1)
    header = PageLabels(page, InkMeter(image, 4.0), Evidence(1), reader)
    return header, reader


def test_a_value_the_page_pass_lost_is_read_where_its_cell_holds_print() -> None:
    header, reader = _cell_page(with_value=True)

    value = _reread_value(header, "/revision_number", (40, 18, 190, 34), "0123456789")

    assert value == "5"
    (call,) = reader.calls
    box = call.box
    # Between the cell's rules, around the strokes only (not the rule at x=150).
    assert 20 < box[1] and box[3] < 32 and 55 <= box[0] <= 60 and 60 < box[2] < 66
    assert call.single_char  # a lone character is read as one
    assert call.whitelist == "0123456789"


def test_an_empty_speckled_cell_is_not_read() -> None:
    header, reader = _cell_page(with_value=False)

    assert _reread_value(header, "/revision_number", (40, 18, 190, 34), "0123456789") is None
    assert reader.calls == []


def test_rule_scraps_are_told_from_print() -> None:
    assert rule_scrap("O”S”*~*~<C*~‘~*~*d")
    assert rule_scrap("~*~<C*")
    assert not rule_scrap("5")
    assert not rule_scrap("5.")
    assert not rule_scrap("74375-4§7972708648—==SS=S*~")


def test_the_revision_label_is_placed_however_ocr_spelled_it() -> None:
    words = [
        Word("91553825-88333788", 272, 258, 330, 266),
        Word("“REVISIONNUMBER:", 470, 258, 530, 266),
        Word("2", 545, 258, 549, 266),
    ]
    label = revision_label_extent(words)
    assert label is not None and (label.x0, label.x1) == (470, 530)
    split = [Word("REVISE", 450, 258, 470, 266), Word("NUMBER:", 472, 258, 500, 266)]
    label = revision_label_extent([words[0], *split, words[2]])
    assert label is not None and (label.x0, label.x1) == (450, 500)
    assert revision_label_extent([words[0], words[2]]) is None


_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_PX_PER_PT = 4


def _coverages_line() -> tuple[Image.Image, list[Word]]:
    """The COVERAGES line of a form drawn at 4 px per point between its two rules, and the
    words a page pass read of it: the REVISION NUMBER label lost (its rule's scrap read in
    its place), the rest read."""
    image = Image.new("L", (2400, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 40, 2399, 42), fill=0)
    draw.rectangle((0, 120, 2399, 122), fill=0)
    label_font = ImageFont.truetype(_FONT, 26)
    value_font = ImageFont.truetype(_FONT, 36)
    words: list[Word] = []
    x = 40
    for text, font, read in (
        ("COVERAGES", label_font, "COVERAGES"),
        ("CERTIFICATE", label_font, "CERTIFICATE"),
        ("NUMBER:", label_font, "NUMBER:"),
        ("CX730145", value_font, "CX730145"),
        ("REVISION", label_font, "O”S”*~*~<C*~‘~"),
        ("NUMBER:", label_font, "*~*d"),
        ("3", value_font, None),
    ):
        left, top, right, bottom = draw.textbbox((x, 64), text, font=font)
        draw.text((x, 64), text, fill=0, font=font)
        if read is not None:
            words.append(Word(read, *(v / _PX_PER_PT for v in (left, top, right, bottom)), 0.9))
        x = right + (240 if text in ("CX730145", "COVERAGES") else 24)
    return image, words


@pytest.mark.skipif(not tesseract_api.available(), reason="libtesseract not installed")
def test_numbers_are_read_past_a_revision_label_the_page_pass_lost() -> None:
    image, words = _coverages_line()
    scale = 1 / _PX_PER_PT
    page = PageText(words, image.width * scale, image.height * scale, 1)
    header = PageLabels(page, InkMeter(image, _PX_PER_PT), Evidence(1), RegionReader(image, scale))

    assert scan_numbers(header) == ("CX730145", "3")


def test_a_split_beside_a_narrow_one_or_a_dash_is_joined() -> None:
    # Letters some 4.5 pt wide; 2.6 pt of paper beside a "1" (its digit cell's blank) is no
    # printed space, nor is a space on one side of a dash.
    words = [Word("SLD-1", 206.0, 10, 226.0, 17), Word("132309", 228.6, 10, 255.0, 17)]
    assert policy_number_reading(words)[0] == "SLD-1132309"
    words = [Word("BA7", 206.0, 10, 219.0, 17), Word("180299", 221.3, 10, 247.0, 17)]
    assert policy_number_reading(words)[0] == "BA7180299"
    words = [Word("TRP-", 206.0, 10, 222.0, 17), Word("2234678", 224.5, 10, 256.0, 17)]
    assert policy_number_reading(words)[0] == "TRP-2234678"
    words = [Word("MCF", 206.0, 10, 219.0, 17), Word("-2476086", 221.0, 10, 256.0, 17)]
    assert policy_number_reading(words)[0] == "MCF-2476086"
    # A printed space between letters and a "1" stays one: only digits are set on one width.
    words = [Word("LLW", 206.0, 10, 219.0, 17), Word("133763", 222.0, 10, 248.0, 17)]
    assert policy_number_reading(words)[0] == "LLW 133763"


def _value_page(page_words: list[Word], grey: list[tuple[str, float]]) -> PageLabels:
    """A page whose value box the page pass read as `page_words`, and a grey reading of it
    as the words `grey` (text, confidence) set side by side across the box read."""

    def answer(call: RegionCall) -> list[Word]:
        box = call.box
        step = (box[2] - box[0]) / max(len(grey), 1)
        return [
            Word(text, box[0] + i * step, box[1] + 1, box[0] + (i + 1) * step - 1, box[3] - 1, c)
            for i, (text, c) in enumerate(grey)
        ]

    image = Image.new("L", (800, 240), 255)
    page = PageText(page_words, 200, 60, 1)
    return PageLabels(page, InkMeter(image, 4.0), Evidence(1), FakeRegionOcr(answer))


def test_the_page_pass_is_kept_where_the_grey_reading_is_worse() -> None:
    box = (40.0, 20.0, 190.0, 32.0)
    # A lone digit the page pass read surely, the grey reading less surely as another.
    labels = _value_page([Word("1", 60, 22, 63, 30, 0.97)], [("4", 0.76)])
    assert _reread_value(labels, "/revision_number", box, "0123456789", valid=str.isdigit) == "1"
    # ... and where both are about as sure, the grey reading (it mends broken strokes).
    labels = _value_page([Word("1", 60, 22, 63, 30, 0.85)], [("4", 0.80)])
    assert _reread_value(labels, "/revision_number", box, "0123456789", valid=str.isdigit) == "4"
    # A letter the page pass read in a digits-only box is the digit it looks like.
    labels = _value_page([Word("T", 60, 22, 63, 30, 0.92)], [])
    assert _reread_value(labels, "/revision_number", box, "0123456789", valid=str.isdigit) == "1"
    # A grey reading that is no value gives way to a page pass's that is one.
    labels = _value_page(
        [Word("CX730145", 60, 22, 100, 30, 0.5)], [("CX73O145", 0.7), ("ab.c", 0.6)]
    )
    value = _reread_value(labels, "/certificate_number", box, valid=certificate_number_like)
    assert value == "CX730145"


def test_specks_and_periods_in_a_grey_number_reading_are_dropped() -> None:
    box = (40.0, 20.0, 190.0, 32.0)
    grey = [("45097568-15.4178989598", 0.59), ("i", 0.0), ("t—", 0.0)]
    labels = _value_page([Word("45097568-194178989598", 60, 22, 150, 30, 0.49)], grey)
    value = _reread_value(labels, "/certificate_number", box, valid=certificate_number_like)
    assert value == "45097568-154178989598"


def test_a_longer_number_keeps_its_grey_reading_though_the_page_pass_was_surer() -> None:
    box = (40.0, 20.0, 190.0, 32.0)
    page = [Word("97285283-8487", 60, 22, 110, 30, 0.88), Word("35500804", 112, 22, 150, 30, 0.97)]
    labels = _value_page(page, [("97285283-868735500804", 0.7)])
    value = _reread_value(labels, "/certificate_number", box, valid=certificate_number_like)
    assert value == "97285283-868735500804"


def test_the_revision_labels_first_letters_are_no_part_of_the_certificate_number() -> None:
    assert without_revision_start("CN904734 RE") == "CN904734"
    assert without_revision_start("CN904734 REV") == "CN904734"
    # A number alone, or one whose last word is not the label's start, is kept.
    assert without_revision_start("CN904734") == "CN904734"
    assert without_revision_start("92423841-972478345482") == "92423841-972478345482"
    assert without_revision_start("CERT 2024 R7") == "CERT 2024 R7"
