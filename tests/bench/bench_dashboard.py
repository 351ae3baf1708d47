"""Benchmark: server time of the GC portfolio dashboard with 25 projects x 15 subs.

Seeds a throw-away database, then requests /dashboard through the real app in-process. The
time is taken around the ASGI app call (session lookup, scoped query, template rendering, the
response written), not the client: 200 requests per run after a warm-up, three runs. Prints
p50/p95 of each run and the median p95.

    uv run python -m tests.bench.bench_dashboard
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import re
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from typing import Any

from arq import create_pool
from arq.connections import RedisSettings
from httpx import ASGITransport, AsyncClient

from backend.app import create_app
from backend.config import Settings
from backend.db.models import (
    Engagement,
    Membership,
    Organisation,
    Person,
    Project,
    RequirementSet,
    RequirementSetVersion,
)
from backend.db.session import make_engine, make_session_factory
from backend.network.secrets import hash_password
from backend.requirements.versions import requirement_body, requirement_digest
from tests.integration.conftest import create_database, drop_database, migrate

PROJECTS = 25
SUBS_PER_PROJECT = 15
REQUESTS = 200
RUNS = 3
TARGET_MS = 150.0
PASSWORD = "bench-dashboard-2026"
EMAIL = "admin@bench-gc.example"
STATUSES = ("compliant",) * 6 + ("expiring", "non_compliant", "expired", "pending", "incomplete")


async def seed(settings: Settings) -> None:
    rng = random.Random(25)
    engine = make_engine(settings)
    today = date.today()
    try:
        async with make_session_factory(engine)() as session, session.begin():
            gc = Organisation(
                id=uuid.uuid4(), kind="general_contractor", legal_name="Bench GC LLC", state="OH"
            )
            person = Person(
                id=uuid.uuid4(),
                email=EMAIL,
                full_name="Bench Admin",
                password_hash=hash_password(PASSWORD),
            )
            subs = [
                Organisation(
                    id=uuid.uuid4(),
                    kind="subcontractor",
                    legal_name=f"Bench Sub {n:03d} LLC",
                    state="OH",
                )
                for n in range(60)
            ]
            session.add_all([gc, person, *subs])
            await session.flush()
            session.add(
                Membership(
                    id=uuid.uuid4(), person_id=person.id, organisation_id=gc.id, role="gc_admin"
                )
            )
            requirement_set = RequirementSet(id=uuid.uuid4(), gc_org_id=gc.id, name="Moderate")
            session.add(requirement_set)
            await session.flush()
            body = requirement_body("moderate")
            version = RequirementSetVersion(
                id=uuid.uuid4(),
                requirement_set_id=requirement_set.id,
                version=1,
                body=body,
                body_sha256=requirement_digest(body),
            )
            session.add(version)
            await session.flush()
            for index in range(PROJECTS):
                project = Project(
                    id=uuid.uuid4(),
                    gc_org_id=gc.id,
                    number=f"B-{index:03d}",
                    name=f"Bench project {index}",
                    state="IN",
                    start_date=today - timedelta(days=90),
                    end_date=today + timedelta(days=300),
                    closeout_days=30,
                    certificate_holder=gc.legal_name,
                    additional_insureds=[gc.legal_name],
                )
                session.add(project)
                await session.flush()
                for sub in rng.sample(subs, SUBS_PER_PROJECT):
                    session.add(
                        Engagement(
                            id=uuid.uuid4(),
                            project_id=project.id,
                            gc_org_id=gc.id,
                            sub_org_id=sub.id,
                            trade="Drywall",
                            requirement_set_version_id=version.id,
                            status=rng.choice(STATUSES),
                            expires_on=today + timedelta(days=rng.randint(-20, 400)),
                        )
                    )
                await session.flush()
    finally:
        await engine.dispose()


async def measure(settings: Settings) -> list[float]:
    app = create_app(settings)
    engine = make_engine(settings)
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    p95s = []
    server_ms: list[float] = []

    async def timed(scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        await app(scope, receive, send)
        server_ms.append((time.perf_counter() - started) * 1000)

    try:
        transport = ASGITransport(app=timed)
        async with AsyncClient(transport=transport, base_url="http://bench") as client:
            form = await client.get("/login")
            token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
            assert token is not None
            signed_in = await client.post(
                "/login",
                data={"_csrf": token.group(1), "email": EMAIL, "password": PASSWORD, "next": "/"},
            )
            assert signed_in.status_code == 302, signed_in.text
            for _ in range(20):  # warm-up: connections, template compilation
                await client.get("/dashboard", headers={"accept": "text/html"})
            for run in range(RUNS):
                server_ms.clear()
                for _ in range(REQUESTS):
                    response = await client.get("/dashboard", headers={"accept": "text/html"})
                    assert response.status_code == 200
                timings = list(server_ms)
                rows = response.text.count("<tr data-status=")
                cuts = statistics.quantiles(timings, n=100)
                p50, p95 = statistics.median(timings), cuts[94]
                p95s.append(p95)
                print(f"run {run + 1}: {rows} rows, p50={p50:.1f}ms p95={p95:.1f}ms")
    finally:
        await app.state.redis.aclose()
        await engine.dispose()
    return p95s


async def main() -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    base = Settings.from_env()
    name = f"coinet_bench_dash_{uuid.uuid4().hex[:8]}"
    url = await create_database(base.database_url, name)
    try:
        await migrate(url)
        settings = dataclasses.replace(base, database_url=url)
        await seed(settings)
        p95s = await measure(settings)
    finally:
        await drop_database(base.database_url, name)
    p95 = statistics.median(p95s)
    verdict = "ok" if p95 <= TARGET_MS else "SHORT"
    print(f"{PROJECTS} projects x {SUBS_PER_PROJECT} subs, {RUNS} runs of {REQUESTS} requests")
    print(f"bench dashboard: p95_ms={p95:.0f}ms target <={TARGET_MS:.0f}ms {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
