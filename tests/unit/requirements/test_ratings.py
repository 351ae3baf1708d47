from __future__ import annotations

import pytest

from backend.requirements.ratings import (
    BEST_RATINGS,
    SIZE_CLASSES,
    RatingError,
    meets_minimum,
    rating_strength,
    ratings_from_csv,
    size_order,
)


def test_best_letter_ratings_are_ordered_strongest_first() -> None:
    strengths = [rating_strength(rating) for rating in BEST_RATINGS]
    assert strengths == sorted(strengths, reverse=True)
    assert rating_strength("A++") > rating_strength("A+") > rating_strength("A")
    assert rating_strength("A-") > rating_strength("B++") > rating_strength("B+")
    assert [size_order(size) for size in SIZE_CLASSES] == list(range(1, 16))


@pytest.mark.parametrize(
    ("rating", "size", "ok"),
    [
        ("A-", "VII", True),
        ("A++", "XV", True),
        ("A", "VI", False),
        ("B++", "XV", False),
        ("A-", "VIII", True),
    ],
)
def test_minimum_a_minus_vii(rating: str, size: str, ok: bool) -> None:
    assert meets_minimum(rating, size, "A-", "VII") is ok


def test_csv_import() -> None:
    table = ratings_from_csv(
        "\ufeffNAIC,Name,Rating,Size_Class,Surplus_Lines\n"
        "24112,Great Lakes Casualty,a,ix,no\n"
        "35289,Continental Excess,A+,XV,yes\n"
    )
    assert len(table) == 2
    great_lakes = table.get("24112")
    assert great_lakes is not None
    assert (great_lakes.rating, great_lakes.size_class, great_lakes.label) == ("A", "IX", "A IX")
    excess = table.get("35289")
    assert excess is not None and excess.surplus_lines
    assert table.get("99999") is None and table.get(None) is None


def test_csv_errors_name_every_faulty_row() -> None:
    text = (
        "naic,name,rating,size_class\n"
        "24112,Good,A,IX\n"
        "2411,Short NAIC,A,IX\n"
        "35289,,A,IX\n"
        "10677,Weak,Q,IX\n"
        "10678,Huge,A,XX\n"
        "24112,Twice,A,IX\n"
    )
    with pytest.raises(RatingError) as refused:
        ratings_from_csv(text)
    message = str(refused.value)
    for expected in (
        "line 3: naic must be five digits",
        "line 4: name is empty",
        "line 5: unknown A.M. Best rating 'Q'",
        "line 6: unknown A.M. Best size class 'XX'",
        "line 7: NAIC 24112 appears more than once",
    ):
        assert expected in message
    assert "line 2" not in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("naic,name\n1,x\n", "lacks column"),
        ("naic,name,rating,size_class,colour\n", "unknown column"),
        ("naic,name,rating,size_class,surplus_lines\n24112,X,A,IX,maybe\n", "yes or no"),
        ("naic,name,rating,size_class\n24112,X,A,IX,extra\n", "more values than columns"),
    ],
)
def test_csv_structure_errors(text: str, message: str) -> None:
    with pytest.raises(RatingError, match=message):
        ratings_from_csv(text)
