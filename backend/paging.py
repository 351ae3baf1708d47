"""Cursor pagination for the API's lists.

Every list is read in one fixed order, (created_at, id), and a page ends with an opaque cursor
naming its last row; the next page starts strictly after it, so rows added meanwhile never shift
a page or repeat one, as an offset would. The cursor is base64url of a small versioned JSON
value; a client never builds one, and a cursor that does not decode is refused with 400.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar, TypeVarTuple

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import QueryableAttribute

from backend.errors import BadInput

# Rows per page when the client names no limit, and the most it may ask for: a page of the
# largest rows (engagements with their contract) stays well under a few hundred kilobytes.
DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
CURSOR_VERSION: Final = 1

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Position:
    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after: Position | None


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([CURSOR_VERSION, created_at.isoformat(), str(row_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    refused = BadInput(
        "The cursor is not one this API gave: start again without it.", field="cursor"
    )
    if len(cursor) > 200:
        raise refused
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, created_at, row_id = json.loads(raw)
        # A hand-built cursor may carry any JSON there: uuid.UUID(123) raises AttributeError,
        # not ValueError, so anything but the two strings this module writes is refused first.
        if version != CURSOR_VERSION or not isinstance(created_at, str):
            raise refused
        if not isinstance(row_id, str):
            raise refused
        when = datetime.fromisoformat(created_at)
        return Position(when if when.tzinfo else when.replace(tzinfo=UTC), uuid.UUID(row_id))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise refused from exc


def page_request(limit: int | None, cursor: str | None) -> PageRequest:
    chosen = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= chosen <= MAX_LIMIT:
        raise BadInput(f"limit must be from 1 to {MAX_LIMIT}.", field="limit")
    return PageRequest(chosen, decode_cursor(cursor) if cursor else None)


def since(value: datetime | None) -> datetime | None:
    """A filter's time, read as UTC when it names no zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def keyset(
    query: Select[*Ts],
    created_at: QueryableAttribute[datetime],
    row_id: QueryableAttribute[uuid.UUID],
    request: PageRequest,
) -> Select[*Ts]:
    """The query ordered for paging, after the cursor, one row more than the page (so the
    caller knows whether a next page exists)."""
    if request.after is not None:
        query = query.where(
            tuple_(created_at, row_id) > tuple_(request.after.created_at, request.after.id)
        )
    return query.order_by(created_at, row_id).limit(request.limit + 1)


def split(rows: Sequence[T], request: PageRequest, position: Any) -> tuple[list[T], str | None]:
    """The page's rows and the cursor of the next page (None: this was the last)."""
    shown = list(rows[: request.limit])
    if len(rows) <= request.limit or not shown:
        return shown, None
    created_at, row_id = position(shown[-1])
    return shown, encode_cursor(created_at, row_id)
