"""Decisions over HTTP: /api/v1/engagements/{id}/decisions (JSON). The HTML pages call
backend.projects.decisions.decide directly."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Decision
from backend.network.actor import Actor
from backend.projects.decisions import (
    DecisionRequest,
    decide,
    decision_as_stored,
    decisions_of,
)
from backend.web_security.bounds import LongText, ReasonList, Text32, Text80


class DecisionInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: Annotated[
        Text32,
        msgspec.Meta(
            description="approve, reject, waive, pay_hold, release, work_stop or resume",
            examples=["pay_hold"],
        ),
    ]
    reason: Annotated[LongText, msgspec.Meta(examples=["Lien waiver for May missing"])] = ""
    reasons: ReasonList = msgspec.field(default_factory=list)
    check_code: Text80 | None = None
    line: Text32 | None = None
    expires_on: date | None = None
    lapse_began: date | None = None
    discovered_at: datetime | None = None
    resumed_at: datetime | None = None
    evidence: LongText = ""


class DecisionView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    engagement_id: uuid.UUID
    kind: str
    check_code: str
    reason: str
    expires_on: date | None
    decided_by_id: uuid.UUID
    created_at: datetime
    details: dict[str, Any]


class DecisionResult(msgspec.Struct, kw_only=True):
    decision: DecisionView
    status: str
    pay_hold: bool
    work_stopped: bool
    snapshot_seq: int


def decision_view(decision: Decision) -> DecisionView:
    return DecisionView(
        id=decision.id,
        engagement_id=decision.engagement_id,
        kind=decision.kind,
        check_code=decision.check_code,
        reason=decision.reason,
        expires_on=decision.expires_on,
        decided_by_id=decision.decided_by_id,
        created_at=decision.created_at or datetime.now(UTC),
        details=dict(decision.details or {}),
    )


class DecisionController(Controller):
    path = "/api/v1/engagements/{engagement_id:uuid}/decisions"

    @get("/")
    async def list_decisions(
        self, actor: Actor, db: AsyncSession, engagement_id: uuid.UUID
    ) -> list[DecisionView]:
        return [decision_view(d) for d in await decisions_of(db, actor, engagement_id)]

    @post("/", status_code=201)
    async def make_decision(
        self, actor: Actor, db: AsyncSession, engagement_id: uuid.UUID, data: DecisionInput
    ) -> DecisionResult:
        outcome = await decide(
            db,
            actor,
            engagement_id,
            DecisionRequest(
                kind=data.kind,
                reason=data.reason,
                reasons=tuple(data.reasons),
                check_code=data.check_code,
                line=data.line,
                expires_on=data.expires_on,
                lapse_began=data.lapse_began,
                discovered_at=data.discovered_at,
                resumed_at=data.resumed_at,
                evidence=data.evidence,
            ),
            datetime.now(UTC).date(),
        )
        return DecisionResult(
            decision=decision_view(await decision_as_stored(db, outcome.decision)),
            status=outcome.status,
            pay_hold=outcome.pay_hold,
            work_stopped=outcome.work_stopped,
            snapshot_seq=outcome.snapshot_seq,
        )
