"""Migration 0016: engagements become contracts without losing one row of history. Data made
under 0015 (two tier-1 engagements of one sub on one project, which 0015 allowed, and a tier-2)
is upgraded, labelled, extended with a second contract, refused a lossy downgrade, then
downgraded and upgraded again."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from backend.db.models import Engagement
from tests.integration.conftest import migrate
from tests.integration.factories import engage, make_org, make_project, make_requirement_version
from tests.integration.test_migrations import scratch_url  # noqa: F401 - a fixture

BEFORE = "0015_organisation_tax_id"
CONTRACTS = "0016_engagement_contracts"


async def _run(url: str, statements: list[tuple[str, dict[str, object]]]) -> list[object]:
    engine = create_async_engine(url)
    results: list[object] = []
    try:
        async with engine.begin() as connection:
            for sql, params in statements:
                result = await connection.execute(text(sql), params)
                results.append(result.all() if result.returns_rows else None)
    finally:
        await engine.dispose()
    return results


async def _seed_before(connection: AsyncConnection) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("gc", "sub", "sub2", "project", "set", "version")}
    ids |= {name: uuid.uuid4() for name in ("first", "second", "tier2")}
    for org, kind in (
        ("gc", "general_contractor"),
        ("sub", "subcontractor"),
        ("sub2", "subcontractor"),
    ):
        await connection.execute(
            text(
                "INSERT INTO organisations (id, kind, legal_name, address_line, city, state, "
                "postal_code, settings) VALUES (:id, :kind, :name, '1 Main', 'Columbus', 'OH', "
                "'43004', '{}')"
            ),
            {"id": ids[org], "kind": kind, "name": f"{org} LLC"},
        )
    await connection.execute(
        text(
            "INSERT INTO projects (id, gc_org_id, number, name, state, start_date, end_date, "
            "closeout_days, certificate_holder, additional_insureds, flowdown_required) VALUES "
            "(:id, :gc, 'P-1', 'Tower', 'OH', :start, :end, 30, 'GC LLC', '{}', false)"
        ),
        {
            "id": ids["project"],
            "gc": ids["gc"],
            "start": date(2027, 1, 1),
            "end": date(2027, 12, 31),
        },
    )
    await connection.execute(
        text(
            "INSERT INTO requirement_sets (id, gc_org_id, name, template) "
            "VALUES (:id, :gc, 'Standard', 'standard')"
        ),
        {"id": ids["set"], "gc": ids["gc"]},
    )
    await connection.execute(
        text(
            "INSERT INTO requirement_set_versions (id, requirement_set_id, version, body, "
            "body_sha256) VALUES (:id, :set, 1, '{}', :sha)"
        ),
        {"id": ids["version"], "set": ids["set"], "sha": "0" * 64},
    )
    for name, sub, parent, started in (
        ("first", "sub", None, date(2027, 1, 5)),
        ("second", "sub", None, date(2027, 3, 1)),
        ("tier2", "sub2", "first", None),
    ):
        await connection.execute(
            text(
                "INSERT INTO engagements (id, project_id, gc_org_id, sub_org_id, "
                "parent_engagement_id, trade, requirement_set_version_id, status, work_start, "
                "active, pay_hold, work_stopped, created_at) VALUES (:id, :project, :gc, :sub, "
                ":parent, 'Electrical', :version, 'compliant', :start, true, false, false, "
                "now() + make_interval(secs => :order))"
            ),
            {
                "id": ids[name],
                "project": ids["project"],
                "gc": ids["gc"],
                "sub": ids[sub],
                "parent": ids[parent] if parent else None,
                "version": ids["version"],
                "start": started,
                "order": ("first", "second", "tier2").index(name),
            },
        )
    return ids


async def test_existing_engagements_become_contracts_and_the_way_back_refuses_to_merge(
    scratch_url: str,  # noqa: F811 - the fixture imported above
) -> None:
    await migrate(scratch_url, BEFORE)
    engine = create_async_engine(scratch_url)
    try:
        async with engine.begin() as connection:
            ids = await _seed_before(connection)
    finally:
        await engine.dispose()

    await migrate(scratch_url, CONTRACTS)
    (rows,) = await _run(
        scratch_url,
        [
            (
                "SELECT id, contract_ref, contract_kind, procore_commitment_id, contract_start, "
                "status FROM engagements ORDER BY created_at",
                {},
            )
        ],
    )
    assert isinstance(rows, list)
    assert [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        (ids["first"], "Electrical", "subcontract", None, date(2027, 1, 5), "compliant"),
        (ids["second"], "Electrical (2)", "subcontract", None, date(2027, 3, 1), "compliant"),
        (ids["tier2"], "Electrical", "subcontract", None, None, "compliant"),
    ]

    insert_contract = (
        "INSERT INTO engagements (id, project_id, gc_org_id, sub_org_id, trade, contract_ref, "
        "contract_kind, procore_commitment_id, requirement_set_version_id, status, active, "
        "pay_hold, work_stopped) VALUES (:id, :project, :gc, :sub, 'Electrical', :ref, "
        "'purchase_order', 31, :version, 'pending', true, false, false)"
    )
    params = {
        "project": ids["project"],
        "gc": ids["gc"],
        "sub": ids["sub"],
        "version": ids["version"],
    }
    await _run(scratch_url, [(insert_contract, {**params, "id": uuid.uuid4(), "ref": "PO-31"})])
    # The same label twice for one sub on one project (tier 1, no parent) is one contract.
    with pytest.raises(IntegrityError):
        await _run(
            scratch_url,
            [
                (
                    insert_contract.replace("31,", "32,"),
                    {**params, "id": uuid.uuid4(), "ref": "PO-31"},
                )
            ],
        )
    # One engagement per Procore commitment on a project.
    with pytest.raises(IntegrityError):
        await _run(scratch_url, [(insert_contract, {**params, "id": uuid.uuid4(), "ref": "PO-99"})])

    with pytest.raises(DBAPIError, match="several contracts"):
        await migrate(scratch_url, BEFORE, down=True)
    await _run(
        scratch_url,
        [
            (
                "DELETE FROM engagements WHERE id <> :first AND parent_engagement_id IS NULL",
                {"first": ids["first"]},
            )
        ],
    )
    await migrate(scratch_url, BEFORE, down=True)
    (columns,) = await _run(
        scratch_url,
        [
            (
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'engagements' AND column_name LIKE 'contract%'",
                {},
            )
        ],
    )
    assert columns == []
    await migrate(scratch_url)
    (labels,) = await _run(
        scratch_url, [("SELECT contract_ref FROM engagements ORDER BY created_at", {})]
    )
    assert labels == [("Electrical",), ("Electrical",)]


async def test_an_engagement_without_a_label_is_labelled_by_its_trade(db: AsyncSession) -> None:
    """However it is inserted: the ORM (the value read back at once) or one multi-row INSERT."""
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    invited = await engage(db, gc, sub, trade="Glazing")
    assert invited.contract_ref == "Glazing" and invited.contract_label == "Glazing"
    version = await make_requirement_version(db, gc)
    rows = [
        {
            "id": uuid.uuid4(),
            "project_id": (await make_project(db, gc)).id,
            "gc_org_id": gc.id,
            "sub_org_id": sub.id,
            "trade": trade,
            "requirement_set_version_id": version.id,
            "status": "pending",
            "active": True,
            "pay_hold": False,
            "work_stopped": False,
        }
        for trade in ("Alpha", "Beta")
    ]
    await db.execute(insert(Engagement).values(rows))
    labels = await db.execute(
        select(Engagement.contract_ref).where(Engagement.sub_org_id == sub.id)
    )
    assert sorted(labels.scalars()) == ["Alpha", "Beta", "Glazing"]
