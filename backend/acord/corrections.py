"""Corrections of OCR's usual slips in names and addresses, from general knowledge only.

Only slips a reader would fix on any certificate are fixed: a legal-entity suffix misread
("Ine" for "Inc", "UP" for "LP"), a word of insurance-company vocabulary with a letter OCR
confuses ("Mutua!", "Casuaity", "Cornpany"), two such words run together ("ofAmerica"), a USPS
street suffix ("Bivd"), digits of a ZIP code read as letters ("6O601"). Nothing is guessed
from the certificates themselves; a word that is not within one confusable letter of a known
word is left as OCR read it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Protocol

from backend.acord.geometry import Word


class Ink(Protocol):
    def ink(
        self, x0: float, top: float, x1: float, bottom: float, darker_than: int | None = None
    ) -> float: ...


# Letters OCR takes for one another in print, both ways.
_CONFUSABLE = {
    frozenset(pair)
    for pair in (
        ("l", "i"),
        ("l", "1"),
        ("l", "I"),
        ("l", "!"),
        ("l", "|"),
        ("I", "1"),
        ("I", "|"),
        ("i", "!"),
        ("c", "e"),
        ("o", "0"),
        ("O", "0"),
        ("O", "D"),
        ("S", "5"),
        ("s", "5"),
        ("B", "8"),
        ("t", "f"),
        ("u", "n"),
        ("h", "b"),
        ("n", "r"),
        ("a", "e"),
        ("y", "g"),
        ("w", "v"),
    )
}
# Clusters OCR reads as one letter or the other way round.
_CLUSTERS = (("rn", "m"), ("ri", "n"), ("cl", "d"), ("vv", "w"), ("ii", "u"))

# Words of insurance-company names; OCR's near misses of them are put right.
INSURANCE_WORDS = (
    "Insurance",
    "Company",
    "Companies",
    "Mutual",
    "Casualty",
    "Assurance",
    "Indemnity",
    "Fire",
    "Marine",
    "Surplus",
    "Lines",
    "Specialty",
    "General",
    "National",
    "American",
    "America",
    "Property",
    "Reinsurance",
    "Group",
    "Corporation",
    "Underwriters",
    "Exchange",
    "Reciprocal",
    "Guaranty",
    "Surety",
    "Security",
    "Liability",
    "Agency",
    "Brokerage",
    "Services",
    "Partners",
    "Associates",
    "Holdings",
    "Incorporated",
    "Limited",
)
_SMALL_WORDS = ("of", "and", "the", "for")

# Legal-entity suffixes as written, and OCR's misreadings of them.
_SUFFIX_SLIPS = {
    "ine": "Inc",
    "lnc": "Inc",
    "[nc": "Inc",
    "1nc": "Inc",
    "inc": "Inc",
    "up": "LP",
    "lp": "LP",
    "llp": "LLP",
    "lic": "LLC",
    "llc": "LLC",
    "ilc": "LLC",
    "l.l.c": "L.L.C",
    "corp": "Corp",
    "co": "Co",
    "go": "Co",
    "ltd": "Ltd",
}

# USPS street suffix abbreviations (Publication 28) that certificates print most.
STREET_SUFFIXES = (
    "Ave",
    "Blvd",
    "Cir",
    "Ct",
    "Dr",
    "Hwy",
    "Ln",
    "Pkwy",
    "Pl",
    "Rd",
    "Sq",
    "St",
    "Ter",
    "Trl",
    "Way",
)

# USPS state and territory codes.
STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP".split()
)


def _swapped_letters(read: str, word: str) -> bool:
    """Whether `read` is `word` with a letter or two swapped for ones OCR confuses them with."""
    if len(read) != len(word):
        return False
    swaps = [(a, b) for a, b in zip(read, word, strict=True) if a.lower() != b.lower()]
    # A short word changed in two places is another word, not a misreading.
    allowed = 1 if len(word) < 6 else 2
    return 0 < len(swaps) <= allowed and all(frozenset(p) in _CONFUSABLE for p in swaps)


def _misread(read: str, word: str) -> bool:
    """Whether OCR's `read` is `word` misread: confusable letters swapped, or one cluster
    read as one letter or the other way round ("rn" for "m")."""
    if len(read) == len(word):
        return _swapped_letters(read, word)
    for many, one in _CLUSTERS:
        for source, target in ((many, one), (one, many)):
            start = read.find(source)
            while start >= 0:
                candidate = read[:start] + target + read[start + len(source) :]
                if candidate == word or _swapped_letters(candidate, word):
                    return True
                start = read.find(source, start + 1)
    return False


def fix_vocabulary_word(
    token: str, vocabulary: tuple[str, ...] = INSURANCE_WORDS, least: int = 5
) -> str:
    """A word of the vocabulary that OCR misread by confusable letters, put right, and one
    with a lost capital ("insurance") given it back. Words shorter than `least` letters are
    only given their capital (a four-letter word one letter off is often another word:
    "Fine", "Fire"). Other words are returned unchanged."""
    match = re.fullmatch(r"(\W*)(.+?)([.,;:]?)", token)
    if match is None:
        return token
    lead, core, tail = match.groups()
    for word in vocabulary:
        if core == word:
            return token
        if core.lower() == word.lower() or (len(core) >= least and _misread(core, word)):
            return f"{lead}{_same_case(word, core)}{tail}"
    return token


def _same_case(word: str, read: str) -> str:
    """The vocabulary word in the case the certificate prints it: a box typed in capitals
    ("FEDERATED MUTUAL INSURANCE") keeps them."""
    return word.upper() if len(read) > 1 and read.isupper() else word


def split_run_together(token: str, vocabulary: tuple[str, ...] = INSURANCE_WORDS) -> str:
    """Two words OCR ran together ("ofAmerica", "InsuranceCo.") set apart again, when the
    first is a known word of names and the second starts with a capital."""
    known = {w.lower() for w in (*vocabulary, *_SMALL_WORDS)}
    match = re.fullmatch(r"([A-Za-z]+?)([A-Z][A-Za-z.&'-]*[.,]?)", token)
    if match is None or match.group(1).lower() not in known:
        return token
    return f"{match.group(1)} {match.group(2)}"


def fix_entity_suffix(name: str) -> str:
    """The legal-entity suffix at the end of a name, as it is written: "Ine." -> "Inc.",
    "inc" -> "Inc", "UP" -> "LP", "Co," -> "Co." (a name does not end with a comma)."""
    match = re.fullmatch(r"(.*\s)(\S+?)([.,]?)", name)
    if match is None:
        return name
    head, suffix, stop = match.groups()
    written = _SUFFIX_SLIPS.get(suffix.lower())
    if written is None:
        return name
    return f"{head}{_same_case(written, suffix)}{'.' if stop else ''}"


# A doubled comma is no punctuation of a name: after a suffix abbreviation it is the
# abbreviation's period read as a comma ("Co,, Inc" for "Co., Inc"), elsewhere a speck.
_DOUBLED_COMMA = re.compile(r",\s*,")


def fix_punctuation(text: str) -> str:
    """Punctuation OCR makes of specks and dots that a name or an address never holds: a
    doubled comma (a suffix abbreviation's period read as a comma: "Co,, Inc" -> "Co., Inc")
    and underscores (a rule's or a speck's scrap at a word's end: "Dr_," -> "Dr,")."""
    text = _ABBREVIATION_COMMAS.sub(r"\1.,", text)
    text = _DOUBLED_COMMA.sub(",", text)
    return re.sub(r"\s{2,}", " ", text.replace("_", "")).strip()


def fix_name(name: str | None) -> str | None:
    """A company name with OCR's slips in its vocabulary words and its suffix put right."""
    if not name:
        return name
    name = fix_punctuation(name)
    tokens = [part for token in name.split() for part in split_run_together(token).split()]
    return fix_entity_suffix(" ".join(fix_vocabulary_word(t) for t in tokens))


# USPS secondary unit designators (Publication 28) that certificates print most, as written.
UNIT_DESIGNATORS = ("Bldg", "Suite", "Ste", "Unit", "Floor", "Apt", "Dept")


def fix_unit_designator(part: str) -> str:
    """The secondary unit designator opening a part of an address, misread by a confusable
    letter ("Bidg 226" -> "Bldg 226")."""
    head, space, rest = part.strip().partition(" ")
    if not space or not re.search(r"\d", rest):
        return part
    fixed = fix_vocabulary_word(head, UNIT_DESIGNATORS, least=4)
    return part.replace(head, fixed, 1) if fixed != head else part


def fix_street_suffix(token: str) -> str:
    """A USPS street suffix OCR misread by a confusable letter ("Bivd" -> "Blvd")."""
    return fix_vocabulary_word(token, STREET_SUFFIXES, least=4)


_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "S": "5"})
_LETTER_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})
# A state code's letters as OCR may read them: capitals, or the letters whose small form is
# the capital drawn smaller (c o s v w x z), which OCR tells from capitals by their height
# alone and reads small beside a ZIP code's digits ("Denver co 80221").
STATE_LETTER = "[A-Zcosvwxz]"
_MARKS_BEFORE_STATE = re.compile(r"\s[_|~'‘’.-]+(?=" + STATE_LETTER + r"{2},?\s+[0-9OoDIlS]{5})")
_STATE_ZIP = re.compile(
    r"\b((?:" + STATE_LETTER + r"|[0-9]){2}),?\s+([0-9OoDIlS]{5}(?:-[0-9OoDIlS]{4})?)[^A-Za-z0-9]*$"
)


def fix_address(address: str | None) -> str | None:
    """An address with OCR's slips in its street's suffix and its ZIP code put right: the ZIP
    after a state code is digits only ("NE 6811Z" stays, "IL 6O6O1" -> "IL 60601"), and
    trailing scraps after it are dropped."""
    if not address:
        return address
    street, comma, rest = fix_punctuation(address).partition(",")
    rest = ",".join(fix_unit_designator(part) for part in rest.split(","))
    text = " ".join(fix_street_suffix(w) for w in street.split(" ")) + comma + rest
    # Marks OCR read before the state from a speck or a rule's end ("Houston _TX 77018").
    text = _MARKS_BEFORE_STATE.sub(" ", text)
    match = _STATE_ZIP.search(text)
    if match is not None and match.group(1).upper() in STATES and not match.group(1).isupper():
        text = text[: match.start(1)] + match.group(1).upper() + text[match.end(1) :]
        match = _STATE_ZIP.search(text)
    if match is not None and match.group(1) not in STATES:
        # A state code with a letter OCR read as a digit ("1D" for "ID", "0H" for "OH").
        state = match.group(1).translate(_LETTER_LOOKALIKES)
        if state in STATES:
            text = text[: match.start(1)] + state + text[match.end(1) :]
            match = _STATE_ZIP.search(text)
    if match is not None and match.group(1) in STATES:
        zip_code = match.group(2).translate(_DIGIT_LOOKALIKES)
        text = text[: match.start(2)] + zip_code
    return text


# Abbreviations of a legal-entity suffix written with a closing period ("Inc.", "Co.",
# "Corp.", "Ltd."), and dotted initials ("L.L.C.", "L.P."), whose last dot OCR of a scan
# drops first, or reads as a comma: a one-point dot is the first print lost to a black-and-white
# cut or to the grain.
_DOTTED_SUFFIXES = ("inc", "co", "corp", "ltd", "assn", "bros")
# ... read with a comma for its period before the comma that follows it ("Co,, Inc").
_ABBREVIATION_COMMAS = re.compile(r"\b(" + "|".join(_DOTTED_SUFFIXES) + r"),\s*,", re.IGNORECASE)
_DOTTED_INITIALS = re.compile(r"((?:[A-Za-z]\.){1,3}[A-Za-z]),?")
# A period sits on the baseline just after its word: within three fifths of the word's height
# to its right (its side bearings and the dot), in the lower half of the word's box (a word
# with a descender, "Corp", has its baseline above the box's bottom). A blurred dot is lighter
# than the strokes of the letters: any pixel half-way from the page's print level to white
# counts, and such pixels over a twentieth of that box are a dot (the box is otherwise paper;
# the grain of a scan inks well under a hundredth of it).
PERIOD_REACH_SHARE = 0.6
PERIOD_HEIGHT_SHARE = 0.5
PERIOD_INK = 0.05
_WHITE = 255
# The dot is looked for a third of a point short of the next word on the line (its first
# letter's anti-aliased edge), on the word's line: centres within half its height.
NEXT_WORD_CLEARANCE_PT = 0.3
SAME_LINE_SHARE = 0.5


def restore_period(word: Word, meter: Ink, print_level: int, next_x0: float | None = None) -> Word:
    """A word ending an entity's name whose closing period OCR lost, with it put back: dotted
    initials missing their last dot or with a comma for it ("L.L.C", "L.L.C,"), or a suffix
    abbreviation ("Inc", "Corp") with a dot's ink on the baseline just after it, short of the
    next word on its line (`next_x0`: the state "CO" before its ZIP code has none)."""
    text = word.text
    initials = _DOTTED_INITIALS.fullmatch(text)
    if initials is not None:
        return replace(word, text=f"{initials.group(1)}.")
    if text.lower() not in _DOTTED_SUFFIXES:
        return word
    height = word.bottom - word.top
    right = word.x1 + PERIOD_REACH_SHARE * height
    if next_x0 is not None:
        right = min(right, next_x0 - NEXT_WORD_CLEARANCE_PT)
    if right <= word.x1:
        return word
    box = (word.x1, word.bottom - PERIOD_HEIGHT_SHARE * height, right, word.bottom)
    light = (print_level + _WHITE) // 2
    dotted = meter.ink(*box, darker_than=light) >= PERIOD_INK
    return replace(word, text=f"{text}.") if dotted else word


def restore_periods(words: list[Word], meter: Ink, print_level: int) -> list[Word]:
    """`restore_period` for each word of a reading, its dot looked for short of the next
    word on its line."""
    restored = []
    for word in words:
        if word.text.lower() not in _DOTTED_SUFFIXES:
            restored.append(restore_period(word, meter, print_level))
            continue
        after = [
            other.x0
            for other in words
            if other is not word
            and other.x0 >= word.x1 - NEXT_WORD_CLEARANCE_PT
            and abs(other.cy - word.cy) < SAME_LINE_SHARE * word.height
        ]
        restored.append(restore_period(word, meter, print_level, min(after, default=None)))
    return restored
