"""Rows of a scanned coverage table when OCR garbled their print: the header row found above
the first row's label when that row is empty, an OTHER row's description without the scraps
of its cell's rules, policy dates read again until they make the policy year they print."""

from __future__ import annotations

from typing import Any

from backend.acord.coverage_rows import _other_rows
from backend.acord.coverage_table import Table, _reread_header_row
from backend.acord.evidence import Evidence
from backend.acord.geometry import PageText, Word
from backend.acord.page_labels import PageLabels
from backend.acord.scan_cells import _reread_dates
from tests.unit.acord.region_fakes import FakeRegionOcr, RegionCall, word_inside
from tests.unit.acord.test_scan_limits import _Rules


def _words(text: str, x: float, top: float, height: float = 4.0) -> list[Word]:
    words = []
    for part in text.split():
        width = 4.0 * len(part)
        words.append(Word(part, x, top, x + width, top + height, 0.9))
        x += width + 3
    return words


def _header_strip(header_top: float) -> FakeRegionOcr:
    """Reads the coverage table's header row wherever it is asked to read a strip holding
    that row."""

    def answer(call: RegionCall) -> list[Word]:
        if call.box[1] <= header_top and header_top + 4 <= call.box[3]:
            return _words("TYPE OF INSURANCE", 48, header_top)
        return []

    return FakeRegionOcr(answer)


def test_the_header_row_is_read_above_the_first_row_label_when_that_row_is_empty() -> None:
    # The general liability row is empty: its label stands under the header, the first
    # amount three rows lower, under a pair of rules (the umbrella row) that is no header.
    words = (
        _words("TYPE OR INSURANCE", 48, 290)
        + _words("COMMERCIAL GENERAL LIAB", 57, 302)
        + _words("COVERAGES", 22, 246)
        + [Word("4,000,000", 508, 440, 548, 446, 0.9)]
    )
    rules = [(y, 0.0, 612.0) for y in (284.0, 298.0, 381.0, 428.0, 445.0)]
    strip = _header_strip(290)
    page = PageLabels(PageText(words, 612, 792, 1), _Rules(rules), Evidence(1), strip)
    _reread_header_row(page)
    assert page.header_strip is not None
    assert page.header_strip[1] < 290 and page.header_strip[3] > 294
    assert page.label("TYPE OF INSURANCE") is not None


def _other_table() -> Table:
    return Table(
        columns={"ltr": (27.0, 45.0), "type": (45.0, 169.0), "policy": (209.0, 335.0)},
        bands={},
        dollar_x=520.0,
        limits_x=440.0,
    )


def test_an_other_rows_description_leaves_out_its_cells_rules_read_as_characters() -> None:
    words = [
        Word("t", 45.5, 538.5, 47.1, 542.7, 0.5),  # the row's top-left corner
        Word("Cyber", 51.9, 553.9, 73.0, 561.5),
        Word("Liability", 76.0, 553.9, 101.9, 561.5),
        Word("L", 167.5, 553.9, 168.8, 561.5, 0.4),  # the cell's right rule
        Word("PL-335967-73", 217.2, 553.9, 267.1, 559.8),
    ]
    page = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1))
    (row,) = _other_rows(page, _other_table(), (537.0, 580.0), 0)
    assert row["description"] == "Cyber Liability"
    assert row["policy_number"] == "PL-335967-73"


def test_an_empty_other_row_with_a_speck_is_no_coverage() -> None:
    words = [Word("—t", 60.0, 540.0, 66.0, 545.0, 0.3)]
    page = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1))
    assert _other_rows(page, _other_table(), (537.0, 580.0), 0) == []


class _Ink:
    def ink(self, x0: float, top: float, x1: float, bottom: float) -> float:
        return 0.1


def _date_cells(readings: dict[tuple[str, float], str]) -> FakeRegionOcr:
    """Reads the policy date cells: each cell's reading at each zoom."""

    def answer(call: RegionCall) -> list[Word]:
        column = "eff" if call.box[0] < 369 else "exp"
        text = readings.get((column, call.zoom))
        return [word_inside(call.box, text, 0.8, (1, 1, 1, 1))] if text else []

    return FakeRegionOcr(answer)


def _dates(read: tuple[str | None, str | None], cells: dict[tuple[str, float], str]) -> Any:
    table = Table(
        columns={"eff": (321.0, 369.0), "exp": (369.0, 416.0)}, bands={}, dollar_x=0, limits_x=0
    )
    page = PageLabels(PageText([], 612, 792, 1), _Ink(), Evidence(1), _date_cells(cells))  # type: ignore[arg-type]
    common: dict[str, Any] = {"effective": read[0], "expiration": read[1]}
    row = [Word("WC-809263-30", 207.0, 487.4, 261.0, 492.5)]
    _reread_dates(page, table, common, row, "/coverages/0")
    return common["effective"], common["expiration"]


def test_a_misread_digit_of_a_date_gives_way_to_a_reading_that_makes_the_policy_year() -> None:
    cells = {("eff", 1.0): "11/15/2024", ("exp", 1.0): "11/18/2025", ("exp", 2.0): "11/15/2025"}
    assert _dates(("2024-11-15", "2025-11-18"), cells) == ("2024-11-15", "2025-11-15")


def test_a_lost_date_read_again_is_checked_against_the_other() -> None:
    # The expiration was taken from the row above's effective date; the cells read again
    # give the row's own year.
    cells = {("eff", 1.0): "02/01/2024", ("exp", 1.0): "02/01/2025"}
    assert _dates((None, "2024-02-01"), cells) == ("2024-02-01", "2025-02-01")


def test_a_term_of_another_length_stays_as_read() -> None:
    cells = {("eff", 1.0): "01/01/2025", ("exp", 1.0): "07/01/2025", ("exp", 2.0): "07/01/2025"}
    assert _dates(("2025-01-01", "2025-07-01"), cells) == ("2025-01-01", "2025-07-01")


def test_a_policy_year_from_the_leap_day_ends_at_the_end_of_february_or_on_1_march() -> None:
    from backend.acord.scan_cells import _policy_year

    assert _policy_year("2024-02-29", "2025-02-28")
    assert _policy_year("2024-02-29", "2025-03-01")
    assert not _policy_year("2024-02-29", "2025-03-02")
    assert _policy_year("2025-11-15", "2026-11-15")


def test_the_letter_column_is_the_first_ruled_cell_when_its_header_was_found_in_the_next() -> None:
    from backend.acord.coverage_table import _letter_column_from_rules

    # 2001 edition: INSR LTR, ADD'L INSRD, TYPE OF INSURANCE; OCR lost "LTR" and found
    # "INSR" in "INSRD", giving the letter column the ADD'L INSRD cell.
    columns = {"ltr": (48.0, 69.0), "addl": (48.0, 69.0), "type": (69.0, 205.0)}
    _letter_column_from_rules(columns, [33.6, 48.3, 68.8, 205.0, 296.0])
    assert columns["ltr"] == (33.6, 48.3)
    assert columns["addl"] == (48.3, 68.8)


def test_a_letter_column_found_in_the_first_ruled_cell_stays() -> None:
    from backend.acord.coverage_table import _letter_column_from_rules

    columns = {"ltr": (33.6, 48.3), "addl": (48.3, 68.8), "type": (69.0, 205.0)}
    _letter_column_from_rules(columns, [33.6, 48.3, 68.8, 205.0, 296.0])
    assert columns["ltr"] == (33.6, 48.3) and columns["addl"] == (48.3, 68.8)


def test_the_first_row_starts_under_the_header_rows_bottom_rule() -> None:
    from backend.acord.coverage_table import _first_row_top
    from backend.acord.geometry import Label

    # 2001 edition: TYPE OF INSURANCE on the header's first line, the dates' formats on its
    # second, the header's bottom rule 11 pt under the first line.
    header = Label(66.0, 291.0, 130.0, 297.5, frozenset())
    columns = {"policy": (208.0, 304.0)}
    rules = [(309.0, 20.0, 590.0), (395.0, 20.0, 590.0)]
    page = PageLabels(PageText([], 612, 792, 1), _Rules(rules), Evidence(1), FakeRegionOcr())
    assert _first_row_top(page, columns, header) == 309.5
    # Without ink (a text page read without rendering) the row starts under the header.
    bare = PageLabels(PageText([], 612, 792, 1), None, Evidence(1))
    assert _first_row_top(bare, columns, header) == 298.0


def test_a_speck_read_as_a_digit_above_the_policy_number_is_not_the_policy_line() -> None:
    from backend.acord.coverage_rows import _common

    words = [
        Word("4", 240.0, 307.0, 242.0, 311.0, 0.5),
        Word("GL-049743-72", 220.0, 348.0, 275.0, 354.0, 0.6),
    ]
    table = Table(columns={"policy": (208.0, 304.0)}, bands={}, dollar_x=520.0, limits_x=440.0)
    page = PageLabels(PageText(words, 612, 792, 1), None, Evidence(1), FakeRegionOcr())
    common = _common(page, table, (298.0, 395.0), "/coverages/0", "general_liability")
    assert common["policy_number"] == "GL-049743-72"


def test_a_one_digit_reading_in_the_amounts_column_is_no_limit() -> None:
    from backend.acord.coverage_limits import AUTO_LIMITS
    from tests.unit.acord.test_scan_limits import DOLLAR_X, _amount, _label, _read

    # A stamp's stroke over the PROPERTY DAMAGE line read as "3".
    words = [
        *_label("COMBINED SINGLE LIMIT", 400),
        _amount("1,000,000", 400),
        *_label("PROPERTY DAMAGE (Per accident)", 436),
        Word("3", DOLLAR_X + 12, 432.5, DOLLAR_X + 16, 439.5, 0.4),
    ]
    limits = _read(words, (394.0, 450.0), AUTO_LIMITS)
    assert limits["combined_single_limit"] == 1_000_000
    assert limits["property_damage"] is None


class _InkedLine(_Rules):
    """Rules as _Rules, and print only between the given heights."""

    def __init__(self, rules: list[tuple[float, float, float]], printed: tuple[float, float]):
        super().__init__(rules)
        self.printed = printed

    def ink(self, x0: float, top: float, x1: float, bottom: float) -> float:
        return 0.1 if top < self.printed[1] and bottom > self.printed[0] else 0.0


def _amount_cell(text: str, y: float) -> FakeRegionOcr:
    """Reads an amount, when asked with a whitelist, in any box covering height `y`."""

    def answer(call: RegionCall) -> list[Word]:
        box = call.box
        if box[1] <= y <= box[3] and call.whitelist:
            return [Word(text, box[0] + 10, y - 3, box[0] + 50, y + 3, 0.8)]
        return []

    return FakeRegionOcr(answer)


def test_an_amount_set_across_its_rows_rule_is_read_again_in_its_cell() -> None:
    from backend.acord.coverage_limits import AUTO_LIMITS, read_limits
    from tests.unit.acord.test_scan_limits import _label, _sample_table

    # The COMBINED SINGLE LIMIT label came out garbled and its amount, set a few points high
    # across the row's top rule, not at all; the three labels under it were read.
    words = [
        *_label("BI PER PERSON", 410),
        *_label("BI PER ACCIDENT", 422),
        *_label("PROP DAMAGE (Per accident)", 434),
    ]
    rules = [(396.0, 0.0, 612.0), (452.0, 0.0, 612.0)]
    cells = _amount_cell("1,000,000", 396.5)
    page = PageLabels(
        PageText(words, 612, 792, 1), _InkedLine(rules, (393.0, 400.0)), Evidence(1), cells
    )
    limits, _, _ = read_limits(page, _sample_table(), (396.5, 452.0), AUTO_LIMITS, "/c/0")
    assert limits == {
        "combined_single_limit": 1_000_000,
        "bodily_injury_per_person": None,
        "bodily_injury_per_accident": None,
        "property_damage": None,
    }
    # The empty lines' cells hold no print and are not read.
    assert len([b for b in cells.boxes if b[1] > 400]) == 0


def test_a_narrow_cell_left_of_the_table_does_not_take_the_letter_column() -> None:
    from backend.acord.coverage_table import _letter_column_from_rules

    # A photo's page edge ruled a narrow cell left of the table's border: the letter column
    # found by its header in the table's first cell stays there.
    columns = {"ltr": (33.0, 51.0), "addl": (191.0, 209.0), "type": (51.0, 191.0)}
    _letter_column_from_rules(columns, [20.0, 33.0, 51.0, 191.0, 209.0])
    assert columns["ltr"] == (33.0, 51.0) and columns["addl"] == (191.0, 209.0)
