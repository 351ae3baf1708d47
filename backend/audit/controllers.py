"""The audit log over HTTP: list an engagement's snapshots and download evidence bundles,
including the bundle of the snapshot in effect on a date.

Only the two parties a snapshot is about may read it: the general contractor and the
subcontractor named in the log row. Anyone else gets "not found", so the API does not even
reveal that a snapshot exists.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.canonical import parse_snapshot
from backend.audit.context import AuditContext
from backend.audit.service import (
    bundle_for,
    engagement_snapshots,
    readable_entry,
    readable_in_effect,
)
from backend.config import Settings
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.errors import BadInput, NotFound
from backend.network.actor import Actor

ZIP_MEDIA_TYPE = "application/zip"


class SnapshotView(msgspec.Struct):
    id: uuid.UUID
    leaf_index: int
    kind: str
    as_of: date
    status: str
    decided_by: str
    snapshot_sha256: str
    created_at: datetime


def _slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "-", text.upper()).strip("-")[:40] or "UNKNOWN"


def bundle_filename(entry: AuditLogEntry) -> str:
    """By sub, project and date, the way the field names certificate files."""
    snapshot: dict[str, Any] = parse_snapshot(entry.snapshot)
    sub = _slug(str(snapshot.get("sub", {}).get("name", "")))
    project = _slug(str(snapshot.get("project", {}).get("name", "")))
    return f"SUB-{sub}_PROJECT-{project}_ASOF-{entry.as_of.isoformat()}_AUDIT-{entry.seq}.zip"


async def _bundle_response(
    db: AsyncSession, settings: Settings, entry: AuditLogEntry, documents: bool
) -> Response[bytes]:
    data = await bundle_for(
        db, entry, AuditContext.from_settings(settings), include_documents=documents
    )
    return Response(
        data,
        media_type=ZIP_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{bundle_filename(entry)}"'},
    )


class AuditController(Controller):
    path = "/api/v1/audit"

    @get("/engagements/{engagement_id:uuid}/snapshots")
    async def snapshots(
        self, actor: Actor, db: AsyncSession, engagement_id: uuid.UUID
    ) -> list[SnapshotView]:
        views = []
        for entry in await engagement_snapshots(db, actor, engagement_id):
            snapshot = parse_snapshot(entry.snapshot)
            views.append(
                SnapshotView(
                    id=entry.id,
                    leaf_index=entry.seq,
                    kind=entry.kind,
                    as_of=entry.as_of,
                    status=str(snapshot.get("status", "")),
                    decided_by=str(snapshot.get("decision", {}).get("by", {}).get("name", "")),
                    snapshot_sha256=entry.snapshot_sha256.hex(),
                    created_at=entry.created_at,
                )
            )
        return views

    @get("/snapshots/{reference:str}/bundle", media_type=ZIP_MEDIA_TYPE)
    async def bundle(
        self,
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        reference: str,
        documents: bool = True,
    ) -> Response[bytes]:
        entry = await readable_entry(db, actor, reference)
        return await _bundle_response(db, settings, entry, documents)

    @get("/in-effect", media_type=ZIP_MEDIA_TYPE)
    async def in_effect(
        self,
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        project_id: uuid.UUID,
        sub_id: uuid.UUID,
        on: date,
        documents: bool = True,
    ) -> Response[bytes]:
        if on > date.today():
            raise BadInput("The date must not be in the future.", field="on")
        entry = await readable_in_effect(db, actor, project_id, sub_id, on)
        if entry is None:
            raise NotFound("No snapshot was in effect for that sub on that project on that date.")
        return await _bundle_response(db, settings, entry, documents)
