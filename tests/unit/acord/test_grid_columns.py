"""Coverage-table columns put right from the table's ruled cells when the headers OCR read
place them wrongly, and the insurer letter as OCR reads it in its narrow cell."""

from __future__ import annotations

from backend.acord.coverage_table import (
    _date_columns_from_rules,
    _letter_column_from_rules,
    form_rules,
)
from backend.acord.geometry import Word
from backend.acord.scan_cells import insurer_letter, on_row_line

# The vertical rules of a 2016/03 table: LTR | TYPE | ADDL | SUBR | POLICY | EFF | EXP | LIMITS.
RULES = [25.0, 40.0, 160.0, 180.0, 199.0, 321.0, 369.0, 417.0]


def test_one_date_header_read_gives_both_date_cells_after_the_policy_number() -> None:
    """Seen on scans: POLICY EFF garbled, the format under POLICY EXP taken for it, and the
    expiration column then given the same cell."""
    columns = {"policy": (199.0, 321.0), "eff": (369.0, 417.0), "exp": (369.0, 417.0)}
    _date_columns_from_rules(columns, RULES)
    assert columns["eff"] == (321.0, 369.0)
    assert columns["exp"] == (369.0, 417.0)


def test_date_columns_in_order_are_kept() -> None:
    columns = {"policy": (199.0, 320.0), "eff": (320.0, 370.0), "exp": (370.0, 417.0)}
    _date_columns_from_rules(columns, RULES)
    assert columns == {"policy": (199.0, 320.0), "eff": (320.0, 370.0), "exp": (370.0, 417.0)}


def test_a_letter_column_right_of_the_type_column_moves_to_the_first_cell() -> None:
    """Seen on scans: "INSR" misread and ADDL INSD's header taken for the letter column."""
    columns = {"type": (40.0, 160.0), "ltr": (160.0, 180.0), "addl": (160.0, 180.0)}
    _letter_column_from_rules(columns, RULES)
    assert columns["ltr"] == (25.0, 40.0)


def test_a_missing_letter_column_is_the_first_narrow_cell() -> None:
    columns = {"type": (40.0, 160.0)}
    _letter_column_from_rules(columns, RULES)
    assert columns["ltr"] == (25.0, 40.0)


def test_the_desk_beside_a_photographed_sheet_is_no_letter_column() -> None:
    """Seen on a seed-7 photo: INSR LTR's header lost, the desk at the flattened photo's left
    edge found as a dark run down, and the margin between it and the form's outer rule taken
    for the letter column: every row's letter was read in the margin and lost."""
    columns = {"type": (40.0, 160.0)}
    _letter_column_from_rules(columns, form_rules([0.2, *RULES]))
    assert columns["ltr"] == (25.0, 40.0)


def test_insurer_letter_readings() -> None:
    assert insurer_letter("C") == "C"
    assert insurer_letter("Cc") == "C"  # one bold letter read twice
    assert insurer_letter("|B") == "B"
    assert insurer_letter("A.") == "A"
    assert insurer_letter("G") is None  # the form has six insurers, A to F
    assert insurer_letter("AB") is None
    assert insurer_letter("Ac1") is None
    assert insurer_letter("LTR") is None


def _word(text: str, cy: float, height: float = 8.0) -> Word:
    return Word(text, 30.0, cy - height / 2, 36.0, cy + height / 2, 0.9)


def test_a_letter_counts_only_on_its_rows_line() -> None:
    row = [_word("GL-1234567", 340.0)]
    near, far = _word("A", 342.0), _word("B", 356.0)
    assert on_row_line([near, far], row) == [near]
    assert on_row_line([near, far], []) == [near, far]


def test_an_o_before_a_digit_in_an_ocr_identifier_is_a_zero() -> None:
    from backend.acord.values import zero_before_digit

    assert zero_before_digit("CNO09006") == "CN009006"
    assert zero_before_digit("O7GLZY88531") == "07GLZY88531"
    assert zero_before_digit("OO123") == "00123"
    # An O before a letter, or at the end, stays a letter.
    assert zero_before_digit("BOP-1234") == "BOP-1234"
    assert zero_before_digit("WC-12 PRO") == "WC-12 PRO"
