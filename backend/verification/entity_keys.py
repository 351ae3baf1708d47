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
