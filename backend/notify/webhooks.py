"""Integration events: what happened, written to the outbox in the transaction that made it
happen, so an event exists exactly when its change was committed. The worker turns each into
signed webhook deliveries (backend.notify.webhooks_delivery) and Procore write-backs.

Payloads are thin: ids and a link to the API resource; a receiver reads the rest through the
API with its own token, so a payload never carries more than its endpoint's owner may read.

Who hears what: events about an engagement go to its GC; `deficiency.*` also to the sub (it
has to act); `revision.confirmed` and `document.read` to the sub and every GC engaging it
(which may read the sub's record and documents through the API). An organisation without an
enabled endpoint or an integration gets no outbox row at all, so a fan-out over many
engagements costs nothing extra for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, OutboxEvent
from backend.notify.repository import EventAudienceRepository
from backend.notify.verdict_change import VerdictChange

if TYPE_CHECKING:
    from backend.db.models import Decision, Document, RecordRevision

INTEGRATION_EVENT: Final = "integration.event"
EVENT_TYPES: Final = (
    "engagement.status_changed",
    "decision.made",
    "hold.placed",
    "hold.released",
    "work_stop.ordered",
    "work_stop.lifted",
    "revision.confirmed",
    "document.read",
    "deficiency.opened",
    "deficiency.cleared",
)
# Statuses in which the sub has something to fix (the notices use the same set).
DEFICIENT: Final = frozenset({"non_compliant", "incomplete", "expired"})
DECISION_EVENTS: Final = {
    "pay_hold": "hold.placed",
    "release": "hold.released",
    "work_stop": "work_stop.ordered",
    "resume": "work_stop.lifted",
}


async def listening(session: AsyncSession, organisation_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The organisations some consumer of integration events serves (see the repository)."""
    ids = set(organisation_ids)
    if not ids:
        return set()
    return await EventAudienceRepository(session).listening(ids)


def event_row(
    event_type: str,
    organisations: Sequence[uuid.UUID],
    data: Mapping[str, Any],
    sub_org_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """One event; its id becomes the webhook-id of every delivery of it."""
    assert event_type in EVENT_TYPES
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "organisations": sorted(str(o) for o in organisations),
        "occurred_at": datetime.now(UTC).isoformat(),
        "sub_org_id": str(sub_org_id) if sub_org_id else None,
        "data": dict(data),
    }


async def _write(session: AsyncSession, events: list[dict[str, Any]]) -> int:
    """All the events of one change in ONE outbox row: a fan-out's thousand status changes are
    relayed and dispatched as one job, not a thousand."""
    if not events:
        return 0
    subs = {e["sub_org_id"] for e in events}
    only_sub = subs.pop() if len(subs) == 1 else None
    session.add(
        OutboxEvent(
            id=uuid.uuid4(),
            kind=INTEGRATION_EVENT,
            sub_org_id=uuid.UUID(only_sub) if only_sub else None,
            attempts=0,
            payload={"events": events},
        )
    )
    return len(events)


def engagement_data(
    engagement_id: uuid.UUID, project_id: uuid.UUID, sub_org_id: uuid.UUID, **more: str
) -> dict[str, str]:
    return {
        "engagement_id": str(engagement_id),
        "project_id": str(project_id),
        "sub_org_id": str(sub_org_id),
        **more,
        "link": f"/api/v1/engagements/{engagement_id}",
    }


def status_events(previous: str, status: str) -> list[str]:
    if previous == status:
        return []
    events = ["engagement.status_changed"]
    if status in DEFICIENT and previous not in DEFICIENT:
        events.append("deficiency.opened")
    elif previous in DEFICIENT and status not in DEFICIENT and status != "pending":
        events.append("deficiency.cleared")
    return events


def _rows_for_engagement(
    events: Iterable[str],
    gc_org_id: uuid.UUID,
    sub_org_id: uuid.UUID,
    data: Mapping[str, Any],
    listeners: set[uuid.UUID],
) -> list[dict[str, Any]]:
    rows = []
    for event_type in events:
        audience = [gc_org_id] + ([sub_org_id] if event_type.startswith("deficiency.") else [])
        heard = [org for org in audience if org in listeners]
        if heard:
            rows.append(event_row(event_type, heard, data, sub_org_id))
    return rows


async def decision_made(session: AsyncSession, engagement: Engagement, decision: Decision) -> int:
    """Called before the decision is flushed: the engagement's unflushed status change is
    read from the ORM's attribute history."""
    listeners = await listening(session, (engagement.gc_org_id, engagement.sub_org_id))
    if not listeners:
        return 0
    history = inspect(engagement).attrs.status.history
    previous = history.deleted[0] if history.deleted else engagement.status
    events = ["decision.made", *status_events(str(previous), engagement.status)]
    if decision.kind in DECISION_EVENTS:
        events.append(DECISION_EVENTS[decision.kind])
    data = engagement_data(
        engagement.id, engagement.project_id, engagement.sub_org_id, decision_id=str(decision.id)
    )
    rows = _rows_for_engagement(
        events, engagement.gc_org_id, engagement.sub_org_id, data, listeners
    )
    return await _write(session, rows)


async def verdicts_stored(session: AsyncSession, changes: Sequence[VerdictChange]) -> int:
    """New verdicts of a fan-out or a single verification: status changes, deficiencies, and
    automatic hold releases."""
    moved = [c for c in changes if c.status_changed or c.pay_hold_released]
    if not moved:
        return 0
    listeners = await listening(
        session, {c.gc_org_id for c in moved} | {c.sub_org_id for c in moved}
    )
    rows: list[dict[str, Any]] = []
    for change in moved:
        events = status_events(change.previous_status, change.status)
        if change.pay_hold_released:
            events.append("hold.released")
        data = engagement_data(change.engagement_id, change.project_id, change.sub_org_id)
        rows += _rows_for_engagement(events, change.gc_org_id, change.sub_org_id, data, listeners)
    return await _write(session, rows)


async def sweep_changed(
    session: AsyncSession, due: Sequence[tuple[Any, ...]], updates: Sequence[Mapping[str, Any]]
) -> int:
    """The expiry sweep's changes, before they are written: `due` holds the engagements as
    they were, `updates` what the sweep sets (status, pay_hold)."""
    before = {row[0].id: row[0] for row in due}
    moved = [(before[u["id"]], u) for u in updates if u["id"] in before]
    listeners = await listening(
        session, {e.gc_org_id for e, _ in moved} | {e.sub_org_id for e, _ in moved}
    )
    rows: list[dict[str, Any]] = []
    for engagement, update in moved:
        events = status_events(engagement.status, str(update["status"]))
        if update.get("pay_hold") and not engagement.pay_hold:
            events.append("hold.placed")
        data = engagement_data(engagement.id, engagement.project_id, engagement.sub_org_id)
        rows += _rows_for_engagement(
            events, engagement.gc_org_id, engagement.sub_org_id, data, listeners
        )
    return await _write(session, rows)


async def revision_confirmed(session: AsyncSession, revision: RecordRevision) -> int:
    engaged = await EventAudienceRepository(session).gcs_engaging(revision.sub_org_id)
    audience = {revision.sub_org_id, *engaged}
    heard = await listening(session, audience)
    if not heard:
        return 0
    data = {
        "sub_org_id": str(revision.sub_org_id),
        "revision_id": str(revision.id),
        "link": f"/api/v1/subs/{revision.sub_org_id}/record",
    }
    return await _write(
        session, [event_row("revision.confirmed", sorted(heard), data, revision.sub_org_id)]
    )


async def documents_read(session: AsyncSession, documents: Iterable[Document]) -> int:
    """Each read document, to its sub and to every GC engaging that sub (a GC may read an
    engaged sub's documents through the API, as it hears of its confirmed revisions)."""
    documents = list(documents)
    audiences: dict[uuid.UUID, set[uuid.UUID]] = {}
    for sub_org_id in {d.sub_org_id for d in documents}:
        engaged = await EventAudienceRepository(session).gcs_engaging(sub_org_id)
        audiences[sub_org_id] = {sub_org_id, *engaged}
    heard = await listening(session, set().union(*audiences.values()))
    rows = [
        event_row(
            "document.read",
            sorted(audiences[d.sub_org_id] & heard),
            {
                "document_id": str(d.id),
                "sub_org_id": str(d.sub_org_id),
                "link": f"/api/v1/documents/{d.id}",
            },
            d.sub_org_id,
        )
        for d in documents
        if audiences[d.sub_org_id] & heard
    ]
    return await _write(session, rows)
