"""One guard in front of every route: a request whose path, query, JSON body or form fields
hold a NUL byte, an over-long string or an integer no JSON consumer reads exactly is refused
with 422 naming the field, before any handler, service or database sees it.

PostgreSQL cannot store a NUL byte in text and raised on it deep inside a transaction (a 500);
per-field lengths and ranges are declared by the schemas (backend/web_security/bounds.py), this
guard is the floor every endpoint stands on, forms and pages included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.datastructures import UploadFile
from litestar.handlers.base import BaseRouteHandler

from backend.errors import BadInput
from backend.web_security.bounds import (
    MAX_EXACT_INT,
    MAX_FILENAME_CHARS,
    MAX_QUERY_CHARS,
    MAX_TEXT_CHARS,
)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _leaves(value: Any, where: str) -> Iterator[tuple[str, Any]]:
    """Every scalar of a decoded JSON document with its path (terms[0].limits.each_occurrence);
    object keys are checked as strings too."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            yield path, key
            yield from _leaves(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{where}[{index}]")
    else:
        yield where, value


def check_text(field: str, value: str, max_chars: int = MAX_TEXT_CHARS) -> None:
    if "\x00" in value:
        raise BadInput(f"{field}: text may not contain a NUL byte (\\u0000).", field=field)
    if len(value) > max_chars:
        raise BadInput(
            f"{field}: {len(value)} characters is longer than the {max_chars} allowed.",
            field=field,
        )


def check_int(field: str, value: int) -> None:
    if not -MAX_EXACT_INT <= value <= MAX_EXACT_INT:
        raise BadInput(
            f"{field}: {value} is out of range (at most {MAX_EXACT_INT} in size).", field=field
        )


def _check_scalar(field: str, value: Any, max_chars: int = MAX_TEXT_CHARS) -> None:
    if isinstance(value, str):
        check_text(field or "body", value, max_chars)
    elif isinstance(value, int) and not isinstance(value, bool):
        check_int(field or "body", value)


def _check_path_value(name: str, value: Any) -> None:
    if isinstance(value, str):
        check_text(name, value, MAX_QUERY_CHARS)
        # Handlers read a path segment of digits as a row number (a snapshot's leaf index):
        # only ASCII digits within a 64-bit column are a number at all.
        digits = value.strip()
        if digits.isdigit() and (not digits.isascii() or int(digits) > MAX_EXACT_INT):
            raise BadInput(f"{name}: {digits[:40]!r} is not a number in range.", field=name)
    else:
        _check_scalar(name, value)


async def _check_body(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    content_type = connection.headers.get("content-type", "").lower()
    request: Any = connection
    if content_type.startswith(FORM_TYPES):
        form = await request.form()
        for key, value in form.multi_items():
            check_text("form field name", key, MAX_QUERY_CHARS)
            if isinstance(value, UploadFile):
                check_text(f"{key} (file name)", value.filename or "", MAX_FILENAME_CHARS)
            else:
                _check_scalar(key, value)
    elif "json" in content_type:
        try:
            document = msgspec.json.decode(await request.body())
        except msgspec.DecodeError:
            return  # the handler's own decoding answers malformed JSON with a clear 400
        for field, value in _leaves(document, ""):
            _check_scalar(field, value)


async def reject_unsafe_input(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """App-wide guard (Litestar runs it before parsing parameters for the handler)."""
    for name, value in connection.path_params.items():
        _check_path_value(name, value)
    for name, value in connection.query_params.multi_items():
        check_text(name, name, MAX_QUERY_CHARS)
        check_text(name, value, MAX_QUERY_CHARS)
        stripped = value.strip().lstrip("-")
        if stripped.isascii() and stripped.isdigit() and int(stripped) > MAX_EXACT_INT:
            raise BadInput(f"{name}: {stripped[:40]} is out of range.", field=name)
    if connection.scope.get("method") in BODY_METHODS:
        await _check_body(connection)
