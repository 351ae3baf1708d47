"""Insurer ratings as a GC maintains them: A.M. Best letter rating and financial size class per
NAIC number, importable from CSV.

The table is data the GC owns (ratings change and are licensed), so the engine never guesses a
rating: an insurer missing from the table leaves the rating check unevaluated.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

# Best's financial strength ratings, strongest first.
BEST_RATINGS: Final = (
    "A++",
    "A+",
    "A",
    "A-",
    "B++",
    "B+",
    "B",
    "B-",
    "C++",
    "C+",
    "C",
    "C-",
    "D",
    "E",
    "F",
    "S",
)
_RATING_STRENGTH: Final = {rating: len(BEST_RATINGS) - i for i, rating in enumerate(BEST_RATINGS)}

SIZE_CLASSES: Final = (
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
)
_SIZE_ORDER: Final = {size: i + 1 for i, size in enumerate(SIZE_CLASSES)}

CSV_COLUMNS: Final = ("naic", "name", "rating", "size_class", "surplus_lines")
_TRUE_WORDS: Final = frozenset({"y", "yes", "true", "1"})
_FALSE_WORDS: Final = frozenset({"", "n", "no", "false", "0"})


class RatingError(ValueError):
    """A rating, size class or ratings file that cannot be used, with the reason."""


def normalise_rating(text: str) -> str:
    rating = text.strip().upper()
    if rating not in _RATING_STRENGTH:
        raise RatingError(
            f"unknown A.M. Best rating {text!r}; expected one of {', '.join(BEST_RATINGS)}"
        )
    return rating


def normalise_size_class(text: str) -> str:
    size = text.strip().upper()
    if size not in _SIZE_ORDER:
        raise RatingError(f"unknown A.M. Best size class {text!r}; expected I to XV")
    return size


def rating_strength(rating: str) -> int:
    """Higher is stronger: A++ is the highest, S the lowest."""
    return _RATING_STRENGTH[rating]


def size_order(size_class: str) -> int:
    """Higher is larger: XV is the largest, I the smallest."""
    return _SIZE_ORDER[size_class]


def meets_minimum(rating: str, size_class: str, minimum_rating: str, minimum_size: str) -> bool:
    return (
        _RATING_STRENGTH[rating] >= _RATING_STRENGTH[minimum_rating]
        and _SIZE_ORDER[size_class] >= _SIZE_ORDER[minimum_size]
    )


@dataclass(frozen=True, slots=True)
class InsurerRating:
    naic: str
    name: str
    rating: str
    size_class: str
    surplus_lines: bool = False
    label: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not is_naic_code(self.naic):
            raise RatingError(f"NAIC code must be five digits, not {self.naic!r}")
        object.__setattr__(self, "rating", normalise_rating(self.rating))
        object.__setattr__(self, "size_class", normalise_size_class(self.size_class))
        object.__setattr__(self, "label", f"{self.rating} {self.size_class}")


def is_naic_code(text: str | None) -> bool:
    return text is not None and len(text) == 5 and text.isascii() and text.isdigit()


@dataclass(frozen=True, slots=True)
class RatingTable:
    """Ratings keyed by NAIC number. Immutable; build a new table to change it."""

    by_naic: Mapping[str, InsurerRating]

    def get(self, naic: str | None) -> InsurerRating | None:
        if naic is None:
            return None
        return self.by_naic.get(naic)

    def __len__(self) -> int:
        return len(self.by_naic)

    @classmethod
    def of(cls, ratings: Iterable[InsurerRating]) -> RatingTable:
        return cls({rating.naic: rating for rating in ratings})


EMPTY_RATINGS: Final = RatingTable({})


def ratings_from_csv(text: str) -> RatingTable:
    """Parse a ratings CSV (header: naic,name,rating,size_class[,surplus_lines]).

    Every faulty row is reported, each with its line number, in one RatingError, so the GC can fix
    the whole file at once instead of one row per attempt.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [column.strip().lower() for column in reader.fieldnames or []]
    missing = [column for column in CSV_COLUMNS[:4] if column not in header]
    if missing:
        raise RatingError(f"ratings CSV header lacks column(s): {', '.join(missing)}")
    unknown = [column for column in header if column not in CSV_COLUMNS]
    if unknown:
        raise RatingError(f"ratings CSV has unknown column(s): {', '.join(unknown)}")
    reader.fieldnames = header
    ratings: dict[str, InsurerRating] = {}
    problems: list[str] = []
    for row in reader:
        line_number = reader.line_num
        try:
            rating = _rating_from_row(row)
        except RatingError as exc:
            problems.append(f"line {line_number}: {exc}")
            continue
        if rating.naic in ratings:
            problems.append(f"line {line_number}: NAIC {rating.naic} appears more than once")
            continue
        ratings[rating.naic] = rating
    if problems:
        raise RatingError("ratings CSV refused:\n" + "\n".join(problems))
    return RatingTable(ratings)


def _rating_from_row(row: Mapping[str, str | None]) -> InsurerRating:
    if None in row:
        raise RatingError("more values than columns")
    naic = (row.get("naic") or "").strip()
    if not is_naic_code(naic):
        raise RatingError(f"naic must be five digits, not {naic!r}")
    name = (row.get("name") or "").strip()
    if not name:
        raise RatingError("name is empty")
    surplus_text = (row.get("surplus_lines") or "").strip().lower()
    if surplus_text not in _TRUE_WORDS | _FALSE_WORDS:
        raise RatingError(f"surplus_lines must be yes or no, not {surplus_text!r}")
    return InsurerRating(
        naic=naic,
        name=name,
        rating=normalise_rating(row.get("rating") or ""),
        size_class=normalise_size_class(row.get("size_class") or ""),
        surplus_lines=surplus_text in _TRUE_WORDS,
    )
