from __future__ import annotations

from datetime import date

import pytest

from backend.requirements.vocabulary import LINE_CODE_PREFIX
from backend.verification.checks import CATALOGUE, Check, Waiver
from backend.verification.messages import money

_LINES = {prefix: line for line, prefix in LINE_CODE_PREFIX.items()}
_FOUND = (None, 5, "claimed on certificate only", ["a"], {"not_covered": ["X LLC"]})


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_reads_as_a_sentence_whatever_its_outcome(code: str) -> None:
    info = CATALOGUE[code]
    line = _LINES.get(code.split("_")[0])
    for outcome in ("pass", "fail", "unknown", "waived"):
        waiver = Waiver(code, line, "Owner agreed", date(2027, 1, 1), "ana")
        for found in _FOUND:
            check = Check(
                code, outcome, line, info.requirement, 10, found, info.severity, info.waivable,
                None, waiver if outcome == "waived" else None,
            )  # fmt: skip
            message = check.message
            assert message[0].isupper() and message.rstrip().endswith((".", "agreed"))
            if outcome == "waived":
                assert "Waived by ana until 2027-01-01: Owner agreed" in message


def test_money() -> None:
    assert money(1_000_000) == "$1,000,000"
    assert money(None) == "nothing"
