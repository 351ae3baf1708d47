"""The daily chase: reminders to a sub, its brokers and (after enough of them) its GC's admins,
for each engagement with an open deficiency or a coming expiry, on the schedule its GC set.

Each run works from the database as it is now, so a gap fixed since yesterday (a confirmed
certificate turned the verdict compliant, a renewal moved the expiry) is simply not due: the
chase stops by itself. What was sent is recorded per engagement, episode (the gap being
chased) and stage (which step of the schedule); the rows are inserted before anything is
sent and only the rows this run inserted are sent, so a re-run, or a second worker running
at the same time, sends nothing twice.

Everything due for one person in one run is one reminder (a notice, e-mailed in the digest),
listing per engagement exactly what is missing. A broker the sub invited who never registered
has no account to hold a notice: it gets one e-mail per run with, per sub, a single-use upload
link (`backend/chase/upload_links.py`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase.repository import (
    engagements_to_chase,
    latest_checks,
    owed_certificates,
    record_stages,
    reminders_of_engagement,
    sent_stages,
)
from backend.chase.schedule import Schedule, schedule_of
from backend.chase.upload_links import LinkMail, pending_brokers, upload_link_mails
from backend.db.models import Engagement, Organisation, Project
from backend.db.models.chase_reminder import ChaseReminder
from backend.errors import NotFound
from backend.network.actor import Actor
from backend.notify.service import (
    DEFICIENT_STATUSES,
    GC_NOTICE_ROLES,
    SUB_NOTICE_ROLES,
    NoticeDraft,
    active_brokers,
    add_notices,
    members_with_roles,
    sub_engagement_link,
)
from backend.verification.messages import addressed_to_broker

REMINDER_KIND: Final = "reminder"
ESCALATION_KIND: Final = "reminder_escalation"
# The farthest any schedule may look ahead (schedule.MAX_BEFORE_DAYS): engagements ending
# later cannot be due for an expiry reminder, so the run does not load them.
LOOKAHEAD_DAYS: Final = 365
# Items listed per engagement in one reminder; a verdict rarely has more open blocking checks.
MAX_ITEMS: Final = 12


@dataclass(frozen=True)
class DueItem:
    """One engagement due a reminder in this run, with what it lists."""

    engagement_id: uuid.UUID
    gc_org_id: uuid.UUID
    sub_org_id: uuid.UUID
    gc_name: str
    sub_name: str
    project: str
    trade: str
    episode: str
    stage: str
    items: tuple[str, ...]
    sent_before: int
    schedule: Schedule

    @property
    def escalated(self) -> bool:
        return self.sent_before >= self.schedule.escalate_after


@dataclass
class ReminderRun:
    examined: int = 0
    engagements: int = 0
    escalated: int = 0
    notices: int = 0
    link_mails: list[LinkMail] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "examined": self.examined,
            "engagements": self.engagements,
            "escalated": self.escalated,
            "notices": self.notices,
            "link_mails": len(self.link_mails),
        }


async def reminders_sent(
    session: AsyncSession, actor: Actor, engagement_id: uuid.UUID
) -> list[ChaseReminder]:
    """The reminders sent for an engagement the actor may see, newest first (the GC's and the
    sub's engagement pages show them)."""
    sent = await reminders_of_engagement(session, actor, engagement_id)
    if sent is None:
        raise NotFound("No such engagement that you may see.")
    return sent


def open_items(checks: list[dict[str, Any]]) -> list[str]:
    """What stands between the sub and approval: blocking checks failed or unverified and not
    waived, in the engine's own words."""
    return [
        str(check.get("message") or check.get("code"))
        for check in checks
        if check.get("severity") == "blocking" and check.get("outcome") in ("fail", "unknown")
    ]


def stage_for(
    engagement: Engagement,
    checks: list[dict[str, Any]] | None,
    schedule: Schedule,
    today: date,
    holders: list[tuple[date, str]] | None = None,
) -> tuple[str, str, tuple[str, ...]] | None:
    """(episode, stage, items) when this engagement is due a reminder today, else None.

    A deficiency (the engagement's status says deficient and its verdict lists what is open)
    is reminded the day it is seen, then every `every_days` while it stays open. A coming
    expiry is reminded at each `before_days` threshold reached, then every `every_days` after
    the policy ended, until a renewal moves the date. A certificate a renewal still owes this
    engagement's holder (`holders`: when it was asked for, what it must say) is chased like a
    deficiency from the day it was asked for, until a certificate naming that holder is read."""
    owed = [f"After the renewal, a certificate for this project: {w}" for _, w in holders or []]
    items: list[str] = []
    ends = engagement.expires_on
    if ends is not None and ends <= today + timedelta(days=max(schedule.before_days)):
        left = (ends - today).days
        if left > 0:
            items.append(f"Coverage ends {ends.isoformat()} ({left} days): send the renewal.")
        else:
            items.append(f"Coverage ended {ends.isoformat()}: send the renewal certificate.")
    if engagement.status in DEFICIENT_STATUSES:
        items[:0] = open_items(checks or [])
        items.extend(owed)
        if not items:
            items.append("The record is incomplete for this project's requirements.")
        since = (engagement.status_changed_at or engagement.created_at).date()
        step = max(0, (today - since).days) // schedule.every_days
        return f"deficiency:{since.isoformat()}", f"every:{step}", tuple(items[:MAX_ITEMS])
    if owed and (ends is None or not items or (ends - today).days > 0):
        # Owed certificates are chased on their own pace; a coming expiry rides along.
        asked = min(day for day, _ in holders or [])
        step = max(0, (today - asked).days) // schedule.every_days
        return f"holder:{asked.isoformat()}", f"every:{step}", tuple((owed + items)[:MAX_ITEMS])
    if ends is None or not items:
        return None
    left = (ends - today).days
    if left > 0:
        reached = min(t for t in schedule.before_days if left <= t)
        return f"expiry:{ends.isoformat()}", f"before:{reached}", tuple(items)
    step = -left // schedule.every_days
    return f"expiry:{ends.isoformat()}", f"after:{step}", tuple((items + owed)[:MAX_ITEMS])


async def due_items(session: AsyncSession, today: date) -> tuple[int, list[DueItem]]:
    """Every active engagement due a reminder today (not yet sent), and how many were looked at."""
    rows = await engagements_to_chase(
        session, DEFICIENT_STATUSES, today + timedelta(days=LOOKAHEAD_DAYS)
    )
    checks = await latest_checks(session, [e.id for e, _, _, _ in rows])
    owed = await owed_certificates(session, [e.id for e, _, _, _ in rows])
    candidates: list[tuple[Engagement, Project, Organisation, Organisation, Schedule, Any]] = []
    for engagement, project, gc_row, sub_row in rows:
        schedule = schedule_of(gc_row.settings)
        if not schedule.enabled:
            continue
        found = stage_for(
            engagement, checks.get(engagement.id), schedule, today, owed.get(engagement.id)
        )
        if found is not None:
            candidates.append((engagement, project, gc_row, sub_row, schedule, found))
    if not candidates:
        return len(rows), []
    sent = await sent_stages(session, [c[0].id for c in candidates])
    due: list[DueItem] = []
    for engagement, project, gc_row, sub_row, schedule, (episode, stage, items) in candidates:
        before = sent.get((engagement.id, episode), set())
        if stage in before:
            continue
        due.append(
            DueItem(
                engagement_id=engagement.id,
                gc_org_id=gc_row.id,
                sub_org_id=sub_row.id,
                gc_name=gc_row.legal_name,
                sub_name=sub_row.legal_name,
                project=f"{project.number} {project.name}",
                # The contract label: a sub may hold several contracts on one project.
                trade=engagement.contract_label,
                episode=episode,
                stage=stage,
                items=items,
                sent_before=len(before),
                schedule=schedule,
            )
        )
    return len(rows), due


async def _claim(session: AsyncSession, due: list[DueItem], today: date) -> list[DueItem]:
    """Record the stages about to be sent; only those this transaction inserted are sent (a
    concurrent run that recorded one first sends it instead)."""
    if not due:
        return []
    rows = [
        {
            "id": uuid.uuid4(),
            "engagement_id": item.engagement_id,
            "gc_org_id": item.gc_org_id,
            "sub_org_id": item.sub_org_id,
            "episode": item.episode,
            "stage": item.stage,
            "sent_on": today,
            "escalated": item.escalated,
            "items": list(item.items),
        }
        for item in due
    ]
    claimed = await record_stages(session, rows)
    return [i for i in due if (i.engagement_id, i.episode, i.stage) in claimed]


def section(item: DueItem, link: str) -> str:
    heading = f"{item.gc_name}, {item.project} ({item.trade}):"
    lines = [
        heading,
        *(f"- {text}" for text in item.items),
        f"What is missing and how to fix it: {link}",
    ]
    return "\n".join(lines)


def _escalation_section(item: DueItem) -> str:
    lines = [
        f"{item.sub_name} on {item.project} ({item.trade}): reminded {item.sent_before} "
        "times, still open:",
        *(f"- {text}" for text in item.items),
        f"Open: /engagements/{item.engagement_id}",
    ]
    return "\n".join(lines)


def _digest(
    person: uuid.UUID,
    organisation: uuid.UUID,
    ordered: list[DueItem],
    kind: str,
    subject: str,
    sections: list[str],
    link_of: Callable[[uuid.UUID | None], str],
    change_key: str,
) -> NoticeDraft:
    """One person's notice listing these engagements: one section each; linked to the
    engagement when it names one (`link_of` gives the link, None: several)."""
    single = ordered[0].engagement_id if len(ordered) == 1 else None
    return NoticeDraft(
        person,
        organisation,
        single,
        kind,
        subject,
        "\n\n".join(sections),
        link=link_of(single),
        change_key=change_key,
    )


def _engagements(count: int) -> str:
    return f"{count} engagement{'s' if count > 1 else ''}"


def _drafts(
    today: date,
    recipients: dict[tuple[uuid.UUID, uuid.UUID], list[DueItem]],
    escalate: dict[tuple[uuid.UUID, uuid.UUID], list[DueItem]],
    broker_orgs: frozenset[uuid.UUID] = frozenset(),
) -> list[NoticeDraft]:
    drafts: list[NoticeDraft] = []
    for (person, organisation), items in recipients.items():
        ordered = sorted(items, key=lambda i: (i.sub_name, i.gc_name, i.project))
        names = sorted({i.sub_name for i in ordered})
        subject = (
            f"Reminder: {_engagements(len(ordered))} of {', '.join(names)} still need "
            "insurance documents"
        )
        sections = [section(i, sub_engagement_link(i.engagement_id)) for i in ordered]
        if organisation in broker_orgs:
            # The broker IS the sub's broker: the same items, not "Ask your broker ...".
            sections = [addressed_to_broker(text) for text in sections]
        drafts.append(
            _digest(
                person,
                organisation,
                ordered,
                REMINDER_KIND,
                subject,
                sections,
                lambda single: sub_engagement_link(single) if single else "/",
                f"reminder:{today.isoformat()}",
            )
        )
    for (person, organisation), items in escalate.items():
        ordered = sorted(items, key=lambda i: (i.sub_name, i.project))
        subject = f"Escalation: {_engagements(len(ordered))} still open after repeated reminders"
        drafts.append(
            _digest(
                person,
                organisation,
                ordered,
                ESCALATION_KIND,
                subject,
                [_escalation_section(i) for i in ordered],
                lambda single: f"/engagements/{single}" if single else "/dashboard",
                f"escalation:{today.isoformat()}",
            )
        )
    return drafts


async def run_reminders(
    session: AsyncSession, today: date, base_url: str, now: datetime | None = None
) -> ReminderRun:
    """One run in the caller's transaction. The link mails it returns carry secrets: queue
    them only after the transaction committed (`workers/chase.py`)."""
    run = ReminderRun()
    run.examined, due = await due_items(session, today)
    claimed = await _claim(session, due, today)
    if not claimed:
        return run
    run.engagements = len(claimed)
    run.escalated = sum(1 for i in claimed if i.escalated)
    subs = {i.sub_org_id for i in claimed}
    sub_people = await members_with_roles(session, subs, SUB_NOTICE_ROLES)
    brokers = await active_brokers(session, subs)
    gc_people = await members_with_roles(
        session, {i.gc_org_id for i in claimed if i.escalated}, GC_NOTICE_ROLES
    )
    recipients: dict[tuple[uuid.UUID, uuid.UUID], list[DueItem]] = defaultdict(list)
    escalate: dict[tuple[uuid.UUID, uuid.UUID], list[DueItem]] = defaultdict(list)
    for item in claimed:
        for person in sub_people.get(item.sub_org_id, []):
            recipients[(person, item.sub_org_id)].append(item)
        for person, broker_org in brokers.get(item.sub_org_id, []):
            recipients[(person, broker_org)].append(item)
        if item.escalated:
            for person in gc_people.get(item.gc_org_id, []):
                escalate[(person, item.gc_org_id)].append(item)
    # One notice per person: a person reached through two organisations is told once.
    merged: dict[uuid.UUID, tuple[uuid.UUID, list[DueItem]]] = {}
    for (person, organisation), items in recipients.items():
        held = merged.setdefault(person, (organisation, []))
        held[1].extend(i for i in items if i not in held[1])
    run.notices = await add_notices(
        session,
        _drafts(
            today,
            {(p, org): items for p, (org, items) in merged.items()},
            escalate,
            frozenset(org for pairs in brokers.values() for _, org in pairs),
        ),
    )
    by_sub: dict[uuid.UUID, list[DueItem]] = defaultdict(list)
    for item in claimed:
        by_sub[item.sub_org_id].append(item)
    pending = await pending_brokers(session, set(by_sub), now or datetime.now(UTC))
    run.link_mails = await upload_link_mails(
        session,
        pending,
        {
            sub: [
                (
                    f"{i.gc_name}, {i.project} ({i.trade})",
                    [addressed_to_broker(text) for text in i.items],
                )
                for i in items
            ]
            for sub, items in by_sub.items()
        },
        {sub: items[0].sub_name for sub, items in by_sub.items()},
        base_url,
        now or datetime.now(UTC),
    )
    return run
