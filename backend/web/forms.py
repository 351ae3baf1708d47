"""Reading HTML form posts: trimmed text, checkboxes, dates and whole-dollar amounts, each
refusing bad input with a message that names the field."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request

from backend.errors import BadInput
from backend.http import CSRF_FIELD
from backend.web_security.bounds import MAX_POLICY_LIMIT_DOLLARS

# Day counts and the like typed into a form: nine digits is far past any rule's range (the
# services say what the range is) and keeps the number inside a 32-bit column.
MAX_WHOLE_NUMBER_DIGITS = 9

FormData = dict[str, list[str]]


async def read_form(request: Request[Any, Any, Any]) -> FormData:
    form = await request.form()
    data: FormData = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            data.setdefault(key, []).append(value)
    return data


def typed_values(form: FormData) -> FormData:
    """What the person typed, to show again on a refused form: every field but the form's
    security token."""
    return {k: v for k, v in form.items() if k != CSRF_FIELD}


def text(form: FormData, name: str, default: str = "") -> str:
    values = form.get(name)
    return values[-1].strip() if values else default


def texts(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.get(name, []) if v.strip()]


def checked(form: FormData, name: str) -> bool:
    return text(form, name) in ("on", "true", "1", "yes")


def optional_date(form: FormData, name: str, label: str) -> date | None:
    value = text(form, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadInput(f"{label}: {value!r} is not a date (YYYY-MM-DD).", field=name) from exc


def required_date(form: FormData, name: str, label: str) -> date:
    value = optional_date(form, name, label)
    if value is None:
        raise BadInput(f"{label} is missing.", field=name)
    return value


def optional_amount(form: FormData, name: str, label: str) -> int | None:
    value = text(form, name).replace(",", "").replace("$", "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise BadInput(f"{label}: {value[:40]!r} is not a whole-dollar amount.", field=name)
    if len(value) > len(str(MAX_POLICY_LIMIT_DOLLARS)) or int(value) > MAX_POLICY_LIMIT_DOLLARS:
        raise BadInput(
            f"{label}: {value[:40]} is more than any policy limit "
            f"(at most {MAX_POLICY_LIMIT_DOLLARS:,}).",
            field=name,
        )
    return int(value)


def whole_number(form: FormData, name: str, label: str, default: int) -> int:
    value = text(form, name)
    if not value:
        return default
    digits = value.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_WHOLE_NUMBER_DIGITS:
        raise BadInput(f"{label} must be a whole number.", field=name)
    return int(value)
