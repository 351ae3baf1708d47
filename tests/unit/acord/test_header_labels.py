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


def test_an_insured_label_ocr_split_in_two_is_one_label() -> None:
    words = [w for w in _page("INSURED") if w.text != "INSURED"]
    # "INSURED" read as "INSU" and "RED" with a stroke's gap between them.
    words += [Word("INSU", 37.4, 161.5, 50.0, 165.7), Word("RED", 52.0, 161.5, 62.5, 165.7)]
    reader = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1), _no_reading)
    label = _insured_label(reader)
    assert label is not None and (label.x0, label.x1) == (37.4, 62.5)
    # Neither piece is left to be read as the insured's name.
    assert {w.text for w in reader.values_in((0, 150, 300, 170))} == set()


def test_a_one_word_label_ocr_split_in_two_is_found_fuzzily() -> None:
    words = [
        Word("PROD", 37.4, 65.1, 52.0, 69.7),
        Word("UCER", 53.5, 65.1, 68.9, 69.7),
        Word("Farrow", 43.0, 76.9, 65.9, 82.7),
    ]
    reader = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1), _no_reading)
    label = reader.label("PRODUCER", region=reader.left_margin, whole=True)
    assert label is not None and (label.x0, label.x1) == (37.4, 68.9)
    assert [w.text for w in reader.values_in((0, 60, 110, 90))] == ["Farrow"]
    # Two words a space apart that do not spell the label stay values.
    other = [Word("PROD", 37.4, 65.1, 52.0, 69.7), Word("Farrow", 56.0, 65.1, 80.0, 69.7)]
    reader = PageLabels(PageText(other, 612, 792, 1), None, Evidence(1), _no_reading)
    assert reader.label("PRODUCER", region=reader.left_margin, whole=True) is None


def test_a_misspelt_coverages_heading_is_found_at_the_forms_left_edge_on_a_scan() -> None:
    words = [
        Word("lex", 29.2, 238.0, 39.4, 253.0),  # a blot before it, read as a word
        Word("WERAGES", 40.2, 243.6, 74.2, 248.4),
        Word("CN065465", 252.2, 243.0, 288.1, 248.9),
        Word("COVERAGE", 330.0, 600.0, 370.0, 605.0),  # the same word lower down, in a value
    ]
    reader = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1), _no_reading)
    label = reader.coverages_label()
    assert label is not None and (label.x0, label.x1) == (40.2, 74.2)
    # A text page's heading is its exact words only.
    text_page = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1))
    assert text_page.coverages_label() is None


def test_a_label_of_several_words_with_one_misread_is_found_on_a_scan() -> None:
    """Seen on a seed-7 photo: WORKERS COMP / EMPLOYERS' LIABILITY read as "WORKERS COVIP /
    EMPLOVERS LIABILITY", and the whole workers compensation row was lost."""
    words = [
        Word("WORKERS", 36.1, 484.4, 64.5, 488.5),
        Word("COVIP", 66.1, 484.4, 83.1, 488.5),
        Word("/", 84.7, 485.0, 85.8, 488.2),
        Word("EMPLOVERS", 87.7, 484.4, 123.8, 488.5),
        Word("LIABILITY", 126.0, 484.4, 154.4, 488.5),
        Word("UMBRELLA", 36.1, 440.0, 70.0, 444.0),
        Word("LIAB", 72.0, 440.0, 88.0, 444.0),
    ]
    region = (0.0, 300.0, 420.0, 560.0)
    names = ("WORKERS COMPENSATION", "WORKERS COMP", "EMPLOYERS LIABILITY")
    scan = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1), _no_reading)
    label = scan.label(*names, region=region)
    # The row's label line, where the row starts (its better read part, EMPLOVERS LIABILITY).
    assert label is not None and label.top == 484.4
    # Another row's label of the same form is not taken for it.
    assert scan.label("AUTOMOBILE LIABILITY", region=region) is None
    # A text page's labels are exact: no spelling is guessed there.
    text = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1))
    assert text.label(*names, region=region) is None


def test_a_misread_name_label_after_contact_is_no_contact() -> None:
    """CONTACT NAME: read "CONTACTS ASE" over an empty contact box: the scrap is the label."""
    from backend.acord.header_boxes import read_producer

    words = [
        Word("PRODUCER", 20.2, 122.7, 53.3, 127.3),
        Word("CONTACTS", 298.3, 126.5, 325.4, 129.8),
        Word("ASE", 327.3, 126.5, 335.0, 129.8),
        Word("Lindqvist", 24.3, 133.1, 65.3, 139.6),
        Word("Agency", 71.3, 133.1, 107.9, 138.5),
        Word("PHONE", 298.6, 139.1, 323.2, 142.3),
        Word("1-404-549-0037", 350.3, 138.1, 415.3, 143.5),
    ]
    scan = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1), _no_reading)
    assert read_producer(scan)["contact"] is None
    named = [*words[:2], Word("Wen", 350.3, 125.1, 365.0, 130.5), *words[3:]]
    scan = PageLabels(PageText(named, 612, 792, 1), None, Evidence(1), _no_reading)
    assert read_producer(scan)["contact"] == "Wen"


def test_a_value_in_small_letters_is_no_label_of_several_words() -> None:
    """Seen on a seed-31 scan: TYPE OF INSURANCE not read, and "OF INSURANCE" matched fuzzily
    in an insurer's name, "Oak Insurance" (0.87): every column of the table was lost. The form
    prints its labels in capitals."""
    words = [Word("Oak", 352.0, 187.1, 365.0, 193.0), Word("Insurance", 367.0, 187.1, 400.0, 193.0)]
    scan = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1), _no_reading)
    assert scan.label("TYPE OF INSURANCE", "OF INSURANCE", region=(0, 165, 612, 659)) is None
