"""Fan-out benchmark: a sub engaged on many projects across many GCs confirms one renewal;
the time is measured from the renewal's commit until every engagement is verified,
snapshotted and its notices queued (the fan-out job's whole work, run in this process).

    uv run python -m tests.bench.bench_fanout

Runs against a throw-away PostgreSQL database. 1,000 engagements across 200 GCs is the target
case (median of 5 renewals); 100 and 5,000 show that the cost per engagement stays flat.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import asyncpg
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import get_settings
from backend.db.models import (
    Document,
    Engagement,
    InsurerRating,
    Membership,
    Organisation,
    OutboxEvent,
    Person,
    Project,
    RequirementSet,
    RequirementSetVersion,
)
from backend.db.session import make_engine
from backend.network.actor import Actor
from backend.ops_cli import alembic_config
from backend.records.schemas import EndorsementInput, RecordChange, TermInput
from backend.records.service import RecordService
from backend.records.store import make_store
from backend.requirements.versions import requirement_body, requirement_digest
from workers.fanout import run_fan_out

TARGET_SECONDS = 5.0
LINEAR_FACTOR = 2.0
CPU_SECONDS: list[float] = []  # this process's CPU per timed fan-out (the rest is PostgreSQL)
CASES = ((100, 20, 3), (1000, 200, 5), (5000, 200, 3))  # engagements, GCs, renewals timed
RATED = (("24112", "Great Lakes Casualty Company"), ("35289", "Continental Excess Insurance Co"))


@dataclass
class Network:
    sub_id: uuid.UUID
    bookkeeper: Actor
    engagements: int


def _rows(model: Any, rows: list[dict[str, Any]]) -> Any:
    return insert(model).values(rows)


async def seed(session: AsyncSession, engagements: int, gcs: int, today: date) -> Network:
    """A sub with a compliant record, `gcs` GCs each with its admins, ratings and the sub's
    certificate naming it, and `engagements` projects spread evenly over the GCs."""
    sub_id, bookkeeper_id = uuid.uuid4(), uuid.uuid4()
    organisations = [
        {"id": sub_id, "kind": "subcontractor", "legal_name": f"Bench Sub {sub_id.hex[:6]} LLC"}
    ]
    people = [{"id": bookkeeper_id, "email": f"bk.{sub_id.hex}@bench.test", "full_name": "BK"}]
    memberships = [
        {
            "id": uuid.uuid4(),
            "person_id": bookkeeper_id,
            "organisation_id": sub_id,
            "role": "sub_bookkeeper",
        }
    ]
    sets, versions, ratings, documents, projects = [], [], [], [], []
    gc_versions: list[uuid.UUID] = []
    links: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = []
    body = requirement_body("moderate")
    digest = requirement_digest(body)
    gc_rows = []
    for g in range(gcs):
        gc_id = uuid.uuid4()
        name = f"Bench General {g} {gc_id.hex[:4]} Inc."
        gc_rows.append((gc_id, name))
        organisations.append({"id": gc_id, "kind": "general_contractor", "legal_name": name})
        for role in ("gc_admin", "gc_contract_admin"):
            person_id = uuid.uuid4()
            people.append(
                {"id": person_id, "email": f"{role}.{gc_id.hex}@bench.test", "full_name": role}
            )
            memberships.append(
                {"id": uuid.uuid4(), "person_id": person_id, "organisation_id": gc_id, "role": role}
            )
        set_id, version_id = uuid.uuid4(), uuid.uuid4()
        sets.append({"id": set_id, "gc_org_id": gc_id, "name": "Moderate", "template": "moderate"})
        versions.append(
            {
                "id": version_id,
                "requirement_set_id": set_id,
                "version": 1,
                "body": body,
                "body_sha256": digest,
            }
        )
        ratings += [
            {
                "id": uuid.uuid4(),
                "gc_org_id": gc_id,
                "naic": naic,
                "insurer_name": insurer,
                "rating": "A",
                "size_class": "X",
                "surplus_lines": False,
            }
            for naic, insurer in (*RATED, ("10677", "Buckeye Workers Mutual"))
        ]
        documents.append(
            {
                "id": uuid.uuid4(),
                "sub_org_id": sub_id,
                "sha256": hashlib.sha256(f"{sub_id}{gc_id}".encode()).hexdigest(),
                "size_bytes": 1000,
                "content_type": "application/pdf",
                "filename": "acord25.pdf",
                "uploaded_by_id": bookkeeper_id,
                "read_state": "read",
                "read_result": {
                    "certificate_holder": {"name": name},
                    "description_of_operations": "30 days notice of cancellation.",
                },
            }
        )
        gc_versions.append(version_id)
    for e in range(engagements):
        gc_id, name = gc_rows[e % gcs]
        project_id = uuid.uuid4()
        projects.append(
            {
                "id": project_id,
                "gc_org_id": gc_id,
                "number": f"B-{e}",
                "name": f"Project {e}",
                "state": "OH",
                "start_date": today,
                "end_date": today + timedelta(days=300),
                "closeout_days": 30,
                "certificate_holder": name,
                "additional_insureds": [name],
                "flowdown_required": False,
            }
        )
        links.append((project_id, gc_id, gc_versions[e % gcs]))
    await session.execute(_rows(Organisation, organisations))
    await session.execute(_rows(Person, people))
    await session.execute(_rows(Membership, memberships))
    await session.execute(_rows(RequirementSet, sets))
    await session.execute(_rows(RequirementSetVersion, versions))
    await session.execute(_rows(InsurerRating, ratings))
    await session.execute(_rows(Document, documents))
    for start in range(0, len(projects), 1000):
        await session.execute(_rows(Project, projects[start : start + 1000]))
    engagement_rows = [
        {
            "id": uuid.uuid4(),
            "project_id": project_id,
            "gc_org_id": gc_id,
            "sub_org_id": sub_id,
            "trade": "Drywall",
            "requirement_set_version_id": version_id,
            "status": "pending",
            "work_start": today,
            "active": True,
            "pay_hold": False,
            "work_stopped": False,
        }
        for project_id, gc_id, version_id in links
    ]
    for start in range(0, len(engagement_rows), 1000):
        await session.execute(_rows(Engagement, engagement_rows[start : start + 1000]))
    actor = Actor(
        person_id=bookkeeper_id,
        organisation_id=sub_id,
        organisation_kind="subcontractor",
        role="sub_bookkeeper",
    )
    return Network(sub_id, actor, engagements)


def renewal(start: date, serial: int) -> RecordChange:
    end = start + timedelta(days=365)

    def term(line: str, naic: str, limits: dict[str, int], **extra: Any) -> TermInput:
        return TermInput(
            line=line,
            insurer_name="Bench Insurer",
            insurer_naic=naic,
            policy_number=f"{line[:2].upper()}-{serial}",
            effective=start,
            expiration=end,
            limits=limits,
            **extra,
        )

    return RecordChange(
        kind="renewal" if serial else "initial",
        terms=[
            term(
                "general_liability",
                "24112",
                {
                    # Odd renewals fall short and even ones restore compliance, so every timed
                    # renewal changes every status and queues its notices.
                    "each_occurrence": 500_000 if serial % 2 else 2_000_000,
                    "general_aggregate": 4_000_000,
                    "products_completed_operations_aggregate": 4_000_000,
                },
                aggregate_applies_per="project",
            ),
            term(
                "auto_liability",
                "24112",
                {"combined_single_limit": 1_000_000},
                covered_autos=["any_auto"],
            ),
            term(
                "umbrella",
                "35289",
                {"each_occurrence": 10_000_000, "aggregate": 10_000_000},
                follows_form=True,
            ),
            term(
                "workers_compensation",
                "10677",
                {
                    "el_each_accident": 1_000_000,
                    "el_disease_each_employee": 1_000_000,
                    "el_disease_policy_limit": 1_000_000,
                },
                wc_statutory=True,
                wc_states=["OH"],
            ),
        ],
        endorsements=[
            EndorsementInput(form_number=form, kind=kind, blanket=True)
            for form, kind in (
                ("CG 20 38", "additional_insured_ongoing"),
                ("CG 20 37", "additional_insured_completed"),
                ("CG 20 01", "primary_noncontributory"),
                ("CG 24 04", "waiver_of_subrogation"),
                ("CA 04 44", "waiver_of_subrogation"),
                ("WC 00 03 13", "waiver_of_subrogation"),
                ("IL 70 01", "notice_of_cancellation"),
            )
        ]
        if serial == 0
        else [],
    )


async def time_renewal(
    factory: async_sessionmaker[AsyncSession], network: Network, serial: int, today: date
) -> tuple[float, int]:
    settings = get_settings()
    async with factory() as session, session.begin():
        service = RecordService(session, make_store(settings), settings.max_upload_bytes)
        revision = await service.confirm_change(
            network.bookkeeper, network.sub_id, renewal(today - timedelta(days=5 - serial), serial)
        )
        event_id = (
            (
                await session.execute(
                    OutboxEvent.__table__.select().where(OutboxEvent.revision_id == revision.id)
                )
            )
            .one()
            .id
        )
    started, cpu_started = time.perf_counter(), time.process_time()
    report = await run_fan_out(factory, event_id, today)
    elapsed = time.perf_counter() - started
    CPU_SECONDS.append(time.process_time() - cpu_started)
    if report.verified != network.engagements:
        raise RuntimeError(f"verified {report.verified} of {network.engagements}")
    return elapsed, report.notices


async def main() -> int:
    from alembic import command

    base = get_settings().database_url
    name = f"coinet_bench_fanout_{uuid.uuid4().hex[:8]}"
    url = make_url(base)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    database_url = url.set(database=name).render_as_string(hide_password=False)
    lines: list[str] = []
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")
        # The product's own engine settings (JSON serializer, pool), pointed at the bench database.
        engine = make_engine(replace(get_settings(), database_url=database_url), pool_size=5)
        factory = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        today = date.today()
        results: dict[int, float] = {}
        for engagements, gcs, runs in CASES:
            async with factory() as session, session.begin():
                network = await seed(session, engagements, gcs, today)
            await time_renewal(factory, network, 0, today)  # the initial record, not timed
            timings = []
            for serial in range(1, runs + 1):
                seconds, notices = await time_renewal(factory, network, serial, today)
                timings.append(seconds)
                print(
                    f"  {engagements} engagements, renewal {serial}: {seconds:.2f}s "
                    f"({CPU_SECONDS[-1]:.2f}s CPU in this process), {notices} notices",
                    flush=True,
                )
            results[engagements] = statistics.median(timings)
        await engine.dispose()
        for engagements, _gcs, _runs in CASES:
            seconds = results[engagements]
            per = seconds * 1000 / engagements
            print(
                f"fan-out of {engagements} engagements: median {seconds:.2f}s, "
                f"{per:.2f} ms per engagement"
            )
        target = results[1000]
        verdict = "ok" if target <= TARGET_SECONDS else "SHORT"
        # Linear growth: the cost per engagement at 100 and at 5,000 stays within twice the
        # cost per engagement at 1,000 (100 carries the fan-out's fixed cost of a few queries).
        per_engagement_at_1000_ms = target * 1000 / 1000
        linear_ms = LINEAR_FACTOR * per_engagement_at_1000_ms
        for engagements in (100, 5000):
            per = results[engagements] * 1000 / engagements
            lines.append(
                f"bench fanout-{engagements}: per_engagement_ms={per:.2f}ms "
                f"target <={linear_ms:.2f}ms {'ok' if per <= linear_ms else 'SHORT'}"
            )
        lines.append(
            f"bench fanout-1000: seconds={target:.2f}s target <={TARGET_SECONDS:.0f}s {verdict}"
        )
    finally:
        connection = await asyncpg.connect(admin)
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.close()
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
