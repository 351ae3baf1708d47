"""OCR's usual slips in names, addresses and NAIC codes, put right from general knowledge."""

from __future__ import annotations

import pytest

from backend.acord.corrections import (
    fix_address,
    fix_entity_suffix,
    fix_name,
    fix_vocabulary_word,
    split_run_together,
)
from backend.acord.coverage_limits import well_formed_amount
from backend.acord.insurer_rows import naic_code
from backend.acord.values import clean_name


@pytest.mark.parametrize(
    ("read", "written"),
    [
        ("Beacon Risk Advisors Ine", "Beacon Risk Advisors Inc"),
        ("Beacon Risk Advisors Ine.", "Beacon Risk Advisors Inc."),
        ("Moreau Gallagher Insurance Agency, inc.", "Moreau Gallagher Insurance Agency, Inc."),
        ("Jorgensen-Moreau HVAC Services UP", "Jorgensen-Moreau HVAC Services LP"),
        ("Prairie Builders, Co,", "Prairie Builders, Co."),
        ("Acme Holdings LLC", "Acme Holdings LLC"),
    ],
)
def test_entity_suffixes_are_written_as_usual(read: str, written: str) -> None:
    assert fix_entity_suffix(read) == written


def test_a_suffix_without_its_period_is_not_given_one() -> None:
    # "Inc" and "Inc." are both real spellings: only the letters are put right.
    assert fix_entity_suffix("Acme Builders Inc") == "Acme Builders Inc"
    assert fix_entity_suffix("Acme Builders lnc") == "Acme Builders Inc"


@pytest.mark.parametrize(
    ("read", "written"),
    [
        ("Mutua!", "Mutual"),
        ("Casuaity", "Casualty"),
        ("Cornpany", "Company"),
        ("Insurancc,", "Insurance,"),
        ("insurance", "Insurance"),
        ("Indemnity", "Indemnity"),
    ],
)
def test_insurance_vocabulary_is_put_right(read: str, written: str) -> None:
    assert fix_vocabulary_word(read) == written


def test_words_that_are_not_misreadings_are_left_alone() -> None:
    # Four-letter words one letter apart are different words ("Fine" is not "Fire").
    assert fix_vocabulary_word("Fine") == "Fine"
    # Two letters changed in a short word is another word.
    assert fix_vocabulary_word("Lanes") == "Lanes"
    assert fix_vocabulary_word("Granite") == "Granite"


def test_run_together_words_are_set_apart() -> None:
    assert split_run_together("ofAmerica") == "of America"
    assert split_run_together("InsuranceCo.") == "Insurance Co."
    # A name with an inner capital is not two words.
    assert split_run_together("McAllister") == "McAllister"


def test_a_whole_insurer_name() -> None:
    assert fix_name("Vanguard Indemnity Cornpany ofAmerica") == (
        "Vanguard Indemnity Company of America"
    )
    assert fix_name(None) is None
    # "ri" read as "n", "C" as "G" in a suffix
    assert fix_name("Riverbend Fire and Manne Insurance Company") == (
        "Riverbend Fire and Marine Insurance Company"
    )
    assert fix_name("Heritage Specialty Insurance Go.") == "Heritage Specialty Insurance Co."


@pytest.mark.parametrize(
    ("read", "written"),
    [
        ("1689 Wexford Bivd, Houston TX 77089", "1689 Wexford Blvd, Houston TX 77089"),
        ("1000 Jefferson ct, Pittsburgh PA 15246", "1000 Jefferson Ct, Pittsburgh PA 15246"),
        ("12 Main St, Chicago IL 6O6O1", "12 Main St, Chicago IL 60601"),
        ("6058 Railroad Rd, Salt Lake City UT 84180_", "6058 Railroad Rd, Salt Lake City UT 84180"),
        # A state code is not a street suffix ("CT" is not "Ct").
        ("1733 Jefferson Rd, Hartford CT 06106", "1733 Jefferson Rd, Hartford CT 06106"),
        # A ZIP code that lost a digit stays as read.
        ("2552 Meadow Hwy, Raleigh NC 276%", "2552 Meadow Hwy, Raleigh NC 276%"),
    ],
)
def test_addresses(read: str, written: str) -> None:
    assert fix_address(read) == written


def test_naic_codes_have_five_digits() -> None:
    assert naic_code("1O730") == "10730"
    assert naic_code("«15050") == "15050"
    assert naic_code("1073") is None
    assert naic_code("4SpS8:") is None


def test_names_lose_the_scraps_around_them() -> None:
    assert clean_name("__Atlas Surplus Lines Insurance Company") == (
        "Atlas Surplus Lines Insurance Company"
    )
    assert clean_name("“Sorensen Mutual Insurance Company |") == "Sorensen Mutual Insurance Company"
    assert clean_name("Heritage Specialty Insurance Co.") == "Heritage Specialty Insurance Co."
    assert clean_name("Stonebridge ‘Compass Insurance Company") == (
        "Stonebridge Compass Insurance Company"
    )
    assert clean_name("O’Brien Mutual") == "O’Brien Mutual"


def test_amounts_are_well_formed_only_as_printed_limits() -> None:
    assert well_formed_amount("$1,000,000") == 1_000_000
    assert well_formed_amount("25,000.00") == 25_000
    assert well_formed_amount("$ 2,000,000.") == 2_000_000
    for misread in ("2-000,000", "1,00,000", "5", "2,900,9OO", ""):
        assert well_formed_amount(misread) is None, misread


@pytest.mark.parametrize(
    ("read", "written"),
    [
        ("5901 Canal Dr, Bidg 226, Houston TX 77014", "5901 Canal Dr, Bldg 226, Houston TX 77014"),
        ("1 Main St, Ste 200, Austin TX 78701", "1 Main St, Ste 200, Austin TX 78701"),
        # Only a designator followed by its number; other words are left as read.
        ("1 Main St, Stem Cell Lab, Austin TX 78701", "1 Main St, Stem Cell Lab, Austin TX 78701"),
    ],
)
def test_unit_designators_misread_by_a_letter_are_put_right(read: str, written: str) -> None:
    assert fix_address(read) == written


def test_a_state_code_read_with_a_digit_is_put_right_before_its_zip() -> None:
    assert fix_address("2266 Quarry Dr, Boise 1D 83772") == "2266 Quarry Dr, Boise ID 83772"
    assert fix_address("12 Elm St, Dayton 0H 4547S") == "12 Elm St, Dayton OH 45475"
    assert fix_address("12 Elm St, Suite 22 60601") == "12 Elm St, Suite 22 60601"


def test_state_and_zip_across_the_boxes_gap_stay_with_the_city() -> None:
    from backend.acord.geometry import Word
    from backend.acord.page_labels import leading_run

    line = [
        Word("Boise", 82, 10, 103, 21),
        Word("1D", 243, 14, 250, 21),
        Word("83772", 260, 14, 281, 21),
    ]
    assert [w.text for w in leading_run(line)] == ["Boise", "1D", "83772"]
    far = [
        Word("Boise", 82, 10, 103, 21),
        Word("Scan", 243, 14, 250, 21),
        Word("code", 260, 14, 281, 21),
    ]
    assert [w.text for w in leading_run(far)] == ["Boise"]
    # "CO" read small: its letters are the capitals' shapes, told apart by height alone.
    small = [
        Word("Denver", 82, 10, 110, 21),
        Word("co", 243, 14, 252, 21),
        Word("80221", 260, 14, 281, 21),
    ]
    assert [w.text for w in leading_run(small)] == ["Denver", "co", "80221"]


def test_a_state_code_read_small_is_put_in_capitals_before_its_zip() -> None:
    assert (
        fix_address("5842 Industrial Dr, Denver co 80221") == "5842 Industrial Dr, Denver CO 80221"
    )
    # Letters whose small form differs from the capital are not taken for one.
    assert fix_address("9 Oak Rd, Waco tx 76701") == "9 Oak Rd, Waco tx 76701"


def test_a_naic_code_is_the_five_digit_word_beside_scraps() -> None:
    # The form's right border read as an "I" after the code.
    assert naic_code("«19576 I") == "19576"
    # A code OCR split in two is joined again.
    assert naic_code("195 76") == "19576"
    # Two codes in one cell are no answer.
    assert naic_code("12345 67890") is None


def test_a_closing_period_the_page_pass_lost_is_kept_from_the_grey_reading() -> None:
    from backend.acord.geometry import Word
    from backend.acord.page_labels import likelier_words

    grey = [Word("Insurance", 10, 10, 50, 18, 0.96), Word("Co.", 52, 10, 64, 18, 0.89)]
    page = [Word("Insurance", 10, 10, 50, 18, 0.97), Word("Co", 52, 10, 62, 18, 0.95)]
    assert [w.text for w in likelier_words(grey, page)] == ["Insurance", "Co."]
    # Otherwise the surer reading of each word is kept.
    grey = [Word("Westtield", 10, 10, 50, 18, 0.6)]
    page = [Word("Westfield", 10, 10, 50, 18, 0.9)]
    assert [w.text for w in likelier_words(grey, page)] == ["Westfield"]


def test_a_period_ocr_lost_is_put_back_where_its_dot_is_printed() -> None:
    from PIL import Image, ImageDraw

    from backend.acord.corrections import restore_period
    from backend.acord.geometry import Word
    from backend.acord.pdftext import DARK_LEVEL, InkMeter

    scale = 4.0  # pixels per point
    image = Image.new("L", (400, 200), 250)
    draw = ImageDraw.Draw(image)
    # "Corp" ends at x=40 pt, its box 20-28 pt high (the descender of its "p" at the bottom):
    # a blurred, grey dot on its baseline half a point after it.
    draw.ellipse((41 * scale, 25 * scale, 42.2 * scale, 26.2 * scale), fill=175)
    meter = InkMeter(image, scale)
    corp = Word("Corp", 20.0, 20.0, 40.0, 28.0)
    assert restore_period(corp, meter, DARK_LEVEL).text == "Corp."
    # The same word with nothing after it keeps its reading.
    bare = Word("Corp", 20.0, 40.0, 40.0, 48.0)
    assert restore_period(bare, meter, DARK_LEVEL).text == "Corp"
    # Dotted initials always end with their dot; a comma read for it is that dot.
    assert restore_period(Word("L.L.C,", 50.0, 40.0, 70.0, 48.0), meter, DARK_LEVEL).text == (
        "L.L.C."
    )
    assert restore_period(Word("L.L.C", 50.0, 40.0, 70.0, 48.0), meter, DARK_LEVEL).text == (
        "L.L.C."
    )
    # Words that are not a suffix abbreviation are left alone, dot or none.
    assert restore_period(Word("Roofing", 0.0, 20.0, 40.0, 28.0), meter, DARK_LEVEL).text == (
        "Roofing"
    )


def test_a_state_code_before_its_zip_code_is_given_no_period() -> None:
    from PIL import Image, ImageDraw

    from backend.acord.corrections import restore_periods
    from backend.acord.geometry import Word
    from backend.acord.pdftext import DARK_LEVEL, InkMeter

    scale = 4.0
    image = Image.new("L", (400, 200), 250)
    draw = ImageDraw.Draw(image)
    # "Denver CO 80298": the ZIP code's first digit starts 2 pt after "CO".
    draw.rectangle((45 * scale, 20 * scale, 48 * scale, 28 * scale), fill=20)
    words = [Word("CO", 30.0, 20.0, 43.0, 28.0), Word("80298", 45.0, 20.0, 70.0, 28.0)]
    assert [w.text for w in restore_periods(words, InkMeter(image, scale), DARK_LEVEL)] == [
        "CO",
        "80298",
    ]


def test_punctuation_no_name_or_address_holds_is_put_right() -> None:
    from backend.acord.corrections import fix_punctuation

    # A suffix abbreviation's period read as a comma before the comma that follows it.
    assert fix_name("Harbor Paving Co,, Inc") == "Harbor Paving Co., Inc"
    # A doubled comma elsewhere is a speck's.
    assert fix_punctuation("Summit Roofing,, LLC") == "Summit Roofing, LLC"
    # An underscore is a rule's or a speck's scrap.
    assert fix_address("120 Oak Ln_, Dayton, OH 45402") == "120 Oak Ln, Dayton, OH 45402"
    assert fix_punctuation("Suite 4 _ Dayton") == "Suite 4 Dayton"
    # Written punctuation stays.
    assert fix_name("Harbor Paving Co., Inc.") == "Harbor Paving Co., Inc."
