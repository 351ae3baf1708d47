"""Limit amounts of a scanned coverage row paired with their limit kinds when OCR garbled or
lost a label line, or the row labels placed the row a line off its ruled edges."""

from __future__ import annotations

import re

from backend.acord import read_document
from backend.acord.coverage_limits import (
    AUTO_LIMITS,
    GL_LIMITS,
    UMBRELLA_LIMITS,
    _other_limits,
    _ruled_band,
    fuzzy_limit_key,
    place_orphans,
    read_limits,
)
from backend.acord.coverage_rows import _other_rows
from backend.acord.coverage_table import Table
from backend.acord.evidence import Evidence
from backend.acord.geometry import PageText, Word
from backend.acord.page_labels import PageLabels
from tests.unit.acord.conftest import certificate_pdf
from tests.unit.acord.region_fakes import FakeRegionOcr, RegionCall, reads_as, word_inside

LIMITS_X = 440.0
DOLLAR_X = 520.0
# A region reader's amount stops short of the cell's right edge, as printed amounts do.
_AMOUNT_INSET = (1.0, 1.0, 20.0, 1.0)


class _Rules:
    """Ink with horizontal rules at the given heights across the given x spans, and vertical
    rules at the given x positions down the whole page."""

    def __init__(
        self, rules: list[tuple[float, float, float]], columns: list[float] | None = None
    ) -> None:
        self.rules = rules  # (y, x0, x1)
        self.columns = columns or []

    def ink(self, x0: float, top: float, x1: float, bottom: float) -> float:
        return 0.0

    def checkbox_fill(self, right: float, cy: float, reach: float = 24.0) -> float | None:
        return None

    def vertical_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]:
        return [x for x in self.columns if x0 <= x <= x1]

    def horizontal_rules(self, x0: float, x1: float, top: float, bottom: float) -> list[float]:
        return [y for y, a, b in self.rules if a <= x0 and x1 <= b and top <= y <= bottom]


def _label(text: str, y: float) -> list[Word]:
    words = []
    x = LIMITS_X + 2
    for part in text.split():
        width = 4.0 * len(part)
        words.append(Word(part, x, y - 3, x + width, y + 3, 0.9))
        x += width + 3
    return words


def _amount(text: str, y: float) -> Word:
    return Word(text, DOLLAR_X + 12, y - 3.5, DOLLAR_X + 12 + 5 * len(text), y + 3.5, 0.95)


def _sample_table() -> Table:
    return Table(
        columns={"policy": (250.0, 330.0)},
        bands={},
        dollar_x=DOLLAR_X,
        limits_x=LIMITS_X,
    )


def _read(
    words: list[Word],
    band: tuple[float, float],
    spec: list[tuple[str, re.Pattern[str]]],
    rules: list[tuple[float, float, float]] | None = None,
) -> dict[str, int | None]:
    reader = PageLabels(
        PageText(words, 612, 792, 1), _Rules(rules or []), Evidence(1), FakeRegionOcr()
    )
    table = _sample_table()
    limits, _, _ = read_limits(reader, table, band, spec, "/coverages/0")
    return limits


def test_a_garbled_label_line_is_recognised_by_its_wording() -> None:
    gl = [k for k, _ in GL_LIMITS]
    auto = [k for k, _ in AUTO_LIMITS]
    assert fuzzy_limit_key("ACTEOCCURRESCE LIMET", gl) == "each_occurrence"
    assert fuzzy_limit_key("MED AL EXPENSE Ans cee pes", gl) == "medical_expense"
    assert fuzzy_limit_key("f PERSON", auto) == "bodily_injury_per_person"
    # Words several kinds' labels share decide nothing; a header is no limit label.
    assert fuzzy_limit_key("(Per accident)", auto) is None
    assert fuzzy_limit_key("LIMITS", gl) is None


def test_an_amount_below_a_garbled_label_pairs_with_that_label() -> None:
    words = (
        _label("COMBINED SINGLE LIMIT", 400)
        + _label("f PERSON", 412)
        + _label("BODILY INJURY (Per accident)", 424)
        + _label("PROPERTY DAMAGE (Per accident)", 436)
        # The amounts sit a little below their label lines.
        + [_amount("500,000", 414.5), _amount("1,000,000", 426.5), _amount("100,000", 438.5)]
    )
    limits = _read(words, (394.0, 450.0), AUTO_LIMITS)
    assert limits == {
        "combined_single_limit": None,
        "bodily_injury_per_person": 500_000,
        "bodily_injury_per_accident": 1_000_000,
        "property_damage": 100_000,
    }


def test_an_amount_whose_label_was_lost_takes_the_one_kind_left() -> None:
    # The EACH OCCURRENCE label line came out of OCR as nothing at all.
    words = [
        *_label("AGGREGATE", 470),
        _amount("5,000,000", 458),
        _amount("8,000,000", 470),
        # Its "$" sign read alone as a letter is no amount.
        Word("S", DOLLAR_X + 1, 455, DOLLAR_X + 5, 461, 0.4),
    ]
    limits = _read(words, (452.0, 490.0), UMBRELLA_LIMITS)
    assert limits == {"each_occurrence": 5_000_000, "aggregate": 8_000_000}


def test_a_row_band_a_line_off_moves_to_the_row_rules() -> None:
    # The row labels put the umbrella row's top a line low (at 467); the rules drawn across
    # the policy number and LIMITS columns say it starts at 451.
    rules = [(451.0, 0.0, 612.0), (487.0, 0.0, 612.0)]
    words = _label("EACH OCCURRENCE", 458) + _label("AGGREGATE", 470)
    words += [_amount("10,000,000", 458), _amount("10,000,000", 470)]
    limits = _read(words, (467.0, 491.0), UMBRELLA_LIMITS, rules)
    assert limits == {"each_occurrence": 10_000_000, "aggregate": 10_000_000}
    # Without the rules the first line is left to the row above.
    limits = _read(words, (467.0, 491.0), UMBRELLA_LIMITS)
    assert limits["each_occurrence"] is None


def test_rules_drawn_only_across_the_limits_column_do_not_move_the_row() -> None:
    # A form that rules each limit line: those rules stop at the LIMITS column.
    rules = [(456.0, LIMITS_X, 612.0), (487.0, 0.0, 612.0)]
    words = [*_label("AGGREGATE", 470), _amount("5,000,000", 470)]
    reader = PageLabels(PageText(words, 612, 792, 1), _Rules(rules), Evidence(1), None)
    reader.region_ocr = FakeRegionOcr()
    assert _ruled_band(reader, _sample_table(), (467.0, 491.0)) == (467.0, 487.5)


def test_orphan_amounts_take_the_kinds_printed_that_many_lines_away() -> None:
    keys = [k for k, _ in AUTO_LIMITS]
    # BI per accident and property damage were read, 12 points apart; the two lines above
    # them were not. A value left over from the row above lies outside the band.
    anchors: list[tuple[str | None, float]] = [
        ("bodily_injury_per_accident", 422.0),
        ("property_damage", 434.0),
    ]
    found: dict[str, tuple[int | None, list[Word]]] = {}
    orphans = [(375.0, 3_000_000, [_amount("3,000,000", 375)]), (398.5, 1_000_000, [])]
    place_orphans(found, orphans, anchors, (390.0, 450.0), keys, ordered=True)
    assert {k: v for k, (v, _) in found.items()} == {"combined_single_limit": 1_000_000}


def test_several_orphans_in_an_unordered_row_are_left_alone() -> None:
    keys = [k for k, _ in GL_LIMITS]
    anchors: list[tuple[str | None, float]] = [
        (k, 310.0 + 12 * i)
        for i, k in enumerate(keys)
        if k not in ("each_occurrence", "medical_expense")
    ]
    found: dict[str, tuple[int | None, list[Word]]] = {}
    orphans = [(300.0, 1_000_000, []), (380.0, 5_000, [])]
    place_orphans(found, orphans, anchors, (290.0, 400.0), keys, ordered=False)
    assert found == {}


def _recorder(text: str) -> FakeRegionOcr:
    """Reads every box as `text`, its right edge short of the box's (an amount left of the
    cell's end)."""
    return FakeRegionOcr(reads_as(text, inset=_AMOUNT_INSET))


def test_a_dollar_sign_left_of_the_amounts_cell_is_no_amount() -> None:
    # The "$" column (its median misplaced at 479) and the amounts' cell ruled off at 518:
    # the "$" of the EACH OCCURRENCE line read as "3" sits left of the rule.
    words = [
        *_label("EACH OCCURRENCE", 442),
        Word("3", 510, 439.5, 514, 444.5, 0.4),
        Word("3,000,000", 520, 438, 560, 445, 0.9),
        *_label("AGGREGATE", 454),
        Word("3,000,000", 520, 450, 560, 457, 0.9),
    ]
    ink = _Rules([], columns=[LIMITS_X - 2, 518.0, 582.0])
    reader = PageLabels(PageText(words, 612, 792, 1), ink, Evidence(1), FakeRegionOcr())
    table = Table({"policy": (250.0, 330.0)}, {}, 479.0, LIMITS_X)
    limits, _, _ = read_limits(reader, table, (436.0, 470.0), UMBRELLA_LIMITS, "/coverages/2")
    assert limits == {"each_occurrence": 3_000_000, "aggregate": 3_000_000}


def test_a_doubtful_amount_is_read_again_inside_its_ruled_cell() -> None:
    # The amount set close under the row's top rule came out as "[2 050, 000": the rule left
    # of it read as a bracket. It is read again between the cell's rules, without the "$"
    # column, the table's border or the row's top rule.
    words = [
        *_label("EACH OCCURRENCE", 301),
        Word("[2", 517, 296.2, 524, 307.2, 0.35),
        Word("050,", 526, 296.2, 545, 307.2, 0.7),
        Word("000", 549, 296.2, 562, 307.2, 0.8),
    ]
    ink = _Rules([(297.1, 0.0, 612.0), (378.1, 0.0, 612.0)], columns=[LIMITS_X - 2, 516.9, 582.5])
    recorder = _recorder("2,000,000")
    reader = PageLabels(PageText(words, 612, 792, 1), ink, Evidence(1), recorder)
    reader.alternates = [Word("ooo", 517, 293, 540, 306, 0.1)]
    table = Table({"policy": (250.0, 330.0)}, {}, 479.0, LIMITS_X)
    limits, _, _ = read_limits(reader, table, (294.3, 372.8), GL_LIMITS, "/coverages/0")
    assert limits["each_occurrence"] == 2_000_000
    (box,) = recorder.boxes
    assert box[0] == 516.9 + 1.5 and box[2] == 582.5 - 1.5
    assert 297.1 < box[1] < 299 and box[3] < 312


def test_an_other_rows_amount_takes_the_grey_reading_the_page_pass_garbled() -> None:
    # "500,000" came out of the page pass as "$00,000"; its grey re-read is well formed, and
    # reading the line once more in its cell gives nothing better.
    words = [
        Word("Each", 442, 543.4, 460, 549.4, 0.03),
        Word("Claim", 467, 543.4, 485, 549.4, 0.96),
        Word("$00,000", 578, 543.4, 600, 549.4, 0.29),
        Word("Aggregate", 450, 554.7, 480, 563.7, 0.96),
        Word("1,000,000", 573, 554.7, 600, 563.7, 0.87),
    ]
    reader = PageLabels(PageText(words, 612, 792, 1), _Rules([]), Evidence(1), _recorder("$00,000"))
    reader.alternates = [
        Word("500,000", 578, 543.7, 600, 549.9, 0.95),
        Word("1,000,000", 573, 554.5, 600, 564.3, 0.90),
    ]
    table = Table({"policy": (250.0, 330.0)}, {}, 533.1, 442.3)
    assert _other_limits(reader, table, words) == {"each_claim": 500_000, "aggregate": 1_000_000}


def test_the_workers_compensation_row_is_found_by_the_rest_of_its_label() -> None:
    # OCR garbled the label's first word; "... AND EMPLOYERS' LIABILITY" still names the row.
    garbled = "Twornens COMPENSATION AND EMPLOYERS' LIABILITY"
    result = read_document(certificate_pdf(wording={"WORKERS COMPENSATION": garbled}))
    (wc,) = [c for c in result["coverages"] if c["line"] == "workers_compensation"]
    assert wc["limits"]["el_each_accident"] == 1_000_000


def test_a_reread_agreeing_with_neither_of_two_readings_settles_nothing() -> None:
    # The page pass read "1,000,000" (its trailing comma a speck), the grey re-read
    # "7,000,000", less sure; read once more the line came out "1,000.00", a third opinion:
    # the surer of the two readings is kept.
    words = [
        Word("EachClaim", 439, 536.6, 470, 545.2, 0.58),
        Word("1,000,000,", 527, 536.6, 560, 545.2, 0.75),
    ]
    reader = PageLabels(
        PageText(words, 612, 792, 1), _Rules([]), Evidence(1), _recorder("1,000.00")
    )
    reader.alternates = [Word("7,000,000", 523, 535.2, 560, 545.8, 0.51)]
    table = Table({"policy": (250.0, 330.0)}, {}, 515.0, 436.2)
    assert _other_limits(reader, table, words) == {"each_claim": 1_000_000}


def test_an_amount_beside_a_garbled_label_line_is_not_taken_by_the_next_label() -> None:
    # The COMBINED SINGLE LIMIT label came out as noise; its amount, a line above the BI
    # label, belongs to that line, not to the nearest label read.
    words = [
        *_label("conaneest> SINCRLE LIRETT clack", 396.4),
        _amount("1,000,000", 397.7),
        *_label("BI- PER PERSON", 409.7),
        *_label("BI- PER ACCIDENT", 422.0),
        *_label("PROP DAMAGE (Per accident)", 434.8),
    ]
    limits = _read(words, (391.0, 450.0), AUTO_LIMITS)
    assert limits == {
        "combined_single_limit": 1_000_000,
        "bodily_injury_per_person": None,
        "bodily_injury_per_accident": None,
        "property_damage": None,
    }


def test_a_reread_with_the_digit_count_of_one_reading_settles_a_disagreement() -> None:
    words = [*_label("EACH OCCURRENCE", 498), _amount("11,000,000", 498.5)]
    words += [*_label("AGGREGATE", 510), _amount("1,000,000", 510.5)]
    reader = PageLabels(
        PageText(words, 612, 792, 1), _Rules([]), Evidence(1), _recorder("1,000,000")
    )
    reader.alternates = [
        Word("7,000,000", DOLLAR_X + 12, 495, DOLLAR_X + 50, 502, 0.6),
        Word("1,000,000", DOLLAR_X + 12, 507, DOLLAR_X + 50, 514, 0.9),
    ]
    limits, _, _ = read_limits(
        reader, _sample_table(), (490.0, 520.0), UMBRELLA_LIMITS, "/coverages/2"
    )
    assert limits == {"each_occurrence": 1_000_000, "aggregate": 1_000_000}


def test_an_other_row_is_not_split_at_a_speck_in_the_letter_column() -> None:
    from backend.acord.page_labels import PageLabels

    def word(text: str, x0: float, top: float, x1: float, bottom: float) -> Word:
        return Word(text, x0, top, x1, bottom, 0.9)

    # As a scan's page pass read a two-line OTHER row: a speck above it in the insurer
    # letter column, its description's lines apart, its policy number on the last line.
    words = [
        word("E", 28, 583.0, 33, 584.4),
        word("Contractors", 60, 584.0, 100, 591.0),
        word("Each", 412, 584.0, 428, 591.0),
        word("Claim", 430, 584.0, 450, 591.0),
        word("$2,000,000", 533, 584.0, 575, 591.0),
        word("Pollution", 60, 593.0, 95, 600.0),
        word("Liability", 97, 593.0, 125, 600.0),
        word("A", 30, 604.0, 36, 611.0),
        word("PL0739051", 212, 604.0, 250, 611.0),
        word("Aggregate", 412, 604.0, 445, 611.0),
        word("$2,000,000", 533, 604.0, 575, 611.0),
    ]
    table = Table(
        columns={"ltr": (27.2, 43.3), "type": (43.3, 200.0), "policy": (209.1, 305.2)},
        bands={},
        dollar_x=521.9,
        limits_x=407.3,
    )
    reader = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1))
    (row,) = _other_rows(reader, table, (582.0, 614.0), 0)
    assert row["policy_number"] == "PL0739051"
    assert row["description"] == "Contractors Pollution Liability"
    assert row["limits"] == {"each_claim": 2_000_000, "aggregate": 2_000_000}


def test_an_amount_read_as_nought_gives_way_to_the_other_reading() -> None:
    # "5,000" came out of the page pass as "§.000" (0), surer than its grey re-read.
    words = [*_label("MED EXP (Any one person)", 338), Word("§.000", 532, 334.5, 560, 341.5, 0.9)]
    reader = PageLabels(PageText(words, 612, 792, 1), _Rules([]), Evidence(1), FakeRegionOcr())
    reader.alternates = [Word("5,000", 532, 334.5, 560, 341.5, 0.5)]
    limits, _, _ = read_limits(reader, _sample_table(), (330.0, 346.0), GL_LIMITS, "/coverages/0")
    assert limits["medical_expense"] == 5_000


def test_a_typed_dollar_sign_read_as_a_digit_is_no_digit_of_the_amount() -> None:
    from backend.acord.coverage_limits import _dollar_read_as_digit

    others = [_amount("$3,000,000.00", 310.0), _amount("$1,000,000.00", 321.0)]
    # "$1,000,000.00" read "51,000,000.00": its "5" stands where the others' "$" stand.
    misread = _amount("51,000,000.00", 299.0)
    # A reading that lost its "$" starts a character further right: it is read as it is.
    lost_sign = Word("2,000,000.00", DOLLAR_X + 17, 328.5, DOLLAR_X + 77, 335.5, 0.9)
    reader = PageLabels(PageText(others, 612, 792, 1), None, Evidence(1), FakeRegionOcr())
    found: dict[str, tuple[int | None, list[Word]]] = {
        "each_occurrence": (51000000, [misread]),
        "general_aggregate": (3000000, [others[0]]),
        "personal_advertising_injury": (2000000, [lost_sign]),
    }
    _dollar_read_as_digit(reader, _sample_table(), found)
    assert {key: value for key, (value, _) in found.items()} == {
        "each_occurrence": 1000000,
        "general_aggregate": 3000000,
        "personal_advertising_injury": 2000000,
    }
    # Without amounts typed with their own "$", nothing is taken for one.
    plain = PageLabels(PageText([], 612, 792, 1), None, Evidence(1), FakeRegionOcr())
    found = {"each_occurrence": (51000000, [misread])}
    _dollar_read_as_digit(plain, _sample_table(), found)
    assert found["each_occurrence"][0] == 51000000


def test_a_dollar_sign_beside_a_labels_unread_second_line_is_that_labels() -> None:
    # "COMBINED SINGLE LIMIT" read, its second line "(Ea accident)" lost under a stamp: the
    # "$" and the amount stand beside that second line, 5.4 pt under the first. Paired in order
    # with the labels, the four "$" signs are the four labels'; the first marks no line of its
    # own whose label was not read, and the amount is the combined single limit.
    words = [
        *_label("COMBINED SINGLE LIMIT", 400),
        *_label("BODILY INJURY (Per person)", 416.6),
        *_label("BODILY INJURY (Per accident)", 427.5),
        *_label("PROPERTY DAMAGE (Per accident)", 437.8),
        *[
            Word("$", DOLLAR_X + 1, y - 3, DOLLAR_X + 5, y + 3, 0.9)
            for y in (405.4, 416, 427, 437.6)
        ],
        _amount("1,000,000.00", 405.4),
    ]
    limits = _read(words, (396.0, 450.0), AUTO_LIMITS)
    assert limits["combined_single_limit"] == 1_000_000


def _clipped_tops(rule: float, text: str) -> FakeRegionOcr:
    """An amount whose digits' tops cross the rule at `rule`: a box stopping under the rule
    reads what is left of it ("1,,"), a box reaching the rule reads it whole."""

    def answer(call: RegionCall) -> list[Word]:
        seen = text if call.box[1] <= rule else "1,,"
        return [word_inside(call.box, seen, 0.9, _AMOUNT_INSET)]

    return FakeRegionOcr(answer)


def test_an_amount_set_across_the_rows_top_rule_is_read_again_in_a_box_reaching_it() -> None:
    words = [
        *_label("EACH OCCURRENCE", 301),
        Word("4", 530, 294, 534, 302, 0.6),
        Word(",", 535, 299, 537, 302, 0.0),
        *_label("GENERAL AGGREGATE", 313),
        _amount("2,000,000", 312),
    ]
    ink = _Rules([(294.0, 0.0, 612.0), (378.1, 0.0, 612.0)], columns=[LIMITS_X - 2, 526.0])
    reads = _clipped_tops(294.0, "1,000,000")
    reader = PageLabels(PageText(words, 612, 792, 1), ink, Evidence(1), reads)
    # The grey re-read lost the line altogether.
    reader.alternates = [_amount("2,000,000", 312)]
    table = Table({"policy": (250.0, 330.0)}, {}, DOLLAR_X, LIMITS_X)
    limits, _, _ = read_limits(reader, table, (294.5, 372.8), GL_LIMITS, "/coverages/0")
    assert limits["each_occurrence"] == 1_000_000
    assert limits["general_aggregate"] == 2_000_000
    # First under the rule, then from the rule itself (the region read erases it).
    first, second = reads.boxes[:2]
    assert first[1] > 294.0 and second[1] == 294.0


def test_an_amount_that_is_no_round_limit_is_read_again_or_left_unread() -> None:
    # "250,000" read "250,080" by both readings: no limit is sold so; the line read again
    # alone is taken when it is round, and otherwise the amount is left unread.
    words = [*_label("EACH OCCURRENCE", 301), _amount("250,080", 301)]
    for reread, expected in (("250,000", 250_000), ("250,080", None)):
        reader = PageLabels(
            PageText(words, 612, 792, 1), _Rules([]), Evidence(1), _recorder(reread)
        )
        reader.alternates = [_amount("250,080", 301)]
        limits, _, _ = read_limits(reader, _sample_table(), (294.0, 372.0), GL_LIMITS, "/c/0")
        assert limits["each_occurrence"] == expected


def test_a_limit_is_a_round_amount_and_may_be_printed_as_bare_digits() -> None:
    from backend.acord.coverage_limits import well_formed_amount
    from backend.acord.values import round_limit

    assert well_formed_amount("2000000") == 2_000_000
    assert well_formed_amount("$1,000,000.00") == 1_000_000
    assert well_formed_amount("0500000") is None and well_formed_amount("500") is None
    assert round_limit(1_250_000) and round_limit(5_000) and round_limit(15_000_000)
    assert not round_limit(250_080) and not round_limit(50_000_001)


def _labels(label: str, amount: str) -> FakeRegionOcr:
    """Reads a label box as `label`, an amount's box (read with a digit whitelist) as `amount`."""

    def answer(call: RegionCall) -> list[Word]:
        text = amount if call.whitelist else label
        return [word_inside(call.box, text, 0.8, (3, 1, 3, 1))] if text else []

    return FakeRegionOcr(answer)


def test_an_other_rows_amount_whose_label_ocr_lost_takes_the_label_read_again() -> None:
    # "Each Claim" came out of the page pass as nothing: its amount is paired with no label
    # line. The label read again beside it names its kind.
    words = [
        Word("1,000,000", 566, 537, 600, 544, 0.97),
        Word("Aggregate", 438, 549, 470, 556, 0.95),
        Word("1,000,000", 566, 549, 600, 556, 0.96),
    ]
    table = Table({"policy": (250.0, 330.0)}, {}, 489.9, 430.9)
    reader = PageLabels(
        PageText(words, 612, 792, 1), _Rules([]), Evidence(1), _labels("Each Claim", "")
    )
    assert _other_limits(reader, table, words) == {"each_claim": 1_000_000, "aggregate": 1_000_000}
    # Read again as nothing that names a kind, the amount stays unread: no kind on a guess.
    reader = PageLabels(PageText(words, 612, 792, 1), _Rules([]), Evidence(1), _labels("Oe", ""))
    assert _other_limits(reader, table, words) == {"aggregate": 1_000_000}


def test_an_other_rows_second_amount_beside_a_garbled_label_is_not_a_second_limit() -> None:
    words = [
        Word("Limit", 418, 594, 432, 600, 0.6),
        Word("2,000,000", 566, 594, 600, 600, 0.97),
        Word("loa", 456, 606, 470, 612, 0.2),
        Word("5,000", 580, 606, 600, 612, 0.96),
    ]
    table = Table({"policy": (250.0, 330.0)}, {}, 485.3, 414.0)
    reader = PageLabels(
        PageText(words, 612, 792, 1), _Rules([]), Evidence(1), _labels("Meriuirtibie", "")
    )
    assert _other_limits(reader, table, words) == {"limit": 2_000_000}


def test_a_sure_reading_is_not_overruled_by_an_unsure_reread_that_contradicts_it() -> None:
    # The page pass glued a speck to the cents ("1000000.001"); the grey re-read is well formed
    # and sure; the line read again alone gives "4000000.00" at no confidence.
    words = [*_label("EACH OCCURRENCE", 301), _amount("1000000.001", 301)]
    reader = PageLabels(
        PageText(words, 612, 792, 1),
        _Rules([]),
        Evidence(1),
        FakeRegionOcr(reads_as("4000000.00", 0.0, _AMOUNT_INSET)),
    )
    reader.alternates = [_amount("1000000.00", 301)]
    limits, _, _ = read_limits(reader, _sample_table(), (294.0, 372.0), GL_LIMITS, "/c/0")
    assert limits["each_occurrence"] == 1_000_000
