"""The documents a decision rests on: those of the verdict it was taken on.

A decision (approve, reject, waive, hold, an automatic pay hold) is judged against the latest
verdict, and that verdict's snapshot already lists, by SHA-256, the documents the record rested
on. The decision's snapshot repeats that list so that its evidence bundle carries the same
documents and an auditor needs no second bundle to see what was decided on.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.canonical import DocumentRef
from backend.audit.repository import AuditRepository


async def documents_of_verdicts(
    session: AsyncSession, verdict_of_engagement: Mapping[uuid.UUID, uuid.UUID]
) -> dict[uuid.UUID, list[DocumentRef]]:
    """engagement id -> the documents listed in the snapshot of the verdict named for it.

    Engagements whose verdict has no snapshot (none should) map to no documents.
    """
    if not verdict_of_engagement:
        return {}
    rows = await AuditRepository(session).verdict_snapshots(
        verdict_of_engagement.keys(), verdict_of_engagement.values()
    )
    found: dict[uuid.UUID, list[DocumentRef]] = {}
    for engagement_id, snapshot in rows:
        body = json.loads(snapshot)
        if body.get("extra", {}).get("verdict_id") != str(verdict_of_engagement[engagement_id]):
            continue  # another engagement's verdict id in the same batch
        found[engagement_id] = [
            DocumentRef(
                sha256=str(item["sha256"]),
                name=str(item.get("name", "")),
                kind=str(item.get("kind", "")),
            )
            for item in body.get("record", {}).get("documents", [])
        ]
    return found
