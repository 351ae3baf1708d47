"""Reading HTML form posts: trimmed text, checkboxes, dates and whole-dollar amounts, each
refusing bad input with a message that names the field."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request

from backend.errors import BadInput

FormData = dict[str, list[str]]


async def read_form(request: Request[Any, Any, Any]) -> FormData:
    form = await request.form()
    data: FormData = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            data.setdefault(key, []).append(value)
    return data


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
    if not value.isdigit():
        raise BadInput(f"{label}: {value!r} is not a whole-dollar amount.", field=name)
    return int(value)


def whole_number(form: FormData, name: str, label: str, default: int) -> int:
    value = text(form, name)
    if not value:
        return default
    if not value.lstrip("-").isdigit():
        raise BadInput(f"{label} must be a whole number.", field=name)
    return int(value)
