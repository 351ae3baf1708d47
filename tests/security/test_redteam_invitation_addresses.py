"""Red team: an invitation's address as a recipient list. An address is checked as one "@"
with a dot after it, so "agent@broker.example,root" passed: the mail's To header then names
two recipients ("agent@broker.example" and "root"), and the mail server delivers to both, the
second at its own domain (the operator's own mailboxes: root, postmaster, all-staff), with
the inviter's name and text. The forward of a sub's gaps already took one plain address only
(test_redteam_forward_mail.py); every typed invitation address now does too: refused with a
message, nothing stored, no mail."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation, ProjectTrade
from tests.integration.factories import make_org, make_project, make_requirement_version, sign_in

pytestmark = pytest.mark.integration

LISTS = (
    "agent@broker.example,root",
    "agent@broker.example;postmaster",
    "Agent <agent@broker.example>",
    '"all-staff"@broker.example',
    "agent@broker.example,(all-staff)",
    "agent@[127.0.0.1].example",
)


async def _invitations(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Invitation)) or 0)


@pytest.mark.parametrize("address", LISTS)
async def test_a_broker_invitation_goes_to_one_plain_address(
    client: AsyncClient, db: AsyncSession, address: str
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    before = await _invitations(db)
    answer = await client.post(
        "/api/v1/broker-invitations",
        json={"email": address, "broker_org_id": str(firm.id), "days": 30},
        headers={"x-csrf-token": csrf},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "email"
    assert await _invitations(db) == before


@pytest.mark.parametrize("address", LISTS)
async def test_a_project_and_a_tier2_invitation_go_to_one_plain_address(
    client: AsyncClient, db: AsyncSession, address: str
) -> None:
    gc = await make_org(db, "general_contractor")
    project = await make_project(db, gc)
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            project_id=project.id, trade="Drywall", requirement_set_id=version.requirement_set_id
        )
    )
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    before = await _invitations(db)
    answer = await client.post(
        f"/projects/{project.id}/invitations",
        data={"_csrf": csrf, "email": address, "trade": "Drywall"},
        headers={"accept": "text/html"},
    )
    assert answer.status_code == 422, answer.text[:300]
    assert "valid e-mail address" in answer.text
    assert await _invitations(db) == before


async def test_a_plain_address_is_still_invited(client: AsyncClient, db: AsyncSession) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    for address in ("first.last+coi@broker-firm.example", "o'neil@broker.example"):
        answer = await client.post(
            "/api/v1/broker-invitations",
            json={"email": address, "broker_org_id": str(firm.id), "days": 30},
            headers={"x-csrf-token": csrf},
        )
        assert answer.status_code == 201, answer.text


async def test_a_bulk_list_reaches_only_the_gcs_own_projects_and_plain_addresses(
    client: AsyncClient, db: AsyncSession
) -> None:
    """Rows of an uploaded CSV naming another GC's real project number (ids inside uploaded
    data), or an address list, are refused beside their row and send nothing; the GC's own
    good row goes."""
    gc = await make_org(db, "general_contractor")
    rival = await make_org(db, "general_contractor")
    own = await make_project(db, gc, number="BK-OWN-1")
    theirs = await make_project(db, rival, number="BK-RIVAL-1")
    for project, org in ((own, gc), (theirs, rival)):
        version = await make_requirement_version(db, org)
        db.add(
            ProjectTrade(
                project_id=project.id,
                trade="Roofing",
                requirement_set_id=version.requirement_set_id,
            )
        )
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    rows = "\n".join(
        [
            "Name,E-mail,Trade,Project",
            "Good Roofing LLC,office@good-roofing.example,Roofing,BK-OWN-1",
            "Rival's Sub LLC,office@rivals-sub.example,Roofing,BK-RIVAL-1",
            'List LLC,"office@list.example,root",Roofing,BK-OWN-1',
        ]
    )
    sent = await client.post(
        "/invitations/bulk", data={"_csrf": csrf, "csv": rows, "action": "send"}
    )
    assert sent.status_code == 200, sent.text[:300]
    on_theirs = await db.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.project_id == theirs.id)
    )
    assert on_theirs == 0
    mine = (
        await db.execute(select(Invitation.email).where(Invitation.project_id == own.id))
    ).scalars()
    assert list(mine) == ["office@good-roofing.example"]
