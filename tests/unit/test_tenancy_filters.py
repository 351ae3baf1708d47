"""Tenancy filters live in backend/network/access.py and the repositories only.

A tenancy filter compares an organisation column (organisation_id, gc_org_id, sub_org_id ...)
with a value inside .where()/.filter()/.join(): written inline elsewhere, it is one more place
that can forget the acting organisation (issue 13). A join between two columns is not one.
The scan covers `backend/` and the worker jobs in `workers/`.
The files below held such filters when this test was written; each may only lose them (move
them behind access.py or a repository, then lower or drop its count here). A new file, or a
file with more than its count, fails.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
# The backend and the worker jobs (system actors, whose filters belong in a repository too).
SCANNED_PACKAGES: Final = ("backend", "workers")
TENANT_COLUMNS: Final = frozenset(
    {"organisation_id", "gc_org_id", "sub_org_id", "org_id", "owner_org_id"}
)
QUERY_METHODS: Final = frozenset({"where", "filter", "filter_by", "join", "outerjoin"})
ALLOWED_PLACES: Final = ("network/access.py",)

# Inline filters outside access.py and the repositories: none since 2026-12-07 (the last,
# workers/fanout.py's 4, moved into projects/repository.py).
KNOWN_INLINE_FILTERS: Final[dict[str, int]] = {}


def _is_column(node: ast.expr) -> bool:
    """Model.column (a class attribute), as opposed to a value such as actor.organisation_id."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id[:1].isupper()
    )


def _inline_filters(tree: ast.AST) -> list[int]:
    lines: list[int] = []
    for call in ast.walk(tree):
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in QUERY_METHODS
        ):
            continue
        for argument in call.args:
            for node in ast.walk(argument):
                if not isinstance(node, ast.Compare) or not any(
                    isinstance(op, ast.Eq) for op in node.ops
                ):
                    continue
                sides = [node.left, *node.comparators]
                tenant = any(
                    _is_column(side)
                    and isinstance(side, ast.Attribute)
                    and side.attr in TENANT_COLUMNS
                    for side in sides
                )
                if tenant and not all(_is_column(side) for side in sides):
                    lines.append(node.lineno)
    return lines


def inline_filters() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for package in SCANNED_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT / package).as_posix()
            if package == "backend" and (
                relative in ALLOWED_PLACES or path.name == "repository.py"
            ):
                continue
            lines = _inline_filters(ast.parse(path.read_text(encoding="utf-8")))
            if lines:
                found[f"{package}/{relative}"] = lines
    return found


def test_no_new_inline_tenancy_filter() -> None:
    grown = {
        path: lines
        for path, lines in inline_filters().items()
        if len(lines) > KNOWN_INLINE_FILTERS.get(path, 0)
    }
    assert not grown, (
        "tenancy filters written inline (use backend/network/access.py or the domain's "
        f"repository): {grown}"
    )


def test_the_scan_finds_an_inline_filter_and_ignores_a_join() -> None:
    source = (
        "q = select(Engagement).where(Engagement.gc_org_id == actor.organisation_id)\n"
        "j = select(Engagement).join(Organisation, Organisation.id == Engagement.sub_org_id)\n"
    )
    assert _inline_filters(ast.parse(source)) == [1]


def test_the_scanned_packages_exist() -> None:
    # A renamed package would drop out of the scan silently and pass.
    assert all((ROOT / package).is_dir() for package in SCANNED_PACKAGES)
