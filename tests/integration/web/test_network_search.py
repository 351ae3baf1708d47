"""Finding subs already on the network from the GC's pages and inviting one in one step."""

from __future__ import annotations

import html

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation, Organisation, ProjectTrade
from tests.integration.factories import make_org, make_project, make_requirement_version, sign_in

HTML = {"accept": "text/html"}


async def test_search_by_name_and_state_then_invite_in_one_step(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    wanted = await make_org(db, "subcontractor", name="Quillfeather Roofing LLC")
    elsewhere = await make_org(db, "subcontractor", name="Quillfeather Roofing of Texas LLC")
    other = await db.get(Organisation, elsewhere.id)
    assert other is not None
    other.state = "TX"
    await make_org(db, "broker", name="Quillfeather Insurance Agency LLC")
    project = await make_project(db, gc)
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            project_id=project.id,
            trade="Roofing",
            requirement_set_id=version.requirement_set_id,
        )
    )
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])

    found = html.unescape((await client.get("/network?q=quillFEATHER", headers=HTML)).text)
    assert "Quillfeather Roofing LLC" in found and "Quillfeather Roofing of Texas LLC" in found
    assert "Insurance Agency" not in found  # brokers are not subcontractors
    in_ohio = html.unescape((await client.get("/network?q=quill&state=oh", headers=HTML)).text)
    assert "Quillfeather Roofing LLC" in in_ohio and "of Texas" not in in_ohio
    wildcard = (await client.get("/network?q=%25%25", headers=HTML)).text
    assert "Quillfeather" not in wildcard  # "%" is a letter here, not a wildcard
    too_short = (await client.get("/network?q=q", headers=HTML)).text
    assert "Quillfeather" not in too_short

    sent = await client.post(
        "/network/engage",
        data={
            "_csrf": csrf,
            "sub_org_id": str(wanted.id),
            "project_trade": f"{project.id}|Roofing",
            "q": "quill",
        },
    )
    assert sent.status_code == 200 and 'id="sent"' in sent.text
    invitation = (
        await db.execute(select(Invitation).where(Invitation.project_id == project.id))
    ).scalar_one()
    assert invitation.invitee_org_id == wanted.id and invitation.trade == "Roofing"
    assert invitation.email == wanted.emails["sub_admin"]

    again = await client.post(
        "/network/engage",
        data={"_csrf": csrf, "sub_org_id": str(wanted.id), "project_trade": "nonsense"},
    )
    assert again.status_code == 422 and "Choose a project and trade" in again.text
    foreign_gc = await make_org(db, "general_contractor")
    foreign = await make_project(db, foreign_gc)
    refused = await client.post(
        "/network/engage",
        data={
            "_csrf": csrf,
            "sub_org_id": str(wanted.id),
            "project_trade": f"{foreign.id}|Roofing",
        },
    )
    assert refused.status_code == 404
