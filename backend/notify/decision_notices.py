"""A GC's decision told at once to the sub's people and its active brokers: what was decided,
why, and where to fix it. Written in the decision's transaction, one notice per decision per
recipient, e-mailed in the next digest."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.notify.service import notify_sub_and_brokers, sub_engagement_link
from backend.requirements.vocabulary import LINE_CODE_PREFIX
from backend.verification.checks import CATALOGUE

# The line a check code's prefix names, in the words a sub reads ("UMB_..." is the umbrella).
LINE_WORDS: Final = {
    "general_liability": "General liability",
    "auto_liability": "Auto liability",
    "umbrella": "Umbrella",
    "workers_compensation": "Workers' compensation",
}

# What each decision says to the sub, as "<GC> <verb> <project>".
DECISION_VERBS: Final = {
    "approve": "approved your insurance for",
    "reject": "rejected your insurance for",
    "waive": "waived a requirement on",
    "pay_hold": "placed a pay hold on",
    "release": "released the pay hold on",
    "work_stop": "ordered work to stop on",
    "resume": "lifted the work-stop order on",
}
# What the sub should do next, per decision.
NEXT_STEP: Final = {
    "approve": "Nothing to do now; keep the record current before the policies expire.",
    "reject": "Upload a certificate or endorsement that meets the requirements, or dispute "
    "the decision from the engagement's page.",
    "waive": "The waiver ends on the date above; have the item fixed before then, or it "
    "counts against you again.",
    "pay_hold": "Payments are held until the insurance meets the requirements: upload what is "
    "missing.",
    "release": "Payments may go ahead again.",
    "work_stop": "Do not work on this project until the insurance is restored and the order is "
    "lifted: upload what is missing.",
    "resume": "Work may resume.",
}


@dataclass(frozen=True)
class DecisionFacts:
    decision_id: uuid.UUID
    kind: str
    reason: str
    engagement_id: uuid.UUID
    sub_org_id: uuid.UUID
    sub_name: str
    gc_name: str
    project: str  # "P-2400 Riverside Medical"
    check_code: str = ""
    expires_on: date | None = None
    reasons: tuple[str, ...] = ()


def check_in_words(code: str) -> str:
    """A check code as a sub reads it: the requirement in words, with the line it is on, and
    the code after it for anyone comparing with the GC's page ("Umbrella: each occurrence
    limit at least the minimum (UMB_EACH_OCCURRENCE_MIN)"). An unknown code stays as it is."""
    info = CATALOGUE.get(code)
    if info is None:
        return code
    words = info.requirement
    for line, prefix in LINE_CODE_PREFIX.items():
        if code.startswith(f"{prefix}_"):
            words = f"{LINE_WORDS.get(line, line)}: {words[:1].lower()}{words[1:]}"
            break
    return f"{words} ({code})"


def decision_text(facts: DecisionFacts) -> tuple[str, str]:
    """(subject, body) of the notice."""
    verb = DECISION_VERBS.get(facts.kind, f"decided ({facts.kind}) on")
    subject = f"{facts.gc_name} {verb} {facts.project}"
    lines: list[str] = []
    if facts.kind == "waive" and facts.check_code:
        until = f" until {facts.expires_on.isoformat()}" if facts.expires_on else ""
        lines.append(f"Waived: {check_in_words(facts.check_code)}{until}.")
    if facts.reason:
        lines.append(f"Reason: {facts.reason}")
    extra = [r for r in facts.reasons if r and r != facts.reason]
    if extra:
        lines.append("What to fix:")
        lines.extend(f"- {r}" for r in extra)
    lines.append(NEXT_STEP.get(facts.kind, ""))
    return subject, "\n".join(line for line in lines if line)


async def notify_decision(session: AsyncSession, facts: DecisionFacts) -> int:
    """Queue the decision's notice for each of the sub's people and active brokers."""
    subject, body = decision_text(facts)
    return await notify_sub_and_brokers(
        session,
        facts.sub_org_id,
        facts.sub_name,
        facts.engagement_id,
        f"decision_{facts.kind}",
        subject,
        body,
        link=sub_engagement_link(facts.engagement_id),
        change_key=f"decision:{facts.decision_id}",
    )


def reasons_of(details: dict[str, Any]) -> tuple[str, ...]:
    raw = details.get("reasons")
    return tuple(str(r) for r in raw) if isinstance(raw, list) else ()
