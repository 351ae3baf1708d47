"""The engine is pure: backend.verification and backend.requirements import nothing from the
database, the web layer, the workers or the audit log, requirements imports nothing of
verification, and no module of either imports itself back through the other modules (no
cycles). Read from the sources (every import statement, in functions too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("backend.verification", "backend.requirements")
FORBIDDEN = ("backend.db", "backend.web", "workers", "backend.audit", "backend.projects",
             "backend.records", "backend.network", "sqlalchemy", "litestar", "arq")  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        folder = ROOT / package.replace(".", "/")
        for path in sorted(folder.glob("*.py")):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    """Modules imported; `from package import module` counts as importing the module."""
    known = _modules()
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in known else node.module)
    return names


def test_the_engine_imports_no_input_output_layer() -> None:
    for name, path in _modules().items():
        bad = sorted(
            imported
            for imported in _imports(path)
            if any(imported == f or imported.startswith(f + ".") for f in FORBIDDEN)
        )
        assert not bad, f"{name} imports {bad}"


def test_requirements_import_nothing_of_verification() -> None:
    for name, path in _modules().items():
        if name.startswith("backend.requirements"):
            assert not [i for i in _imports(path) if i.startswith("backend.verification")], name


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {
        name: {imported for imported in _imports(path) if imported in modules and imported != name}
        for name, path in modules.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
