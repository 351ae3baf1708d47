"""A GC sends a project invitation again (a fresh link, the old one dead) and reminds a sub of
what is missing (one reminder per person per day, with a link to the fix)."""

from __future__ import annotations

from datetime import date
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation, ProjectTrade
from backend.projects.verify_service import verify_engagement
from tests.integration.factories import (
    engage,
    make_org,
    make_project,
    make_requirement_version,
    sign_in,
)
from tests.integration.fanout.test_fanout import notices_to

HTML = {"accept": "text/html"}


async def test_resend_gives_a_fresh_link_and_remind_tells_the_sub_once_a_day(
    client: AsyncClient, db: AsyncSession, redis: Any
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    project = await make_project(db, gc)
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            project_id=project.id, trade="Roofing", requirement_set_id=version.requirement_set_id
        )
    )
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    invited = await client.post(
        f"/projects/{project.id}/invitations",
        data={"_csrf": csrf, "email": "owner@newroofer.example", "trade": "Roofing"},
    )
    assert invited.status_code == 200, invited.text
    invitation = (
        await db.execute(select(Invitation).where(Invitation.project_id == project.id))
    ).scalar_one()
    first_hash = bytes(invitation.token_hash)
    again = await client.post(
        f"/projects/{project.id}/invitations/{invitation.id}/resend", data={"_csrf": csrf}
    )
    assert again.status_code == 200 and 'id="invite-sent"' in again.text
    await db.refresh(invitation)
    assert bytes(invitation.token_hash) != first_hash
    other_project = await make_project(db, gc)
    wrong = await client.post(
        f"/projects/{other_project.id}/invitations/{invitation.id}/resend", data={"_csrf": csrf}
    )
    assert wrong.status_code == 404 and "No such invitation on this project." in wrong.text
    second_hash = bytes(invitation.token_hash)
    await db.refresh(invitation)
    assert bytes(invitation.token_hash) == second_hash  # the link sent stays the one that works

    engagement = await engage(db, gc, sub, project=project)
    await verify_engagement(db, engagement.id, None, date.today())
    for _ in range(2):
        reminded = await client.post(f"/engagements/{engagement.id}/remind", data={"_csrf": csrf})
        assert reminded.status_code in (302, 303)
    told = await notices_to(db, sub.emails["sub_bookkeeper"], "reminder")
    assert len(told) == 1
    assert told[0].link == f"/my/engagements/{engagement.id}"
    assert "Still missing:" in told[0].body and "- " in told[0].body
    page = await client.get(f"/engagements/{engagement.id}?reminded=1", headers=HTML)
    assert 'id="reminded"' in page.text

    stranger = await make_org(db, "general_contractor")
    client.cookies.clear()
    stranger_csrf = await sign_in(client, stranger.emails["gc_contract_admin"])
    refused = await client.post(
        f"/engagements/{engagement.id}/remind", data={"_csrf": stranger_csrf}
    )
    assert refused.status_code == 404
