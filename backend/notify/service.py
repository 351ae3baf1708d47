"""Notices: in-app rows, each also queued for e-mail (sent later as one digest per recipient).

Who hears what after a verification:
- a GC's contract admins (gc_admin, gc_contract_admin), when an engagement's status changes;
- the sub's people (sub_admin, sub_bookkeeper) and every broker with an active invitation from
  the sub, when the verdict leaves the sub deficient (a deficiency request listing what to fix),
  and when a deficient engagement's verdict meets the requirements again (deficiency cleared);
- the tier-1 sub's people, when a tier-2 engagement under it is deficient, or when the project
  demands flow-down and the tier-1 engagement has no tier-2 engagement yet (flow-down request).
Notices are written in the caller's transaction, so they exist exactly when the verdict does.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Notice
from backend.errors import NotFound
from backend.notify.repository import NoticeRepository
from backend.notify.verdict_change import VerdictChange
from backend.verification.messages import addressed_to_broker

GC_NOTICE_ROLES: Final = ("gc_admin", "gc_contract_admin")
SUB_NOTICE_ROLES: Final = ("sub_admin", "sub_bookkeeper")
DEFICIENT_STATUSES: Final = frozenset({"non_compliant", "incomplete", "expired"})
# A verdict that meets every requirement (expiring: met, with an end date inside the GC's
# window). An engagement moving from deficient to one of these has its deficiency cleared.
MET_STATUSES: Final = frozenset({"compliant", "expiring"})
CLEARED_KIND: Final = "deficiency_cleared"
STATUS_WORDS: Final = {
    "pending": "pending review",
    "compliant": "compliant",
    "expiring": "expiring soon",
    "non_compliant": "non-compliant",
    "expired": "expired",
    "incomplete": "incomplete",
}
_MAX_LISTED_CHECKS: Final = 12


@dataclass(frozen=True)
class NoticeDraft:
    recipient_id: uuid.UUID
    organisation_id: uuid.UUID
    engagement_id: uuid.UUID | None
    kind: str
    subject: str
    body: str
    email: bool = True
    # Where the recipient acts on it (a path of this site), and the change it reports: two
    # drafts with one change key for one recipient make one notice, the second folded in.
    link: str = ""
    change_key: str = ""


async def members_with_roles(
    session: AsyncSession, organisation_ids: Iterable[uuid.UUID], roles: Sequence[str]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    ids = set(organisation_ids)
    found: dict[uuid.UUID, list[uuid.UUID]] = {org: [] for org in ids}
    if not ids:
        return found
    for organisation_id, person_id in await NoticeRepository(session).members_with_roles(
        ids, roles
    ):
        found[organisation_id].append(person_id)
    return found


async def active_brokers(
    session: AsyncSession, sub_org_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]]:
    """(person, broker firm) of every accepted, unrevoked, unexpired broker invitation."""
    ids = set(sub_org_ids)
    found: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]] = {sub: [] for sub in ids}
    if not ids:
        return found
    grants = await NoticeRepository(session).active_broker_grants(ids, datetime.now(UTC))
    for sub_id, person_id, broker_org_id in grants:
        if person_id is None or broker_org_id is None:
            continue
        pair = (person_id, broker_org_id)
        if pair not in found[sub_id]:
            found[sub_id].append(pair)
    return found


async def notify_sub_and_brokers(
    session: AsyncSession,
    sub_org_id: uuid.UUID,
    sub_name: str,
    engagement_id: uuid.UUID | None,
    kind: str,
    subject: str,
    body: str,
    *,
    link: str,
    change_key: str,
    broker_link: str | None = None,
) -> int:
    """One notice to each of the sub's people (SUB_NOTICE_ROLES) and to each broker acting
    for it now (see active_brokers, _SubNotice); how many were written."""
    people = await members_with_roles(session, {sub_org_id}, SUB_NOTICE_ROLES)
    brokers = await active_brokers(session, {sub_org_id})
    notice = _SubNotice(
        sub_org_id, sub_name, engagement_id, kind, subject, body, link, change_key, broker_link
    )
    return await add_notices(session, notice.drafts(people, brokers))


@dataclass(frozen=True)
class _SubNotice:
    """A notice to a sub, before its recipients are known: each of its people gets it as it
    is, each person of a broker acting for it gets it with the sub's name before the subject
    (a broker acts for many subs) and, where given, `broker_link` and `broker_body` instead
    of `link` and `body` (a page only the sub's own people can open; a text worded for the
    broker)."""

    sub_org_id: uuid.UUID
    sub_name: str
    engagement_id: uuid.UUID | None
    kind: str
    subject: str
    body: str
    link: str
    change_key: str
    broker_link: str | None = None
    broker_body: str | None = None

    def drafts(
        self,
        people: dict[uuid.UUID, list[uuid.UUID]],
        brokers: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]],
    ) -> list[NoticeDraft]:
        """One draft a recipient: the sub's people first, then its brokers' (people, brokers:
        by sub, as members_with_roles and active_brokers answer)."""
        drafts = [
            NoticeDraft(
                person,
                self.sub_org_id,
                self.engagement_id,
                self.kind,
                self.subject,
                self.body,
                link=self.link,
                change_key=self.change_key,
            )
            for person in people.get(self.sub_org_id, [])
        ]
        drafts += [
            NoticeDraft(
                person,
                broker_org,
                self.engagement_id,
                self.kind,
                f"{self.sub_name}: {self.subject}",
                self.body if self.broker_body is None else self.broker_body,
                link=self.link if self.broker_link is None else self.broker_link,
                change_key=self.change_key,
            )
            for person, broker_org in brokers.get(self.sub_org_id, [])
        ]
        return drafts


def _about_the_record(
    folded: bool, revision_text: str, subjects: tuple[str, str], section: str
) -> tuple[str, str]:
    """Subject and body of a notice to a sub about what its record was checked to be. Folded
    (one notice per person for a whole revision, a paragraph per project): the first subject
    and the section alone; else the second subject, the section after the record checked."""
    if folded:
        return subjects[0], section
    return subjects[1], f"Your {revision_text} was checked.\n{section}"


def _folded(drafts: Sequence[NoticeDraft]) -> list[NoticeDraft]:
    """Drafts of one change to one recipient merged into one, bodies in order."""
    kept: list[NoticeDraft | list[NoticeDraft]] = []
    groups: dict[tuple[uuid.UUID, str], list[NoticeDraft]] = {}
    for draft in drafts:
        if not draft.change_key:
            kept.append(draft)
            continue
        key = (draft.recipient_id, draft.change_key)
        group = groups.get(key)
        if group is None:
            group = groups[key] = [draft]
            kept.append(group)  # the merged notice stands where its first draft stood
        else:
            group.append(draft)
    # Joined once per group: a fan-out folds hundreds of engagements into one GC notice.
    return [
        item
        if isinstance(item, NoticeDraft)
        else item[0]
        if len(item) == 1
        else replace(item[0], body="\n\n".join(d.body for d in item))
        for item in kept
    ]


async def add_notices(session: AsyncSession, drafts: Sequence[NoticeDraft]) -> int:
    """Insert the notices in one statement; e-mail ones are queued for the digest sender. A
    notice for a change its recipient already has a notice of is folded into that one (its
    body appended, shown as unread and e-mailed again)."""
    if not drafts:
        return 0
    rows = [
        {
            "id": uuid.uuid4(),
            "recipient_id": d.recipient_id,
            "organisation_id": d.organisation_id,
            "engagement_id": d.engagement_id,
            "kind": d.kind[:64],
            "subject": d.subject[:300],
            "body": d.body,
            "link": d.link[:500],
            "change_key": d.change_key[:200],
            "email_state": "queued" if d.email else "none",
            "email_attempts": 0,
            "email_last_error": "",
        }
        for d in _folded(drafts)
    ]
    await NoticeRepository(session).insert_notices(rows)
    return len(rows)


def _checks_text(open_checks: Sequence[str]) -> str:
    if not open_checks:
        return ""
    listed = [f"- {text}" for text in open_checks[:_MAX_LISTED_CHECKS]]
    more = len(open_checks) - _MAX_LISTED_CHECKS
    if more > 0:
        listed.append(f"- and {more} more")
    return "\n".join(listed)


async def fan_out_notices(
    session: AsyncSession, changes: Sequence[VerdictChange], revision_number: int | None
) -> int:
    """Queue every notice a batch of new verdicts calls for."""
    if not changes:
        return 0
    revision_text = f"revision {revision_number}" if revision_number is not None else "record"
    gc_admins = await members_with_roles(session, {c.gc_org_id for c in changes}, GC_NOTICE_ROLES)
    parent_ids = {c.parent_engagement_id for c in changes if c.parent_engagement_id}
    parent_subs: dict[uuid.UUID, uuid.UUID] = {}
    if parent_ids:
        parent_subs = await NoticeRepository(session).subs_of_engagements(parent_ids)
    lacking_tier2 = await _tier1_without_tier2(
        session,
        [c.engagement_id for c in changes if c.flowdown_required and not c.parent_engagement_id],
    )
    sub_ids = {c.sub_org_id for c in changes} | set(parent_subs.values())
    sub_people = await members_with_roles(session, sub_ids, SUB_NOTICE_ROLES)
    brokers = await active_brokers(session, {c.sub_org_id for c in changes})

    drafts: list[NoticeDraft] = []
    folded = revision_number is not None
    for change in changes:
        where = f"{change.project_number} {change.project_name}"
        if change.contract:
            where += f" · {change.contract}"
        checks_text = _checks_text(change.open_checks)
        engagement_link = f"/engagements/{change.engagement_id}"
        fix_link = sub_engagement_link(change.engagement_id)
        if change.status_changed:
            moved = (
                f"{STATUS_WORDS.get(change.previous_status, change.previous_status)} -> "
                f"{STATUS_WORDS.get(change.status, change.status)}"
            )
            line = f"{where}: {moved}."
            if change.pay_hold_released:
                line += " The automatic pay hold placed at the lapse was released."
            if checks_text:
                line += "\nOpen items:\n" + checks_text
            line += f"\nOpen: {engagement_link}"
            if folded:
                # One notice per GC person for the whole revision, one paragraph per project.
                subject = f"{change.sub_name}: statuses changed by its record {revision_text}"
                body = line
            else:
                subject = f"{change.sub_name} on {where}: {moved}"
                body = f"Verified against the sub's {revision_text}.\n{line}"
            for person in gc_admins.get(change.gc_org_id, []):
                drafts.append(
                    NoticeDraft(
                        person,
                        change.gc_org_id,
                        change.engagement_id,
                        "status_changed",
                        subject,
                        body,
                        link=engagement_link,
                        change_key=(
                            f"status:{change.gc_org_id}:{change.sub_org_id}:{revision_number}"
                            if folded
                            else ""
                        ),
                    )
                )
        if change.status in DEFICIENT_STATUSES:
            word = STATUS_WORDS[change.status]
            section = (
                f"{change.gc_name}, {where}: insurance {word}. To fix (a new certificate or "
                "endorsement):\n"
                + (checks_text or "- the record is incomplete")
                + f"\nWhat is missing and how to fix it: {fix_link}"
            )
            subject, body = _about_the_record(
                folded,
                revision_text,
                (
                    f"Action needed: your record {revision_text} falls short",
                    f"Action needed for {change.gc_name}, {where}: insurance {word}",
                ),
                section,
            )
            deficiency = _SubNotice(
                change.sub_org_id,
                change.sub_name,
                change.engagement_id,
                "deficiency",
                subject,
                body,
                fix_link,
                f"deficiency:{change.sub_org_id}:{revision_number}" if folded else "",
                # The broker IS the sub's broker: the same gaps, addressed to it.
                broker_body=addressed_to_broker(body),
            )
            drafts += deficiency.drafts(sub_people, brokers)
            parent_sub = (
                parent_subs.get(change.parent_engagement_id)
                if change.parent_engagement_id
                else None
            )
            if parent_sub is not None:
                flow_subject = (
                    f"Flow-down: your tier-2 sub {change.sub_name} on {where} is "
                    f"{STATUS_WORDS[change.status]}"
                )
                for person in sub_people.get(parent_sub, []):
                    drafts.append(
                        NoticeDraft(
                            person,
                            parent_sub,
                            change.engagement_id,
                            "flowdown",
                            flow_subject,
                            "The requirements you flow down to it are not met:\n"
                            + (checks_text or "- the record is incomplete"),
                            link="/depends",
                        )
                    )
        if change.previous_status in DEFICIENT_STATUSES and change.status in MET_STATUSES:
            drafts.extend(
                _cleared_drafts(
                    change, where, revision_text, folded, revision_number, sub_people, brokers
                )
            )
        if change.engagement_id in lacking_tier2:
            subject = f"Flow-down: {where} requires your tier-2 subs' certificates"
            body = (
                f"{change.gc_name} requires each tier-1 sub on {where} to engage its tier-2 "
                "subs on the network under requirements not less restrictive than its own. "
                "None is engaged yet."
            )
            for person in sub_people.get(change.sub_org_id, []):
                drafts.append(
                    NoticeDraft(
                        person,
                        change.sub_org_id,
                        change.engagement_id,
                        "flowdown",
                        subject,
                        body,
                        link="/depends",
                    )
                )
    return await add_notices(session, drafts)


def _cleared_drafts(
    change: VerdictChange,
    where: str,
    revision_text: str,
    folded: bool,
    revision_number: int | None,
    sub_people: dict[uuid.UUID, list[uuid.UUID]],
    brokers: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]],
) -> list[NoticeDraft]:
    """The sub's people and its brokers told that a deficiency they were asked to fix is
    cleared: the loop that began with the deficiency notice ends with this one (one per
    revision per person, as the deficiency notice was)."""
    moved = f"{STATUS_WORDS[change.previous_status]} -> {STATUS_WORDS[change.status]}"
    until = f" until {change.expires_on.isoformat()}" if change.expires_on else ""
    section = (
        f"{change.gc_name}, {where}: {moved}. Your record now meets {change.gc_name}'s "
        f"requirements{until}; nothing more is needed.\nSee it: "
        + sub_engagement_link(change.engagement_id)
    )
    subject, body = _about_the_record(
        folded,
        revision_text,
        (
            f"Deficiency cleared by your record {revision_text}",
            f"Deficiency cleared for {change.gc_name}, {where}",
        ),
        section,
    )
    cleared = _SubNotice(
        change.sub_org_id,
        change.sub_name,
        change.engagement_id,
        CLEARED_KIND,
        subject,
        body,
        sub_engagement_link(change.engagement_id),
        f"cleared:{change.sub_org_id}:{revision_number}" if folded else "",
    )
    return cleared.drafts(sub_people, brokers)


def sub_engagement_link(engagement_id: uuid.UUID) -> str:
    """The sub's (and its broker's) page of one engagement: what the GC needs and how to fix."""
    return f"/my/engagements/{engagement_id}"


async def _tier1_without_tier2(
    session: AsyncSession, engagement_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    if not engagement_ids:
        return set()
    with_children = await NoticeRepository(session).parents_with_children(engagement_ids)
    return set(engagement_ids) - with_children


async def notices_for(
    session: AsyncSession, person_id: uuid.UUID, limit: int = 100
) -> list[Notice]:
    """A person's notices, newest first (their own only)."""
    return await NoticeRepository(session).notices_for(person_id, limit)


async def notice_of(session: AsyncSession, person_id: uuid.UUID, notice_id: uuid.UUID) -> Notice:
    """One of the person's own notices."""
    notice = await NoticeRepository(session).notice_of(person_id, notice_id)
    if notice is None:
        raise NotFound("No such notice of yours.")
    return notice


async def kinds_noticed(
    session: AsyncSession, engagement_ids: Collection[uuid.UUID], kinds: Collection[str]
) -> set[tuple[uuid.UUID | None, str]]:
    """(engagement, kind) of notices of these kinds already made for these engagements: an
    alert of one kind goes once."""
    return await NoticeRepository(session).kinds_noticed(engagement_ids, kinds)


async def change_noticed(session: AsyncSession, change_key: str) -> bool:
    """Whether a notice reports this change already (a reminder sent today, say)."""
    return await NoticeRepository(session).change_noticed(change_key)


# Where a notice leads when its link is not a page of this site.
NOTICES_PAGE: Final = "/notices"


async def mark_read(session: AsyncSession, person_id: uuid.UUID, notice_id: uuid.UUID) -> Notice:
    """Marks one of the person's own notices read; a notice read before keeps its first
    reading's time."""
    notice = await notice_of(session, person_id, notice_id)
    notice.read_at = notice.read_at or datetime.now(UTC)
    return notice


def notice_target(notice: Notice) -> str:
    """Where following a notice leads: its link when that is a page of this site, never
    another site (a link "//host" would leave it)."""
    target = notice.link if notice.link.startswith("/") else NOTICES_PAGE
    return NOTICES_PAGE if target.startswith("//") else target


async def mark_all_read(session: AsyncSession, person_id: uuid.UUID) -> int:
    """Mark every unread notice of this person read; how many were."""
    return await NoticeRepository(session).mark_all_read(person_id, datetime.now(UTC))


async def unread_notices(
    session: AsyncSession, person_id: uuid.UUID, limit: int
) -> tuple[list[Notice], int]:
    """A person's newest unread notices (at most `limit`) and how many are unread in all."""
    return await NoticeRepository(session).unread(person_id, limit)
