from __future__ import annotations

from datetime import date

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Engagement, Organisation, Project, Verdict
from backend.demo.loader import populate


async def test_demo_network_has_the_promised_shape_and_loads_once(
    db: AsyncSession, settings: Settings
) -> None:
    first = await populate(db, settings, date(2026, 11, 27))
    assert not first.already_loaded
    kinds = dict(
        (
            await db.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind))
        ).all()
    )
    assert (
        kinds["general_contractor"] >= 3 and kinds["subcontractor"] >= 40 and kinds["broker"] >= 3
    )
    assert (await db.execute(select(func.count()).select_from(Project))).scalar_one() >= 12
    engagements = (await db.execute(select(Engagement))).scalars().all()
    assert len(engagements) >= 150
    assert sum(1 for e in engagements if e.parent_engagement_id) >= 3
    statuses = {e.status for e in engagements}
    assert {"compliant", "expiring", "non_compliant", "incomplete"} <= statuses
    # the colours are the engine's verdicts, one per engagement, not labels
    verdicts = (await db.execute(select(func.count()).select_from(Verdict))).scalar_one()
    assert verdicts == len(engagements)
    assert {role for role, _, _ in first.sign_ins} == {
        "gc_admin",
        "gc_contract_admin",
        "gc_viewer",
        "sub_admin",
        "sub_bookkeeper",
        "broker_admin",
        "broker_agent",
    }
    second = await populate(db, settings, date(2026, 11, 27))
    assert second.already_loaded
    assert len((await db.execute(select(Engagement))).scalars().all()) == len(engagements)


async def test_health_endpoints_check_postgres_and_redis(client: AsyncClient) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "postgresql": "ok", "redis": "ok"}


async def test_openapi_schema_is_served(client: AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/subs/{sub_id}/record" in schema["paths"]
