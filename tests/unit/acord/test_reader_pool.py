"""The worker's warm reader pool: one child serves many files (no start-up per file), each under
the sandbox's limits; a child that hits a limit is replaced, and so is one that read its quota."""

from __future__ import annotations

import pytest

from backend.acord.reader_pool import ReaderPool
from tests.unit.acord.conftest import certificate_pdf


@pytest.fixture
def pool() -> ReaderPool:
    return ReaderPool(size=1, files_per_process=3, timeout_s=60)


def _pid(pool: ReaderPool) -> int:
    [child] = pool._idle
    return child.process.pid


def test_a_warm_child_reads_file_after_file_and_is_replaced_after_its_quota(
    pool: ReaderPool,
) -> None:
    pool.start()
    try:
        first = _pid(pool)
        for _ in range(2):
            outcome = pool.read(certificate_pdf(), "c.pdf")
            assert outcome.result["form"] == "ACORD 25" and outcome.pages
            assert _pid(pool) == first  # the same process: no start-up paid
        pool.read(certificate_pdf(), "c.pdf")  # the third and last file of this child
        assert _pid(pool) != first and pool.started == 2
    finally:
        pool.close()


def test_a_child_past_its_deadline_is_killed_and_replaced(pool: ReaderPool) -> None:
    pool.start()
    try:
        first = _pid(pool)
        pool.timeout_s = 0.001
        for child in pool._idle:
            child.timeout_s = 0.001
        outcome = pool.read(certificate_pdf(), "c.pdf")
        assert outcome.result["error"]["code"] == "timeout"
        assert _pid(pool) != first
        pool._idle[0].timeout_s = pool.timeout_s = 60
        assert "error" not in pool.read(certificate_pdf(), "c.pdf").result
    finally:
        pool.close()


def test_a_child_over_its_memory_limit_is_replaced() -> None:
    # 80 MB of address space cannot hold the reader's libraries: the child dies, the file is
    # not read, the pool answers with the error and starts a fresh child.
    starved = ReaderPool(size=1, memory_mb=80)
    try:
        outcome = starved.read(certificate_pdf(), "c.pdf")
        assert outcome.result["error"]["code"] in ("too_large", "unreadable")
        assert starved.started == 2
    finally:
        starved.close()
