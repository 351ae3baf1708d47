"""When two legal names name the same company for people reading them: case, punctuation and
entity-type words aside ("Acme Roofing, L.L.C." reads as "Acme Roofing LLC" and as "Acme
Roofing Inc"). Used where a look-alike matters more than the legal distinction: an insured
line that should be the sub, and a sign-up under a name another company already holds."""

from __future__ import annotations

from typing import Final

from backend.requirements.names import normalise_entity_name

# Entity-type words that do not change which company a reader takes a name to mean.
ENTITY_SUFFIXES: Final = frozenset(
    {
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "lp",
        "llp",
        "lllp",
        "pc",
        "pllc",
        "pa",
        "plc",
        "the",
    }
)


# Cyrillic and Greek letters (as casefolded) whose upper or lower case is drawn like a Latin
# letter: "LАKESHORE" with a Cyrillic А reads as LAKESHORE to every GC, so it must compare as
# it. The letters a sign-up can use to pass for another company; not a full confusables table.
LOOKALIKE_LETTERS: Final = str.maketrans(
    "авекмнорстухіјѕԁӏ" + "αβεζηικμνορτυχ",
    "abekmhopctyxijsdl" + "abezhikmnoptyx",
)


def core_words(name: str) -> list[str]:
    """The words of a name that tell the company apart, in order."""
    folded = normalise_entity_name(name).translate(LOOKALIKE_LETTERS)
    return [w for w in folded.split() if w not in ENTITY_SUFFIXES]


def looks_alike(left: str, right: str) -> bool:
    """Both names read as the same company (and name one at all)."""
    words = core_words(left)
    return bool(words) and words == core_words(right)
