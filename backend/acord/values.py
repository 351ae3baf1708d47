"""Turning printed text into contract values: money, dates, yes/no marks, names and addresses."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from backend.acord.absent_values import party_lines

_DATE = re.compile(r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4}|\d{2})(?!\d)")
_MONEY = re.compile(r"\$?\s*(\d{1,3}(?:[,.\s]\d{3})+|\d+)(?:\.(\d{2}))?(?!\d)")
# A limit box that prints a word for a limit held inside another ("Included", "INCL", "Incl.",
# "Incl'd", "INCLD"); OCR may keep the "$" printed before it or read a trailing "." as ",".
_INCLUDED = re.compile(r"\$?\s*incl(?:uded|'?d)?\s*[.,]?", re.I)
_EDITION = re.compile(r"ACORD\s*25(?:\s*-?\s*S)?\s*\(\s*(\d{1,4})\s*/\s*(\d{1,4})\s*\)", re.I)


def parse_date(text: str) -> str | None:
    """First US-style date (M/D/YYYY, MM/DD/YY) in the text, as ISO YYYY-MM-DD."""
    for match in _DATE.finditer(text):
        month, day, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if year < 100:
            year += 2000 if year < 70 else 1900
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


# The ACORD 25 prints the format of every date box in its label: MM/DD/YYYY (MM/DD/YY on older
# editions), for the certificate's DATE and the POLICY EFF / POLICY EXP columns alike. The
# value is eight digits, or six, with the slashes at fixed places.
_DATE_DIGITS: Final = (6, 8)
_MONTH_END: Final = 2
_DAY_END: Final = 4


def date_in_label_format(text: str) -> str | None:
    """A date read from a date box, its digits placed as MM/DD/YY(YY) when OCR lost a slash
    ("07/1624" -> 2024-07-16, "09 01 2024" -> 2024-09-01); None unless they make a real
    date."""
    value = parse_date(text)
    digits = re.sub(r"\D", "", text)
    if value is None and len(digits) in _DATE_DIGITS:
        month, day, year = digits[:_MONTH_END], digits[_MONTH_END:_DAY_END], digits[_DAY_END:]
        value = parse_date(f"{month}/{day}/{year}")
    return value


def parse_money(text: str) -> int | None:
    """Whole dollars from "$1,000,000.00", "1,000,000" or "5000"; None for "Included" or blank."""
    cleaned = text.replace("O", "0") if re.search(r"\d", text) else text
    match = _MONEY.search(cleaned)
    if not match:
        return None
    digits = re.sub(r"[^\d]", "", match.group(1))
    if not digits:
        return None
    return int(digits)


# What the LIMITS column can print, the one rule for every source (text layer, form fields,
# OCR). A limit of the liability rows (general liability, auto, umbrella or excess, employers
# liability) is sold in thousands of dollars: $1,000 at the least (the smallest printed, a
# medical expense, is $1,000-$15,000), never $0 (a line not covered is left blank or
# "EXCLUDED"). An OTHER row may also print a deductible or a retention ("DED $250", "SIR $0"):
# $100 at the least ($100-$500 deductibles), or $0 for a retention. A smaller reading is a
# number cut short (OCR splitting "$10,000" at its comma, a column rule read as "1", a scrap of
# a stamp read as "3"), and a wrong limit is worse than an empty one: it is left unread.
LEAST_LIMIT: Final = 1000
LEAST_DEDUCTIBLE: Final = 100
# The OTHER row's keys (other_limit_key) whose amount is a deductible or retention.
_DEDUCTIBLE_KEY = re.compile(r"^deductible")


def printable_amount(line: str | None, key: str, value: int) -> bool:
    """Whether `value` is an amount the form can print for limit `key` of coverage `line`."""
    if _DEDUCTIBLE_KEY.match(key):
        return value == 0 or value >= LEAST_DEDUCTIBLE
    if line == "other":
        return value >= LEAST_DEDUCTIBLE
    return value >= LEAST_LIMIT


# A liability limit is a round amount: insurers sell limits in steps ($1,000,000, $2,500,000,
# $300,000, $5,000), so its digits after the first three are noughts (every limit of the
# real certificates and of the generator has one or two significant digits; three allows
# $1,250,000). An OCR reading with a non-nought digit further on ("250,080", a rule read as a
# trailing "1": "50,000,001") is a misreading of the amount, read again or left unread. An
# OTHER row may print a property value, which need not be round: this is not asked of it.
LIMIT_SIGNIFICANT_DIGITS: Final = 3


def round_limit(value: int) -> bool:
    """Whether a liability limit's amount has at most LIMIT_SIGNIFICANT_DIGITS before its
    trailing noughts."""
    return len(str(value).rstrip("0")) <= LIMIT_SIGNIFICANT_DIGITS


def is_included(text: str) -> bool:
    """Whether a limit box says "Included" (in any of its printed short forms) and nothing else:
    the limit sits inside another limit of the line, so it has no amount of its own."""
    return _INCLUDED.fullmatch(text.strip()) is not None


def parse_mark(text: str) -> bool | None:
    """A Y / N column: "Y" or "X" is yes, "N" is no, anything else is unknown."""
    value = re.sub(r"[^A-Z]", "", text.upper())
    if value in {"Y", "YES", "X"}:
        return True
    if value in {"N", "NO"}:
        return False
    return None


def parse_edition(text: str) -> str | None:
    """The footer's edition: "ACORD 25 (2016/03)" -> "2016/03", "(7/97)" -> "1997/07"."""
    match = _EDITION.search(text)
    if not match:
        return None
    first, second = match.group(1), match.group(2)
    if len(first) == 4:
        return f"{first}/{int(second):02d}"
    year = int(second)
    year += 1900 if year >= 50 else 2000
    return f"{year}/{int(first):02d}"


def clean_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" :;,|")


def clean_name(text: str) -> str:
    """A name as OCR read it without the scraps around it: a name starts with a letter or
    digit (not "__Atlas", "“Sorensen") and ends with one or with a period or bracket."""
    text = clean_text(re.sub(r"[“”\"«»]|(?<!\w)[‘’`]", "", text))
    text = re.sub(r"^[^\w(]+|_+", "", text)
    return re.sub(r"[^\w.)]+$", "", text).strip()


def looks_like_address(line: str) -> bool:
    """Whether a line of a name-and-address box starts the address part."""
    stripped = line.strip().upper()
    return bool(
        re.match(r"^\d", stripped)
        or re.match(r"^(P\.?\s*O\.?\s*BOX|POST OFFICE|C/O|ATTN|SUITE|STE\b|ONE |TWO )", stripped)
    )


def split_name_address(lines: list[str]) -> tuple[str | None, str | None, str | None]:
    """Name, second name line (a business name under a person's name) and address of a box;
    template placeholders, telephones and a file's account number above the name left out."""
    lines = party_lines([clean_text(line) for line in lines if clean_text(line)])
    if not lines:
        return None, None, None
    name = lines[0]
    rest = lines[1:]
    second: str | None = None
    if len(rest) >= 3 and not looks_like_address(rest[0]) and looks_like_address(rest[1]):
        second = rest[0]
        rest = rest[1:]
    address = ", ".join(rest) if rest else None
    return name, second, address


_OTHER_LIMIT_KEYS = (
    (re.compile(r"DED|DEDUCTIBLE|RETENTION|SIR", re.I), "deductible"),
    # "CL" after EACH or PER is only ever CLAIM ("Each Clain" read so).
    (re.compile(r"EACH\s*CL|PER\s*CL", re.I), "each_claim"),
    (re.compile(r"EACH\s*OCC|PER\s*OCC|OCCURRENCE", re.I), "each_occurrence"),
    (re.compile(r"AGG", re.I), "aggregate"),
    (re.compile(r"LIMIT", re.I), "limit"),
)


def other_limit_key(label: str) -> str:
    """The limit key an OTHER row's label names ("Each Claim" -> each_claim)."""
    for pattern, name in _OTHER_LIMIT_KEYS:
        if pattern.search(label):
            return name
    return "limit"


def parse_other_limits(text: str) -> dict[str, int]:
    """Limits of an OTHER row as printed, e.g. "DED: $1,000 150,000" or "Limit $3,000,000".

    Each amount takes the name of the label before it; an amount without a label is the limit.
    """
    limits: dict[str, int] = {}
    position = 0
    for match in re.finditer(r"\$?\s*\d[\d,]*(?:\.\d{2})?", text):
        amount = parse_money(match.group(0))
        label_text = text[position : match.start()]
        position = match.end()
        if amount is None:
            continue
        key = "limit"
        for pattern, name in _OTHER_LIMIT_KEYS:
            if label_text.strip() and pattern.search(label_text):
                key = name
                break
        if key in limits:
            key = "limit" if "limit" not in limits else f"{key}_2"
        limits[key] = amount
    return limits


# OCR of a scan reads the digit 0 as the letter O now and then (the two differ only in width in
# the sans-serif faces certificates are typed in); an O standing right before a digit in an
# identifier read by OCR is taken as the 0 it almost always is ("CNO09006", "O7GLZY88531").
_O_BEFORE_DIGIT = re.compile(r"O+(?=\d)")


def zero_before_digit(identifier: str) -> str:
    """An OCR reading of a policy or certificate number with the letters O standing right
    before a digit read as the digit 0."""
    return _O_BEFORE_DIGIT.sub(lambda found: "0" * len(found.group()), identifier)
