"""Facts a certificate states only in its description of operations: the states workers'
compensation covers (item 3.A of the policy, "all states", a list), a stop-gap employer's
liability endorsement, a claims-made retroactive date and tail, and additional-insured wording.

Each reader returns None when the description does not state the fact: unread stays unread.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from backend.requirements.vocabulary import (
    AUTO_LIABILITY,
    EMPLOYERS_LIABILITY,
    GENERAL_LIABILITY,
    MONOPOLISTIC_STATES,
    US_STATES,
)

STATE_NAMES: Final[dict[str, str]] = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
    "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
}  # fmt: skip
# The fifty states and DC: what "all states" can mean (territories are insured apart).
_MAINLAND: Final = frozenset(STATE_NAMES.values())

# Where a description starts listing WC states: "3.A", "3.A.", "Item 3A", "states covered",
# "covered states", "state(s) of operation", "WC states".
_STATES_MARKER: Final = re.compile(
    r"\b(?:item\s*)?3\s*\.?\s*[AC]\b\.?|\b(?:covered|applicable|listed|wc|work(?:er)?s'?\s*comp"
    r"(?:ensation)?)\s+states?\b|\bstates?\s*(?:\(s\)\s*)?(?:covered|of\s+operations?|insured)\b"
    r"|\bstates?\s*:"
    # "WC coverage applies in PA and NJ", "workers compensation extends to NJ".
    r"|\b(?:wc|work(?:er)?s'?\s*comp(?:ensation)?)(?:\s+coverage)?\s+(?:applies|extends)\s+"
    r"(?:in|to)\b",
    re.IGNORECASE,
)
_ALL_STATES: Final = re.compile(
    r"\ball\s+(?:50\s+|fifty\s+|other\s+)?(?:u\.?s\.?\s+)?states\b(?P<rest>[^.;\n]*)", re.IGNORECASE
)
_EXCEPT: Final = re.compile(r"\b(?:except|excluding|other\s+than|but\s+not)\b", re.IGNORECASE)
# The end of a clause: a full stop or semicolon not inside an abbreviation, or a line break.
_CLAUSE_END: Final = re.compile(r"(?<![A-Z])[.;](?=\s|$)|\n")
_CODE: Final = re.compile(r"\b[A-Z]{2}\b")
_NAME: Final = re.compile(
    r"\b(?:" + "|".join(sorted(STATE_NAMES, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
# A monopolistic state's fund named: the state's WC comes from it.
_STATE_FUND: Final = re.compile(
    r"\bBWC\b|bureau\s+of\s+workers|state\s+(?:insurance\s+)?fund|\bL\s*&\s*I\b|labou?r\s*(?:and|&)"
    r"\s*industries|\bWSI\b|workforce\s+safety|workforce\s+services",
    re.IGNORECASE,
)
_FUND_STATE: Final = {"bwc": "OH", "bureau": "OH", "l": "WA", "labor": "WA", "labour": "WA"}
_FUND_STATE.update({"wsi": "ND", "workforce safety": "ND", "workforce services": "WY"})

_STOP_GAP: Final = re.compile(r"\bstop[\s-]*gap\b", re.IGNORECASE)
_ADDITIONAL_INSURED: Final = re.compile(r"\badditional(?:ly)?\s+insured", re.IGNORECASE)
_NEGATED_AI: Final = re.compile(
    r"\b(?:not|no)\s+(?:an?\s+)?(?:included\s+as\s+)?additional\s+insured", re.IGNORECASE
)

_MONTHS: Final = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# "January 1, 2015", "Jan. 1 2015", "1 January 2015": brokers write retro dates in words too.
_MONTH_NAME: Final = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WORDED_DATE: Final = re.compile(
    rf"(?P<month>{_MONTH_NAME})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})\s+(?P<month2>{_MONTH_NAME}),?\s+(?P<year2>\d{{4}})",
    re.IGNORECASE,
)
_RETRO: Final = re.compile(
    r"\bretro(?:active)?(?:\s+date)?\s*(?:is|of|:|-)?\s*"
    r"(?P<date>\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|none|full\s+prior\s+acts"
    rf"|(?:{_MONTH_NAME})\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+(?:{_MONTH_NAME}),?\s+\d{{4}})",
    re.IGNORECASE,
)
_NUMBER: Final = r"\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten"
# The tail in years or in months ("extended reporting period 36 months": three years; a part
# of a year left over does not make another year).
_TAIL: Final = re.compile(
    rf"(?P<before>{_NUMBER})[\s-]*(?P<unit>years?|yrs?|months?|mos?)\.?\s*(?:of\s+)?"
    r"(?:extended\s+reporting(?:\s+period)?|tail|erp)"
    r"|(?:extended\s+reporting\s+period|\btail\b|\bERP\b)"
    r"(?:\s+(?:endorsement|option|coverage))?\s*(?:of|for|:|-)?\s*"
    rf"(?P<after>{_NUMBER})[\s-]*(?P<unit2>years?|yrs?|months?|mos?)\b",
    re.IGNORECASE,
)
MONTHS_PER_YEAR: Final = 12
_WORD_NUMBERS: Final = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
# Full prior acts: no retroactive date at all, so any earlier work is covered.
NO_RETRO_DATE: Final = date.min
# "Full prior acts" said on its own ("GL: full prior acts"), without the word "retro": brokers
# write it so, and it means the same as "retro date: none".
_FULL_PRIOR_ACTS: Final = re.compile(r"\bfull\s+prior\s+acts\b", re.IGNORECASE)


def _clause(text: str, start: int) -> str:
    end = _CLAUSE_END.search(text, start)
    return text[start : end.start() if end else len(text)]


def _states_in(clause: str) -> set[str]:
    found = {code for code in _CODE.findall(clause) if code in US_STATES}
    found.update(STATE_NAMES[name.lower()] for name in _NAME.findall(clause))
    return found


def wc_states_from(description: str) -> tuple[str, ...] | None:
    """The states the description says workers' compensation covers, sorted; None when it
    names none. A monopolistic state counts only through its state fund: "all states" covers
    the fifty and DC but the monopolistic four (a private policy cannot cover them), minus any
    it excepts, a 3.A list gives its states but those four, and a state fund named adds its
    state."""
    covered: set[str] = set()
    stated = False
    for match in _ALL_STATES.finditer(description):
        stated = True
        rest = match.group("rest")
        excepted: set[str] = set()
        exception = _EXCEPT.search(rest)
        if exception is not None:
            excepted = _states_in(rest[exception.end() :])
        covered |= (_MAINLAND - MONOPOLISTIC_STATES) - excepted
    for match in _STATES_MARKER.finditer(description):
        clause = _clause(description, match.end())
        exception = _EXCEPT.search(clause)
        listed = _states_in(clause if exception is None else clause[: exception.start()])
        if listed:
            stated = True
            # A monopolistic state (ND, OH, WA, WY) insures WC only through its state fund
            # (DOMAIN.md): listed on a private policy's 3.A it is not covered; the fund named
            # in the description (below) adds it.
            covered |= listed - MONOPOLISTIC_STATES
    for match in _STATE_FUND.finditer(description):
        sentence_start = max(description.rfind(".", 0, match.start()), 0)
        sentence = _clause(description, sentence_start + 1 if sentence_start else 0)
        named = _states_in(sentence) & MONOPOLISTIC_STATES
        if not named:
            word = match.group(0).split()[0].lower().rstrip("&")
            guessed = _FUND_STATE.get(word) or _FUND_STATE.get(match.group(0).lower())
            named = {guessed} if guessed else set()
        if named:
            stated = True
            covered |= named
    return tuple(sorted(covered)) if stated else None


# "WOS" and "waiver of subro" are how brokers shorten it.
def state_fund(insurer_name: str) -> str | None:
    """The monopolistic state whose fund `insurer_name` is ("Ohio Bureau of Workers'
    Compensation": OH), else None."""
    if _STATE_FUND.search(insurer_name) is None:
        return None
    named = (wc_states_from(insurer_name) or ()) if insurer_name else ()
    for state in named:
        if state in MONOPOLISTIC_STATES:
            return state
    return None


_WAIVER: Final = re.compile(
    r"waiver\s+of\s+subro(?:gation)?\b|subrogation\s+(?:is\s+)?waived|\bWOS\b", re.I
)
_NO_WAIVER: Final = re.compile(
    r"\bno\s+(?:waiver\s+of\s+subro(?:gation)?\b|WOS\b)|subrogation\s+is\s+not\s+waived",
    re.I,
)
_LINE_WORDS: Final = (
    # The waiver forms name their line too: CG 24 04 (GL), CA 04 44 (auto), WC 00 03 13 (WC,
    # read by its "WC").
    (
        "general_liability",
        re.compile(r"\bgeneral\s+liability\b|\bG\.?L\b|\bCGL\b|\bCG\s*24\s*04\b", re.I),
    ),
    (
        "auto_liability",
        re.compile(r"\bauto(?:mobile)?\b|\bA\.?L\b|\bBAP?\b|\bCA\s*04\s*44\b", re.I),
    ),
    ("umbrella", re.compile(r"\bumbrella\b|\bexcess\b", re.I)),
    (
        "workers_compensation",
        re.compile(r"\bwork(?:er)?s'?\s*comp|\bW\.?C\b|employers?'?\s+liability", re.I),
    ),
)


# "Applies to all policies (listed above)", "on all lines": every line the certificate shows.
_ALL_LINES: Final = re.compile(
    r"\ball\s+(?:of\s+the\s+)?(?:above\s+)?(?:policies|lines|coverages)\b", re.I
)


def waiver_lines(description: str) -> tuple[str, ...] | None:
    """The lines a description says carry a waiver of subrogation: those its sentence names
    (every line for "all policies"), () when it names none (then the rows' own marks decide),
    None when it claims no waiver."""
    match = _WAIVER.search(description)
    if match is None or _NO_WAIVER.search(description) is not None:
        return None
    start = max(description.rfind(".", 0, match.start()) + 1, 0)
    sentence = _clause(description, start)
    if _ALL_LINES.search(sentence):
        return tuple(line for line, _pattern in _LINE_WORDS)
    return tuple(line for line, pattern in _LINE_WORDS if pattern.search(sentence))


# "Follows form", "following form", and the adjective "follow-form umbrella".
FOLLOWS_FORM_WORDING: Final = re.compile(r"follow(?:s|ing)?[\s-]+form", re.I)
# The underlying lines a follow-form sentence may name ("follows form over GL and auto").
_UNDERLYING_WORDS: Final = (
    (GENERAL_LIABILITY, re.compile(r"\bgeneral\s+liability\b|\bG\.?L\b|\bCGL\b", re.I)),
    (AUTO_LIABILITY, re.compile(r"\bauto(?:mobile)?\b|\bA\.?L\b|\bBAP?\b", re.I)),
    (
        EMPLOYERS_LIABILITY,
        re.compile(r"employers?'?\s+liability|\bE\.?L\b|\bwork(?:er)?s'?\s*comp|\bW\.?C\b", re.I),
    ),
)


def follow_form_lines(description: str) -> tuple[str, ...] | None:
    """The underlying lines the follow-form sentence names ("Excess follows form over general
    liability and auto only": GL and auto, not employer's liability), in FOLLOW_FORM_UNDERLYING
    terms; None when it names none (then it follows form over the whole schedule)."""
    match = FOLLOWS_FORM_WORDING.search(description)
    if match is None:
        return None
    start = max(description.rfind(".", 0, match.start()) + 1, 0)
    sentence = _clause(description, start)
    named = tuple(line for line, pattern in _UNDERLYING_WORDS if pattern.search(sentence))
    return named or None


_OWNERS: Final = r"(?:owners?|officers?|partners?|members?|proprietors?|principals?)"
# "Officers excluded: J. Apex", "owners/officers are excluded", "excluded officers": the WC row's
# exclusion said in words. "No officers excluded", "officers are not excluded" or "officers
# included" say the opposite.
_OWNERS_EXCLUDED: Final = re.compile(
    rf"\b{_OWNERS}(?:\s*(?:/|,|&|and)\s*{_OWNERS})*\s*(?:(?:are|is)\s+)?(?P<not>not\s+)?"
    rf"(?P<verb>excluded|included)\b|\b(?P<no>no\s+)?excluded\s+{_OWNERS}\b",
    re.IGNORECASE,
)
_NO_OWNERS: Final = re.compile(rf"\bno\s+{_OWNERS}", re.IGNORECASE)


def owners_excluded_from(description: str) -> bool | None:
    """Whether the description says owners or officers are excluded from workers'
    compensation (True), says they are not (False), or says nothing (None)."""
    match = _OWNERS_EXCLUDED.search(description)
    if match is None:
        return None
    if match.group("verb") is None:  # "excluded officers"
        return match.group("no") is None
    before = description[max(match.start() - 4, 0) : match.start()]
    negated = match.group("not") is not None or _NO_OWNERS.search(before + match.group(0))
    excluded = match.group("verb").lower() == "excluded"
    return excluded != bool(negated)


def mentions_stop_gap(description: str) -> bool:
    return _STOP_GAP.search(description) is not None


# "$1,000,000", "1,000,000", "$1M", "1 million", "500K".
_MONEY: Final = re.compile(
    r"\$?\s*(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(million|mil|m|k)?\b", re.IGNORECASE
)
_MULTIPLIER: Final = {"million": 1_000_000, "mil": 1_000_000, "m": 1_000_000, "k": 1_000}
# The smallest amount read as a limit: a bare "3" in "3.A" or a year is not one.
_SMALLEST_LIMIT: Final = 10_000
EL_KINDS: Final = ("el_each_accident", "el_disease_each_employee", "el_disease_policy_limit")


def stop_gap_limits(description: str) -> dict[str, int] | None:
    """The employer's liability limits a description gives its stop-gap endorsement, in the
    ACORD order (each accident, disease each employee, disease policy limit): "Stop gap EL
    $1,000,000 / $1,000,000 / $1,000,000" or "stop gap 1M/1M/1M". None unless the sentence
    that names the stop gap states all three."""
    match = _STOP_GAP.search(description)
    if match is None:
        return None
    start = description.rfind(".", 0, match.start()) + 1
    sentence = _clause(description, start)
    amounts: list[int] = []
    for money in _MONEY.finditer(sentence):
        number = float(money.group(1).replace(",", ""))
        unit = (money.group(2) or "").lower()
        amount = int(number * _MULTIPLIER.get(unit, 1))
        if amount >= _SMALLEST_LIMIT:
            amounts.append(amount)
    if len(amounts) != len(EL_KINDS):
        return None
    return dict(zip(EL_KINDS, amounts, strict=True))


def mentions_additional_insured(description: str) -> bool:
    """The description says someone is an additional insured (and does not deny it)."""
    return (
        _ADDITIONAL_INSURED.search(description) is not None
        and _NEGATED_AI.search(description) is None
    )


def claims_made_terms(description: str) -> tuple[date | None, int | None]:
    """(retroactive date, tail years) a description states for a claims-made policy."""
    retro: date | None = None
    match = _RETRO.search(description)
    if match is not None:
        retro = _parse_date(match.group("date"))
    elif _FULL_PRIOR_ACTS.search(description) is not None:
        retro = NO_RETRO_DATE
    tail: int | None = None
    match = _TAIL.search(description)
    if match is not None:
        count = match.group("before") or match.group("after")
        unit = (match.group("unit") or match.group("unit2")).lower()
        number = int(count) if count.isdigit() else _WORD_NUMBERS[count.lower()]
        tail = number // MONTHS_PER_YEAR if unit.startswith("mo") else number
    return retro, tail


def _parse_date(text: str) -> date | None:
    lowered = text.lower()
    if lowered == "none" or lowered.startswith("full"):
        return NO_RETRO_DATE
    worded = _WORDED_DATE.fullmatch(text.strip())
    if worded is not None:
        month = worded.group("month") or worded.group("month2")
        day = worded.group("day") or worded.group("day2")
        year = worded.group("year") or worded.group("year2")
        try:
            return date(int(year), _MONTHS[month[:3].lower()], int(day))
        except ValueError:
            return None
    try:
        if "-" in text:
            return date.fromisoformat(text)
        month, day, year = (int(part) for part in text.split("/"))
    except ValueError:
        return None
    if year < 100:
        # Two-digit years on certificates: retro dates lie in the past, so 00-69 are 2000s.
        year += 2000 if year < 70 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


# "30 days notice of cancellation", "notice of cancellation: 30 days": group 1 or 2 is the days.
# The days in figures, or in the words certificates use for the usual periods.
DAY_WORDS: Final = {
    "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "sixty": 60,
    "ninety": 90,
}  # fmt: skip
_DAY_COUNT: Final = r"\d{1,3}|ten|fifteen|twenty|thirty|forty[\s-]five|sixty|ninety"
# "Notice of cancellation", "cancellation notice" or the brokers' "NOC".
_NOTICE_OF_CANCELLATION: Final = r"(?:notice\s+of\s+cancel+ation|cancel+ation\s+notice|\bNOC\b)"
NOTICE_WORDING: Final = re.compile(
    # "Thirty (30) days": the figure may close a bracket.
    rf"\b({_DAY_COUNT})\)?\s*[- ]?\s*days?'?\s*(?:prior\s+)?(?:written\s+)?"
    rf"{_NOTICE_OF_CANCELLATION}"
    rf"|{_NOTICE_OF_CANCELLATION}[^.\d]{{0,40}}?\b({_DAY_COUNT})\s*[- ]?\s*days?",
    re.I,
)
NOTICE_WORDS: Final = re.compile(_NOTICE_OF_CANCELLATION, re.I)


def day_count(text: str) -> int:
    """Days written in figures or in words ("thirty", "Forty five")."""
    if text.isdigit():
        return int(text)
    return DAY_WORDS["-".join(text.lower().replace("-", " ").split())]


# Ten days' notice for non-payment of premium sits beside the usual thirty (DOMAIN.md: 30 days,
# 10 for non-payment): days stated for non-payment are not the notice a set asks for, wherever
# they stand in the sentence.
_NON_PAYMENT: Final = re.compile(r"non[\s-]*payment", re.I)
_DAYS: Final = re.compile(rf"\b({_DAY_COUNT})\s*[- ]?\s*days?\b", re.I)
# What separates "30 days ..." from "10 days for non-payment" in one sentence.
_NOTICE_PARTS: Final = re.compile(r"[,;:()]|\b(?:and|except|but|or)\b", re.I)


def notice_days(description: str, notice: re.Match[str]) -> int:
    """The days of notice of cancellation that `notice` (a match of notice wording, its days
    in group 1 or 2) states in `description`. Days the wording ties to non-payment are left
    out: "30 days notice of cancellation, 10 days for non-payment" and "Notice of
    cancellation: 10 days for non-payment, 30 days otherwise" both give 30."""
    group = 1 if notice.group(1) else 2
    own = day_count(notice.group(group))
    start = description.rfind(".", 0, notice.start()) + 1
    stop = description.find(".", notice.end())
    sentence = description[start : stop if stop >= 0 else len(description)]
    at = notice.start(group) - start
    others: list[int] = []
    part_start = 0
    for part_end in [m.start() for m in _NOTICE_PARTS.finditer(sentence)] + [len(sentence)]:
        part = sentence[part_start:part_end]
        if part_start <= at < part_end and not _NON_PAYMENT.search(part):
            return own  # the matched days are the general notice
        if not _NON_PAYMENT.search(part):
            others.extend(day_count(match.group(1)) for match in _DAYS.finditer(part))
        part_start = part_end
    # The matched days were for non-payment: the general notice is the other days stated, if
    # any; alone, they are what the wording gives.
    return max(others) if others else own
