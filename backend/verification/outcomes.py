"""The outcomes of a check and the severities a check can have, in a module of their own so
that the checks, their messages and the verdicts share them without importing one another."""

from __future__ import annotations

from typing import Final

PASS: Final = "pass"  # noqa: S105 - an outcome, not a password
FAIL: Final = "fail"
UNKNOWN: Final = "unknown"
WAIVED: Final = "waived"
OUTCOMES: Final = (PASS, FAIL, UNKNOWN, WAIVED)

BLOCKING: Final = "blocking"
WARNING: Final = "warning"
