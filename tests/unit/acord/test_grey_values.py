"""Scan values read again in grey: which lines of a box are read a second time."""

from __future__ import annotations

from backend.acord.evidence import Evidence
from backend.acord.geometry import PageText, Word
from backend.acord.page_labels import PageLabels
from tests.unit.acord.region_fakes import FakeRegionOcr, RegionCall, reads_as


def _reads_reread() -> FakeRegionOcr:
    """Reads every box as the word "Reread"."""
    return FakeRegionOcr(reads_as("Reread", inset=(4, 2, 4, 2)))


def test_only_lines_with_a_doubtful_word_are_read_again() -> None:
    sure = [Word("Acme", 20, 20, 40, 28, 0.97), Word("Roofing", 42, 20, 70, 28, 0.96)]
    doubtful = [Word("Ortando", 20, 40, 50, 48, 0.62), Word("FL", 52, 40, 60, 48, 0.98)]
    reader = _reads_reread()
    labels = PageLabels(PageText(sure + doubtful, 600, 800, 1), None, Evidence(1), reader)

    words = labels.grey_values((0, 0, 300, 100))

    assert words is not None
    assert len(reader.boxes) == 1 and reader.boxes[0][1] < 40 < reader.boxes[0][3]
    assert [w.text for w in words] == ["Acme", "Roofing", "Reread"]


def _garbled(call: RegionCall) -> list[Word]:
    """Two words of letters, with the low confidence Tesseract gives a reading that made
    letters out of something else."""
    box = call.box
    middle = (box[0] + box[2]) / 2
    return [
        Word("Qvx", box[0] + 2, box[1] + 2, middle - 2, box[3] - 2, 0.3),
        Word("Zrw", middle + 2, box[1] + 2, box[2] - 2, box[3] - 2, 0.1),
    ]


def test_a_line_read_worse_in_grey_keeps_the_page_pass_reading() -> None:
    number = [Word("104-551-7", 20, 20, 60, 28, 0.88)]
    name = [Word("Acme", 20, 40, 40, 48, 0.97), Word("Roofing", 42, 40, 70, 48, 0.96)]
    labels = PageLabels(
        PageText(number + name, 600, 800, 1), None, Evidence(1), FakeRegionOcr(_garbled)
    )

    words = labels.grey_values((0, 0, 300, 100))

    assert words is not None
    assert [w.text for w in words] == ["104-551-7", "Acme", "Roofing"]


def test_a_line_read_about_as_surely_in_grey_takes_the_grey_reading() -> None:
    broken = [Word("Ine", 20, 20, 40, 28, 0.62)]
    labels = PageLabels(PageText(broken, 600, 800, 1), None, Evidence(1), _reads_reread())

    words = labels.grey_values((0, 0, 300, 100))

    assert words is not None
    assert [w.text for w in words] == ["Reread"]
