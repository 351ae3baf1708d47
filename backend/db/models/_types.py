"""Column helpers shared by the table modules."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import CheckConstraint


def one_of(column: str, values: Iterable[str], name: str) -> CheckConstraint:
    """A CHECK that keeps a text column inside a closed vocabulary (cheaper to evolve than
    a PostgreSQL ENUM, and the vocabulary still lives in one place in Python)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)
