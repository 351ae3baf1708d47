"""One large fan-out split into chunk jobs shared by several real worker processes; one of
three workers SIGKILLed mid-way; every engagement still verified exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from pathlib import Path

import pytest

from tests.integration.fanout.test_worker_processes import (
    COMPLETION_WAIT_SECONDS,
    ENGAGEMENTS,
    World,
    _assert_whole,
    _seed,
    world,  # noqa: F401 (a fixture)
)
from workers.fanout import chunk_bounds

CHUNK = 20  # 120 engagements make six chunk jobs


def test_chunk_bounds_cover_every_id_once() -> None:
    ids = sorted(uuid.uuid4() for _ in range(45))
    bounds = chunk_bounds(ids, 20)
    assert [(ids.index(a), ids.index(b)) for a, b in bounds] == [(0, 19), (20, 39), (40, 44)]


async def test_three_workers_share_one_fan_out_and_a_killed_one_loses_nothing(
    world: World,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COINET_FANOUT_CHUNK", str(CHUNK))
    revision_id = await _seed(world)
    workers = [world.start_worker(tmp_path) for _ in range(3)]
    partial = await world.wait_for(revision_id, CHUNK // 2, seconds=90)
    os.kill(workers[0].pid, signal.SIGKILL)
    workers[0].wait(timeout=10)
    assert partial < ENGAGEMENTS, "the fan-out ended before a worker could be killed"
    await _assert_whole(world, revision_id, await world.count(revision_id))

    # The two survivors take the other chunks; a replacement worker (as a supervisor would
    # start) re-plans whatever the killed one left, at start-up.
    world.start_worker(tmp_path)
    done = await world.wait_for(revision_id, ENGAGEMENTS, seconds=COMPLETION_WAIT_SECONDS)
    assert done == ENGAGEMENTS, [log.read_text()[-1500:] for log in world.logs]
    await asyncio.sleep(1.0)  # let any duplicate chunk finish before counting
    await _assert_whole(world, revision_id, ENGAGEMENTS)
    sharing = [log for log in world.logs if "fan-out chunk" in log.read_text()]
    assert len(sharing) >= 2, "the chunks were not spread over several workers"
