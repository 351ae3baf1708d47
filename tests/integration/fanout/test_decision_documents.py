"""A decision's snapshot lists the documents of the verdict it was taken on, so its evidence
bundle alone shows what the GC (or the sweep) decided on."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.projects.sweep import run_sweep
from backend.records.schemas import RecordChange
from backend.records.service import RecordService
from backend.records.store import make_store
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.helpers import (
    bookkeeper,
    confirm,
    endorsements,
    engage_on_project,
    terms,
)
from tests.integration.fanout.test_fanout import event_of, ready_sub
from workers.fanout import run_fan_out

TODAY = date.today()


async def snapshots_of(db: AsyncSession, engagement_id: uuid.UUID) -> list[tuple[str, Any]]:
    query = (
        select(AuditLogEntry.kind, AuditLogEntry.snapshot)
        .where(AuditLogEntry.engagement_id == engagement_id)
        .order_by(AuditLogEntry.seq)
    )
    return [(kind, json.loads(body)) for kind, body in (await db.execute(query)).all()]


async def test_decisions_and_automatic_holds_carry_the_verdicts_documents(
    db: AsyncSession, session_factory: Any, settings: Settings, client: AsyncClient
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    store = make_store(settings)
    service = RecordService(db, store, 10_000_000)
    upload = await service.upload(
        await bookkeeper(db, sub), sub.id, "acord25-2026.pdf", "application/pdf", b"%PDF-1.7 a"
    )
    ends = TODAY + timedelta(days=20)
    change = RecordChange(
        kind="initial",
        terms=terms(ends - timedelta(days=365)),
        endorsements=endorsements(),
        source_document_id=upload.document.id,
    )
    revision = await confirm(db, store, sub, change)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)

    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    approved = await client.post(
        f"/api/v1/engagements/{engagement.id}/decisions",
        json={"kind": "approve", "reason": "Read and accepted"},
        headers={"x-csrf-token": csrf},
    )
    assert approved.status_code == 201, approved.text
    assert (await run_sweep(db, ends)).pay_holds == 1

    snapshots = await snapshots_of(db, engagement.id)
    assert [kind for kind, _ in snapshots] == ["verdict", "approve", "pay_hold"]
    verdict_documents = snapshots[0][1]["record"]["documents"]
    assert upload.document.sha256 in [d["sha256"] for d in verdict_documents]
    for kind, body in snapshots[1:]:
        assert body["record"]["documents"] == verdict_documents, kind
