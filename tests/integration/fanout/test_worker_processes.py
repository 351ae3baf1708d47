"""Real `coinet worker` processes against real Redis and PostgreSQL: a worker killed with
SIGKILL mid fan-out leaves only whole engagements, and a restarted pair of workers completes
the rest with exactly one verdict per engagement; connections cut mid-way are retried."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backend.config import PROJECT_ROOT, Settings
from backend.db.models import Engagement, Membership, Notice, Organisation, Person, Verdict
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from tests.integration.conftest import create_database, drop_database, migrate
from tests.integration.factories import Org, make_org, make_project
from tests.integration.fanout.helpers import (
    confirm,
    endorsements,
    engage_on_project,
    initial_change,
    terms,
)
from tests.integration.fanout.test_fanout import ready_sub

ENGAGEMENTS = 120
# How long to wait for workers to finish a fan-out: generous, because on a shared, loaded
# machine (load ~15 on two cores) 80 engagements in batches of three took over 90 s; the wait
# ends as soon as the verdicts are there.
COMPLETION_WAIT_SECONDS = 300
# Redis databases this test may claim: several test runs can share one Redis server, and each
# run's workers must see only their own queue and cron job ids.
REDIS_DATABASES = range(15, 3, -1)
CLAIM_KEY = "coinet:fanout-test-claim"


class World:
    def __init__(self, settings: Settings, factory: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.factory = factory
        self.workers: list[subprocess.Popen[bytes]] = []
        self.sub_id: uuid.UUID | None = None
        self.logs: list[Path] = []

    def start_worker(self, tmp: Path) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.settings.database_url,
            REDIS_URL=self.settings.redis_url,
            COINET_DATA_DIR=str(tmp),
            COINET_FANOUT_BATCH="3",
            SMTP_PORT="9",  # nothing listens there: mail stays queued, which is fine here
        )
        log = tmp / f"worker-{len(self.workers)}.log"
        self.logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.workers.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    async def count(self, revision_id: uuid.UUID) -> int:
        async with self.factory() as session:
            query = (
                select(func.count()).select_from(Verdict).where(Verdict.revision_id == revision_id)
            )
            return int(await session.scalar(query) or 0)

    async def wait_for(self, revision_id: uuid.UUID, at_least: int, seconds: float) -> int:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            found = await self.count(revision_id)
            if found >= at_least:
                return found
            await asyncio.sleep(0.02)
        return await self.count(revision_id)


@pytest.fixture
async def world(base_settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    name = f"coinet_fanout_{uuid.uuid4().hex[:8]}"
    url = await create_database(base_settings.database_url, name)
    await migrate(url)
    pool, redis_url = await _claim_redis_database(base_settings.redis_url)
    settings = Settings(
        database_url=url,
        redis_url=redis_url,
        data_dir=tmp_path,
        document_root=tmp_path / "documents",
        keys_dir=tmp_path / "keys",
    )
    engine = create_async_engine(url, pool_size=3, pool_pre_ping=True)
    state = World(settings, async_sessionmaker(engine, expire_on_commit=False))
    try:
        yield state
    finally:
        state.stop_all()
        await pool.flushdb()
        await pool.aclose()
        await engine.dispose()
        await drop_database(base_settings.database_url, name)


async def _claim_redis_database(base_url: str) -> tuple[ArqRedis, str]:
    """An empty Redis database, claimed atomically so that parallel runs never share one."""
    root = base_url.rsplit("/", 1)[0]
    for number in REDIS_DATABASES:
        url = f"{root}/{number}"
        pool = await create_pool(RedisSettings.from_dsn(url))
        if await pool.dbsize() == 0 and await pool.set(CLAIM_KEY, "1", nx=True, ex=900):
            if await pool.dbsize() == 1:
                return pool, url
            await pool.delete(CLAIM_KEY)
        await pool.aclose()
    pytest.skip("no free Redis database to run worker processes in")


async def _seed(world: World) -> uuid.UUID:
    async with world.factory() as db, db.begin():
        gcs = [await make_org(db, "general_contractor") for _ in range(4)]
        sub = await ready_sub(db, *gcs)
        for index in range(ENGAGEMENTS):
            gc = gcs[index % len(gcs)]
            project = await make_project(db, gc)
            await engage_on_project(db, gc, sub, project=project)
        world.sub_id = sub.id
        revision = await confirm(db, make_store(world.settings), sub, initial_change(date.today()))
    return revision.id


async def _assert_whole(world: World, revision_id: uuid.UUID, expected: int | None) -> None:
    """Every verdict has its snapshot and its engagement update, and nothing else exists.

    With `expected` None the check takes whatever number of verdicts exists at that moment
    (workers may still be running): every read below sees one REPEATABLE READ snapshot, so a
    verdict committed between two of them cannot make the counts disagree.
    """
    async with world.factory() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        verdicts = (
            await session.execute(
                select(Verdict.engagement_id, func.count())
                .where(Verdict.revision_id == revision_id)
                .group_by(Verdict.engagement_id)
            )
        ).all()
        if expected is None:
            expected = len(verdicts)
        assert len(verdicts) == expected
        assert all(count == 1 for _, count in verdicts)
        verified = [engagement_id for engagement_id, _ in verdicts]
        entries = (
            await session.execute(
                select(AuditLogEntry.engagement_id, AuditLogEntry.snapshot).where(
                    AuditLogEntry.kind == "verdict", AuditLogEntry.engagement_id.in_(verified)
                )
            )
        ).all()
        of_revision = [
            engagement_id
            for engagement_id, snapshot in entries
            if json.loads(snapshot)["record"]["revision"] == str(revision_id)
        ]
        assert sorted(of_revision) == sorted(verified)
        judged = await session.scalar(
            select(func.count())
            .select_from(Engagement)
            .where(Engagement.id.in_(verified), Engagement.status == "compliant")
        )
        assert judged == expected


async def test_sigkill_restart_and_lost_connections_still_verify_exactly_once(
    world: World, tmp_path: Path
) -> None:
    revision_id = await _seed(world)
    victim = world.start_worker(tmp_path)
    partial = await world.wait_for(revision_id, 1, seconds=60)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    assert 0 < partial < ENGAGEMENTS, (partial, world.logs[0].read_text()[-2000:])
    at_kill = await world.count(revision_id)
    assert at_kill < ENGAGEMENTS
    await _assert_whole(world, revision_id, at_kill)

    # Two workers at once: the resumed job and any duplicate must not double anything.
    world.start_worker(tmp_path)
    world.start_worker(tmp_path)
    done = await world.wait_for(revision_id, ENGAGEMENTS, seconds=COMPLETION_WAIT_SECONDS)
    assert done == ENGAGEMENTS, [log.read_text()[-1500:] for log in world.logs]
    await asyncio.sleep(1.0)  # let any duplicate job finish before counting
    await _assert_whole(world, revision_id, ENGAGEMENTS)
    async with world.factory() as session:
        admins_notices = list(
            (
                await session.execute(select(Notice.body).where(Notice.kind == "status_changed"))
            ).scalars()
        )
    # gc_admin and gc_contract_admin of each GC: one notice each for the revision, in which
    # each of the GC's engagements is told exactly once.
    told = sum(body.count("Open: /engagements/") for body in admins_notices)
    assert told == 2 * ENGAGEMENTS

    # PostgreSQL drops every connection in the middle of the next fan-out (as a restart
    # would): the job fails, is retried by arq, and completes from the committed batches.
    async with world.factory() as db, db.begin():
        renewal = RecordChange(
            kind="renewal",
            terms=terms(date.today(), number_suffix="2"),
            endorsements=endorsements(),
        )
        sub = await db.get(Organisation, world.sub_id)
        assert sub is not None
        emails = {
            role: email
            for role, email in (
                await db.execute(
                    select(Membership.role, Person.email)
                    .join(Person, Person.id == Membership.person_id)
                    .where(Membership.organisation_id == sub.id)
                )
            ).all()
        }
        second = (await confirm(db, make_store(world.settings), Org(sub, emails), renewal)).id
    started = await world.wait_for(second, 1, seconds=60)
    assert started < ENGAGEMENTS
    database = make_url(world.settings.database_url).database
    async with world.factory() as session, session.begin():
        cut = await session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": database},
        )
        assert len(cut.all()) >= 1
    done = await world.wait_for(second, ENGAGEMENTS, seconds=COMPLETION_WAIT_SECONDS)
    assert done == ENGAGEMENTS, world.logs[-1].read_text()[-2000:]
    await _assert_whole(world, second, ENGAGEMENTS)
