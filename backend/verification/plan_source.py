"""Writing a plan's source: an indenting line buffer and the text of one check.

A plan (see plan.py) is one Python function per requirement set with the set's decisions taken
and its constants (codes, requirement sentences, severities, minimums) written in as literals,
so a verification runs straight-line code instead of consulting the set for every check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from backend.verification.checks import FAIL, PASS, PLAIN_SPECS, UNKNOWN

# Outcomes as they appear in the source.
PASSED: Final = repr(PASS)
FAILED: Final = repr(FAIL)
UNKNOWN_: Final = repr(UNKNOWN)


class Source:
    """The body of the plan's function, a line at a time, and the objects it refers to by name
    (values that have no literal spelling, such as FormEdition tuples)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, object] = {}
        self._depth = 1

    def add(self, *lines: str) -> None:
        indent = "    " * self._depth
        self.lines.extend(indent + line for line in lines)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        """A compound statement: `header` (ending in a colon) and the lines added inside."""
        self.add(header)
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def constant(self, hint: str, value: object) -> str:
        """A name the source can use for `value`."""
        name = f"_{hint}_{len(self.constants)}"
        self.constants[name] = value
        return name

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def check(
    code: str,
    outcome: str,
    line: str | None,
    expected: str,
    found: str,
    evidence: str,
    severity: str | None = None,
) -> str:
    """The statement appending a check of catalogued `code`.

    `outcome`, `expected`, `found` and `evidence` are source expressions; `line` and `severity`
    (which overrides the catalogue's where the set decides it) are values.
    """
    _code, requirement, usual_severity, waivable = PLAIN_SPECS[code]
    fields = (
        repr(code),
        outcome,
        repr(line),
        repr(requirement),
        expected,
        found,
        repr(severity or usual_severity),
        repr(waivable),
        evidence,
        "None",
    )
    # tuple.__new__ rather than the NamedTuple's constructor: the same Check, built without a
    # Python-level call, and a verification builds about seventy of them.
    return f"append(new(Check, ({', '.join(fields)})))"


def spec(code: str) -> str:
    """A catalogued spec (code, requirement sentence, severity, waivable) as a literal."""
    return repr(PLAIN_SPECS[code])
