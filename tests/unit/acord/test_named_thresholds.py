"""Every threshold of the reader is a named constant whose comment says why the form makes it
so (issue 16, Must 1): a number written inside a function is a threshold nobody explained.

A bare number here is a numeric literal inside a function body or signature other than 0, 1,
-1 and 2 (a count, a half, an index's neighbour) and other than a subscript's index
(`box[3]`). The modules below held such numbers when this test was written; each may only
lose them (name the number at the top of its module with a comment saying why the ACORD 25
form, in points of the page or shares of a cell, makes it so, then lower or drop the count
here). A new module, or a module with more than its count, fails.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

ACORD: Final = Path(__file__).resolve().parents[3] / "backend" / "acord"
# Numbers that say "none", "one", "the other side", "half" or "a pair": no threshold.
PLAIN_NUMBERS: Final = frozenset({0, 1, -1, 2})

# Bare numbers in backend/acord on 2026-12-07; they may only go down. tick_boxes.py,
# coverage_ticks.py, geometry.py, scan_cells.py and coverage_limits.py were named then (42 -> 0).
KNOWN_BARE_NUMBERS: Final[dict[str, int]] = {
    "__init__.py": 1,
    "acroform.py": 2,
    "cli.py": 3,
    "corrections.py": 4,
    "coverage_table.py": 2,
    "endorsements.py": 7,
    "errors.py": 2,
    "evidence.py": 2,
    "header_boxes.py": 27,
    "holder_description.py": 2,
    "insurer_rows.py": 33,
    "layout.py": 5,
    "page_labels.py": 33,
    "page_quad.py": 1,
    "page_render.py": 1,
    "pdftext.py": 43,
    "preflight.py": 10,
    "reader.py": 11,
    "sandbox.py": 6,
    "scan_header.py": 3,
    "tesseract_api.py": 4,
    "tick_options.py": 8,
    "values.py": 10,
    "vector_grid.py": 6,
}


def bare_numbers(tree: ast.AST) -> list[int]:
    """Lines of the numeric literals inside functions that are no plain number nor index."""
    indices = {
        id(node.slice)
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
    }
    negated = {
        id(node.operand): node
        for node in ast.walk(tree)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
    }
    # A nested function's numbers are met from each function around it: each is kept once.
    found: dict[int, int] = {}
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Constant) or type(node.value) not in (int, float):
                continue
            value = -node.value if id(node) in negated else node.value
            if value not in PLAIN_NUMBERS and id(node) not in indices:
                found[id(node)] = node.lineno
    return sorted(found.values())


def bare_numbers_by_module() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in sorted(ACORD.glob("*.py")):
        lines = bare_numbers(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[path.name] = lines
    return found


def test_no_new_bare_numbers_in_the_reader() -> None:
    grown = {
        name: lines
        for name, lines in bare_numbers_by_module().items()
        if len(lines) > KNOWN_BARE_NUMBERS.get(name, 0)
    }
    assert not grown, (
        "numbers inside functions of backend/acord (name each at the top of its module, with "
        f"a comment saying why the form makes it so): {grown}"
    )


def test_the_count_finds_thresholds_and_ignores_plain_numbers_and_indices() -> None:
    source = (
        "LIMIT = 0.45\n"  # a named constant: not counted
        "def f(box, words, reach=24.0):\n"  # a default: counted (line 2)
        "    half = (box[1] + box[3]) / 2\n"  # an index and a half: not counted
        "    if len(words) > 1 and box[0] - 1 < -1:\n"  # plain numbers: not counted
        "        return 0.8 * half - 11\n"  # two thresholds (line 5)
        "    return [w for w in words if w.cy > -3.5]\n"  # a negative threshold (line 6)
        "g = lambda x: x * 4\n"  # a lambda's number (line 7)
    )
    assert bare_numbers(ast.parse(source)) == [2, 5, 5, 6, 7]
