"""Entity-name keys computed afresh on every call, for the engine.

`entity_key(name)` equals `names.normalise_entity_name(name)` for every string. The engine may
not lean on that function's cache for names read from a record or a context (a verdict must cost
the same whether or not the names were seen before), and the uncached fold walks the name a
character at a time through unicodedata. Plain-ASCII names, nearly all of them, take a byte
table instead: on ASCII, NFKC changes nothing and case folding is per character, so folding a
name is folding each of its characters, and the table holds exactly what the general rule makes
of each of the 128 characters.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from backend.requirements.names import normalise_entity_name

_fold_uncached: Final = normalise_entity_name.__wrapped__


def _ascii_tables() -> tuple[bytes, bytes]:
    """(translation table, characters to delete) for bytes.translate, built by applying the
    general fold's per-character rule to each ASCII character."""
    table = bytearray(range(256))
    delete = bytearray()
    for code in range(128):
        folded = unicodedata.normalize("NFKC", chr(code)).casefold()
        assert len(folded) == 1, "ASCII folds to a single character"
        if folded.isspace():
            table[code] = ord(" ")
        elif unicodedata.category(folded).startswith("P"):
            if folded in "-/":
                table[code] = ord(" ")
            else:
                delete.append(code)
        else:
            table[code] = ord(folded)
    return bytes(table), bytes(delete)


_TABLE, _DELETE = _ascii_tables()


def entity_key(name: str) -> str:
    """The folded form names.normalise_entity_name gives `name`, without its cache."""
    if name.isascii():
        # Every whitespace character became a space, so split() sees the same words.
        return " ".join(name.encode("ascii").translate(_TABLE, _DELETE).decode("ascii").split())
    return _fold_uncached(name)


def _collapse(key: str) -> str:
    """Runs of spaces made one and the ends trimmed; most folded names have none."""
    if "  " in key or key.startswith(" ") or key.endswith(" "):
        return " ".join(key.split())
    return key


def entity_keys(names: tuple[str, ...]) -> list[str]:
    """entity_key of each name, the ASCII ones folded in one pass when none holds a NUL."""
    joined = "\0".join(names)
    if joined.isascii():
        folded = joined.encode("ascii").translate(_TABLE, _DELETE).decode("ascii").split("\0")
        if len(folded) == len(names):  # NUL is kept by the fold, so it still separates them
            return [_collapse(key) for key in folded]
    return [entity_key(name) for name in names]


def same_name(left: str | None, right: str | None) -> bool:
    """names.same_entity without its cache: equal names are the same entity without folding."""
    if left is None or right is None:
        return False
    return left == right or entity_key(left) == entity_key(right)


# A legal entity's suffix spelled out or abbreviated is the same suffix ("Limited Liability
# Company" is what "LLC" abbreviates); a different suffix stays a different entity. Longest
# first, so "limited liability company" is not read as "... company".
_SUFFIX_WORDS: Final = (
    ("professional limited liability company", "pllc"),
    ("limited liability limited partnership", "lllp"),
    ("limited liability company", "llc"),
    # "Limited Liability Co." is a spelling the LLC statutes allow beside "LLC".
    ("limited liability co", "llc"),
    ("limited liability partnership", "llp"),
    ("limited partnership", "lp"),
    # A national bank's legal name ends "National Association", abbreviated "N.A.".
    ("national association", "na"),
    ("professional corporation", "pc"),
    ("incorporated", "inc"),
    ("corporation", "corp"),
    ("company", "co"),
    ("limited", "ltd"),
    ("l l c", "llc"),
    ("l l p", "llp"),
    ("l p", "lp"),
)
# What follows "dba" (doing business as) is a trade name beside the legal name before it.
# And what follows "and its" / "its" ("..., its parent, subsidiaries and affiliates") widens the
# holder to others beside the entity it names first; so does a lender's clause, "ISAOA/ATIMA"
# (its successors and/or assigns, as their interests may appear), spelled out or abbreviated.
_TRADE_NAME: Final = (
    " dba ",
    " d b a ",
    " doing business as ",
    " trading as ",
    " and its ",
    " its ",
    " isaoa ",
    " atima ",
    " as their interests may appear ",
)


def legal_name_key(key: str) -> str:
    """A folded name (entity_key) reduced to its legal entity: the trade name after "dba" left
    out and the entity suffix at its end abbreviated, so that "Meridian Construction Group
    Limited Liability Company dba Meridian Builders" and "Meridian Construction Group LLC" have
    one key, while "... LLC" and "... Inc." keep two."""
    for marker in _TRADE_NAME:
        # The name padded, so that a clause ending the name ("... N.A. ISAOA") is found too.
        at = f"{key} ".find(marker)
        if at > 0:
            key = key[:at]
    for long, short in _SUFFIX_WORDS:
        if key.endswith(" " + long):
            key = key[: -len(long)]
            # "Meridian Construction Group, a Limited Liability Company": the article goes too.
            for article in (" a ", " an "):
                if key.endswith(article):
                    key = key[: -len(article) + 1]
            return key + short
    return key


def same_legal_name(left: str | None, right: str | None) -> bool:
    """same_name, and failing it the same legal entity by legal_name_key."""
    if left is None or right is None:
        return False
    if same_name(left, right):
        return True
    return legal_name_key(entity_key(left)) == legal_name_key(entity_key(right))
