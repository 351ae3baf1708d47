"""The input contract of `coinet verify`: the ACORD 25 JSON's values have the types
contracts/acord25-json.md gives them, or the whole document is refused.

A value of the wrong type (a limit written "2,000,000" or 2000000.0, a holder given as a plain
string, a mark given as "Y") is a broken producer, not an unreadable certificate: skipping it
would tell the sub that a line is "required but not on the record" when it is on the
certificate. So it is refused with the JSON pointer of the value and the type expected, and the
command exits 2. A value the reader could not read is null, and the engine reports the checks
that need it as unknown.

Keys the contract does not name are allowed (the contract says keys may be added) and ignored.
"""

from __future__ import annotations

from typing import Final

from backend.requirements.vocabulary import COVERED_AUTOS, LIMIT_KINDS

# The line names of the contract; `other` carries nothing the engine checks.
CONTRACT_LINES: Final = (*LIMIT_KINDS, "other")
# "Included" in a limit box: the limit sits inside another (products inside the general
# aggregate); the engine judges it through the limit that contains it.
INCLUDED: Final = "included"

_TEXT: Final = "a string or null"
_MARK: Final = "true, false or null"
_DATE: Final = 'a "YYYY-MM-DD" string or null'
_AMOUNT: Final = 'a whole number of dollars (no quotes, commas or decimals), "Included" or null'


class AcordInputError(ValueError):
    """A value of the wrong type; `pointer` is its JSON pointer in the certificate JSON."""

    def __init__(self, pointer: str, expected: str, value: object) -> None:
        super().__init__(f"{pointer}: expected {expected}, got {_shown(value)}")
        self.pointer = pointer


def _shown(value: object) -> str:
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"the decimal number {value!r}"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


def check_certificate_types(document: dict[str, object]) -> None:
    """Raise AcordInputError at the first value whose type breaks the contract."""
    for key in ("certificate_date",):
        _optional(document.get(key), f"/{key}", _DATE, str)
    for key in ("description_of_operations", "certificate_number", "revision_number"):
        _optional(document.get(key), f"/{key}", _TEXT, str)
    for key in ("certificate_holder", "insured"):
        party = document.get(key)
        if party is None:
            continue
        if not isinstance(party, dict):
            raise AcordInputError(f"/{key}", 'an object {"name", "address"} or null', party)
        for field in ("name", "address"):
            _optional(party.get(field), f"/{key}/{field}", _TEXT, str)
    _insurers(document.get("insurers"))
    coverages = document.get("coverages")
    if not isinstance(coverages, list):
        raise AcordInputError("/coverages", "an array of coverage objects", coverages)
    for index, coverage in enumerate(coverages):
        _coverage(coverage, f"/coverages/{index}")


def _insurers(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        raise AcordInputError("/insurers", "an array of insurer objects or null", value)
    for index, insurer in enumerate(value):
        pointer = f"/insurers/{index}"
        if not isinstance(insurer, dict):
            raise AcordInputError(pointer, 'an object {"letter", "name", "naic"}', insurer)
        for field in ("letter", "name", "naic"):
            _optional(insurer.get(field), f"{pointer}/{field}", _TEXT, str)


def _coverage(coverage: object, pointer: str) -> None:
    if not isinstance(coverage, dict):
        raise AcordInputError(pointer, "a coverage object", coverage)
    line = coverage.get("line")
    if not isinstance(line, str) or line not in CONTRACT_LINES:
        raise AcordInputError(f"{pointer}/line", "one of " + ", ".join(CONTRACT_LINES), line)
    if line == "other":
        return  # its limits and description are free; the engine does not read them
    for field in ("policy_number", "insurer_letter"):
        _optional(coverage.get(field), f"{pointer}/{field}", _TEXT, str)
    for field in ("effective", "expiration", "retro_date"):
        _optional(coverage.get(field), f"{pointer}/{field}", _DATE, str)
    for field in ("additional_insured", "subrogation_waived", "statutory", "officers_excluded"):
        _optional(coverage.get(field), f"{pointer}/{field}", _MARK, bool)
    _choice(coverage.get("basis"), f"{pointer}/basis", ("occurrence", "claims_made"))
    _choice(
        coverage.get("aggregate_applies_per"),
        f"{pointer}/aggregate_applies_per",
        ("policy", "project", "location"),
    )
    autos = coverage.get("covered_autos")
    if autos is not None:
        if not isinstance(autos, list):
            raise AcordInputError(f"{pointer}/covered_autos", "an array or null", autos)
        for index, item in enumerate(autos):
            _choice(item, f"{pointer}/covered_autos/{index}", COVERED_AUTOS, nullable=False)
    states = coverage.get("states")
    if states is not None:
        if not isinstance(states, list):
            raise AcordInputError(f"{pointer}/states", "an array of state codes or null", states)
        for index, item in enumerate(states):
            if not isinstance(item, str):
                raise AcordInputError(f"{pointer}/states/{index}", "a state code string", item)
    limits = coverage.get("limits")
    if limits is None:
        return
    if not isinstance(limits, dict):
        raise AcordInputError(f"{pointer}/limits", "an object of limits or null", limits)
    for kind in LIMIT_KINDS[line]:
        _amount(limits.get(kind), f"{pointer}/limits/{kind}")


def _optional(value: object, pointer: str, expected: str, kind: type) -> None:
    if value is None:
        return
    if kind is not bool and isinstance(value, bool):
        raise AcordInputError(pointer, expected, value)
    if not isinstance(value, kind):
        raise AcordInputError(pointer, expected, value)


def _choice(
    value: object, pointer: str, allowed: tuple[str, ...], *, nullable: bool = True
) -> None:
    if value is None and nullable:
        return
    if not isinstance(value, str) or value not in allowed:
        suffix = " or null" if nullable else ""
        raise AcordInputError(pointer, "one of " + ", ".join(allowed) + suffix, value)


def _amount(value: object, pointer: str) -> None:
    if value is None:
        return
    if isinstance(value, str) and value.strip().lower() == INCLUDED:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AcordInputError(pointer, _AMOUNT, value)
