"""The head and foot boxes of the form bounded by their ruled cells: a label is found where it
stands under a cell's top rule, and a box's values end at the cell's bottom rule."""

from __future__ import annotations

from backend.acord.evidence import Evidence
from backend.acord.geometry import BBox, PageText, Word
from backend.acord.header_boxes import _insured_label, read_insured, read_producer
from backend.acord.holder_description import read_holder
from backend.acord.page_labels import PageLabels


class _Rules:
    """A page's ink that shows full-width horizontal rules at the given heights only."""

    def __init__(self, *rules: float) -> None:
        self.rules = rules

    def ink(self, x0: float, top: float, x1: float, bottom: float) -> float:
        return 0.0

    def checkbox_fill(self, right: float, cy: float, reach: float = 24.0) -> float | None:
        return None

    def vertical_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]:
        return []

    def horizontal_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]:
        return [y for y in self.rules if top <= y <= bottom]


def _reading(text: str | None):  # type: ignore[no-untyped-def]
    """A region reader that reads `text` wherever it is asked (nothing when None)."""

    def read(
        box: BBox,
        single_char: bool = False,
        sparse: bool = False,
        zoom: float = 1.0,
        *,
        single_line: bool = False,
        whitelist: str | None = None,
    ) -> list[Word]:
        if text is None:
            return []
        return [Word(text, box[0] + 1, box[1] + 1, box[0] + 30, box[3] - 1, confidence=0.96)]

    return read


# The head of a 2016/03-like form: rules over PRODUCER (y=124), over INSURED (y=186) and over
# COVERAGES (y=244); the certificate number is printed a little high on the COVERAGES line.
def _head(insured_label: str, producer_label: str = "PRODUCER") -> list[Word]:
    return [
        Word(producer_label, 26.0, 127.0, 60.0, 132.0),
        Word("Prairie", 30.0, 141.0, 50.0, 149.0, confidence=0.97),
        Word("Insurance", 53.0, 141.0, 83.0, 149.0, confidence=0.97),
        Word("3268", 31.0, 153.0, 45.0, 162.0, confidence=0.97),
        Word("Union", 48.0, 153.0, 67.0, 162.0, confidence=0.97),
        Word("Dr", 70.0, 153.0, 77.0, 162.0, confidence=0.97),
        Word("Atlanta", 30.0, 173.0, 53.0, 181.0, confidence=0.97),
        Word("GA", 234.0, 173.0, 245.0, 181.0, confidence=0.97),
        Word("30304", 255.0, 173.0, 273.0, 181.0, confidence=0.97),
        Word(insured_label, 26.0, 189.0, 52.0, 194.0),
        Word("Yarborough", 74.0, 201.0, 112.0, 209.0, confidence=0.97),
        Word("Roofing", 115.0, 201.0, 155.0, 209.0, confidence=0.97),
        Word("6207", 74.0, 213.0, 89.0, 219.0, confidence=0.97),
        Word("Mill", 92.0, 213.0, 105.0, 219.0, confidence=0.97),
        Word("Blvd,", 108.0, 213.0, 123.0, 219.0, confidence=0.97),
        Word("Albany", 74.0, 230.0, 96.0, 237.0, confidence=0.97),
        Word("NY", 100.0, 230.0, 110.0, 237.0, confidence=0.97),
        Word("12216", 114.0, 230.0, 135.0, 237.0, confidence=0.97),
        Word("C42026626", 100.0, 241.0, 140.0, 248.0, confidence=0.97),
        Word("COVERAGES", 26.0, 247.0, 70.0, 253.0),
    ]


def _reader(words: list[Word], ink: _Rules | None, reading: str | None) -> PageLabels:
    return PageLabels(PageText(words, 612, 792, 1), ink, Evidence(1), _reading(reading))


def test_an_insured_label_read_in_small_letters_is_the_label_where_it_stands_under_a_rule() -> None:
    ruled = _reader(_head("lwsureD"), _Rules(124.0, 186.0, 244.0), None)
    label = _insured_label(ruled)
    assert label is not None and label.top == 189.0
    # Without the rule over it, a word in small letters is a value's word, not the label.
    assert _insured_label(_reader(_head("lwsureD"), _Rules(124.0, 244.0), None)) is None


def test_an_insured_label_garbled_past_knowing_is_read_again_under_its_rule() -> None:
    label = _insured_label(_reader(_head("amas"), _Rules(124.0, 186.0, 244.0), "INSURED"))
    assert label is not None and label.top == 189.0
    # Read again as something else, it stays unknown.
    assert _insured_label(_reader(_head("amas"), _Rules(124.0, 186.0, 244.0), "Amos")) is None


def test_the_insured_box_ends_at_its_ruled_bottom() -> None:
    insured = read_insured(_reader(_head("INSURED"), _Rules(124.0, 186.0, 244.0), None))
    # The certificate number printed over the COVERAGES line's rule is no part of the address.
    assert insured == {"name": "Yarborough Roofing", "address": "6207 Mill Blvd, Albany NY 12216"}


def test_a_lost_producer_label_is_read_again_in_the_cell_over_the_insureds() -> None:
    words = _head("INSURED", producer_label="freon")
    producer = read_producer(_reader(words, _Rules(124.0, 186.0, 244.0), "PRODUCER"))
    assert producer["name"] == "Prairie Insurance"
    assert producer["address"] == "3268 Union Dr, Atlanta GA 30304"
    # Read again as other words, the box stays unread rather than taking the label for a name.
    unread = read_producer(_reader(words, _Rules(124.0, 186.0, 244.0), "Prairie"))
    assert unread["name"] is None


def test_the_contact_label_is_looked_for_in_the_head_of_the_form_only() -> None:
    words = [
        *_head("INSURED"),
        # "contact" in the description, far below the head: it bounds nothing.
        Word("contact", 180.0, 580.0, 210.0, 586.0),
    ]
    producer = read_producer(_reader(words, _Rules(124.0, 186.0, 244.0), None))
    assert producer["name"] == "Prairie Insurance"
    assert producer["address"] == "3268 Union Dr, Atlanta GA 30304"
    assert producer["contact"] is None


def _foot(holder_label: str | None) -> list[Word]:
    words = [
        Word("COVERAGES", 26.0, 247.0, 70.0, 253.0),
        Word("DESCRIPTION", 26.0, 560.0, 70.0, 565.0),
        Word("OF", 72.0, 560.0, 80.0, 565.0),
        Word("OPERATIONS", 82.0, 560.0, 130.0, 565.0),
        Word("CANCELLATION", 303.0, 638.0, 359.0, 643.0),
        Word("Abernathy", 67.0, 684.0, 101.0, 692.0, confidence=0.97),
        Word("Corp.", 104.0, 684.0, 124.0, 692.0, confidence=0.97),
        Word("5043", 67.0, 696.0, 83.0, 704.0, confidence=0.97),
        Word("Sycamore", 85.0, 696.0, 117.0, 704.0, confidence=0.97),
        Word("Hwy", 119.0, 696.0, 134.0, 704.0, confidence=0.97),
        Word("Houston", 68.0, 721.0, 94.0, 727.0, confidence=0.97),
        Word("TX", 98.0, 721.0, 108.0, 727.0, confidence=0.97),
        Word("77024", 112.0, 721.0, 132.0, 727.0, confidence=0.97),
        # The footer under the form's bottom rule (y=744), misread.
        Word("ACQRD", 18.0, 751.0, 47.0, 758.0, confidence=0.97),
        Word("2S", 49.0, 751.0, 57.0, 758.0, confidence=0.97),
    ]
    if holder_label is not None:
        words += [
            Word("CERTIFICATE", 26.0, 638.0, 70.0, 643.0),
            Word(holder_label, 72.0, 638.0, 100.0, 643.0),
        ]
    return words


def test_the_holder_box_ends_at_the_forms_bottom_rule() -> None:
    holder = read_holder(_reader(_foot("HOLDER"), _Rules(634.0, 645.0, 744.0), None))
    # The rule under the label's own band (y=645) is the label's, not the box's end.
    assert holder == {"name": "Abernathy Corp.", "address": "5043 Sycamore Hwy, Houston TX 77024"}


def test_a_lost_holder_label_is_placed_by_the_cancellation_label_heading_its_row() -> None:
    holder = read_holder(_reader(_foot(None), _Rules(634.0, 645.0, 744.0), None))
    assert holder == {"name": "Abernathy Corp.", "address": "5043 Sycamore Hwy, Houston TX 77024"}
    # CANCELLATION not under a rule (a word of remarks) places nothing.
    assert read_holder(_reader(_foot(None), _Rules(645.0, 744.0), None))["name"] is None


def test_the_contact_label_is_not_taken_from_the_disclaimer_over_the_producers_row() -> None:
    words = [
        # OCR's "CONT ACT" of the disclaimer's CONTRACT, over the producer's row.
        Word("CONT", 182.0, 69.0, 200.0, 73.0),
        Word("ACT", 201.0, 69.0, 218.0, 73.0),
        *_head("INSURED"),
    ]
    producer = read_producer(_reader(words, _Rules(124.0, 186.0, 244.0), None))
    assert producer["address"] == "3268 Union Dr, Atlanta GA 30304"


def test_a_state_read_with_a_speck_before_it_stays_with_its_city() -> None:
    from backend.acord.corrections import fix_address
    from backend.acord.page_labels import leading_run

    line = [
        Word("Houston", 35.0, 179.0, 64.0, 188.0),
        Word("_TX", 244.0, 179.0, 260.0, 188.0),
        Word("77018", 269.0, 179.0, 290.0, 188.0),
    ]
    assert [w.text for w in leading_run(line)] == ["Houston", "_TX", "77018"]
    assert fix_address("2981 Sycamore Ave, Houston _TX 77018") == (
        "2981 Sycamore Ave, Houston TX 77018"
    )


def test_a_misread_holder_label_is_not_taken_from_the_remarks_running_text() -> None:
    """Seen on a seed-31 photo: CERTIFICATE HOLDER read "CEKIIFICATE HOLDER", and the phrase
    matched instead in the remarks' line "the certificate holder. Additional insured ...": the
    description was cut there and its next line read as the holder's name."""
    remarks = [
        Word("the", 24.0, 596.0, 36.0, 602.0, confidence=0.97),
        Word("certificate", 38.0, 596.0, 76.0, 602.0, confidence=0.97),
        Word("holder.", 78.0, 596.0, 104.0, 602.0, confidence=0.97),
        Word("Additional", 106.0, 596.0, 140.0, 602.0, confidence=0.97),
        Word("completed", 24.0, 606.0, 58.0, 612.0, confidence=0.97),
        Word("operations.", 60.0, 606.0, 96.0, 612.0, confidence=0.97),
    ]
    words = [*_foot(None), *remarks, Word("CEKIIFICATE", 26.0, 638.0, 70.0, 643.0)]
    words.append(Word("HOLDER", 72.0, 638.0, 100.0, 643.0))
    holder = read_holder(_reader(words, _Rules(634.0, 645.0, 744.0), None))
    assert holder == {"name": "Abernathy Corp.", "address": "5043 Sycamore Hwy, Houston TX 77024"}


def test_a_lost_holder_label_still_ends_the_description_at_the_holders_row() -> None:
    """Seen on a seed-7 photo: CERTIFICATE HOLDER read "CrruirlCATE HOLDER" and not matched;
    the holder's row was placed by CANCELLATION, but the description ran on 120 pt past it and
    took in "CERTIFICATE HOLDER CANCELLATION IF ANY POLICY ...". It ends at that row now."""
    from backend.acord.holder_description import read_description

    remarks = [
        Word("Job", 24.0, 575.0, 36.0, 581.0, confidence=0.97),
        Word("#7308.", 38.0, 575.0, 60.0, 581.0, confidence=0.97),
        Word("IF", 312.0, 652.0, 317.0, 657.0),
        Word("ANY", 320.0, 652.0, 333.0, 657.0),
        Word("POLICY", 336.0, 652.0, 359.0, 657.0),
    ]
    words = [*_foot(None), *remarks]
    description = read_description(_reader(words, _Rules(634.0, 645.0, 744.0), None))
    assert description == "Job #7308."
