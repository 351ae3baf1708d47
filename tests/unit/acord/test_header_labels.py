"""The INSURED box label of a scan, found under the PRODUCER label however OCR spelt it."""

from __future__ import annotations

from backend.acord.evidence import Evidence
from backend.acord.geometry import BBox, PageText, Word
from backend.acord.header_boxes import _insured_label
from backend.acord.page_labels import PageLabels


def _no_reading(
    box: BBox,
    single_char: bool = False,
    sparse: bool = False,
    zoom: float = 1.0,
    *,
    single_line: bool = False,
    whitelist: str | None = None,
) -> list[Word]:
    return []


def _page(insured_label: str) -> list[Word]:
    return [
        Word("PRODUCER", 37.4, 65.1, 68.9, 69.7),
        Word("Farrow", 43.0, 76.9, 65.9, 82.7),
        Word("Insurance", 68.6, 88.6, 100.0, 93.9),  # a value's word, not the label
        Word(insured_label, 37.4, 161.5, 62.5, 165.7),
        Word("Greaves", 56.0, 172.1, 83.8, 178.0),
        Word("COVERAGES", 37.0, 240.0, 80.0, 245.0),
        Word("INSRD", 50.1, 288.6, 64.8, 292.3),  # the table's INSR LTR header
        Word("insureds", 96.1, 612.8, 123.6, 618.1),  # the description's running text
    ]


def test_a_garbled_insured_label_is_the_capitalised_word_under_producer() -> None:
    for spelling in ("SURED", "WWSURED", "INSURED"):
        reader = PageLabels(PageText(_page(spelling), 612, 792, 1), None, Evidence(1), _no_reading)
        label = _insured_label(reader)
        assert label is not None and (label.x0, label.top) == (37.4, 161.5), spelling


def test_without_a_label_under_producer_the_head_of_the_form_is_searched_only() -> None:
    words = [w for w in _page("SURED") if w.text != "SURED"]
    reader = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1), _no_reading)
    label = _insured_label(reader)
    # Neither "INSRD" below COVERAGES nor "insureds" of the description.
    assert label is None


def test_the_insurer_labels_letter_read_as_a_short_word_is_no_part_of_the_name() -> None:
    from backend.acord.insurer_rows import _without_label_letter

    name = [
        Word("Eastwick", 361.2, 182.0, 390.0, 189.0),
        Word("Mutual", 392.2, 182.0, 415.0, 189.0),
    ]
    # "A :" after the INSURER label (ending at x=332) read as "ERA", a wide gap before the name.
    assert _without_label_letter([Word("ERA", 333.0, 182.0, 345.0, 189.0), *name], 332.0) == name
    # A name's own short first word is set a space before the next one.
    ace = [Word("ACE", 340.0, 182.0, 354.0, 189.0), Word("American", 357.0, 182.0, 390.0, 189.0)]
    assert _without_label_letter(ace, 332.0) == ace
    assert _without_label_letter(name, 332.0) == name
