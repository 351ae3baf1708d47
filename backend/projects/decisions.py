"""Human decisions on an engagement: approve, reject with reasons, waive one check, pay hold,
release, work-stop, resume. Each is a Decision row and one audit snapshot, in the caller's
transaction; only the engagement's GC (gc_admin, gc_contract_admin) may decide.

The rules for approve / reject / waive are the engine's (backend.verification.decisions),
applied to the engagement's latest verdict with the waivers still in force. A waiver shows in
every later verdict until its expiry day has passed (verify_service reads live waivers).
Work-stop orders record who issued them, when the lapse began and when it was discovered;
resuming records when work resumed and on what evidence (text and the record revision).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.canonical import Decision as AuditDecision
from backend.audit.canonical import DocumentRef, Party
from backend.audit.service import append_snapshots
from backend.db.models import Decision, Engagement, Organisation, Project, Verdict
from backend.errors import BadInput, Conflict, DomainError, NotFound
from backend.network.access import engagement_scope, require
from backend.network.actor import Actor
from backend.notify import webhooks as integration_events
from backend.notify.decision_notices import DecisionFacts, notify_decision, reasons_of
from backend.projects.engine_input import expiring_window_days
from backend.projects.repository import ProjectRepository
from backend.projects.snapshot_documents import documents_of_verdicts
from backend.projects.sweep import decision_snapshot, latest_verdicts
from backend.projects.verify_service import live_waivers, waiver_in_force
from backend.records.repository import RecordRepository
from backend.verification import decisions as rules
from backend.verification.checks import Check, Waiver
from backend.verification.outcomes import FAIL, WAIVED
from backend.verification.verdict import Verdict as EngineVerdict
from backend.verification.verdict import rewaive

DECISION_KINDS: Final = ("approve", "reject", "waive", "pay_hold", "release", "work_stop", "resume")


@dataclass(frozen=True)
class DecisionRequest:
    kind: str
    reason: str = ""
    check_code: str | None = None
    line: str | None = None
    expires_on: date | None = None
    reasons: Sequence[str] = ()
    lapse_began: date | None = None
    discovered_at: datetime | None = None
    resumed_at: datetime | None = None
    evidence: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DecisionOutcome:
    decision: Decision
    status: str
    pay_hold: bool
    work_stopped: bool
    snapshot_seq: int


async def decision_as_stored(session: AsyncSession, decision: Decision) -> Decision:
    """A decision just made, read back as the database holds it (its details as JSONB keeps
    them): what the API answers with."""
    await session.refresh(decision)
    return decision


def engine_verdict(verdict: Verdict, label: str) -> EngineVerdict:
    """The stored verdict as the engine's value, so the engine's decision rules apply to it."""
    checks = []
    for item in verdict.checks:
        waiver = None
        raw_waiver = item.get("waiver")
        if isinstance(raw_waiver, dict):
            waiver = Waiver(
                check_code=item["code"],
                line=item.get("line"),
                reason=str(raw_waiver.get("reason", "")),
                expires_on=date.fromisoformat(str(raw_waiver.get("expires_on"))),
                by=str(raw_waiver.get("by", "")),
            )
        checks.append(
            Check(
                code=item["code"],
                outcome=item["outcome"],
                line=item.get("line"),
                requirement=item.get("requirement", ""),
                expected=item.get("expected"),
                found=item.get("found"),
                severity=item.get("severity", "blocking"),
                waivable=bool(item.get("waivable")),
                evidence=None,
                waiver=waiver,
            )
        )
    name, _, version = label.rpartition("/")
    return EngineVerdict(
        status=verdict.status,
        on=verdict.as_of,
        checks=tuple(checks),
        requirement_set=(name, int(version) if version.isdigit() else 0),
        engine_version=verdict.engine_version,
    )


@dataclass(frozen=True)
class BulkApproval:
    """What approving together did: how many were approved, and each refused engagement with
    the reason it was refused."""

    approved: int
    refused: list[tuple[uuid.UUID, str]]


async def approve_together(
    session: AsyncSession,
    actor: Actor,
    engagement_ids: Sequence[str],
    reason: str,
    today: date,
) -> BulkApproval:
    """Approve several engagements with one stated reason (the GC's inbox, renewals with
    nothing failing). The reason and at least one engagement are needed. Each is decided in
    its own savepoint by `decide`'s rules: one that still has something blocking open is
    refused and named, the others approved."""
    require(actor, "engagement.decide")
    if not reason.strip():
        raise BadInput("Say why these renewals are approved together.", field="reason")
    if not engagement_ids:
        raise BadInput("Tick at least one renewal to approve.", field="engagement")
    try:
        ids = [uuid.UUID(v) for v in engagement_ids]
    except ValueError as exc:
        raise BadInput("Tick renewals from this page.", field="engagement") from exc
    approved = 0
    refused: list[tuple[uuid.UUID, str]] = []
    for engagement_id in ids:
        try:
            async with session.begin_nested():
                await decide(
                    session,
                    actor,
                    engagement_id,
                    DecisionRequest(kind="approve", reason=reason),
                    today,
                )
            approved += 1
        except DomainError as exc:
            refused.append((engagement_id, exc.message))
    return BulkApproval(approved, refused)


async def _engagement(
    session: AsyncSession, actor: Actor, engagement_id: uuid.UUID
) -> tuple[Engagement, Project, Organisation, Organisation]:
    # Only a GC's roles may decide (checked first), so the actor's scope is its own engagements.
    found = await ProjectRepository(session).engagement_parties_for_update(
        engagement_scope(actor), engagement_id
    )
    if found is None:
        raise NotFound("No such engagement in your organisation.")
    return found


def _unwaive(verdict: EngineVerdict, code: str, line: str | None) -> EngineVerdict:
    """The verdict with one check's stored waiver taken off (a verdict made while a waiver was
    in force stores the check as waived): it counts as failed, which only a waiver may have
    covered, until the waiver that replaces it is applied."""
    checks = tuple(
        c.with_outcome(FAIL) if (c.code, c.line) == (code, line) and c.outcome == WAIVED else c
        for c in verdict.checks
    )
    return EngineVerdict(
        status=verdict.status,
        on=verdict.on,
        checks=checks,
        requirement_set=verdict.requirement_set,
        engine_version=verdict.engine_version,
    )


def _find_check(verdict: EngineVerdict, code: str, line: str | None) -> Check:
    for check in verdict.checks:
        if check.code == code and check.line == line:
            return check
    where = f" on {line.replace('_', ' ')}" if line else ""
    raise BadInput(f"The latest verdict has no check {code}{where}.", field="check_code")


async def decide(
    session: AsyncSession,
    actor: Actor,
    engagement_id: uuid.UUID,
    request: DecisionRequest,
    today: date,
) -> DecisionOutcome:
    require(actor, "engagement.decide")
    if request.kind not in DECISION_KINDS:
        raise BadInput(
            f"Unknown decision {request.kind!r}; use one of {', '.join(DECISION_KINDS)}.",
            field="kind",
        )
    engagement, project, gc, sub = await _engagement(session, actor, engagement_id)
    latest = (await latest_verdicts(session, [engagement.id])).get(engagement.id)
    by = actor.full_name or actor.email or str(actor.person_id)
    now = datetime.now(UTC)
    reason = request.reason.strip()
    details: dict[str, Any] = {"decided_by": {"id": str(actor.person_id), "name": by}}
    verdict_row = latest[0] if latest else None
    engine = engine_verdict(latest[0], latest[1]) if latest else None
    window = expiring_window_days(gc.settings)
    if engine is not None:
        waivers = (await live_waivers(session, [engagement.id], today)).get(engagement.id, [])
        engine = rewaive(engine, waivers, window)
    check_code = ""
    expires_on: date | None = None
    try:
        if request.kind in ("approve", "reject", "waive") and engine is None:
            raise Conflict("This engagement has no verdict yet: wait for the sub's record.")
        if request.kind == "approve":
            assert engine is not None
            approval = rules.approve(engine, by=by, on=today, note=reason)
            details["waived_checks"] = list(approval.waived_checks)
            if engagement.status not in ("compliant", "expiring"):
                engagement.status = "compliant"
                engagement.status_changed_at = now
        elif request.kind == "reject":
            assert engine is not None
            texts = [r for r in ([reason] if reason else []) + list(request.reasons) if r.strip()]
            rejection = rules.reject(
                engine,
                by=by,
                on=today,
                reasons=[rules.RejectionReason(text=t) for t in texts]
                or list(rules.reasons_from_verdict(engine)),
            )
            details["reasons"] = [r.text for r in rejection.reasons]
            reason = reason or "; ".join(details["reasons"])
            if engagement.status != "non_compliant":
                engagement.status = "non_compliant"
                engagement.status_changed_at = now
        elif request.kind == "waive":
            assert engine is not None
            if not request.check_code:
                raise BadInput("Name the check to waive.", field="check_code")
            if request.expires_on is None:
                raise BadInput("A waiver needs an expiry date.", field="expires_on")
            # A waiver still in force on the check is extended or replaced: the new one is
            # judged against the check as it stands without it, and the old one ends now.
            replaced = await waiver_in_force(
                session, engagement.id, request.check_code, request.line, today
            )
            others = [
                w
                for w in (await live_waivers(session, [engagement.id], today)).get(
                    engagement.id, []
                )
                if (w.check_code, w.line) != (request.check_code, request.line)
            ]
            assert latest is not None
            unwaived = rewaive(
                _unwaive(engine_verdict(latest[0], latest[1]), request.check_code, request.line),
                others,
                window,
            )
            check = _find_check(unwaived, request.check_code, request.line)
            waiver = rules.waive(
                check, reason=reason, expires_on=request.expires_on, by=by, on=today
            )
            check_code, expires_on = waiver.check_code, waiver.expires_on
            details["line"] = waiver.line
            if replaced is not None and replaced.expires_on is not None:
                details["replaces"] = {
                    "decision_id": str(replaced.id),
                    "expires_on": replaced.expires_on.isoformat(),
                    "reason": replaced.reason,
                }
            engine = rewaive(unwaived, [*others, waiver], window)
            if engine.status != engagement.status:
                engagement.status = engine.status
                engagement.status_changed_at = now
        elif request.kind == "pay_hold":
            if engagement.pay_hold:
                raise Conflict("Payments to this sub on this project are already on hold.")
            _need(reason, "Say why payments are held.")
            engagement.pay_hold = True
        elif request.kind == "release":
            if not engagement.pay_hold:
                raise Conflict("There is no pay hold to release.")
            _need(reason, "Say why the hold is released.")
            engagement.pay_hold = False
        elif request.kind == "work_stop":
            if engagement.work_stopped:
                raise Conflict("A work-stop order is already in force.")
            _need(reason, "Say why work stops.")
            lapse = request.lapse_began or engagement.expires_on
            discovered = request.discovered_at or now
            if lapse is not None and lapse > discovered.date():
                raise BadInput(
                    "The lapse cannot begin after it was discovered.", field="lapse_began"
                )
            details.update(
                {
                    "issued_by": details["decided_by"],
                    "lapse_began": lapse.isoformat() if lapse else None,
                    "discovered_at": discovered.isoformat(),
                }
            )
            engagement.work_stopped = True
        elif request.kind == "resume":
            if not engagement.work_stopped:
                raise Conflict("There is no work-stop order to lift.")
            _need(request.evidence.strip(), "Say on what evidence work resumes.", "evidence")
            details.update(await _resume_details(session, actor, engagement, request, now))
            reason = reason or request.evidence.strip()
            engagement.work_stopped = False
    except rules.DecisionError as exc:
        raise BadInput(str(exc)[:1].upper() + str(exc)[1:] + ".") from exc
    decision = Decision(
        id=uuid.uuid4(),
        engagement_id=engagement.id,
        verdict_id=verdict_row.id if verdict_row is not None else None,
        kind=request.kind,
        check_code=check_code,
        reason=reason,
        expires_on=expires_on,
        decided_by_id=actor.person_id,
        details=details,
        # The clock, not the transaction's start: decisions in one transaction stay in order.
        created_at=datetime.now(UTC),
    )
    await integration_events.decision_made(session, engagement, decision)
    session.add(decision)
    await session.flush()
    checks: list[dict[str, Any]] = []
    if engine is not None:
        checks = engine.to_json()["checks"]
    documents: list[DocumentRef] = []
    if verdict_row is not None:
        rested_on = await documents_of_verdicts(session, {engagement.id: verdict_row.id})
        documents = rested_on.get(engagement.id, [])
    facts = decision_snapshot(
        engagement,
        (project, gc, sub),
        latest,
        documents=documents,
        status=engagement.status,
        checks=checks,
        decision=AuditDecision(
            action=request.kind, by=Party(id=str(actor.person_id), name=by), at=now, reason=reason
        ),
        as_of=today,
        extra={
            # Which of the sub's contracts on the project the decision is about.
            "contract": {"ref": engagement.contract_ref, "kind": engagement.contract_kind},
            "decision_id": str(decision.id),
            "verdict_id": str(verdict_row.id) if verdict_row is not None else None,
            "check_code": check_code or None,
            "expires_on": expires_on.isoformat() if expires_on else None,
            "details": details,
        },
    )
    entries = await append_snapshots(session, [facts])
    # The sub and its brokers hear of it at once, with the reason and where to fix it.
    await notify_decision(
        session,
        DecisionFacts(
            decision_id=decision.id,
            kind=request.kind,
            reason=reason,
            engagement_id=engagement.id,
            sub_org_id=sub.id,
            sub_name=sub.legal_name,
            gc_name=gc.legal_name,
            # Names the contract: a sub may hold several on one project.
            project=f"{project.number} {project.name} · {engagement.contract_label}",
            check_code=check_code,
            expires_on=expires_on,
            reasons=reasons_of(details),
        ),
    )
    return DecisionOutcome(
        decision=decision,
        status=engagement.status,
        pay_hold=engagement.pay_hold,
        work_stopped=engagement.work_stopped,
        snapshot_seq=entries[0].seq,
    )


def _need(value: str, message: str, field_name: str = "reason") -> None:
    if not value.strip():
        raise BadInput(message, field=field_name)


async def _resume_details(
    session: AsyncSession,
    actor: Actor,
    engagement: Engagement,
    request: DecisionRequest,
    now: datetime,
) -> dict[str, Any]:
    stop = await ProjectRepository(session).last_decision_of_kind(
        engagement_scope(actor), engagement.id, "work_stop"
    )
    # The engagement was read in the actor's scope, so its sub's record is one it may see.
    revision = await RecordRepository(session).latest_revision(engagement.sub_org_id)
    resumed = request.resumed_at or now
    stop_details = stop.details if stop is not None else {}
    return {
        "work_stop_decision_id": str(stop.id) if stop is not None else None,
        "issued_by": stop_details.get("issued_by"),
        "lapse_began": stop_details.get("lapse_began"),
        "discovered_at": stop_details.get("discovered_at"),
        "work_resumed_at": resumed.isoformat(),
        "evidence": request.evidence.strip(),
        "evidence_revision": (
            {"id": str(revision.id), "number": revision.number} if revision is not None else None
        ),
        "status_at_resume": engagement.status,
    }


async def decisions_of(
    session: AsyncSession, actor: Actor, engagement_id: uuid.UUID
) -> list[Decision]:
    """Every decision on an engagement of the actor's GC, oldest first."""
    require(actor, "project.read")
    # project.read is a GC's roles only, so the actor's scope is its own engagements.
    scope = engagement_scope(actor)
    projects = ProjectRepository(session)
    if await projects.engagement_only(scope, engagement_id) is None:
        # An empty list would confirm nothing but still answer for another GC's engagement.
        raise NotFound("No such engagement in your organisation.")
    return await projects.decisions_on(scope, engagement_id)
