"""What the local Procore server accepts in an insurance, per the facts in
../shared/contracts/procore-insurances.md: the documented fields with their types, the seven
statuses, dates as YYYY-MM-DD and `limit` as ONE decimal string. Anything else is refused with
Procore's error shape, {"field": ["message", ...]}."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

STATUSES: Final = (
    "compliant",
    "compliant_in_progress",
    "expired",
    "non_compliant",
    "non_compliant_in_progress",
    "undecided",
    "unregistered",
)
STRING_FIELDS: Final = (
    "insurance_type",
    "policy_number",
    "name",
    "additional_insured",
    "notes",
    "origin_id",
    "origin_data",
    "origin_code",
)
DATE_FIELDS: Final = ("effective_date", "expiration_date")
BOOLEAN_FIELDS: Final = ("exempt", "info_received", "enable_expired_insurance_notifications")
FIELDS: Final = frozenset((*STRING_FIELDS, *DATE_FIELDS, *BOOLEAN_FIELDS, "limit", "status"))
# Fields Procore locks when the company syncs insurances with Sage 300 CRE.
SAGE_LOCKED: Final = (
    "insurance_type",
    "effective_date",
    "expiration_date",
    "limit",
    "name",
    "policy_number",
)
LIMIT_PATTERN: Final = re.compile(r"^\d{1,13}(\.\d{1,2})?$")


def insurance_errors(fields: Any, *, extra: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    if not isinstance(fields, dict):
        return {"base": ["must be an object"]}
    errors: dict[str, list[str]] = {}
    for key, value in fields.items():
        if key not in FIELDS | extra:
            errors.setdefault(key, []).append("is not a permitted attribute")
        elif key in STRING_FIELDS and value is not None and not isinstance(value, str):
            errors.setdefault(key, []).append("must be a string")
        elif key in BOOLEAN_FIELDS and not isinstance(value, bool):
            errors.setdefault(key, []).append("must be a boolean")
        elif key in DATE_FIELDS and value is not None:
            if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                errors.setdefault(key, []).append("must be a date (YYYY-MM-DD)")
            else:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    errors.setdefault(key, []).append("is not a valid date")
        elif key == "limit" and value is not None:
            if not isinstance(value, str) or not LIMIT_PATTERN.match(value):
                errors.setdefault(key, []).append("must be one amount as a string, e.g. 1000000.00")
        elif key == "status" and value not in STATUSES:
            errors.setdefault(key, []).append(
                f"is not included in the list ({', '.join(STATUSES)})"
            )
    effective, expiration = fields.get("effective_date"), fields.get("expiration_date")
    if isinstance(effective, str) and isinstance(expiration, str) and not errors:
        if expiration < effective:
            errors.setdefault("expiration_date", []).append("must be on or after effective_date")
    return errors


def locked_changes(existing: dict[str, Any], fields: dict[str, Any]) -> dict[str, list[str]]:
    return {
        key: ["is locked because this insurance is synced with Sage 300 CRE"]
        for key in SAGE_LOCKED
        if key in fields and fields[key] != existing.get(key)
    }
