"""Exact legal-entity name comparison.

Two names are the same entity only when they are equal after folding case, punctuation and
whitespace. Nothing else is forgiven: "Meridian Construction" is not "Meridian Construction
Group LLC", and "LLC" is not "Inc.", because a different suffix is a different legal entity and
an insurer may deny coverage to a party whose name does not match.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def normalise_entity_name(name: str) -> str:
    """Fold case, drop punctuation (hyphen and slash separate words) and invisible format
    characters, collapse whitespace."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    kept = []
    for char in folded:
        category = unicodedata.category(char)
        if char.isspace():
            kept.append(" ")
        elif category == "Cf":
            # Format characters (zero-width space or joiner, soft hyphen, BOM) show nothing:
            # "Lake\u200bshore" reads as "Lakeshore", so it must compare as that name.
            continue
        elif category.startswith("P"):
            # "Smith-Jones" is two words; "L.L.C." and "LLC" are the same word.
            kept.append(" " if char in "-/" else "")
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


def same_entity(left: str | None, right: str | None) -> bool:
    if left is None or right is None:
        return False
    return normalise_entity_name(left) == normalise_entity_name(right)
