"""Rows of the INSURER(S) AFFORDING COVERAGE box on a scan: each row's name and NAIC code."""

from __future__ import annotations

from PIL import Image, ImageDraw

from backend.acord.evidence import Evidence
from backend.acord.geometry import PageText, Word
from backend.acord.insurer_rows import _name_run, _read_insurer_row
from backend.acord.page_labels import PageLabels
from backend.acord.pdftext import InkMeter
from tests.unit.acord.region_fakes import FakeRegionOcr


def test_a_name_ends_at_the_first_gap_wider_than_its_spaces() -> None:
    name = [
        Word("Anchor", 354.8, 10, 379.6, 16),
        Word("Specialty", 382.7, 10, 414.6, 16),
        Word("Co.", 417.1, 10, 428.0, 16),
    ]
    # A scrap of the NAIC code read across the column's edge, 37 pt right of the name.
    scrap = Word("A798", 465.0, 9, 520.0, 17, 0.24)
    assert _name_run([*name, scrap]) == (name, [scrap])
    assert _name_run(name) == (name, [])
    assert _name_run([]) == ([], [])


def _row_page(page_words: list[Word], grey: list[Word]) -> PageLabels:
    """A page whose insurer row (y 20-32 pt) is inked, its grey reading `grey`."""
    scale = 2.0
    image = Image.new("L", (int(620 * scale), int(60 * scale)), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((360 * scale, 23 * scale, 500 * scale, 29 * scale), fill=0)
    page = PageText(page_words, 620, 60, 1)
    return PageLabels(page, InkMeter(image, scale), Evidence(1), FakeRegionOcr(lambda call: grey))


def test_a_row_the_grey_reading_was_unsure_of_is_read_from_the_likelier_words() -> None:
    grey = [
        Word("Harbor", 361.7, 23, 386.0, 29, 0.86),
        Word("Surplus", 388.8, 23, 415.0, 29, 0.76),
        Word("Lines", 418.1, 23, 436.0, 29, 0.02),
        Word("Insurance", 439.3, 23, 473.0, 29, 0.02),
        Word("Company", 476.4, 23, 508.0, 29, 0.75),
    ]
    # The page pass read the two words the grey reading was unsure of surely.
    page = [
        Word("Lines", 418.0, 23, 436.0, 29, 0.95),
        Word("Insurance", 439.0, 23, 473.0, 29, 0.96),
    ]
    words = _read_insurer_row(_row_page(page, grey), 340.0, (20.0, 32.0))
    assert [w.text for w in words] == ["Harbor", "Surplus", "Lines", "Insurance", "Company"]
    # Without them the row reads as noise, and is not taken.
    assert _read_insurer_row(_row_page([], grey), 340.0, (20.0, 32.0)) == []


def test_a_garbled_word_over_a_surely_read_one_is_dropped() -> None:
    grey = [
        Word("Oak", 387.2, 23, 401.8, 29, 0.48),
        Word("Surplus", 404.2, 23, 431.3, 29, 0.2),
        Word("Lines", 432.8, 23, 453.8, 29, 0.06),
        Word("Insurance", 454.6, 23, 491.4, 29, 0.06),
        # Rules and the NAIC code read as one word over the name's last word and beyond.
        Word("sss26627—", 492.3, 22, 600.0, 30, 0.0),
        Word("Company", 496.1, 23, 531.7, 29, 0.75),
    ]
    page = [
        Word("Oak", 387.5, 23, 401.2, 29, 0.96),
        Word("Surplus", 404.4, 23, 431.3, 29, 0.96),
        Word("Lines", 434.2, 23, 452.3, 29, 0.97),
        Word("Insurance", 455.2, 23, 489.7, 29, 0.97),
        Word("Company", 492.6, 23, 526.1, 29, 0.96),
    ]
    words = _read_insurer_row(_row_page(page, grey), 340.0, (20.0, 32.0))
    assert [w.text for w in words] == ["Oak", "Surplus", "Lines", "Insurance", "Company"]
