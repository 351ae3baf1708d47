"""An engagement seen line by line, as accounting systems and Procore keep insurance: for each
coverage line the engagement's requirement set asks for, the sub's policy in effect (number,
insurer, dates, the line's key limit) and whether the latest verdict finds the line met.

A line's state comes from the latest verdict's checks on that line plus the checks that apply
to the whole certificate (holder, notice...): any blocking failure makes the line unmet, an
unknown (missing or unreadable value) makes it open, a lapsed term makes it expired. Without a
verdict nothing is claimed: the state is "undecided", never a plausible default.

The engagement's status, which a person's decision may have set (an approval with waivers, a
rejection), then has the last word over what the checks say: an approved engagement's lines are
met, a rejected one's are unmet, a pending one's undecided; a lapsed or missing policy stays so.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Policy,
    PolicyTerm,
)
from backend.projects.repository import ProjectRepository
from backend.projects.sweep import latest_verdicts
from backend.records.repository import RecordRepository
from backend.requirements.vocabulary import LINE_CODE_PREFIX, LINE_LABEL

# The one limit per line that a single-limit record (Procore's `limit`) carries: the limit
# requirement sets and pay applications are judged on first.
KEY_LIMIT: Final = {
    "general_liability": "each_occurrence",
    "auto_liability": "combined_single_limit",
    "umbrella": "each_occurrence",
    "workers_compensation": "el_each_accident",
}
LINE_STATES: Final = ("met", "open", "unmet", "expired", "missing", "undecided")


@dataclass(frozen=True)
class CoverageLine:
    engagement_id: uuid.UUID
    line: str
    code: str
    label: str
    state: str
    policy_number: str
    insurer: str
    effective: date | None
    expiration: date | None
    key_limit_kind: str
    key_limit: int | None
    document_id: uuid.UUID | None


def _line_state(
    checks: list[dict[str, Any]] | None, line: str, term: PolicyTerm | None, today: date
) -> str:
    if checks is None:
        return "undecided"
    if term is None:
        return "missing"
    if term.expiration < today or (term.cancelled_on is not None and term.cancelled_on <= today):
        return "expired"
    relevant = [c for c in checks if c.get("line") in (line, None)]
    blocking = [c for c in relevant if c.get("severity", "blocking") == "blocking"]
    if any(c.get("outcome") == "fail" for c in blocking):
        return "unmet"
    if any(c.get("outcome") == "unknown" for c in blocking):
        return "open"
    return "met"


def with_decision(line_state: str, engagement_status: str) -> str:
    if engagement_status == "pending":
        return "undecided"
    if line_state in ("expired", "missing", "undecided"):
        return line_state
    if engagement_status in ("compliant", "expiring"):
        return "met"
    if engagement_status == "non_compliant":
        return "unmet"
    if engagement_status == "incomplete" and line_state == "met":
        return "open"
    return line_state


def _pick_term(terms: list[tuple[Policy, PolicyTerm]], today: date) -> tuple[Policy, PolicyTerm]:
    """The term in effect today, else the one ending last (the lapsed one, or the next)."""
    current = [pt for pt in terms if pt[1].effective <= today <= pt[1].expiration]
    pool = current or terms
    return max(pool, key=lambda pt: (pt[1].expiration, pt[1].created_at))


async def terms_by_sub(
    session: AsyncSession, sub_ids: set[uuid.UUID]
) -> dict[uuid.UUID, dict[str, list[tuple[Policy, PolicyTerm]]]]:
    """Every sub's terms not replaced by a later one, by line (one query for all subs)."""
    found: dict[uuid.UUID, dict[str, list[tuple[Policy, PolicyTerm]]]] = {s: {} for s in sub_ids}
    if not sub_ids:
        return found
    for policy, term in await RecordRepository(session).standing_terms(sub_ids):
        found[policy.sub_org_id].setdefault(policy.line, []).append((policy, term))
    return found


async def coverage_lines(
    session: AsyncSession, engagement_ids: Sequence[uuid.UUID], today: date
) -> dict[uuid.UUID, list[CoverageLine]]:
    ids = list(engagement_ids)
    if not ids:
        return {}
    rows = await ProjectRepository(session).engagement_requirements(ids)
    verdicts = await latest_verdicts(session, ids)
    terms = await terms_by_sub(session, {row[1] for row in rows})
    result: dict[uuid.UUID, list[CoverageLine]] = {}
    for engagement_id, sub_org_id, status, body in rows:
        verdict = verdicts.get(engagement_id)
        checks = list(verdict[0].checks) if verdict is not None else None
        lines = []
        for line in sorted((body or {}).get("lines", {})):
            candidates = terms[sub_org_id].get(line, [])
            policy, term = _pick_term(candidates, today) if candidates else (None, None)
            kind = KEY_LIMIT.get(line, "")
            limit = term.limits.get(kind) if term is not None and kind else None
            lines.append(
                CoverageLine(
                    engagement_id=engagement_id,
                    line=line,
                    code=LINE_CODE_PREFIX.get(line, line.upper()[:8]),
                    label=LINE_LABEL.get(line, line.replace("_", " ")),
                    state=with_decision(_line_state(checks, line, term, today), status),
                    policy_number=policy.policy_number if policy is not None else "",
                    insurer=policy.insurer_name if policy is not None else "",
                    effective=term.effective if term is not None else None,
                    expiration=term.expiration if term is not None else None,
                    key_limit_kind=kind,
                    key_limit=int(limit) if isinstance(limit, int) else None,
                    document_id=term.source_document_id if term is not None else None,
                )
            )
        result[engagement_id] = lines
    return result
