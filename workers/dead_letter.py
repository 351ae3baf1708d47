"""Fan-outs that keep failing become dead letters instead of being retried for days.

An outage (PostgreSQL or the network away) is retried by arq and resumed by the cron, as
before. A failure that is not an outage (a value the signing or the engine cannot handle, a
bug) repeats identically on every try, so after DEAD_AFTER_FAILURES of them the record change
is given up: the resume cron no longer queues it, the operator sees it in
`coinet fanout dead-letters` (and re-queues it with `coinet fanout requeue` once fixed), and
the sub's admins and bookkeepers get a notice that the change has not reached the contractors
relying on it (they keep seeing the verdicts from before it)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db.models.fan_out_failure import FanOutFailure
from backend.notify.outbox import queued_event
from backend.notify.service import SUB_NOTICE_ROLES, NoticeDraft, add_notices, members_with_roles
from backend.projects.repository import FanOutFailureRepository

log = logging.getLogger("coinet.fanout.dead_letter")

# A failure that is not an outage repeats on every try; three (the first run and two resumes,
# ten minutes apart at most) rule out a one-off such as a worker stopped mid-batch, and tell
# the operator and the sub within the quarter hour instead of after three days.
DEAD_AFTER_FAILURES: Final = 3
# The error kept for the operator: its type and message, not a whole traceback.
MAX_ERROR_CHARS: Final = 2000
# PostgreSQL SQLSTATE classes that are about the data, not the server: retrying the same rows
# gives the same refusal (22 data exception, 23 integrity constraint violation).
REPEATABLE_SQLSTATE_CLASSES: Final = ("22", "23")
FAN_OUT_JOB: Final = "fan_out_record_change"
NOTICE_KIND: Final = "fan_out_failed"


def is_outage(exc: BaseException, transient: tuple[type[BaseException], ...]) -> bool:
    """True when retrying later can help: one of the fan-out's transient kinds, except a
    database refusal of the data itself."""
    if not isinstance(exc, transient):
        return False
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None)
        if isinstance(state, str) and state.startswith(REPEATABLE_SQLSTATE_CLASSES):
            return False
    return True


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


async def record_failure(
    factory: async_sessionmaker[AsyncSession], event_id: uuid.UUID, exc: BaseException
) -> bool:
    """Counts one failure of the event's fan-out; returns True when it became a dead letter
    now. Never raises: the fan-out's own error is what the job reports."""
    try:
        async with factory() as session, session.begin():
            return await _count_failure(session, event_id, exc)
    except (SQLAlchemyError, OSError) as problem:
        log.error("could not record the failed fan-out of %s: %s", event_id, problem)
        return False


async def _count_failure(session: AsyncSession, event_id: uuid.UUID, exc: BaseException) -> bool:
    event = await queued_event(session, event_id)
    if event is None:
        return False
    now = datetime.now(UTC)
    failures = FanOutFailureRepository(session)
    failure = await failures.of_event_locked(event_id)
    if failure is None:
        failure = FanOutFailure(
            event_id=event_id,
            sub_org_id=event.sub_org_id,
            revision_id=event.revision_id,
            failures=0,
            last_failed_at=now,
        )
        failures.add(failure)
    failure.failures += 1
    failure.last_error = _describe(exc)
    failure.last_failed_at = now
    log.error("fan-out of %s failed (%d): %s", event_id, failure.failures, failure.last_error)
    if failure.dead_at is not None or failure.failures < DEAD_AFTER_FAILURES:
        return False
    failure.dead_at = now
    failure.resolved_at = None
    await _tell_the_sub(session, failure)
    log.error("fan-out of %s is a dead letter after %d failures", event_id, failure.failures)
    return True


async def _tell_the_sub(session: AsyncSession, failure: FanOutFailure) -> None:
    if failure.sub_org_id is None:
        return
    number = None
    if failure.revision_id is not None:
        number = await FanOutFailureRepository(session).revision_number(
            failure.sub_org_id, failure.revision_id
        )
    change = f"revision {number}" if number is not None else "a change"
    members = await members_with_roles(session, [failure.sub_org_id], SUB_NOTICE_ROLES)
    drafts = [
        NoticeDraft(
            recipient_id=person_id,
            organisation_id=failure.sub_org_id,
            engagement_id=None,
            kind=NOTICE_KIND,
            subject=f"Your record's {change} has not reached your contractors yet",
            body=(
                f"We could not re-check your engagements against {change} of your master "
                "record after several tries. Our operators have been told and will send it "
                "on once the cause is fixed; until then your contractors see their verdicts "
                "from before this change. You do not need to upload it again."
            ),
        )
        for person_id in members[failure.sub_org_id]
    ]
    await add_notices(session, drafts)


async def without_dead_letters(
    session: AsyncSession, event_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """The events left to resume: those not given up (and not since re-queued)."""
    if not event_ids:
        return []
    # Scope: the events the resume cron read as unfinished.
    dead = await FanOutFailureRepository(session).dead_among(event_ids)
    return [event_id for event_id in event_ids if event_id not in dead]


@dataclass(frozen=True)
class DeadLetter:
    event_id: uuid.UUID
    sub_name: str
    revision_number: int | None
    failures: int
    dead_since: datetime
    last_error: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": str(self.event_id),
            "sub": self.sub_name,
            "revision": self.revision_number,
            "failures": self.failures,
            "dead_since": self.dead_since.isoformat(),
            "last_error": self.last_error,
        }


async def dead_letters(session: AsyncSession) -> list[DeadLetter]:
    """Every sub's dead letters, for the operator (whose command serves every organisation)."""
    return [
        DeadLetter(
            event_id=failure.event_id,
            sub_name=name or "(organisation removed)",
            revision_number=number,
            failures=failure.failures,
            dead_since=failure.dead_at or failure.last_failed_at,
            last_error=failure.last_error,
        )
        for failure, name, number in await FanOutFailureRepository(session).dead_letters()
    ]


async def requeue(session: AsyncSession, redis: Any, event_id: uuid.UUID) -> bool:
    """An operator's fix is in: the dead letter is resolved, its count starts again, and the
    fan-out is queued now (a rerun verifies only what is still unverified)."""
    failure = await FanOutFailureRepository(session).of_event_locked(event_id)
    if failure is None or failure.dead_at is None or failure.resolved_at is not None:
        return False
    failure.resolved_at = datetime.now(UTC)
    failure.dead_at = None
    failure.failures = 0
    await session.flush()
    stamp = failure.resolved_at.strftime("%Y%m%d%H%M%S")
    await redis.enqueue_job(FAN_OUT_JOB, str(event_id), _job_id=f"event:{event_id}:requeue:{stamp}")
    return True


# --- `coinet fanout …` -------------------------------------------------------------------


def _render(letters: Iterable[DeadLetter]) -> str:
    lines = []
    for letter in letters:
        revision = letter.revision_number if letter.revision_number is not None else "?"
        lines.append(
            f"{letter.event_id}  {letter.sub_name}  revision {revision}  "
            f"{letter.failures} failures  dead since {letter.dead_since:%Y-%m-%d %H:%M} UTC\n"
            f"    {letter.last_error}"
        )
    return "\n".join(lines) if lines else "No dead letters: every fan-out went through."


async def _run(args: argparse.Namespace) -> int:
    from arq import create_pool
    from arq.connections import RedisSettings

    from backend.config import get_settings
    from backend.db.session import make_engine, make_session_factory

    settings = get_settings()
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    try:
        if args.action == "dead-letters":
            async with factory() as session:
                letters = await dead_letters(session)
            if args.json:
                print(json.dumps([letter.as_dict() for letter in letters], indent=2))
            else:
                print(_render(letters))
            return 0
        redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
        try:
            async with factory() as session, session.begin():
                done = await requeue(session, redis, args.event_id)
        finally:
            await redis.aclose()
        print("queued again" if done else "no dead letter with that event id")
        return 0 if done else 1
    finally:
        await engine.dispose()


def _command(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except (OSError, SQLAlchemyError) as exc:
        print(f"coinet fanout: {exc}")
        return 2


def register(subparsers: Any) -> None:
    fanout = subparsers.add_parser("fanout", help="fan-outs that failed (dead letters)")
    actions = fanout.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("dead-letters", help="list fan-outs given up after failures")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_command)
    again = actions.add_parser("requeue", help="queue a dead letter's fan-out again")
    again.add_argument("event_id", type=uuid.UUID, help="the event id the list shows")
    again.set_defaults(handler=_command)
