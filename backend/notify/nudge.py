"""Nudging the outbox relay right after a request committed outbox events.

The relay also runs every few seconds on the workers, so a nudge only shortens the wait: when
Redis cannot be reached the request has already succeeded and the events wait in PostgreSQL.
The flag below says "some session of this process committed outbox events since the last
nudge"; it is per process and only ever causes an extra, harmless relay run.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from litestar import Request
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from backend.db.models import OutboxEvent

RELAY_JOB: Final = "relay_outbox"
RELAY_JOB_ID: Final = "relay-outbox"
NUDGE_TIMEOUT_SECONDS: Final = 2.0
_INFO_KEY: Final = "coinet_outbox_written"
log = logging.getLogger("coinet.nudge")


class _Pending:
    committed = False


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    if any(isinstance(item, OutboxEvent) for item in session.new):
        session.info[_INFO_KEY] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_INFO_KEY, False):
        _Pending.committed = True


def _after_rollback(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)


def install() -> None:
    """Listen to every ORM session of this process (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))


def outbox_committed() -> bool:
    return _Pending.committed


async def nudge_relay(redis: Any) -> bool:
    """Queue one relay run; False (logged) when Redis is unreachable. Never raises."""
    try:
        await asyncio.wait_for(
            redis.enqueue_job(RELAY_JOB, _job_id=RELAY_JOB_ID), NUDGE_TIMEOUT_SECONDS
        )
    except Exception as exc:  # any Redis failure: the cron relay will publish later
        log.warning("could not nudge the outbox relay: %s", exc)
        return False
    return True


async def nudge_after_response(request: Request[Any, Any, Any]) -> None:
    """Litestar after_response hook: nudge when a commit wrote outbox events."""
    if not _Pending.committed:
        return
    _Pending.committed = False
    redis = getattr(request.app.state, "redis", None)
    if redis is not None:
        await nudge_relay(redis)
