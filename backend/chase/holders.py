"""Renewal certificates per holder.

The renewed policies are one record, shared by every GC; but each GC wants a certificate that
names it as holder, with its project's additional insureds and wording. After a renewal is
confirmed, one request per active engagement says which certificate that engagement needs;
the engagements the renewal's own certificate already serves (its holder is theirs) are
fulfilled by it at once. The sub and its brokers are asked once per renewal, grouped by
holder. Any later read certificate of the sub whose holder is the request's holder fulfils it
and is attached to that engagement (the engine already picks a sub's certificate by holder).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase.repository import (
    active_engagements_of_sub,
    add_holder_requests,
    fulfil_requests,
    open_holder_requests,
    open_requests_locked,
    read_documents_since,
    unplanned_renewals,
)
from backend.db.models import Document, Organisation, Project, RecordRevision
from backend.db.models.holder_request import HolderRequest
from backend.network.actor import Actor
from backend.notify.service import notify_sub_and_brokers
from backend.records.repository import RecordRepository
from backend.requirements.names import normalise_entity_name, same_entity

# Renewals confirmed in this window are planned; an older one was planned when it was new (the
# planner runs every minute), so looking further back only costs a scan.
RENEWAL_LOOKBACK_DAYS: Final = 30
REQUEST_KIND: Final = "holder_certificates"
# A broker often sends the certificates for every holder in one batch, some of them before the
# bookkeeper confirmed the renewal from one of them: a certificate read this close before the
# renewal counts for it; an older one was for the expiring term.
RENEWAL_BATCH_HOURS: Final = 72
OUTSTANDING_PATH: Final = "/certificates-needed"


@dataclass(frozen=True)
class Outstanding:
    request_id: uuid.UUID
    engagement_id: uuid.UUID
    gc_name: str
    project: str
    holder_name: str
    additional_insureds: tuple[str, ...]
    wording: str
    requested_on: str


def holder_of(project: Project, gc: Organisation) -> str:
    return (project.certificate_holder or gc.legal_name).strip()


def wording_for(project: Project, holder: str) -> str:
    """What the certificate must say for this project, for the broker to copy."""
    parts = [f"Certificate holder: {holder}."]
    if project.additional_insureds:
        parts.append(
            "Additional insured (ongoing and completed operations): "
            + "; ".join(project.additional_insureds)
            + "."
        )
    parts.append(f"Description of operations: Project {project.number} {project.name}.")
    return " ".join(parts)


def _document_holder(document: Document | None) -> str | None:
    if document is None or document.read_state != "read":
        return None
    result = document.read_result
    holder = result.get("certificate_holder") if isinstance(result, dict) else None
    name = holder.get("name") if isinstance(holder, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


async def plan_requests(session: AsyncSession, now: datetime | None = None) -> int:
    """Requests for every renewal not planned yet; the sub and its brokers told. How many
    requests were written (a re-run writes none)."""
    now = now or datetime.now(UTC)
    revisions = await unplanned_renewals(session, now - timedelta(days=RENEWAL_LOOKBACK_DAYS))
    written = 0
    for revision in revisions:
        written += await _plan_one(session, revision, now)
    return written


async def _plan_one(session: AsyncSession, revision: RecordRevision, now: datetime) -> int:
    rows = await active_engagements_of_sub(session, revision.sub_org_id)
    if not rows:
        return 0
    source = (
        await RecordRepository(session).document(
            Document.sub_org_id == revision.sub_org_id, revision.source_document_id
        )
        if revision.source_document_id
        else None
    )
    served = _document_holder(source)
    values: list[dict[str, Any]] = []
    asks: dict[str, list[str]] = defaultdict(list)
    for engagement, project, gc in rows:
        holder = holder_of(project, gc)
        done = served is not None and same_entity(served, holder)
        values.append(
            {
                "id": uuid.uuid4(),
                "sub_org_id": revision.sub_org_id,
                "engagement_id": engagement.id,
                "gc_org_id": gc.id,
                "revision_id": revision.id,
                "holder_name": holder[:300],
                "additional_insureds": list(project.additional_insureds or []),
                "wording": wording_for(project, holder),
                "document_id": source.id if done and source is not None else None,
                "fulfilled_at": now if done else None,
            }
        )
        if not done:
            asks[holder].append(wording_for(project, holder))
    written = await add_holder_requests(session, values)
    if written and asks:
        await _ask(session, revision, asks)
    return written


async def _ask(session: AsyncSession, revision: RecordRevision, asks: dict[str, list[str]]) -> None:
    sub = await RecordRepository(session).record_owner(revision.sub_org_id)
    sub_name = sub.legal_name if sub is not None else "the sub"
    lines = [
        f"{sub_name}'s renewal (revision {revision.number}) is one record for every GC, but "
        f"each GC below needs a certificate naming it as holder ({len(asks)} in all):"
    ]
    for holder, wordings in sorted(asks.items()):
        lines.append(f"- For {holder}:")
        lines.extend(f"    {w}" for w in dict.fromkeys(wordings))
    lines.append(f"Upload each one; they are matched by holder. Outstanding: {OUTSTANDING_PATH}")
    body = "\n".join(lines)
    subject = f"Renewal: {len(asks)} certificate{'s' if len(asks) > 1 else ''} per holder needed"
    await notify_sub_and_brokers(
        session,
        revision.sub_org_id,
        sub_name,
        None,
        REQUEST_KIND,
        subject,
        body,
        link=OUTSTANDING_PATH,
        change_key=f"holders:{revision.id}",
        # The outstanding list is a page of the sub's own; a broker starts from its home page.
        broker_link="/",
    )


async def match_uploads(session: AsyncSession, now: datetime | None = None) -> int:
    """Attach each read certificate to the open requests whose holder it names (newest
    document first); how many requests it fulfilled.

    Requests are grouped by sub and by the holder's normalised name, so each document looks
    up only the requests it can fulfil: a national sub's renewal opens one request per
    engagement (100,000 of them), and comparing every document with every request, each
    comparison normalising both names again, held the run's locks for minutes."""
    now = now or datetime.now(UTC)
    open_rows = await open_requests_locked(session)
    if not open_rows:
        return 0
    waiting: dict[tuple[uuid.UUID, str], list[tuple[HolderRequest, datetime]]] = defaultdict(list)
    for request, renewed_at in open_rows:
        key = (request.sub_org_id, normalise_entity_name(request.holder_name))
        waiting[key].append((request, renewed_at - timedelta(hours=RENEWAL_BATCH_HOURS)))
    earliest = min(since for rows in waiting.values() for _, since in rows)
    sub_ids = list({sub_id for sub_id, _ in waiting})
    fulfilled_by: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for document in await read_documents_since(session, sub_ids, earliest):
        holder = _document_holder(document)
        if holder is None:
            continue
        candidates = waiting.get((document.sub_org_id, normalise_entity_name(holder)))
        if not candidates:
            continue
        # Newest document first: a request this one may fulfil is taken now; one asked for
        # after this document arrived waits for a newer one (already passed) or a later run.
        still_waiting = []
        for request, since in candidates:
            if document.created_at >= since:
                fulfilled_by[document.id].append(request.id)
            else:
                still_waiting.append((request, since))
        candidates[:] = still_waiting
    for document_id, request_ids in fulfilled_by.items():
        await fulfil_requests(session, request_ids, document_id, now)
    return sum(len(ids) for ids in fulfilled_by.values())


async def outstanding_for_sub(session: AsyncSession, actor: Actor) -> list[Outstanding]:
    """The acting sub's open requests, by GC and project (its own only)."""
    return [
        Outstanding(
            request_id=request.id,
            engagement_id=request.engagement_id,
            gc_name=gc.legal_name,
            project=f"{project.number} {project.name}",
            holder_name=request.holder_name,
            additional_insureds=tuple(request.additional_insureds or ()),
            wording=request.wording,
            requested_on=request.created_at.date().isoformat(),
        )
        for request, project, gc in await open_holder_requests(session, actor.organisation_id)
    ]
