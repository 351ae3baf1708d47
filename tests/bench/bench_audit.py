"""Audit log benchmark: snapshots appended and checkpointed per second in batches, against a
throw-away PostgreSQL database, and the time to verify one evidence bundle offline.

    uv run python -m tests.bench.bench_audit
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from backend.audit import merkle
from backend.audit.bundle import TrustAnchors, verify_bundle
from backend.audit.canonical import SnapshotFacts
from backend.audit.context import AuditContext
from backend.audit.samples import sample_facts
from backend.audit.service import (
    append_snapshots,
    bundle_for,
    find_entry,
    inclusion_path,
    latest_checkpoint,
    make_checkpoint,
)
from backend.config import get_settings
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.db.session import make_session_factory

BATCH_SIZE = 500
BATCHES_PER_RUN = 6
RUNS = 3
VERIFY_RUNS = 15
APPEND_TARGET_PER_SECOND = 1000
VERIFY_TARGET_MS = 100
# Log sizes whose inclusion-proof time is compared: a proof reads O(log n) stored nodes, so the
# time at a million leaves should match the time at ten thousand.
PROOF_LOG_SIZES = (10_000, 1_000_000)
PROOF_SAMPLES = 200
# "Flat": the larger log's proof may take at most this many times the smaller's (log2 grows
# from 14 to 20 levels, and a bigger index is a level deeper).
PROOF_FLAT_RATIO = 2.0
# Synthetic leaves inserted per statement when growing the proof log.
FILL_PAGE = 100_000
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def summary(
    name: str, metric: str, value: float, unit: str, op: str, target: float, decimals: int = 0
) -> str:
    holds = value >= target if op == ">=" else value <= target
    return (
        f"bench {name}: {metric}={value:.{decimals}f}{unit} target {op}{target:.{decimals}f}"
        f"{unit} {'ok' if holds else 'SHORT'}"
    )


def make_batch(engagements: list[uuid.UUID], start: int) -> list[SnapshotFacts]:
    project, sub, gc = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
    return [
        sample_facts(
            engagement_id=engagements[(start + i) % len(engagements)],
            project_id=project,
            sub_id=sub,
            gc_id=gc,
            as_of=date(2026, 1, 1) + timedelta(days=(start + i) % 365),
            serial=start + i,
        )
        for i in range(BATCH_SIZE)
    ]


async def admin(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def fill_log(sessions: Any, start: int, end: int) -> None:
    """Synthetic leaves start..end-1 (tiny snapshots, real leaf hashes), written by SQL in pages
    of FILL_PAGE rows. All of them name one engagement, project and parties, so the indexes on
    those columns grow at their right edge instead of taking a random page per row; only the
    snapshot-hash index still does (about 10 s per million leaves on this machine)."""
    filler = {"engagement": uuid.uuid4(), "project": uuid.uuid4(), "party": uuid.uuid4()}
    for page in range(start, end, FILL_PAGE):
        async with sessions() as session, session.begin():
            await session.execute(
                text(
                    "INSERT INTO audit_log_entries (id, seq, engagement_id, project_id, "
                    "gc_org_id, sub_org_id, kind, as_of, snapshot, snapshot_sha256, leaf_hash) "
                    "SELECT gen_random_uuid(), g, :engagement, :project, :party, :party, "
                    "'verdict', DATE '2026-01-01', int8send(g), sha256(int8send(g)), "
                    "sha256('\\x00'::bytea || int8send(g)) "
                    "FROM generate_series(CAST(:low AS bigint), CAST(:high AS bigint)) g"
                ),
                {"low": page, "high": min(end, page + FILL_PAGE) - 1, **filler},
            )


async def proof_times(sessions: Any, context: AuditContext, size: int) -> dict[int, float]:
    """Median time (ms) to build one inclusion proof from the stored nodes, per log size; the
    log (already `size` entries long) grows to each size in turn."""
    medians: dict[int, float] = {}
    rng = random.Random(7)
    for target in PROOF_LOG_SIZES:
        started = time.perf_counter()
        await fill_log(sessions, size, target)
        async with sessions() as session, session.begin():
            await make_checkpoint(session, context)  # stores the new tree nodes
        size = target
        print(
            f"proof log: {size} leaves written and checkpointed in "
            f"{time.perf_counter() - started:.1f}s"
        )
        async with sessions() as session:
            checkpoint = await latest_checkpoint(session)
            assert checkpoint is not None and checkpoint.tree_size == size
            timings = []
            for index in (rng.randrange(size) for _ in range(PROOF_SAMPLES)):
                leaf = await session.scalar(
                    select(AuditLogEntry.leaf_hash).where(AuditLogEntry.seq == index)
                )
                began = time.perf_counter()
                path = await inclusion_path(session, index, size)
                timings.append((time.perf_counter() - began) * 1000)
                if leaf is None or not merkle.verify_inclusion(
                    index, size, leaf, path, checkpoint.root_hash
                ):
                    raise SystemExit(f"proof of leaf {index} does not verify")
        medians[size] = statistics.median(timings)
        print(f"proof at {size} leaves: median {medians[size]:.2f} ms over {PROOF_SAMPLES}")
    return medians


async def run() -> None:
    base = make_url(get_settings().database_url)
    admin_dsn = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    name = f"coinet_bench_audit_{uuid.uuid4().hex[:8]}"
    url = base.set(database=name).render_as_string(False)
    await admin(admin_dsn, f'CREATE DATABASE "{name}"')
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        migrate = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "alembic",
            "-x",
            f"url={url}",
            "upgrade",
            "head",
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await migrate.communicate()
        if migrate.returncode != 0:
            print(f"migrations failed:\n{output.decode(errors='replace')}")
            return
        sessions = make_session_factory(engine)
        with tempfile.TemporaryDirectory() as keys_dir:
            context = AuditContext.from_keys_dir(Path(keys_dir), "bench.coinet.local/audit")
            engagements = [uuid.uuid4() for _ in range(200)]
            rates = []
            appended = 0
            for run_number in range(RUNS):
                batches = [
                    make_batch(engagements, appended + b * BATCH_SIZE)
                    for b in range(BATCHES_PER_RUN)
                ]
                started = time.perf_counter()
                for batch in batches:
                    async with sessions() as session, session.begin():
                        await append_snapshots(session, batch)
                    async with sessions() as session, session.begin():
                        await make_checkpoint(session, context)
                elapsed = time.perf_counter() - started
                count = BATCH_SIZE * BATCHES_PER_RUN
                appended += count
                rates.append(count / elapsed)
                print(
                    f"run {run_number + 1}: {count} snapshots in {BATCHES_PER_RUN} batches, "
                    f"{elapsed:.2f}s, {count / elapsed:.0f}/s (log now {appended})"
                )

            async with sessions() as session, session.begin():
                entry = await find_entry(session, str(appended // 2))
                assert entry is not None
                bundle = await bundle_for(session, entry, context, include_documents=False)
            anchors = TrustAnchors(checkpoint_keys=context.keyring)
            timings = []
            for _ in range(VERIFY_RUNS):
                started = time.perf_counter()
                report = await verify_bundle(bundle, anchors)
                timings.append((time.perf_counter() - started) * 1000)
                if not report.ok:
                    print(report.to_text())
                    return
            print(
                f"verify: {len(bundle)} byte bundle of leaf {appended // 2} in a tree of "
                f"{appended}; fastest {min(timings):.1f} ms, slowest {max(timings):.1f} ms"
            )
            proofs = await proof_times(sessions, context, appended)
        print(
            summary(
                "audit-append",
                "per_second",
                statistics.median(rates),
                "/s",
                ">=",
                APPEND_TARGET_PER_SECOND,
            )
        )
        print(
            summary(
                "audit-verify",
                "median_ms",
                statistics.median(timings),
                "ms",
                "<=",
                VERIFY_TARGET_MS,
            )
        )
        small, large = (proofs[size] for size in PROOF_LOG_SIZES)
        print(
            summary(
                "audit-proof-1m",
                "median_ms",
                large,
                "ms",
                "<=",
                small * PROOF_FLAT_RATIO,
                decimals=2,
            )
        )
    finally:
        await engine.dispose()
        await admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
