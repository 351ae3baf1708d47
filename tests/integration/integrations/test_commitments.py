"""Procore commitments (subcontracts, purchase orders) imported as engagements, against the
local Procore server process: one engagement per commitment, so one sub holds several contracts
on one project, each with its own requirement set, dates, verdict and decisions; the sub's
engagement made before its contract was known becomes its first contract (history kept);
unconfirmed vendors and void commitments are reported, never guessed; a second import changes
nothing; write-back keys one Procore record per contract and coverage line."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.canonical import parse_snapshot
from backend.config import Settings
from backend.db.models import (
    Engagement,
    OutboxEvent,
    ProcoreConnection,
    ProjectTrade,
    Verdict,
)
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.integrations.procore.writeback import push
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from tests.integration.factories import make_project, make_requirement_version, sign_in
from tests.integration.fanout.helpers import confirm, endorsements, terms
from tests.integration.integrations.conftest import ProcoreServer
from tests.integration.integrations.world import RECORD_START, a_gc, verified_engagements
from workers.fanout import run_fan_out
from workers.procore import procore_hook, procore_reconcile

COMPANY = 81
CLIENT_ID, CLIENT_SECRET = "svc-commitments", "secret-of-the-commitment-importer"
PROCORE_PROJECT = 9101
SUB_VENDOR, STRANGER_VENDOR = 601, 602
# More than one Procore page (100) of commitments from an unconfirmed vendor: the client must
# read every page, and the import must report each one rather than guess its sub.
STRANGER_COMMITMENTS = 101


def _commitment(
    commitment_id: int, number: str, title: str, vendor: int, status: str = "Approved", **dates: str
) -> dict[str, Any]:
    return {
        "id": commitment_id,
        "project_id": PROCORE_PROJECT,
        "number": number,
        "title": title,
        "status": status,
        "vendor": {"id": vendor, "name": "vendor"},
        "contract_start_date": dates.get("start"),
        "contract_estimated_completion_date": dates.get("end"),
    }


async def test_commitments_become_engagements_one_per_contract(
    db: AsyncSession,
    procore_client: AsyncClient,
    session_factory: Any,
    procore_settings: Settings,
    procore: ProcoreServer,
    redis: ArqRedis,
) -> None:
    client, settings = procore_client, procore_settings
    gc = await a_gc(db)
    sub, (earlier,) = await verified_engagements(db, session_factory, settings, gc)
    project_id = earlier.project_id
    electrical = await make_requirement_version(db, gc, "moderate")
    concrete = await make_requirement_version(db, gc, "high")
    for trade, version in (("Electrical", electrical), ("Concrete", concrete)):
        db.add(
            ProjectTrade(
                id=uuid.uuid4(),
                project_id=project_id,
                trade=trade,
                requirement_set_id=version.requirement_set_id,
            )
        )
    other_project = await make_project(db, gc)
    await db.commit()
    history_before = await db.scalar(
        select(func.count()).select_from(Verdict).where(Verdict.engagement_id == earlier.id)
    )
    procore.control(
        "seed",
        {
            "clients": {CLIENT_ID: CLIENT_SECRET},
            "companies": [
                {
                    "id": COMPANY,
                    "vendors": [
                        {"id": SUB_VENDOR, "name": sub.organisation.legal_name},
                        {"id": STRANGER_VENDOR, "name": "Stranger Supply Co"},
                    ],
                    "projects": [PROCORE_PROJECT],
                }
            ],
            "work_order_contracts": [
                _commitment(11, "SC-001", "Drywall and framing", SUB_VENDOR, start="2027-02-01"),
                _commitment(
                    12,
                    "SC-002",
                    "Concrete foundations",
                    SUB_VENDOR,
                    start="2027-03-01",
                    end="2027-09-30",
                ),
                _commitment(13, "SC-003", "Electrical rough-in", SUB_VENDOR, status="Void"),
                *(
                    _commitment(100 + n, f"SC-S{n}", "Supply", STRANGER_VENDOR)
                    for n in range(STRANGER_COMMITMENTS)
                ),
            ],
            "purchase_order_contracts": [
                _commitment(41, "PO-7", "Electrical fixtures", SUB_VENDOR, start="2027-04-15")
            ],
        },
    )
    headers = {"x-csrf-token": await sign_in(client, gc.emails["gc_admin"])}
    base = "/api/v1/integrations/procore"
    before_connection = await client.post(f"{base}/commitments/import", headers=headers)
    assert before_connection.status_code == 409 and "Connect Procore" in before_connection.text
    connected = await client.put(
        f"{base}/connection",
        json={"company_id": COMPANY, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        headers=headers,
    )
    assert connected.status_code == 200, connected.text
    await client.post(f"{base}/vendors/refresh", headers=headers)
    assert (await client.post(f"{base}/vendors/{SUB_VENDOR}/confirm", headers=headers)).json()[
        "state"
    ] == "confirmed"
    linked = await client.post(
        f"{base}/projects",
        json={"project_id": str(project_id), "procore_project_id": PROCORE_PROJECT},
        headers=headers,
    )
    assert linked.status_code == 201, linked.text

    # Bad input: a project that is not linked, an unknown field, a trade too long.
    unlinked = await client.post(
        f"{base}/commitments/import", json={"project_id": str(other_project.id)}, headers=headers
    )
    assert unlinked.status_code == 404 and "linked to Procore" in unlinked.text
    for body in ({"project": "x"}, {"default_trade": "x" * 81}):
        refused = await client.post(f"{base}/commitments/import", json=body, headers=headers)
        assert refused.status_code in (400, 422), refused.text

    imported = await client.post(
        f"{base}/commitments/import", json={"project_id": str(project_id)}, headers=headers
    )
    assert imported.status_code == 200, imported.text
    report = imported.json()
    assert report["read"] == 3 + STRANGER_COMMITMENTS + 1
    assert (report["attached"], report["created"], report["updated"]) == (1, 2, 0)
    reasons = [s["reason"] for s in report["skipped"]]
    assert sum("not confirmed" in r for r in reasons) == STRANGER_COMMITMENTS
    assert [s["number"] for s in report["skipped"] if "void" in s["reason"]] == ["SC-003"]

    contracts = {
        e.contract_ref: e
        for e in (
            await db.execute(
                select(Engagement)
                .where(Engagement.project_id == project_id, Engagement.sub_org_id == sub.id)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    assert set(contracts) == {"SC-001", "SC-002", "PO-7"}
    # The engagement made before the contract was known is SC-001: same row, same history.
    assert contracts["SC-001"].id == earlier.id
    assert contracts["SC-001"].procore_commitment_id == 11
    assert contracts["SC-001"].contract_start == date(2027, 2, 1)
    history_after = await db.scalar(
        select(func.count()).select_from(Verdict).where(Verdict.engagement_id == earlier.id)
    )
    assert history_after == history_before
    # Each new contract is held to the trade its title names, with its own dates.
    concrete_contract, fixtures = contracts["SC-002"], contracts["PO-7"]
    assert concrete_contract.trade == "Concrete"
    assert concrete_contract.requirement_set_version_id == concrete.id
    assert (concrete_contract.contract_start, concrete_contract.contract_end) == (
        date(2027, 3, 1),
        date(2027, 9, 30),
    )
    assert fixtures.contract_kind == "purchase_order" and fixtures.trade == "Electrical"
    assert fixtures.requirement_set_version_id == electrical.id
    # Judged at once against the sub's record, with a snapshot each.
    for contract in (concrete_contract, fixtures):
        assert contract.status != "pending"
        assert await db.scalar(
            select(func.count())
            .select_from(AuditLogEntry)
            .where(AuditLogEntry.engagement_id == contract.id)
        )

    again = (await client.post(f"{base}/commitments/import", json={}, headers=headers)).json()
    assert (again["created"], again["attached"], again["updated"], again["unchanged"]) == (
        0,
        0,
        0,
        3,
    )

    # The settings page imports too, and says what it did.
    shown = await client.post(
        "/settings/integrations/procore/commitments/import",
        data={"_csrf": headers["x-csrf-token"], "project_id": "", "default_trade": ""},
        headers={"accept": "text/html"},
    )
    assert shown.status_code == 200 and "3 unchanged" in shown.text
    project_page = await client.get(f"/projects/{project_id}", headers={"accept": "text/html"})
    assert "SC-002 · Concrete" in project_page.text and "PO-7 · Electrical" in project_page.text
    contract_page = await client.get(
        f"/engagements/{contracts['PO-7'].id}", headers={"accept": "text/html"}
    )
    assert "purchase order PO-7 (2027-04-15 to …)" in contract_page.text

    # The API lists each contract of the sub on the project, with its label.
    listed = await client.get("/api/v1/engagements", params={"project_id": str(project_id)})
    rows = listed.json()["data"]
    assert sorted(r["contract_ref"] for r in rows) == ["PO-7", "SC-001", "SC-002"]

    # Decisions are per contract: a pay hold on one leaves the others alone.
    held = await client.post(
        f"/api/v1/engagements/{concrete_contract.id}/decisions",
        json={"kind": "pay_hold", "reason": "lien waiver missing"},
        headers=headers,
    )
    assert held.status_code == 201, held.text
    listed = await client.get("/api/v1/engagements", params={"project_id": str(project_id)})
    holds = {r["contract_ref"]: r["pay_hold"] for r in listed.json()["data"]}
    assert holds == {"SC-001": False, "SC-002": True, "PO-7": False}
    snapshot = await db.scalar(
        select(AuditLogEntry.snapshot)
        .where(AuditLogEntry.engagement_id == concrete_contract.id)
        .order_by(AuditLogEntry.seq.desc())
        .limit(1)
    )
    assert snapshot is not None
    signed = parse_snapshot(snapshot)
    assert signed["extra"]["contract"] == {"ref": "SC-002", "kind": "subcontract"}
    # The holds list names the contract and why it is held.
    (hold,) = (await client.get("/api/v1/holds", params={"sub_id": str(sub.id)})).json()["data"]
    assert (hold["contract_ref"], hold["pay_hold_reason"]) == ("SC-002", "lien waiver missing")

    # Write-back: one Procore record per contract and coverage line, keyed by the contract.
    pushed = await push(session_factory, settings, gc.id)
    assert pushed.failed == 0 and pushed.synced == pushed.considered > 0
    records = procore.stats()["insurances"]
    by_contract: dict[str, set[str]] = {}
    for record in records:
        by_contract.setdefault(record["origin_id"].split(":")[1], set()).add(record["notes"])
    assert set(by_contract) == {str(c.id) for c in contracts.values()}
    assert all("PO-7" in note for note in by_contract[str(fixtures.id)])
    assert all(r["vendor_id"] == SUB_VENDOR for r in records)

    # Procore's webhook on a commitment is a hint: that project's commitments are read again,
    # a new one becomes an engagement and is written to Procore at once.
    procore.control(
        "seed",
        {"work_order_contracts": [_commitment(14, "SC-004", "Concrete curbs", SUB_VENDOR)]},
    )
    ctx = {"session_factory": session_factory, "settings": settings, "redis": redis}
    connection_id = await db.scalar(
        select(ProcoreConnection.id).where(ProcoreConnection.organisation_id == gc.id)
    )
    event = {
        "company_id": COMPANY,
        "project_id": PROCORE_PROJECT,
        "event_type": "create",
        "resource_name": "Work Order Contracts",
        "resource_id": 14,
    }
    outcome = await procore_hook(ctx, str(connection_id), event)
    assert "'created': 1" in outcome, outcome
    unknown = await procore_hook(ctx, str(connection_id), {**event, "project_id": 4242})
    assert "not linked" in unknown
    written = {r["origin_id"].split(":")[1] for r in procore.stats()["insurances"]}
    assert len(written) == 4
    # The nightly reconciliation reads commitments again before writing every record.
    procore.control(
        "seed",
        {"purchase_order_contracts": [_commitment(42, "PO-8", "Concrete pumps", SUB_VENDOR)]},
    )
    nightly = await procore_reconcile(ctx, str(gc.id))
    assert nightly[str(gc.id)]["failed"] == 0
    refs = set(
        (
            await db.execute(select(Engagement.contract_ref).where(Engagement.sub_org_id == sub.id))
        ).scalars()
    )
    assert refs == {"SC-001", "SC-002", "SC-004", "PO-7", "PO-8"}

    # A renewal of the sub's record fans out to every contract, each judged on its own.
    renewal = RecordChange(
        kind="renewal",
        terms=terms(RECORD_START + timedelta(days=5), number_suffix="2"),
        endorsements=endorsements(),
    )
    revision = await confirm(db, make_store(settings), sub, renewal)
    await db.commit()
    event_id = await db.scalar(select(OutboxEvent.id).where(OutboxEvent.revision_id == revision.id))
    before_fan_out = await db.scalar(select(func.now()))
    await db.commit()
    await run_fan_out(session_factory, event_id, date.today())
    judged = await db.execute(
        select(Engagement.contract_ref)
        .join(Verdict, Verdict.engagement_id == Engagement.id)
        .where(Engagement.sub_org_id == sub.id, Verdict.revision_id == revision.id)
    )
    assert sorted(judged.scalars()) == sorted(refs)
    # An integrator polling "what changed" sees every contract the fan-out judged again.
    changed = await client.get(
        "/api/v1/engagements", params={"updated_since": before_fan_out.isoformat()}
    )
    assert sorted(r["contract_ref"] for r in changed.json()["data"]) == sorted(refs)


async def test_only_a_gc_admin_imports_and_only_its_own_projects(
    db: AsyncSession,
    procore_client: AsyncClient,
    procore: ProcoreServer,
) -> None:
    gc = await a_gc(db)
    stranger = await a_gc(db)
    theirs = await make_project(db, stranger)
    await db.commit()
    base = "/api/v1/integrations/procore/commitments/import"
    viewer = {"x-csrf-token": await sign_in(procore_client, gc.emails["gc_viewer"])}
    assert (await procore_client.post(base, headers=viewer)).status_code == 403
    procore_client.cookies.clear()
    admin = {"x-csrf-token": await sign_in(procore_client, gc.emails["gc_admin"])}
    refused = await procore_client.post(base, json={"project_id": str(theirs.id)}, headers=admin)
    assert refused.status_code in (404, 409), refused.text
    assert str(theirs.id) not in refused.text


def test_a_vendor_is_suggested_by_the_subs_own_tax_id() -> None:
    """The organisation's tax id column (EIN) matches a Procore vendor's, however it is
    punctuated; a name alone that differs does not."""
    from backend.db.models import Organisation
    from backend.integrations.procore.mapping import suggest

    sub = Organisation(
        id=uuid.uuid4(),
        kind="subcontractor",
        legal_name="Keystone Electric LLC",
        tax_id="123456789",
    )
    other = Organisation(id=uuid.uuid4(), kind="subcontractor", legal_name="Other LLC")
    found, reason = suggest({"id": 1, "name": "KEI", "tax_id": "12-3456789"}, [sub, other])
    assert (found, reason) == (sub, "tax id")
    assert suggest({"id": 2, "name": "KEI", "tax_id": "98-7654321"}, [sub, other]) == (None, "")
