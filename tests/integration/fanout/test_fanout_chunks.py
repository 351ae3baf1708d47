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
# Each worker process takes one chunk job at a time whatever its max_jobs (workers/settings.py,
# CHUNKS_PER_PROCESS), so the spread is structural: a worker busy with a chunk leaves the others
# queued, and they go to whichever of the other workers polls next. Before, with arq's ten slots,
# the first worker to poll claimed all six at once on a quiet machine.


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
    await _assert_whole(world, revision_id, None)

    # The two survivors take the other chunks; a replacement worker (as a supervisor would
    # start) re-plans whatever the killed one left, at start-up.
    world.start_worker(tmp_path)
    done = await world.wait_for(revision_id, ENGAGEMENTS, seconds=COMPLETION_WAIT_SECONDS)
    assert done == ENGAGEMENTS, [log.read_text()[-1500:] for log in world.logs]
    await asyncio.sleep(1.0)  # let any duplicate chunk finish before counting
    await _assert_whole(world, revision_id, ENGAGEMENTS)
    chunks_by_worker = {log.name: log.read_text().count("fan-out chunk ") for log in world.logs}
    sharing = [name for name, chunks in chunks_by_worker.items() if chunks]
    assert len(sharing) >= 2, f"the chunks were not spread over several workers: {chunks_by_worker}"
