"""Pages and API controllers read and write rows through services only (issue 13 Must 1;
ARCHITECTURE.md, Layers).

test_sql_in_repositories.py counts statements; a read by primary key (`db.get(Model, id)`)
or a row written through the session (`db.add`, `db.delete` ...) builds none, yet it is the
same reach past the domain: a page reading an organisation by id decides on its own whose row
it may show. The scan covers the web layer (`backend/web`) and every page or controller module
(`pages.py`, `controllers.py`, `*_controllers.py`). A session operation is a call of one of
SESSION_OPERATIONS on a session: a name or attribute called `db` or `session`, or a
parameter annotated `AsyncSession`. None is left (2026-12-07): a page or controller that
needs a row no service offers adds a thin method to the owning domain's service (e.g.
`CompanyService.own` for the acting organisation's own row). A file listed below (none now)
may only lose its calls; any other file with one fails.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
BACKEND: Final = ROOT / "backend"
# Reads by primary key, writes and row locks: each reaches a row the domain should hand over.
SESSION_OPERATIONS: Final = frozenset(
    {"get", "get_one", "add", "add_all", "delete", "merge", "refresh"}
)
# What a session is called in the backend (the request's `db`, a service's `self.session`).
SESSION_NAMES: Final = frozenset({"db", "session"})

# Session operations left in pages and controllers; they may only go down (21 on 2026-12-07
# 06:10 UTC, 0 since).
KNOWN_SESSION_OPERATIONS: Final[dict[str, int]] = {}


def is_page_or_controller(relative: str) -> bool:
    """A module of the web layer, or a domain's pages or controllers."""
    name = relative.rsplit("/", 1)[-1]
    return (
        relative.startswith("web/")
        or name == "pages.py"
        or name == "controllers.py"
        or name.endswith("_controllers.py")
    )


def _session_parameters(tree: ast.AST) -> set[str]:
    """Names of parameters annotated AsyncSession anywhere in the module."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            annotation = node.annotation
            named = (
                annotation.id
                if isinstance(annotation, ast.Name)
                else annotation.attr
                if isinstance(annotation, ast.Attribute)
                else None
            )
            if named == "AsyncSession":
                names.add(node.arg)
    return names


def _is_session(node: ast.expr, parameters: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in SESSION_NAMES or node.id in parameters
    return isinstance(node, ast.Attribute) and node.attr in SESSION_NAMES


def session_operations(tree: ast.AST) -> list[int]:
    parameters = _session_parameters(tree)
    return sorted(
        call.lineno
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in SESSION_OPERATIONS
        and _is_session(call.func.value, parameters)
    )


def session_operations_in_pages() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in sorted(BACKEND.rglob("*.py")):
        relative = path.relative_to(BACKEND).as_posix()
        if not is_page_or_controller(relative):
            continue
        lines = session_operations(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[f"backend/{relative}"] = lines
    return found


def test_no_new_session_operations_in_pages_or_controllers() -> None:
    grown = {
        path: lines
        for path, lines in session_operations_in_pages().items()
        if len(lines) > KNOWN_SESSION_OPERATIONS.get(path, 0)
    }
    assert not grown, (
        "A page or controller reads by id or writes a row through the session (call the "
        f"owning domain's service, which reaches its repository): {grown}"
    )


def test_the_scan_finds_session_operations_and_ignores_other_calls() -> None:
    source = (
        "async def show(db: AsyncSession, conn: AsyncSession, form: dict[str, str]) -> None:\n"
        "    org = await db.get(Organisation, actor.organisation_id)\n"
        "    conn.add(row)\n"
        "    await self.session.delete(row)\n"
        "    value = form.get('name')\n"
        "    seen.add('x')\n"
        "    await db.refresh(document, with_for_update=True)\n"
        "    await db.flush()\n"
    )
    assert session_operations(ast.parse(source)) == [2, 3, 4, 7]


def test_the_scan_reaches_pages_and_controllers_only() -> None:
    assert is_page_or_controller("web/common.py")
    assert is_page_or_controller("chase/pages.py")
    assert is_page_or_controller("integrations/procore/controllers.py")
    assert is_page_or_controller("projects/decision_controllers.py")
    assert not is_page_or_controller("projects/service.py")
    # A renamed web package would drop out of the scan silently and pass.
    assert (BACKEND / "web").is_dir()
