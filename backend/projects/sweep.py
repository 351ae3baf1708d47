"""The expiry sweep: time turns engagements expiring and expired, and a lapse holds payment.

Run daily (arq cron) and on demand (`coinet sweep`). For each active engagement whose coverage
ends within its GC's largest alert threshold (per-GC `settings["alert_thresholds"]`, default
60/30/7/0 days before expiry):
- a compliant engagement turns "expiring";
- each threshold crossed sends its notice once (to the sub and its brokers; from 30 days on,
  also to the GC's contract admins);
- on the expiration day (policies end at 12:01 a.m. that day) the engagement turns "expired"
  and, unless already held, gets an automatic pay hold: a Decision recording when the lapse
  began and when the sweep discovered it, with its audit snapshot. A verdict that finds the
  sub compliant again (a renewal) releases that automatic hold; a hold a person placed stays
  until a person releases it.
Re-running the sweep on the same day changes nothing.

Completed operations: an engagement whose set names completed-operations years continues after
project end plus close-out (`Engagement.completed_operations_until`). The first sweep after
close-out judges it again, on its sub's latest revision, for that phase (general liability with
completed-operations AI and the products-completed operations aggregate only: its expiry becomes
the general liability's) and tells the sub, its brokers and the GC's admins what is still asked
until when. In the phase the expiry notices ask for the general liability renewal, and a lapse
turns the engagement expired without a pay hold (the work is done and paid; the GC decides). The
first sweep after the phase's last day marks the engagement finished: nothing more is asked.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.canonical import Decision as AuditDecision
from backend.audit.canonical import DocumentRef, Party, SnapshotFacts
from backend.audit.service import append_snapshots
from backend.db.models import (
    Engagement,
    Organisation,
    Project,
    Verdict,
)
from backend.notify import webhooks as integration_events
from backend.notify.service import (
    GC_NOTICE_ROLES,
    SUB_NOTICE_ROLES,
    NoticeDraft,
    active_brokers,
    add_notices,
    kinds_noticed,
    members_with_roles,
    sub_engagement_link,
)
from backend.notify.verdict_change import VerdictChange
from backend.projects.engine_input import alert_thresholds, load_record_rows
from backend.projects.repository import ProjectRepository, VerificationRepository
from backend.projects.snapshot_documents import documents_of_verdicts
from backend.projects.verify_service import SYSTEM_PARTY, system_person_id, verify_batch
from backend.records.repository import RecordRepository
from backend.verification.plan import COMPLETED_OPERATIONS

GC_ALERT_FROM_DAYS: Final = 30
# The requirement-set hash a snapshot records when no verdict gave one (an engagement decided
# before its first verification): 64 zeros, the length of a SHA-256 in hex, matching no body.
NO_HASH: Final = "0" * 64
# How far ahead the sweep reads expiries: each GC sets its own alert thresholds (read with its
# row), so the query cannot bound by the largest; ten years takes every real one.
SWEEP_HORIZON_DAYS: Final = 3650


@dataclass
class SweepReport:
    examined: int = 0
    expiring: int = 0
    expired: int = 0
    pay_holds: int = 0
    notices: int = 0
    completed_operations: int = 0
    finished: int = 0
    # Notices of waivers that ended (projects/waiver_end.py, run by the same job after this).
    waiver_notices: int = 0

    def render(self) -> str:
        return (
            f"sweep: {self.examined} engagements near or past expiry; {self.expiring} turned "
            f"expiring, {self.expired} expired, {self.pay_holds} pay holds placed, "
            f"{self.notices} notices queued; {self.completed_operations} entered completed "
            f"operations, {self.finished} finished; {self.waiver_notices} notices of ended "
            "waivers"
        )


def crossed_threshold(days_left: int, thresholds: tuple[int, ...]) -> int | None:
    """The smallest threshold the engagement has reached (days_left <= threshold)."""
    reached = [t for t in thresholds if days_left <= t]
    return min(reached) if reached else None


async def run_sweep(session: AsyncSession, today: date) -> SweepReport:
    """One sweep in the caller's transaction."""
    report = SweepReport()
    await _move_phases(session, today, report)
    # Across every GC, with no person acting: time passes for all.
    repository = ProjectRepository(session)
    due: list[tuple[Engagement, Project, Organisation, Organisation, int]] = []
    near = await repository.near_expiry(today + timedelta(days=SWEEP_HORIZON_DAYS))
    for engagement, project, gc_row, sub_row in near:
        assert engagement.expires_on is not None
        days_left = (engagement.expires_on - today).days
        threshold = crossed_threshold(days_left, alert_thresholds(gc_row.settings))
        if threshold is None:
            continue
        due.append((engagement, project, gc_row, sub_row, threshold))
    report.examined = len(due)
    if not due:
        return report

    kinds = {e.id: _notice_kind(e, t) for e, _, _, _, t in due}
    already = await kinds_noticed(session, list(kinds), set(kinds.values()))
    gc_people = await members_with_roles(session, {g.id for _, _, g, _, _ in due}, GC_NOTICE_ROLES)
    sub_people = await members_with_roles(
        session, {s.id for _, _, _, s, _ in due}, SUB_NOTICE_ROLES
    )
    brokers = await active_brokers(session, {s.id for _, _, _, s, _ in due})
    now = datetime.now(UTC)
    drafts: list[NoticeDraft] = []
    updates: list[dict[str, Any]] = []
    holds: list[tuple[Engagement, Project, Organisation, Organisation]] = []
    for engagement, project, gc_row, sub_row, threshold in due:
        assert engagement.expires_on is not None
        lapsed = engagement.expires_on <= today
        new_status = engagement.status
        if lapsed:
            new_status = "expired"
        elif engagement.status == "compliant":
            new_status = "expiring"
        in_phase = engagement.phase == COMPLETED_OPERATIONS
        place_hold = lapsed and not engagement.pay_hold and not in_phase
        if new_status != engagement.status or place_hold:
            updates.append(
                {
                    "id": engagement.id,
                    "status": new_status,
                    "status_changed_at": (
                        now if new_status != engagement.status else engagement.status_changed_at
                    ),
                    "pay_hold": engagement.pay_hold or place_hold,
                }
            )
            report.expired += new_status == "expired" and engagement.status != "expired"
            report.expiring += new_status == "expiring" and engagement.status != "expiring"
        if place_hold:
            holds.append((engagement, project, gc_row, sub_row))
        kind = kinds[engagement.id]
        if (engagement.id, kind) in already:
            continue
        where = f"{project.number} {project.name}"
        ends = engagement.expires_on.isoformat()
        if in_phase:
            subject, body = _phase_expiry_words(engagement, sub_row, where, today, lapsed)
        elif lapsed:
            subject = f"{sub_row.legal_name} on {where}: insurance expired {ends}"
            body = "Coverage has lapsed. Payments to this sub on this project are on hold."
        else:
            days_left = (engagement.expires_on - today).days
            subject = f"{sub_row.legal_name} on {where}: insurance expires in {days_left} days"
            body = f"Coverage ends {ends}. Please upload the renewal certificate before then."
        # Each notice leads to where its reader acts: the sub and its brokers to the
        # engagement's page with the upload, the GC to its own page of the engagement.
        fix = sub_engagement_link(engagement.id)
        recipients = [(p, sub_row.id, fix) for p in sub_people.get(sub_row.id, [])]
        recipients += [(p, org, fix) for p, org in brokers.get(sub_row.id, [])]
        if threshold <= GC_ALERT_FROM_DAYS:
            gc_link = f"/engagements/{engagement.id}"
            recipients += [(p, gc_row.id, gc_link) for p in gc_people.get(gc_row.id, [])]
        drafts.extend(
            NoticeDraft(person, org, engagement.id, kind, subject, body, link=link)
            for person, org, link in recipients
        )
    await integration_events.sweep_changed(session, due, updates)
    await repository.set_sweep_states(updates)
    if holds:
        report.pay_holds = await _place_holds(session, holds, today, now)
    report.notices += await add_notices(session, drafts)
    return report


def _notice_kind(engagement: Engagement, threshold: int) -> str:
    """One notice per (engagement, threshold, expiry date): a renewal starts a fresh series,
    and so does the completed-operations phase."""
    assert engagement.expires_on is not None
    prefix = "co-expiry" if engagement.phase == COMPLETED_OPERATIONS else "expiry"
    return f"{prefix}:{threshold}d:{engagement.expires_on.isoformat()}"


COMPLETED_OPERATIONS_ASK: Final = (
    "general liability with additional insured for completed operations (CG 20 37, or "
    "CG 20 10 11 85) and the products-completed operations aggregate"
)


def _phase_expiry_words(
    engagement: Engagement, sub_row: Organisation, where: str, today: date, lapsed: bool
) -> tuple[str, str]:
    assert engagement.expires_on is not None
    ends = engagement.expires_on.isoformat()
    until = engagement.completed_operations_until
    through = f" through {until.isoformat()}" if until is not None else ""
    if lapsed:
        return (
            f"{sub_row.legal_name} on {where}: completed-operations cover lapsed {ends}",
            f"The project is closed out, but the contract asks for {COMPLETED_OPERATIONS_ASK}"
            f"{through}. The general liability policy on the record ended {ends}: ask your "
            "broker for the renewal certificate and its completed-operations endorsement.",
        )
    days_left = (engagement.expires_on - today).days
    return (
        f"{sub_row.legal_name} on {where}: completed-operations cover ends in {days_left} days",
        f"The general liability policy on the record ends {ends}. The contract asks for "
        f"{COMPLETED_OPERATIONS_ASK}{through}: please upload the renewal certificate and its "
        "completed-operations endorsement before then.",
    )


async def _move_phases(session: AsyncSession, today: date, report: SweepReport) -> None:
    """Engagements past close-out enter their completed-operations phase (judged again for it,
    with a notice saying what is still asked); those past the phase's last day finish."""
    repository = ProjectRepository(session)
    report.finished = await repository.finish_completed_operations(today)
    entering = await repository.entering_completed_operations(today)
    if not entering:
        return
    by_sub: dict[uuid.UUID, list[uuid.UUID]] = {}
    for engagement, _, _, sub_row in entering:
        by_sub.setdefault(sub_row.id, []).append(engagement.id)
    records = RecordRepository(session)
    changes: dict[uuid.UUID, VerdictChange] = {}
    for sub_id, engagement_ids in by_sub.items():
        revision = await records.latest_revision(sub_id)
        known_at = revision.created_at if revision is not None else None
        rows = await load_record_rows(session, sub_id, known_at)
        for change in await verify_batch(session, engagement_ids, rows, revision, today):
            changes[change.engagement_id] = change
    report.completed_operations = len(changes)
    drafts = await _phase_notices(session, entering, changes)
    report.notices += await add_notices(session, drafts)
    # The engagements were updated in bulk: what this session holds of them is stale now.
    session.expire_all()


async def _phase_notices(
    session: AsyncSession,
    entering: Sequence[Row[Engagement, Project, Organisation, Organisation]],
    changes: dict[uuid.UUID, VerdictChange],
) -> list[NoticeDraft]:
    gc_people = await members_with_roles(
        session, {g.id for _, _, g, _ in entering}, GC_NOTICE_ROLES
    )
    sub_people = await members_with_roles(
        session, {s.id for _, _, _, s in entering}, SUB_NOTICE_ROLES
    )
    brokers = await active_brokers(session, {s.id for _, _, _, s in entering})
    drafts: list[NoticeDraft] = []
    for engagement, project, gc_row, sub_row in entering:
        change = changes.get(engagement.id)
        if change is None:
            continue  # not judged again (its set could not be read): nothing new to say
        until = engagement.completed_operations_until
        assert until is not None
        where = f"{project.number} {project.name}"
        subject = f"{sub_row.legal_name} on {where}: completed operations until {until}"
        body = (
            f"The project is closed out. Until {until.isoformat()} the contract still asks "
            f"for {COMPLETED_OPERATIONS_ASK}; upload each renewal of general liability. "
            f"Status now: {change.status.replace('_', ' ')}."
        )
        if change.open_checks:
            body += " Still needed: " + " ".join(change.open_checks)
        recipients = [(p, sub_row.id) for p in sub_people.get(sub_row.id, [])]
        recipients += brokers.get(sub_row.id, [])
        recipients += [(p, gc_row.id) for p in gc_people.get(gc_row.id, [])]
        drafts.extend(
            NoticeDraft(
                person,
                org,
                engagement.id,
                f"phase:{COMPLETED_OPERATIONS}:{until.isoformat()}",
                subject,
                body,
                link=f"/engagements/{engagement.id}",
            )
            for person, org in recipients
        )
    return drafts


async def _place_holds(
    session: AsyncSession,
    holds: list[tuple[Engagement, Project, Organisation, Organisation]],
    today: date,
    now: datetime,
) -> int:
    person_id = await system_person_id(session)
    ids = [e.id for e, _, _, _ in holds]
    latest = await latest_verdicts(session, ids)
    documents_by_engagement = await documents_of_verdicts(
        session, {engagement_id: row[0].id for engagement_id, row in latest.items()}
    )
    decisions = []
    facts = []
    for engagement, project, gc_row, sub_row in holds:
        assert engagement.expires_on is not None
        verdict = latest[engagement.id][0] if engagement.id in latest else None
        details = {
            "automatic": True,
            "lapse_began": engagement.expires_on.isoformat(),
            "discovered_on": today.isoformat(),
            "discovered_at": now.isoformat(),
        }
        reason = f"Automatic pay hold: coverage lapsed on {engagement.expires_on.isoformat()}."
        decisions.append(
            {
                "id": uuid.uuid4(),
                "engagement_id": engagement.id,
                "verdict_id": verdict.id if verdict is not None else None,
                "kind": "pay_hold",
                "check_code": "",
                "reason": reason,
                "expires_on": None,
                "decided_by_id": person_id,
                "details": details,
                "created_at": now,
            }
        )
        facts.append(
            decision_snapshot(
                engagement,
                (project, gc_row, sub_row),
                latest.get(engagement.id),
                documents=documents_by_engagement.get(engagement.id, []),
                status="expired",
                checks=verdict.checks if verdict is not None else [],
                decision=AuditDecision(action="pay_hold", by=SYSTEM_PARTY, at=now, reason=reason),
                as_of=today,
                extra=details,
            )
        )
    await VerificationRepository(session).add_decisions(decisions)
    await append_snapshots(session, facts)
    return len(decisions)


def decision_snapshot(
    engagement: Engagement,
    parties: tuple[Project, Organisation, Organisation],
    latest: tuple[Verdict, str, str] | None,
    *,
    documents: Sequence[DocumentRef],
    status: str,
    checks: Sequence[Mapping[str, Any]],
    decision: AuditDecision,
    as_of: date,
    extra: Mapping[str, Any],
) -> SnapshotFacts:
    """The snapshot of a decision on an engagement (its project, GC and sub in `parties`),
    resting on the engagement's latest verdict as latest_verdicts gives it: that verdict's
    record revision, requirement set and engine version, or, with no verdict yet, "none", the
    engagement's requirement-set version id with NO_HASH, and no engine version."""
    project, gc, sub = parties
    verdict, version_label, body_sha256 = latest or (None, "", "")
    return SnapshotFacts(
        kind=decision.action,
        engagement_id=str(engagement.id),
        project=Party(id=str(project.id), name=project.name),
        gc=Party(id=str(gc.id), name=gc.legal_name),
        sub=Party(id=str(sub.id), name=sub.legal_name),
        record_revision=str(verdict.revision_id)
        if verdict is not None and verdict.revision_id
        else "none",
        documents=documents,
        requirement_set_version=version_label or str(engagement.requirement_set_version_id),
        requirement_set_sha256=body_sha256 or NO_HASH,
        status=status,
        checks=checks,
        decision=decision,
        as_of=as_of,
        engine_version=verdict.engine_version if verdict is not None else "",
        extra=extra,
    )


async def latest_verdicts(
    session: AsyncSession, engagement_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[Verdict, str, str]]:
    """Each engagement's newest verdict with its requirement-set label and hash."""
    if not engagement_ids:
        return {}
    found: dict[uuid.UUID, tuple[Verdict, str, str]] = {}
    for verdict, name, version, sha in await ProjectRepository(session).verdicts_with_sets(
        engagement_ids
    ):
        found[verdict.engagement_id] = (verdict, f"{name}/{version}", sha)
    return found
