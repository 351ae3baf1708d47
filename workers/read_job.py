"""Reading an uploaded document in a worker: the ACORD reader runs in a sandboxed child
process; the result (or the reason it could not be read) is saved on the Document.

Safe to run twice: a document already read is left alone. Queued after the upload's commit
with job id "read:<document id>", so a second enqueue of the same document is a no-op."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from arq import Retry
from sqlalchemy import select

from backend.acord import read_document_isolated
from backend.db.models import Document
from backend.notify import webhooks as integration_events
from backend.records.store import make_store

log = logging.getLogger("coinet.read")

READ_JOB = "read_document_job"
# The upload's transaction may still be committing when a fast worker starts.
MISSING_RETRIES = 5


def read_job_id(document_id: uuid.UUID | str) -> str:
    return f"read:{document_id}"


async def read_document_job(ctx: dict[str, Any], document_id: str) -> str:
    factory = ctx["session_factory"]
    key = uuid.UUID(document_id)
    async with factory() as session:
        document = await session.get(Document, key)
        if document is None:
            if ctx.get("job_try", 1) < MISSING_RETRIES:
                raise Retry(defer=1)
            return "missing"
        if document.read_state != "pending":
            return str(document.read_state)
        sha256, filename = document.sha256, document.filename
    data = make_store(ctx["settings"]).get(sha256)
    result = await asyncio.to_thread(read_document_isolated, data, filename=filename)
    state = "needs_manual_entry" if "error" in result else "read"
    async with factory() as session, session.begin():
        # Every pending copy of the same bytes (in other subs' records) gets the result too.
        pending = await session.execute(
            select(Document)
            .where(Document.sha256 == sha256, Document.read_state == "pending")
            .with_for_update(skip_locked=True)
        )
        read = list(pending.scalars())
        for row in read:
            row.read_state = state
            row.read_result = result
        await integration_events.documents_read(session, read)
    log.info("read document %s: %s", document_id, state)
    return state
