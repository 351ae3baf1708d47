"""Audit log benchmark: snapshots appended and checkpointed per second in batches, against a
throw-away PostgreSQL database, and the time to verify one evidence bundle offline.

    uv run python -m tests.bench.bench_audit
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from backend.audit.bundle import TrustAnchors, verify_bundle
from backend.audit.canonical import SnapshotFacts
from backend.audit.context import AuditContext
from backend.audit.samples import sample_facts
from backend.audit.service import append_snapshots, bundle_for, find_entry, make_checkpoint
from backend.config import get_settings
from backend.db.session import make_session_factory

BATCH_SIZE = 500
BATCHES_PER_RUN = 6
RUNS = 3
VERIFY_RUNS = 15
APPEND_TARGET_PER_SECOND = 1000
VERIFY_TARGET_MS = 100
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def summary(name: str, metric: str, value: float, unit: str, op: str, target: float) -> str:
    holds = value >= target if op == ">=" else value <= target
    return (
        f"bench {name}: {metric}={value:.0f}{unit} target {op}{target:.0f}{unit} "
        f"{'ok' if holds else 'SHORT'}"
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
    finally:
        await engine.dispose()
        await admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
