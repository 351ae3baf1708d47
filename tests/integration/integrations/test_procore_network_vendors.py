"""Procore vendors that are subs on the network the GC does not engage yet, against the local
Procore server process: suggested only when the sub's exact legal name (case and spacing aside)
AND its tax id are the vendor's; never on the name or the tax id alone; confirmed by a person;
no contract imported until the sub has accepted the GC (an engagement), then the contract is
that engagement. Another GC's vendor ids and ids not in the GC's Procore are not found; the
look-ups are counted against the organisation's hourly tax id budget, so a directory of
guesses learns nothing past it."""

from __future__ import annotations

import dataclasses
import random
import uuid
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.config import Settings
from backend.db.models import Invitation, Project, ProjectTrade
from backend.integrations.procore.commitments import INVITED_MATCH
from backend.integrations.procore.mapping import NETWORK_MATCH
from backend.network.actor import Actor
from backend.network.invitations import InvitationService
from backend.web_security.rate_limits import TAX_ID_LOOKUPS_PER_IP
from tests.integration.factories import (
    Org,
    engage,
    make_org,
    make_project,
    make_requirement_version,
    sign_in,
)
from tests.integration.fanout.helpers import person_of
from tests.integration.integrations.conftest import ProcoreServer, app_client

COMPANY, OTHER_COMPANY = 91, 92
CLIENT_ID, CLIENT_SECRET = "svc-network-vendors", "secret-of-the-network-vendor-test"
PROCORE_PROJECT = 9301
BASE = "/api/v1/integrations/procore"


def _ein() -> str:
    """Nine digits starting with an assigned prefix (12), unique enough for one test run."""
    return "12" + f"{random.randrange(10**7):07d}"


async def _network_sub(db: AsyncSession) -> tuple[Org, str]:
    sub = await make_org(db, "subcontractor", name=f"Keystone Framing {uuid.uuid4().hex[:6]} LLC")
    tax = _ein()
    sub.organisation.tax_id = tax
    await db.flush()
    return sub, tax


async def _project_with_trade(db: AsyncSession, gc: Org, trade: str) -> Project:
    """A project of the GC's mapping one trade to requirements (an invitation names one)."""
    project = await make_project(db, gc)
    version = await make_requirement_version(db, gc, "moderate")
    db.add(
        ProjectTrade(
            id=uuid.uuid4(),
            project_id=project.id,
            trade=trade,
            requirement_set_id=version.requirement_set_id,
        )
    )
    return project


async def _connect(client: AsyncClient, email: str, company: int) -> dict[str, str]:
    client.cookies.clear()
    headers = {"x-csrf-token": await sign_in(client, email)}
    connected = await client.put(
        f"{BASE}/connection",
        json={"company_id": company, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        headers=headers,
    )
    assert connected.status_code == 200, connected.text
    return headers


async def test_a_network_sub_is_suggested_by_exact_name_and_tax_id_together(
    db: AsyncSession,
    procore_client: AsyncClient,
    procore: ProcoreServer,
) -> None:
    client = procore_client
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    sub, tax = await _network_sub(db)
    bystander, bystander_tax = await _network_sub(db)
    project = await make_project(db, gc)
    await db.commit()
    name = sub.organisation.legal_name
    procore.control(
        "seed",
        {
            "clients": {CLIENT_ID: CLIENT_SECRET},
            "companies": [
                {
                    "id": COMPANY,
                    "vendors": [
                        # The pair, as Procore may write it: other case, spacing and a hyphen.
                        {"id": 701, "name": f"  {name.upper()} ", "tax_id": f"{tax[:2]}-{tax[2:]}"},
                        # The name without its tax id, with another's, and a tax id under
                        # another name: guesses, never suggestions.
                        {"id": 702, "name": name},
                        {"id": 703, "name": name, "tax_id": bystander_tax},
                        {"id": 704, "name": "Somebody Else LLC", "tax_id": tax},
                        {"id": 705, "name": bystander.organisation.legal_name, "tax_id": "123"},
                    ],
                    "projects": [PROCORE_PROJECT],
                },
                {
                    "id": OTHER_COMPANY,
                    "vendors": [{"id": 801, "name": "Theirs LLC"}],
                    "projects": [],
                },
            ],
            "work_order_contracts": [
                {
                    "id": 31,
                    "project_id": PROCORE_PROJECT,
                    "number": "SC-031",
                    "title": "Framing",
                    "status": "Approved",
                    "vendor": {"id": 701, "name": name},
                }
            ],
        },
    )
    theirs = await _connect(client, other_gc.emails["gc_admin"], OTHER_COMPANY)
    assert (await client.post(f"{BASE}/vendors/refresh", headers=theirs)).status_code == 200
    headers = await _connect(client, gc.emails["gc_admin"], COMPANY)

    refreshed = await client.post(f"{BASE}/vendors/refresh", headers=headers)
    assert refreshed.json() == {"vendors": 5, "not_looked_up": 0}, refreshed.text
    listed = await client.get(f"{BASE}/vendors", headers=headers)
    vendors = {v["procore_vendor_id"]: v for v in listed.json()}
    assert vendors[701]["state"] == "suggested" and vendors[701]["sub_org_id"] == str(sub.id)
    assert vendors[701]["match_reason"] == NETWORK_MATCH
    for guess in (702, 703, 704, 705):
        assert vendors[guess]["state"] == "unmatched" and vendors[guess]["sub_org_id"] is None
    # Nothing about either network sub beyond the pair the GC gave.
    assert bystander.organisation.legal_name not in listed.text.replace(
        vendors[705]["vendor_name"], ""
    )
    for secret in (*sub.emails.values(), tax, bystander_tax, str(bystander.id)):
        assert secret not in listed.text

    # Refused: a guess picked by hand (the sub is not engaged), another GC's vendor, a vendor
    # not in this GC's Procore.
    by_hand = await client.post(
        f"{BASE}/vendors/703/confirm", json={"sub_org_id": str(sub.id)}, headers=headers
    )
    assert by_hand.status_code == 422, by_hand.text
    for missing in (801, 999_999):
        answer = await client.post(f"{BASE}/vendors/{missing}/confirm", headers=headers)
        assert answer.status_code == 404, (missing, answer.text)
    confirmed = await client.post(f"{BASE}/vendors/701/confirm", headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "confirmed"

    # The GC's Procore does not give the sub's consent: no contract until the sub accepted.
    linked = await client.post(
        f"{BASE}/projects",
        json={"project_id": str(project.id), "procore_project_id": PROCORE_PROJECT},
        headers=headers,
    )
    assert linked.status_code == 201, linked.text
    imported = await client.post(
        f"{BASE}/commitments/import", json={"project_id": str(project.id)}, headers=headers
    )
    report = imported.json()
    assert report["created"] == 0 and report["attached"] == 0, report
    assert "not accepted an invitation" in report["skipped"][0]["reason"], report

    # Once the sub has accepted (an engagement on the project), the contract is that engagement.
    accepted = await engage(db, gc, sub, project)
    await db.commit()
    imported = await client.post(
        f"{BASE}/commitments/import", json={"project_id": str(project.id)}, headers=headers
    )
    report = imported.json()
    assert report["attached"] == 1 and report["skipped"] == [], report
    await db.refresh(accepted)
    assert accepted.procore_commitment_id == 31 and accepted.contract_ref == "SC-031"


async def test_network_look_ups_are_counted_against_the_hourly_tax_id_budget(
    db: AsyncSession,
    procore_settings: Settings,
    engine: AsyncEngine,
    session_factory: Any,
    redis: Any,
    procore: ProcoreServer,
) -> None:
    """A directory of more guesses than the budget: those past it are not looked up (the sub
    sitting past it is not found), and a second read looks up nothing more this hour."""
    budget = TAX_ID_LOOKUPS_PER_IP.amount
    gc = await make_org(db, "general_contractor")
    sub, tax = await _network_sub(db)
    await db.commit()
    guesses = [{"id": 1000 + i, "name": f"Guess {i} LLC", "tax_id": _ein()} for i in range(budget)]
    real = {"id": 2000, "name": sub.organisation.legal_name, "tax_id": tax}
    procore.control(
        "seed",
        {
            "clients": {CLIENT_ID: CLIENT_SECRET},
            "companies": [{"id": COMPANY, "vendors": [*guesses, real], "projects": []}],
        },
    )
    limited = dataclasses.replace(procore_settings, rate_limits=True)
    async with app_client(limited, engine, session_factory, redis) as client:
        headers = await _connect(client, gc.emails["gc_admin"], COMPANY)
        first = await client.post(f"{BASE}/vendors/refresh", headers=headers)
        assert first.json() == {"vendors": budget + 1, "not_looked_up": 1}, first.text
        vendors = {v["procore_vendor_id"]: v for v in (await client.get(f"{BASE}/vendors")).json()}
        assert vendors[2000]["state"] == "unmatched" and vendors[2000]["sub_org_id"] is None
        again = await client.post(f"{BASE}/vendors/refresh", headers=headers)
        assert again.json() == {"vendors": budget + 1, "not_looked_up": budget + 1}, again.text
        page = await client.get("/settings/integrations/procore/?not_looked_up=3")
        assert "3 vendors not looked up on the network yet" in page.text


async def test_invite_this_vendor_sends_the_project_invitation_and_acceptance_links_it(
    db: AsyncSession,
    procore_client: AsyncClient,
    procore: ProcoreServer,
) -> None:
    """A vendor no sub matches: one click sends the product's project invitation to the
    vendor's e-mail address in Procore, for its commitment on the linked project; once the sub
    accepts, the next import confirms the link and the contract is the accepted engagement.
    A vendor without an address, one not in the GC's Procore and another GC's are refused."""
    client = procore_client
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")  # on the network, no tax id: nothing suggests it
    project = await _project_with_trade(db, gc, "Framing")
    await db.commit()
    address = sub.emails["sub_admin"]
    procore.control(
        "seed",
        {
            "clients": {CLIENT_ID: CLIENT_SECRET},
            "companies": [
                {
                    "id": COMPANY,
                    "vendors": [
                        {"id": 901, "name": "New Framing Co", "email_address": address},
                        {"id": 902, "name": "No Address Co"},
                    ],
                    "projects": [PROCORE_PROJECT],
                },
                {
                    "id": OTHER_COMPANY,
                    "vendors": [{"id": 801, "name": "Theirs LLC"}],
                    "projects": [],
                },
            ],
            "work_order_contracts": [
                {
                    "id": 41,
                    "project_id": PROCORE_PROJECT,
                    "number": "SC-041",
                    "title": "Framing and drywall",
                    "status": "Approved",
                    "vendor": {"id": 901, "name": "vendor"},
                },
                {
                    "id": 42,
                    "project_id": PROCORE_PROJECT,
                    "number": "SC-042",
                    "title": "Framing",
                    "status": "Approved",
                    "vendor": {"id": 902, "name": "vendor"},
                },
            ],
        },
    )
    theirs = await _connect(client, other_gc.emails["gc_admin"], OTHER_COMPANY)
    await client.post(f"{BASE}/vendors/refresh", headers=theirs)
    headers = await _connect(client, gc.emails["gc_admin"], COMPANY)
    csrf = headers["x-csrf-token"]
    await client.post(f"{BASE}/vendors/refresh", headers=headers)
    linked = await client.post(
        f"{BASE}/projects",
        json={"project_id": str(project.id), "procore_project_id": PROCORE_PROJECT},
        headers=headers,
    )
    assert linked.status_code == 201, linked.text
    page = await client.get("/settings/integrations/procore/")
    assert "/vendors/901/invite" in page.text and "Invite this vendor" in page.text

    invitations = select(func.count()).select_from(Invitation)
    before = await db.scalar(invitations)
    form = {"_csrf": csrf, "project_id": str(project.id)}
    for vendor_id, status in ((902, 422), (801, 404), (999_999, 404)):
        refused = await client.post(
            f"/settings/integrations/procore/vendors/{vendor_id}/invite", data=form
        )
        assert refused.status_code == status, (vendor_id, refused.text[:300])
    not_linked = await client.post(
        "/settings/integrations/procore/vendors/901/invite",
        data={**form, "project_id": str(uuid.uuid4())},
    )
    assert not_linked.status_code == 404
    # The API refuses as the page does.
    for vendor_id, body, status in (
        (902, {"project_id": str(project.id)}, 422),
        (801, {"project_id": str(project.id)}, 404),
        (999_999, {"project_id": str(project.id)}, 404),
        (901, {"project_id": str(uuid.uuid4())}, 404),
        (901, {"project_id": "x"}, 422),
        (901, {}, 422),
    ):
        refused = await client.post(
            f"{BASE}/vendors/{vendor_id}/invite", json=body, headers=headers
        )
        assert refused.status_code == status, (vendor_id, body, refused.text)
    assert await db.scalar(invitations) == before

    sent = await client.post("/settings/integrations/procore/vendors/901/invite", data=form)
    assert sent.status_code in (302, 303), sent.text[:300]
    invitation = (
        await db.execute(select(Invitation).where(Invitation.issuer_org_id == gc.id))
    ).scalar_one()
    assert invitation.email == address and invitation.contract_ref == "SC-041"
    assert invitation.project_id == project.id and invitation.trade == "Framing"
    report = (
        await client.post(
            f"{BASE}/commitments/import", json={"project_id": str(project.id)}, headers=headers
        )
    ).json()
    assert report["created"] == 0 and report["attached"] == 0, report  # not accepted yet

    person = await person_of(db, address)
    sub_actor = Actor(
        person_id=person.id,
        organisation_id=sub.id,
        organisation_kind="subcontractor",
        role="sub_admin",
        email=address,
    )
    accepted = await InvitationService(db).accept_project(sub_actor, invitation.id)
    await db.commit()
    report = (
        await client.post(
            f"{BASE}/commitments/import", json={"project_id": str(project.id)}, headers=headers
        )
    ).json()
    assert report["attached"] == 1, [s["reason"] for s in report["skipped"]]
    vendors = {v["procore_vendor_id"]: v for v in (await client.get(f"{BASE}/vendors")).json()}
    assert vendors[901]["state"] == "confirmed" and vendors[901]["sub_org_id"] == str(sub.id)
    assert vendors[901]["match_reason"] == INVITED_MATCH
    await db.refresh(accepted)
    assert accepted.procore_commitment_id == 41 and accepted.contract_ref == "SC-041"
    decided = await client.post(
        f"{BASE}/vendors/901/invite", json={"project_id": str(project.id)}, headers=headers
    )
    assert decided.status_code == 409, decided.text


async def test_invite_this_vendor_over_the_api(
    db: AsyncSession,
    procore_client: AsyncClient,
    procore: ProcoreServer,
) -> None:
    client = procore_client
    gc = await make_org(db, "general_contractor")
    project = await _project_with_trade(db, gc, "Roofing")
    await db.commit()
    procore.control(
        "seed",
        {
            "clients": {CLIENT_ID: CLIENT_SECRET},
            "companies": [
                {
                    "id": COMPANY,
                    "vendors": [
                        {
                            "id": 911,
                            "name": "Tin Roof Co",
                            "email_address": "office@tinroof.example",
                        }
                    ],
                    "projects": [PROCORE_PROJECT],
                }
            ],
            "work_order_contracts": [
                {
                    "id": 51,
                    "project_id": PROCORE_PROJECT,
                    "number": "SC-051",
                    "title": "Roofing",
                    "status": "Approved",
                    "vendor": {"id": 911, "name": "vendor"},
                }
            ],
        },
    )
    headers = await _connect(client, gc.emails["gc_admin"], COMPANY)
    await client.post(f"{BASE}/vendors/refresh", headers=headers)
    await client.post(
        f"{BASE}/projects",
        json={"project_id": str(project.id), "procore_project_id": PROCORE_PROJECT},
        headers=headers,
    )
    sent = await client.post(
        f"{BASE}/vendors/911/invite", json={"project_id": str(project.id)}, headers=headers
    )
    assert sent.status_code == 201, sent.text
    answer = sent.json()
    assert answer["email"] == "office@tinroof.example" and answer["contract_ref"] == "SC-051"
    assert answer["trade"] == "Roofing" and "token" not in sent.text
    stored = await db.get(Invitation, uuid.UUID(answer["invitation_id"]))
    assert stored is not None and stored.project_id == project.id
