"""The engagement page: the verdict with each check's expected and found values and the spot
on the certificate it was read from; the decisions (approve, reject, waive with a reason, pay
hold, work-stop) and the signed snapshots they produced, each downloadable as a bundle."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.canonical import parse_snapshot
from backend.audit.evidence_documents import SnapshotDocument, engagement_documents
from backend.audit.service import engagement_snapshots
from backend.config import Settings
from backend.db.models import (
    Document,
    Engagement,
    Verdict,
)
from backend.errors import DomainError, NotFound
from backend.network.access import allowed, require
from backend.network.actor import Actor
from backend.network.company import CompanyService
from backend.notify.decision_notices import check_in_words
from backend.projects.decisions import DecisionRequest, decide, engine_verdict
from backend.projects.engagement_messages import REPLY, post_message, remind_sub
from backend.projects.engine_input import expiring_window_days
from backend.projects.service import ProjectService
from backend.projects.sweep import latest_verdicts
from backend.projects.verify_service import live_waivers
from backend.records.page_images import page_sizes
from backend.records.service import RecordService
from backend.verification.verdict import rewaive
from backend.web.common import page
from backend.web.forms import FormData, optional_date, read_form, text
from backend.web.page_image import box_for
from backend.web.typed_by_hand import typed_for_engagement, typed_in_check, typed_values

OUTCOME_ORDER: Final = {"fail": 0, "unknown": 1, "waived": 2, "pass": 3}
DECISION_LABEL: Final = {
    "approve": "Approved",
    "reject": "Rejected",
    "waive": "Waived a check",
    "pay_hold": "Pay hold placed",
    "release": "Pay hold released",
    "work_stop": "Work-stop order",
    "resume": "Work resumed",
}


async def latest_verdict(
    db: AsyncSession, actor: Actor, engagement_id: uuid.UUID
) -> Verdict | None:
    return await ProjectService(db).newest_verdict(actor, engagement_id)


def sorted_checks(verdict: Verdict | None) -> list[dict[str, Any]]:
    if verdict is None:
        return []
    checks = [dict(c, index=i) for i, c in enumerate(verdict.checks)]
    return sorted(checks, key=lambda c: (OUTCOME_ORDER.get(str(c.get("outcome")), 9), c["index"]))


async def _documents_by_hash(
    db: AsyncSession,
    records: RecordService,
    actor: Actor,
    engagement_id: uuid.UUID,
    sub_org_id: uuid.UUID,
    checks: list[dict[str, Any]],
) -> dict[str, Document | SnapshotDocument]:
    """The documents the checks rest on, by hash: from the live record while the actor may
    read it, else (an ended engagement) as the engagement's audit snapshots name them."""
    hashes = {
        str(c["evidence"]["document"])
        for c in checks
        if isinstance(c.get("evidence"), dict) and c["evidence"].get("document")
    }
    found: dict[str, Document | SnapshotDocument] = dict(
        await records.documents_by_hash(actor, sub_org_id, hashes)
    )
    missing = hashes - found.keys()
    if missing:
        found.update(await engagement_documents(db, actor, engagement_id, missing))
    return found


class EngagementPagesController(Controller):
    include_in_schema = False

    @get("/engagements/{engagement_id:uuid}")
    async def engagement_page(
        self,
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
        records: RecordService,
        engagement_id: uuid.UUID,
        reminded: int = 0,
    ) -> Template:
        response = await engagement_page(db, actor, projects, records, engagement_id, None, None)
        response.context["reminded"] = bool(reminded)
        return response

    @get("/engagements/{engagement_id:uuid}/evidence/{index:int}")
    async def evidence(
        self,
        actor: Actor,
        db: AsyncSession,
        records: RecordService,
        projects: ProjectService,
        settings: Settings,
        engagement_id: uuid.UUID,
        index: int,
    ) -> Template:
        row = await projects.engagement(actor, engagement_id, date.today())
        verdict = await latest_verdict(db, actor, engagement_id)
        if verdict is None or not 0 <= index < len(verdict.checks):
            raise NotFound("No such check in the latest verdict.")
        check = verdict.checks[index]
        evidence = check.get("evidence") or {}
        documents = await _documents_by_hash(db, records, actor, row.id, row.sub_org_id, [check])
        document = documents.get(str(evidence.get("document")))
        if document is None:
            raise NotFound("This check does not rest on a stored document.")
        if isinstance(document, SnapshotDocument):
            # The engagement ended: the document as the audit snapshot names it.
            download_url, page_base = document.download_url, document.page_base
        else:
            await records.readable_document(actor, document.id)
            download_url = f"/api/v1/documents/{document.id}"
            page_base = f"/documents/{document.id}/pages/"
        sizes = page_sizes(records.store, document.sha256)
        box = box_for(evidence.get("page"), evidence.get("bbox"), sizes)
        return await page(
            db,
            actor,
            "gc/evidence.html",
            row=row,
            check=check,
            document=document,
            download_url=download_url,
            page_base=page_base,
            sizes=sizes,
            box=box,
            page_number=evidence.get("page") if isinstance(evidence.get("page"), int) else 1,
            typed=typed_in_check(check, await typed_values(records, actor, row.sub_org_id)),
        )

    @post("/engagements/{engagement_id:uuid}/remind")
    async def remind(self, actor: Actor, db: AsyncSession, engagement_id: uuid.UUID) -> Redirect:
        """Remind the sub and its brokers of what is still missing: one notice per person per
        day, however often the button is pressed."""
        require(actor, "engagement.decide")
        engagement = await ProjectService(db).gc_engagement(actor, engagement_id)
        verdict = await latest_verdict(db, actor, engagement_id)
        gaps = [
            str(c.get("message") or c.get("code"))
            for c in (verdict.checks if verdict else [])
            if c.get("outcome") in ("fail", "unknown")
        ]
        await remind_sub(db, actor, engagement, gaps)
        return Redirect(path=f"/engagements/{engagement_id}?reminded=1#decisions")

    @post("/engagements/{engagement_id:uuid}/messages")
    async def reply(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
        records: RecordService,
        engagement_id: uuid.UUID,
    ) -> Response[Any]:
        """The GC answers a dispute; the answer is kept with the engagement and the sub told."""
        require(actor, "engagement.decide")
        form = await read_form(request)
        engagement = await projects.gc_engagement(actor, engagement_id)
        try:
            async with db.begin_nested():
                await post_message(
                    db, actor, engagement, REPLY, text(form, "check_code"), text(form, "message")
                )
        except DomainError as exc:
            return await engagement_page(db, actor, projects, records, engagement_id, exc, form)
        return Redirect(path=f"/engagements/{engagement_id}#messages")

    @post("/engagements/{engagement_id:uuid}/decisions")
    async def decide(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
        records: RecordService,
        engagement_id: uuid.UUID,
    ) -> Response[Any]:
        require(actor, "engagement.decide")
        form = await read_form(request)
        await projects.engagement(actor, engagement_id, date.today())
        try:
            async with db.begin_nested():
                await record_decision(db, actor, engagement_id, form)
        except DomainError as exc:
            return await engagement_page(db, actor, projects, records, engagement_id, exc, form)
        return Redirect(path=f"/engagements/{engagement_id}#decisions")


async def record_decision(
    db: AsyncSession, actor: Actor, engagement_id: uuid.UUID, form: FormData
) -> None:
    check_code, _, line = text(form, "check_code").partition("|")
    discovered = optional_date(form, "discovered", "Lapse discovered on")
    await decide(
        db,
        actor,
        engagement_id,
        DecisionRequest(
            kind=text(form, "kind"),
            reason=text(form, "reason"),
            check_code=check_code or None,
            line=line or None,
            expires_on=optional_date(form, "expires_on", "Waiver ends on"),
            lapse_began=optional_date(form, "lapse_began", "Lapse began on"),
            discovered_at=datetime.combine(discovered, time(12), UTC) if discovered else None,
            evidence=text(form, "evidence"),
        ),
        date.today(),
    )


async def with_live_waivers(
    db: AsyncSession, engagement: Engagement, verdict: Verdict, label: str, window_days: int
) -> tuple[str, list[dict[str, Any]]]:
    """The stored verdict as it stands today: waivers granted since it was made applied by
    the engine's own rules. Stored check order is kept, so evidence links stay valid."""
    waivers = (await live_waivers(db, [engagement.id], date.today())).get(engagement.id, [])
    current = rewaive(engine_verdict(verdict, label), waivers, window_days)
    checks = []
    for index, (stored, check) in enumerate(zip(verdict.checks, current.checks, strict=True)):
        item = dict(stored, index=index, outcome=check.outcome)
        if check.waiver is not None:
            item["waiver"] = {
                "reason": check.waiver.reason,
                "expires_on": check.waiver.expires_on.isoformat(),
                "by": check.waiver.by,
            }
        checks.append(item)
    checks.sort(key=lambda c: (OUTCOME_ORDER.get(str(c.get("outcome")), 9), c["index"]))
    return current.status, checks


def approve_blocked(verdict: Verdict | None, checks: list[dict[str, Any]]) -> str:
    """Why Approve cannot succeed now, said before anyone presses it ("" when it can)."""
    if verdict is None:
        return "No verdict yet: the sub's record has not been checked."
    open_blocking = [
        c
        for c in checks
        if c.get("severity") == "blocking" and c.get("outcome") in ("fail", "unknown")
    ]
    if not open_blocking:
        return ""
    names = ", ".join(str(c.get("code")) for c in open_blocking)
    return (
        f"{len(open_blocking)} blocking check{'' if len(open_blocking) == 1 else 's'} still "
        f"open ({names}): waive each with a reason, or wait for a certificate that meets it."
    )


async def engagement_page(
    db: AsyncSession,
    actor: Actor,
    projects: ProjectService,
    records: RecordService,
    engagement_id: uuid.UUID,
    error: DomainError | None,
    form: FormData | None,
) -> Template:
    row = await projects.engagement(actor, engagement_id, date.today())
    engagement, project, _ = await projects.engagement_parties(actor, engagement_id)
    verdict = await latest_verdict(db, actor, engagement_id)
    checks = sorted_checks(verdict)
    status_now = verdict.status if verdict else None
    if verdict is not None:
        labelled = (await latest_verdicts(db, [engagement.id])).get(engagement.id)
        if labelled is not None and labelled[0].id == verdict.id:
            gc = (await projects.engagement_sides(actor, engagement_id)).gc
            window = expiring_window_days(gc.settings)
            status_now, checks = await with_live_waivers(
                db, engagement, verdict, labelled[1], window
            )
    documents = await _documents_by_hash(
        db, records, actor, engagement.id, engagement.sub_org_id, checks
    )
    typed = await typed_values(records, actor, engagement.sub_org_id)
    for check in checks:
        check["typed_by_hand"] = typed_in_check(check, typed)
    requirement, decisions, messages = await projects.engagement_history(actor, engagement_id)
    snapshots = []
    for entry in await engagement_snapshots(db, actor, engagement_id):
        snapshot = parse_snapshot(entry.snapshot)
        decision = snapshot.get("decision") or {}
        snapshots.append(
            {
                "entry": entry,
                "status": snapshot.get("status", ""),
                "by": (decision.get("by") or {}).get("name", ""),
                "reason": decision.get("reason", ""),
                "sha256": entry.snapshot_sha256.hex(),
            }
        )
    return await page(
        db,
        actor,
        "gc/engagement.html",
        row=row,
        engagement=engagement,
        project=project,
        verdict=verdict,
        status_now=status_now,
        checks=checks,
        documents=documents,
        requirement=requirement,
        decisions=decisions,
        decision_label=DECISION_LABEL,
        check_words=check_in_words,
        snapshots=snapshots,
        typed=typed_for_engagement(typed, checks),
        namesake=await CompanyService(db).sub_has_namesake(engagement.sub_org_id),
        messages=messages,
        # A waived check is offered too: a new waiver extends or replaces the one in force.
        waivable=[
            c
            for c in checks
            if c.get("waivable") and c.get("outcome") in ("fail", "unknown", "waived")
        ],
        may_decide=actor.is_gc and allowed(actor, "engagement.decide"),
        approve_blocked=approve_blocked(verdict, checks),
        error=error,
        form=form or {},
    )
