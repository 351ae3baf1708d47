"""SQL is written in the repositories only (issue 13; ARCHITECTURE.md, Layers).

The scan covers `backend/` and the worker jobs in `workers/` (a job is a system actor: its
statements belong in the repositories as much as a page's do). A SQL site is a statement built
with SQLAlchemy (select, insert, update, delete, text, exists, union, as imported in that
module) or run on a session or connection (execute, scalar, scalars, stream with a statement).
Outside `repository.py` modules, `network/access.py` (the scopes every repository's WHERE
clause is built from) and `backend/db` (the layer below), each is one more place that can
forget the acting organisation. The files below held such sites when this test was written;
each may only lose them (move the statement into its domain's repository, reached through the
domain's service, then lower or drop the count here). A new file, or a file with more than its
count, fails.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
# The packages scanned; the allowed places below are relative to their package.
SCANNED_PACKAGES: Final = ("backend", "workers")
STATEMENT_BUILDERS: Final = frozenset(
    {"select", "insert", "update", "delete", "text", "exists", "union", "union_all"}
)
RUNNERS: Final = frozenset({"execute", "scalar", "scalars", "stream", "stream_scalars"})
ALLOWED_PLACES: Final = (
    "network/access.py",
    # Infrastructure, no tenant data: the readiness probe's SELECT 1, and the operator's
    # command creating the database itself.
    "health.py",
    "ops_cli.py",
)
ALLOWED_PACKAGES: Final = ("db/",)

# SQL sites outside the repositories: none since 2026-12-07 (the last, workers/fanout.py's
# 12, moved into projects/repository.py). Kept as a dict so a file could be listed again only
# by a visible change here.
KNOWN_SQL_SITES: Final[dict[str, int]] = {}


def _sql_builder_names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Local names bound to SQLAlchemy's statement builders, and to SQLAlchemy modules."""
    builders: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            for alias in node.names:
                if alias.name in STATEMENT_BUILDERS:
                    builders.add(alias.asname or alias.name)
                elif alias.name in {"sql", "postgresql", "sqlalchemy"}:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sqlalchemy"):
                    modules.add((alias.asname or alias.name).split(".")[0])
    return builders, modules


def sql_sites(tree: ast.AST) -> list[int]:
    builders, modules = _sql_builder_names(tree)
    lines: list[int] = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        if isinstance(func, ast.Name) and func.id in builders:
            lines.append(call.lineno)
        elif isinstance(func, ast.Attribute):
            if (
                func.attr in STATEMENT_BUILDERS
                and isinstance(func.value, ast.Name)
                and func.value.id in modules
            ) or (func.attr in RUNNERS and call.args):
                lines.append(call.lineno)
    return sorted(lines)


def outside_repositories(scan: Callable[[ast.AST], list[int]]) -> dict[str, list[int]]:
    """The lines `scan` finds in each scanned file that is not a repository or an allowed place."""
    found: dict[str, list[int]] = {}
    for package in SCANNED_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT / package).as_posix()
            if package == "backend" and (
                path.name == "repository.py"
                or relative in ALLOWED_PLACES
                or relative.startswith(ALLOWED_PACKAGES)
            ):
                continue
            lines = scan(ast.parse(path.read_text(encoding="utf-8")))
            if lines:
                found[f"{package}/{relative}"] = lines
    return found


def sql_outside_repositories() -> dict[str, list[int]]:
    return outside_repositories(sql_sites)


def test_no_new_sql_outside_repositories() -> None:
    grown = {
        path: lines
        for path, lines in sql_outside_repositories().items()
        if len(lines) > KNOWN_SQL_SITES.get(path, 0)
    }
    assert not grown, (
        "SQL outside a repository (move it into the domain's repository.py and call it "
        f"through the domain's service): {grown}"
    )


def test_the_scan_finds_statements_and_runs_and_ignores_other_calls() -> None:
    source = (
        "from sqlalchemy import select, update as sa_update\n"
        "from litestar import delete\n"
        "q = select(Engagement).where(Engagement.id == x)\n"
        "u = sa_update(Engagement).values(active=False)\n"
        "rows = await session.execute(q)\n"
        "value = result.scalar()\n"
        "@delete('/x')\n"
        "def route() -> None: ...\n"
        "settings.get('a', 1)\n"
    )
    assert sql_sites(ast.parse(source)) == [3, 4, 5]


def test_the_scanned_packages_exist() -> None:
    # A renamed package would drop out of the scan silently and pass.
    assert all((ROOT / package).is_dir() for package in SCANNED_PACKAGES)


# Reads by primary key (`session.get(Model, id)`) outside the repositories: no statement is
# written, but the row is read with no scope, so it belongs behind the domain's repository as
# much as a SELECT does. 31 when this was added (2026-12-07), none since the same day (the
# fan-out's, records', chase's, notify's and the network's moved into their repositories,
# each reached through the row in scope that names it). Kept as a dict so a file could be
# listed again only by a visible change here.
KNOWN_SESSION_GETS: Final[dict[str, int]] = {}


def session_gets(tree: ast.AST) -> list[int]:
    """Lines of `<...>session.get(Model, ...)`: a get on a name or attribute called session,
    with a class (a capitalised name) first."""
    lines = []
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        owner = call.func.value
        owner_name = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else ""
        )
        if (
            call.func.attr == "get"
            and owner_name == "session"
            and call.args
            and isinstance(call.args[0], ast.Name)
            and call.args[0].id[:1].isupper()
        ):
            lines.append(call.lineno)
    return sorted(lines)


def session_gets_outside_repositories() -> dict[str, list[int]]:
    return outside_repositories(session_gets)


def test_no_new_reads_by_key_outside_repositories() -> None:
    grown = {
        path: lines
        for path, lines in session_gets_outside_repositories().items()
        if len(lines) > KNOWN_SESSION_GETS.get(path, 0)
    }
    assert not grown, (
        "session.get outside a repository (read the row through the domain's repository, "
        f"in the acting organisation's scope): {grown}"
    )


def test_the_scan_finds_reads_by_key_and_ignores_other_gets() -> None:
    source = (
        "a = await session.get(Engagement, x)\n"
        "b = await self.session.get(Project, y, with_for_update=True)\n"
        "c = settings.get('a', 1)\n"
        "d = self.session.info.get(KEY)\n"
        "e = session.get(key)\n"
    )
    assert session_gets(ast.parse(source)) == [1, 2]
