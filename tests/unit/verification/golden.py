"""Golden verdicts kept per case: each case's status, its checks that did not pass, and a short
digest of its whole verdict JSON (messages and evidence included), in a JSON file under
golden/. A failure names every case that changed and how, so a deliberate change of behaviour
is reviewed case by case; after review, `COINET_UPDATE_GOLDEN=1 pytest <the test>` rewrites the
file, and the commit says which cases changed and why.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from backend.verification.verdict import Verdict

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_SWITCH = "COINET_UPDATE_GOLDEN"
# Cases named in one failure message; the rest are counted.
SHOWN_CHANGES = 40


def summary(verdict: Verdict) -> dict[str, Any]:
    """What a case pins: status, open checks (code[line]=outcome), digest of the whole JSON."""
    document = verdict.to_json()
    text = json.dumps(document, sort_keys=True)
    open_checks = [
        f"{check['code']}[{check['line'] or '-'}]={check['outcome']}"
        for check in document["checks"]
        if check["outcome"] != "pass"
    ]
    return {
        "status": document["status"],
        "open": open_checks,
        "digest": hashlib.sha256(text.encode()).hexdigest()[:16],
    }


def _describe(case: str, before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    if before is None:
        return f"{case}: new case ({after['status']})"
    parts = []
    if before["status"] != after["status"]:
        parts.append(f"status {before['status']} -> {after['status']}")
    opened = sorted(set(after["open"]) - set(before["open"]))
    closed = sorted(set(before["open"]) - set(after["open"]))
    if opened:
        parts.append("now open: " + ", ".join(opened))
    if closed:
        parts.append("no longer open: " + ", ".join(closed))
    if not parts:
        parts.append("same outcomes; messages, expected/found values or evidence changed")
    return f"{case}: " + "; ".join(parts)


def check_golden(name: str, cases: dict[str, Verdict]) -> None:
    """Compare the cases' summaries with golden/<name>.json (or rewrite it when asked)."""
    path = GOLDEN_DIR / f"{name}.json"
    current = {case: summary(verdict) for case, verdict in cases.items()}
    if os.environ.get(UPDATE_SWITCH) == "1":
        path.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    pinned: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    changes = [
        _describe(case, pinned.get(case), after)
        for case, after in current.items()
        if pinned.get(case) != after
    ]
    changes += [f"{case}: case gone" for case in pinned if case not in current]
    if changes:
        shown = "\n".join(changes[:SHOWN_CHANGES])
        more = len(changes) - SHOWN_CHANGES
        tail = f"\n... and {more} more" if more > 0 else ""
        raise AssertionError(
            f"{len(changes)} golden verdicts of {name} changed "
            f"(set {UPDATE_SWITCH}=1 to accept them after review):\n{shown}{tail}"
        )
