"""CHECKS.md documents exactly the catalogue the engine emits from."""

from __future__ import annotations

import re
from pathlib import Path

from backend.verification.checks import CATALOGUE

CHECKS_MD = Path(__file__).resolve().parents[3] / "backend" / "verification" / "CHECKS.md"
ROW = re.compile(r"^\| `([A-Z0-9_]+)` \| (.+?) \| (blocking|warning) \| (yes|no) \|")


def _documented() -> dict[str, tuple[str, str, bool]]:
    rows = {}
    for line in CHECKS_MD.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            code, requirement, severity, waivable = match.groups()
            assert code not in rows, f"{code} documented twice"
            rows[code] = (requirement, severity, waivable == "yes")
    return rows


def test_every_code_is_documented_once_with_its_severity_and_waivability() -> None:
    documented = _documented()
    assert set(documented) == set(CATALOGUE)
    for code, info in CATALOGUE.items():
        assert documented[code] == (info.requirement, info.severity, info.waivable), code


def test_codes_are_upper_snake_case() -> None:
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", code) for code in CATALOGUE)
