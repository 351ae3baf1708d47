"""Asking the worker to write a GC's engagements to Procore: the ids go into a Redis set per
GC and one deferred `procore_push` job takes the whole set, so the status changes of one
fan-out (or one import) become a few batch requests. ALL asks for every linked engagement
whose lines Procore does not hold as they are now (unchanged lines are not sent again): what
a newly confirmed vendor, a newly linked project or an import makes writable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

PUSH_JOB: Final = "procore_push"
# Changes gathered for this long become one push (status changes of one fan-out arrive within
# a few seconds of each other); short enough that Procore is current "within minutes".
GATHER_SECONDS: Final = 5
ALL: Final = "*"


def dirty_key(organisation_id: str) -> str:
    return f"coinet:procore:dirty:{organisation_id}"


async def queue_push(redis: Any, organisation_id: str, engagement_ids: Sequence[str]) -> None:
    if engagement_ids:
        await redis.sadd(dirty_key(organisation_id), *engagement_ids)
    await redis.enqueue_job(
        PUSH_JOB,
        organisation_id,
        _job_id=f"procore-push:{organisation_id}",
        _defer_by=GATHER_SECONDS,
    )


async def queue_push_all(redis: Any, organisation_id: str) -> None:
    """After a request: Redis down means the nightly reconciliation writes them instead."""
    try:
        await queue_push(redis, organisation_id, [ALL])
    except Exception:
        return
