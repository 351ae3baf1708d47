"""No unsigned tail: every committed append is covered by a signed checkpoint at once.

A checkpoint made only by the five-minute cron left the entries appended since the last one
open to an insider who rewrites them with recomputed hashes: nothing signed covered them. Now
the log is sealed right after each commit that appended to it: at the end of every fan-out
batch (`workers.fanout`), after every web request whose transaction appended (a decision, a
verdict), and after every worker job that appended (the sweep); the cron stays as a backstop.

How a commit is noticed: `prepare_entries` marks the session; when that session commits, a
per-process flag is raised (`UnsealedAppends`); whoever seals next clears the flag first and
then checkpoints, and since the flag is raised only after the commit, that checkpoint covers
the committed entries.
Sealers are serialised by an advisory lock (repository.lock_sealing; a key other than the
appends', so appends never wait for a checkpoint being signed), so concurrent commits give one
checkpoint each at most, and a sealer that finds nothing new makes none.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.audit import repository
from backend.audit.context import AuditContext
from backend.audit.service import UnsealedAppends, make_checkpoint
from backend.db.models.audit_checkpoint import AuditCheckpoint

log = logging.getLogger("coinet.audit")


def unsealed() -> bool:
    return UnsealedAppends.committed


async def seal(
    factory: async_sessionmaker[AsyncSession], context: AuditContext
) -> AuditCheckpoint | None:
    """Sign a checkpoint of everything committed so far; None when one already covers it."""
    async with factory() as session, session.begin():
        await repository.lock_sealing(session)
        return await make_checkpoint(session, context)


async def seal_if_appended(
    factory: async_sessionmaker[AsyncSession], context: AuditContext
) -> AuditCheckpoint | None:
    """Seal when a commit of this process appended since the last seal. Never raises: the
    request or job already succeeded, and the cron seals on its next run."""
    if not UnsealedAppends.committed:
        return None
    UnsealedAppends.committed = False
    try:
        return await seal(factory, context)
    except Exception:  # any failure here is retried by the cron within minutes
        log.exception("could not sign a checkpoint after an append; the cron will")
        UnsealedAppends.committed = True
        return None


async def seal_after_response(request: Any) -> None:
    """Litestar after_response hook: seal the log after a request that appended to it."""
    if not UnsealedAppends.committed:
        return
    state = request.app.state
    context = state.get("audit_context")
    if context is None:
        try:
            context = AuditContext.from_settings(state.settings)
        except Exception:  # unusable keys: the cron reports it; the response already went out
            log.exception("no audit context to sign a checkpoint with")
            return
        state.audit_context = context
    await seal_if_appended(state.session_factory, context)


async def seal_after_job(ctx: dict[str, Any]) -> None:
    """arq after_job_end hook: seal the log after a worker job that appended to it."""
    if not UnsealedAppends.committed:
        return
    context = ctx.get("audit_context")
    if context is None:
        try:
            context = AuditContext.from_settings(ctx["settings"])
        except Exception:
            log.exception("no audit context to sign a checkpoint with")
            return
        ctx["audit_context"] = context
    await seal_if_appended(ctx["session_factory"], context)


def seal_now(settings: Any) -> AuditCheckpoint | None:
    """For a `coinet` command that appended: seal before the process exits (no request or job
    hook runs there)."""
    import asyncio

    from backend.db.session import make_engine, make_session_factory

    async def run() -> AuditCheckpoint | None:
        engine = make_engine(settings, pool_size=1, max_overflow=0)
        try:
            return await seal_if_appended(
                make_session_factory(engine), AuditContext.from_settings(settings)
            )
        finally:
            await engine.dispose()

    return asyncio.run(run())
