"""Evidence for people, not only for machines: the signed PDF report of a snapshot on its own
(made and signed as the bundle's report.pdf is, each download signed afresh), and "what was in
effect on a date" as a page that says in words when nothing was, with the bundle one click away
when something was."""

from __future__ import annotations

import asyncio
import io
import uuid
import zipfile
from datetime import date
from typing import Any

from litestar import Controller, Response, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.bundle import REPORT
from backend.audit.canonical import parse_snapshot
from backend.audit.context import AuditContext
from backend.audit.controllers import bundle_filename
from backend.audit.evidence_documents import snapshot_document
from backend.audit.service import bundle_for, readable_entry, readable_in_effect
from backend.config import Settings
from backend.errors import NotFound
from backend.network.actor import Actor
from backend.projects.service import ProjectService
from backend.records.controllers import attachment
from backend.records.page_images import page_png
from backend.records.store import DocumentStore
from backend.web.common import page


class EvidencePagesController(Controller):
    include_in_schema = False

    @get("/snapshots/{reference:str}/report.pdf", media_type="application/pdf")
    async def report_pdf(
        self, actor: Actor, db: AsyncSession, settings: Settings, reference: str
    ) -> Response[bytes]:
        """The PAdES-signed report of one snapshot, as its bundle carries it."""
        entry = await readable_entry(db, actor, reference)
        bundle = await bundle_for(
            db, entry, AuditContext.from_settings(settings), include_documents=False
        )
        with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
            pdf = archive.read(REPORT)
        name = bundle_filename(entry).removesuffix(".zip") + ".pdf"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get("/snapshots/{reference:str}/documents/{sha256:str}")
    async def snapshot_document(
        self,
        actor: Actor,
        db: AsyncSession,
        store: DocumentStore,
        reference: str,
        sha256: str,
    ) -> Response[bytes]:
        """A document the snapshot names, by its hash, to the snapshot's parties: the evidence
        of an engagement that has ended (the live record is closed to the GC by then)."""
        named = await snapshot_document(db, actor, reference, sha256)
        if not await asyncio.to_thread(store.exists, named.sha256):
            raise NotFound("The document's bytes are not in the store.")
        content = await asyncio.to_thread(store.get, named.sha256)
        return attachment(content, named.filename)

    @get("/snapshots/{reference:str}/documents/{sha256:str}/pages/{page_number:int}")
    async def snapshot_document_page(
        self,
        actor: Actor,
        db: AsyncSession,
        store: DocumentStore,
        reference: str,
        sha256: str,
        page_number: int,
    ) -> Response[bytes]:
        named = await snapshot_document(db, actor, reference, sha256)
        png = await asyncio.to_thread(page_png, store, named.sha256, page_number)
        return Response(
            png,
            media_type="image/png",
            headers={
                "cache-control": "private, max-age=86400, immutable",
                "x-content-type-options": "nosniff",
            },
        )

    @get("/engagements/{engagement_id:uuid}/in-effect")
    async def in_effect(
        self,
        actor: Actor,
        db: AsyncSession,
        engagement_id: uuid.UUID,
        on_text: str = Parameter(query="on", default=""),
    ) -> Template:
        engagement, project, sub = await ProjectService(db).engagement_parties(actor, engagement_id)
        context: dict[str, Any] = {
            "engagement": engagement,
            "project": project,
            "sub": sub,
            "on": on_text,
            "problem": "",
            "entry": None,
            "snapshot": {},
        }
        if on_text:
            try:
                on = date.fromisoformat(on_text)
            except ValueError:
                context["problem"] = f"“{on_text}” is not a date: use YYYY-MM-DD."
                return await page(db, actor, "gc/in_effect.html", status_code=422, **context)
            if on > date.today():
                context["problem"] = "The date is in the future: nothing is on record for it yet."
                return await page(db, actor, "gc/in_effect.html", status_code=422, **context)
            entry = await readable_in_effect(
                db, actor, engagement.project_id, engagement.sub_org_id, on
            )
            if entry is not None:
                context["entry"] = entry
                context["snapshot"] = parse_snapshot(entry.snapshot)
        return await page(db, actor, "gc/in_effect.html", **context)
