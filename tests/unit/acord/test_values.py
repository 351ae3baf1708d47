from backend.acord.endorsements import find_endorsements
from backend.acord.errors import http_status, is_unsafe
from backend.acord.values import (
    parse_date,
    parse_edition,
    parse_mark,
    parse_money,
    parse_other_limits,
    split_name_address,
)


def test_money_drops_cents_and_symbols() -> None:
    assert parse_money("$1,000,000.00") == 1_000_000
    assert parse_money("5,000") == 5000
    assert parse_money("Included") is None


def test_dates_without_zero_padding_and_two_digit_years() -> None:
    assert parse_date("4/9/2022") == "2022-04-09"
    assert parse_date("03/01/23") == "2023-03-01"
    assert parse_date("13/45/2020") is None


def test_editions_modern_and_old_style() -> None:
    assert parse_edition("ACORD 25 (2016/03) The ACORD name") == "2016/03"
    assert parse_edition("ACORD 25-S (7/97)") == "1997/07"


def test_marks() -> None:
    assert parse_mark("Y") is True
    assert parse_mark("X") is True
    assert parse_mark("No") is False
    assert parse_mark("N/A") is None


def test_other_row_limits_take_their_labels() -> None:
    assert parse_other_limits("DED: $1,000 150,000") == {"deductible": 1000, "limit": 150000}
    assert parse_other_limits("Each Occurrence: $25,000.00 Aggregate: $75,000.00") == {
        "each_occurrence": 25000,
        "aggregate": 75000,
    }


def test_second_name_line_is_kept_apart_from_the_address() -> None:
    name, second, address = split_name_address(
        ["Pat Doe", "Doe Builders", "12 Main St", "Austin, TX 78701"]
    )
    assert (name, second, address) == ("Pat Doe", "Doe Builders", "12 Main St, Austin, TX 78701")


def test_endorsement_form_edition_and_schedule() -> None:
    text = (
        "POLICY NUMBER: GL 123\nTHIS ENDORSEMENT CHANGES THE POLICY. PLEASE READ IT CAREFULLY.\n"
        "ADDITIONAL INSURED - OWNERS, LESSEES OR CONTRACTORS - SCHEDULED PERSON OR ORGANIZATION\n"
        "SCHEDULE\nName Of Additional Insured Person(s) Or Organization(s)\n"
        "Harbor Point Builders LLC\nCity Of Springfield\n"
        "A. Section II - Who Is An Insured is amended\nCG 20 10 04 13"
    )
    found = find_endorsements(text, 1)
    assert found[0]["form_number"] == "CG 20 10"
    assert found[0]["edition"] == "04 13"
    assert found[0]["blanket"] is False
    assert found[0]["scheduled_parties"] == ["Harbor Point Builders LLC", "City Of Springfield"]


def test_error_dispositions() -> None:
    assert is_unsafe("active_content")
    assert not is_unsafe("encrypted")
    assert http_status("too_large") == 413


def test_other_limit_keys_from_their_labels() -> None:
    from backend.acord.values import other_limit_key

    assert other_limit_key("Each Claim") == "each_claim"
    assert other_limit_key("Aggregate") == "aggregate"
    assert other_limit_key("DED:") == "deductible"
    assert other_limit_key("Coverage") == "limit"


def test_an_ocr_footer_gives_the_edition_only_when_the_form_was_published_in_it() -> None:
    from backend.acord.layout import _ocr_edition

    # The slash read as a digit, the form number garbled.
    assert _ocr_edition("ACORD 25 (2016403) The ACORD name and logo") == "2016/03"
    assert _ocr_edition("ACORD 235 (2016/03)") == "2016/03"
    assert _ocr_edition("ACORD 285 (2001/08)") == "2001/08"
    # A misread that makes an edition never published is no answer; nor is a bracket that
    # follows another form's mention.
    assert _ocr_edition("ACORD 25 (2016/04)") is None
    assert _ocr_edition("(ACORD 101, Additional Remarks) (2016/03)") is None


def test_a_date_box_reading_that_lost_a_slash_is_placed_by_the_labels_format() -> None:
    from backend.acord.layout import date_in_label_format

    assert date_in_label_format("07/1624") == "2024-07-16"
    assert date_in_label_format("05042024") == "2024-05-04"
    assert date_in_label_format("04/11/2024") == "2024-04-11"
    # A policy date column's digits with both slashes lost (read as spaces).
    assert date_in_label_format("09 01 2024") == "2024-09-01"
    # Digits that make no date, or too few of them, are no answer.
    assert date_in_label_format("13/4024") is None
    assert date_in_label_format("0716") is None
