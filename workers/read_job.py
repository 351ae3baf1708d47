"""Reading an uploaded document in a worker: the ACORD reader runs in a sandboxed child process
(a warm one from the worker's ReaderPool), which also draws the page images; the images are
stored beside the document and the result (or the reason it could not be read) is saved on the
Document.

Every upload, whatever path it came through, writes a "document.uploaded" outbox event in its
own transaction; the outbox relay queues this job for it once committed, so a Redis outage
only delays the read and nobody has to open a page for it to happen.

Safe to run twice: a document already read is left alone."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Final

from arq import Retry

from backend.acord.reader_pool import ReaderPool
from backend.acord.sandbox import ReadOutcome, read_once
from backend.records.page_images import save_pages
from backend.records.service import document_to_read, record_read
from backend.records.store import make_store
from workers.chase import queue_holder_planning

log = logging.getLogger("coinet.read")

READ_JOB: Final = "read_document_job"
# The upload's transaction may still be committing when a fast worker starts.
MISSING_RETRIES: Final = 5
_POOL_KEY: Final = "reader_pool"
_SLOTS_KEY: Final = "reader_slots"


def read_job_id(document_id: uuid.UUID | str) -> str:
    return f"read:{document_id}"


async def start_reader_pool(ctx: dict[str, Any]) -> None:
    pool = ReaderPool()
    await asyncio.to_thread(pool.start)
    ctx[_POOL_KEY] = pool
    # Read jobs wait for a free reader here, on the event loop, rather than each holding one of
    # the loop's few worker threads while it waits inside the pool.
    ctx[_SLOTS_KEY] = asyncio.Semaphore(pool.size)


async def stop_reader_pool(ctx: dict[str, Any]) -> None:
    pool = ctx.pop(_POOL_KEY, None)
    if isinstance(pool, ReaderPool):
        await asyncio.to_thread(pool.close)


def _read(ctx: dict[str, Any], data: bytes, filename: str) -> ReadOutcome:
    pool = ctx.get(_POOL_KEY)
    if isinstance(pool, ReaderPool):
        return pool.read(data, filename, render=True)
    # Outside a worker (a test calling the job directly): one child for this file.
    return read_once(data, filename=filename, render=True)


async def read_document_job(ctx: dict[str, Any], document_id: str) -> str:
    factory = ctx["session_factory"]
    key = uuid.UUID(document_id)
    async with factory() as session:
        document = await document_to_read(session, key)
        if document is None:
            if ctx.get("job_try", 1) < MISSING_RETRIES:
                raise Retry(defer=1)
            return "missing"
        if document.read_state != "pending":
            return str(document.read_state)
        sha256, filename = document.sha256, document.filename
    store = make_store(ctx["settings"])
    data = await asyncio.to_thread(store.get, sha256)
    slots = ctx.get(_SLOTS_KEY)
    if isinstance(slots, asyncio.Semaphore):
        async with slots:
            outcome = await asyncio.to_thread(_read, ctx, data, filename)
    else:
        outcome = await asyncio.to_thread(_read, ctx, data, filename)
    result = outcome.result
    if outcome.pages:
        # Stored before the read is recorded: a review page that shows the values finds them.
        await asyncio.to_thread(save_pages, store, sha256, outcome.pages)
    state = "needs_manual_entry" if "error" in result else "read"
    async with factory() as session, session.begin():
        # Every pending copy of the same bytes (in other subs' records) gets the result too.
        await record_read(session, sha256, state, result)
    if state == "read":
        await queue_holder_planning(ctx)
    log.info("read document %s: %s", document_id, state)
    return state
