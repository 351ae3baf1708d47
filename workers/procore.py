"""Procore jobs: write back engagements whose status changed (gathered per GC for a few seconds
so a fan-out over many engagements becomes a few batch requests), reconcile nightly and on
demand (commitments read again first, then every record written), and act on Procore's
webhooks by reading the resource again (an insurance: repair drift; a commitment: import its
project's commitments again)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from typing import Any, Final

from backend.integrations.procore.commitments import (
    import_by_procore_project,
    import_for,
    is_commitment,
)
from backend.integrations.procore.connection import (
    connected_among,
    gcs_to_reconcile,
    hook_connection,
)
from backend.integrations.procore.inbound import reread
from backend.integrations.procore.push_queue import ALL, dirty_key, queue_push
from backend.integrations.procore.writeback import push
from backend.notify.outbox import queued_event

log = logging.getLogger("coinet.procore")

RECONCILE_HOUR_UTC: Final = 3  # nightly, after the expiry sweep's hour
WRITE_BACK_EVENTS: Final = frozenset({"engagement.status_changed", "deficiency.opened"})


async def procore_on_event(ctx: dict[str, Any], event_id: str) -> None:
    """The Procore side of integration events: status changes mark their engagements for
    writing, gathered per GC into one push."""
    factory = ctx["session_factory"]
    async with factory() as session:
        outbox = await queued_event(session, uuid.UUID(event_id))
        if outbox is None:
            return
        wanted: dict[uuid.UUID, set[str]] = {}
        for event in outbox.payload.get("events", []):
            if event.get("type") not in WRITE_BACK_EVENTS:
                continue
            for organisation in event.get("organisations", []):
                wanted.setdefault(uuid.UUID(organisation), set()).add(
                    str(event["data"].get("engagement_id", ""))
                )
        if not wanted:
            return
        connected = await connected_among(session, list(wanted))
        for organisation_id in connected:
            await queue_push(ctx["redis"], str(organisation_id), sorted(wanted[organisation_id]))


async def procore_push(ctx: dict[str, Any], organisation_id: str) -> dict[str, Any]:
    redis = ctx["redis"]
    key = dirty_key(organisation_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.smembers(key)
        pipe.delete(key)
        members, _ = await pipe.execute()
    names = {m.decode() if isinstance(m, bytes) else m for m in members}
    if not names:
        return {}
    ids = None if ALL in names else [uuid.UUID(m) for m in names]
    try:
        report = await push(
            ctx["session_factory"], ctx["settings"], uuid.UUID(organisation_id), ids
        )
    except Exception:
        # Put them back: the next push (or the nightly reconciliation) writes them.
        await redis.sadd(key, *names)
        raise
    return asdict(report)


async def procore_reconcile(
    ctx: dict[str, Any], organisation_id: str | None = None
) -> dict[str, Any]:
    """Write every linked engagement again (idempotent by origin_id), repairing any drift."""
    factory = ctx["session_factory"]
    async with factory() as session:
        organisations = await gcs_to_reconcile(
            session, None if organisation_id is None else uuid.UUID(organisation_id)
        )
    reports = {}
    for org in organisations:
        try:
            # New or changed subcontracts first, so the write below covers them too.
            await import_commitments_of(ctx, org)
        except Exception as exc:  # the insurances are still worth writing
            log.warning("Procore commitment import of %s failed: %s", org, exc)
        try:
            reports[str(org)] = asdict(await push(factory, ctx["settings"], org, None, force=True))
        except Exception as exc:  # one GC's failure must not stop the others' reconciliation
            log.warning("Procore reconciliation of %s failed: %s", org, exc)
            reports[str(org)] = {"error": str(exc)[:300]}
    return reports


async def procore_nightly(ctx: dict[str, Any]) -> dict[str, Any]:
    return await procore_reconcile(ctx, None)


async def import_commitments_of(
    ctx: dict[str, Any], organisation_id: uuid.UUID, procore_project_id: int | None = None
) -> dict[str, Any]:
    """Read commitments again (one Procore project, or every linked one) and write the
    engagements that appeared to Procore."""
    factory, settings = ctx["session_factory"], ctx["settings"]
    async with factory() as session, session.begin():
        if procore_project_id is None:
            report = await import_for(session, settings, organisation_id)
        else:
            found = await import_by_procore_project(
                session, settings, organisation_id, procore_project_id
            )
            if found is None:
                return {"ignored": f"Procore project {procore_project_id} is not linked"}
            report = found
    if report.engagement_ids:
        await push(factory, settings, organisation_id, report.engagement_ids)
    return {
        "read": report.read,
        "created": report.created,
        "attached": report.attached,
        "updated": report.updated,
        "skipped": len(report.skipped),
    }


async def procore_hook(ctx: dict[str, Any], connection_id: str, event: dict[str, Any]) -> str:
    if is_commitment(str(event.get("resource_name", ""))):
        # A subcontract or purchase order changed: read that project's commitments again.
        async with ctx["session_factory"]() as session:
            connection = await hook_connection(session, uuid.UUID(connection_id))
        project = event.get("project_id")
        if connection is None or connection.revoked_at is not None:
            return "ignored: no active connection"
        if not isinstance(project, int):
            return "ignored: a commitment event names no project"
        imported = await import_commitments_of(ctx, connection.organisation_id, project)
        return f"commitments read again: {imported}"
    outcome, organisation_id, engagement_ids = await reread(
        ctx["session_factory"], ctx["settings"], uuid.UUID(connection_id), event
    )
    if organisation_id is not None and engagement_ids:
        # Forced: what Procore shows differs from what we last wrote, whatever our digest says.
        await push(
            ctx["session_factory"], ctx["settings"], organisation_id, engagement_ids, force=True
        )
    return outcome
