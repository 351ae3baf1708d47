"""Federal employer identification numbers (EIN): read as a person types them, kept as their
nine digits, shown as NN-NNNNNNN."""

from __future__ import annotations

import re
from typing import Final

from backend.errors import BadInput

# Typed with the hyphen (as printed on a W-9) or as the bare nine digits; spaces around it are
# forgiven, nothing else is.
_EIN: Final = re.compile(r"(\d{2})-?(\d{7})")
# The IRS has never assigned these two-digit prefixes (its list of campus prefixes skips them),
# so a number starting with one is a typing mistake, not a company.
UNASSIGNED_PREFIXES: Final = frozenset(
    {"00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89"}
    | {"96", "97"}
)
TAX_ID_FIELD: Final = "tax_id"


def normalise_ein(raw: str, field: str = TAX_ID_FIELD) -> str | None:
    """The nine digits of an EIN typed as NN-NNNNNNN (or NNNNNNNNN); None when left empty.
    Raises BadInput naming the field for anything else."""
    typed = raw.strip()
    if not typed:
        return None
    match = _EIN.fullmatch(typed)
    if match is None:
        raise BadInput(
            "A federal tax id (EIN) is nine digits, written NN-NNNNNNN (e.g. 12-3456789).",
            field=field,
        )
    if match.group(1) in UNASSIGNED_PREFIXES:
        raise BadInput(
            f"No EIN starts with {match.group(1)}: check the number on your W-9.", field=field
        )
    return match.group(1) + match.group(2)


def format_ein(digits: str | None) -> str:
    """NN-NNNNNNN for a stored EIN, "" for none."""
    if not digits:
        return ""
    return f"{digits[:2]}-{digits[2:]}"
