"""Membership tests against a list of values sent as one array parameter.

`column.in_(values)` sends one bind parameter per value, and PostgreSQL's protocol carries at
most 32,767 parameters in a statement: a sub with tens of thousands of engagements (a national
contractor) made such statements fail outright. `= ANY(:array)` sends the whole list as one
parameter, whatever its length, and PostgreSQL plans it like IN.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute


def one_of(
    column: QueryableAttribute[Any] | ColumnElement[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """`column = ANY(:values)`: true for a row whose column holds one of the values."""
    array = bindparam(None, list(values), type_=ARRAY(column.type), unique=True)
    return column == any_(array)
