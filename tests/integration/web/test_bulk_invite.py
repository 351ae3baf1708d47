"""Inviting many subs from a CSV: a preview judging every row, then the good rows sent, each
row's error said beside it; nothing is written by the preview."""

from __future__ import annotations

import html

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation, ProjectTrade
from tests.integration.factories import make_org, make_project, make_requirement_version, sign_in


async def test_preview_then_send_only_the_good_rows(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    project = await make_project(db, gc, number="BK-7")
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            project_id=project.id, trade="Roofing", requirement_set_id=version.requirement_set_id
        )
    )
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    rows = "\n".join(
        [
            "Name,E-mail,Trade,Project",
            "Tern Roofing LLC,office@tern.example,roofing,bk-7",
            "Bad Address LLC,not-an-address,Roofing,BK-7",
            "Elsewhere LLC,a@elsewhere.example,Roofing,NOPE-1",
            "Wrong Trade LLC,b@wrongtrade.example,Plumbing,BK-7",
            "Tern Roofing LLC,office@tern.example,Roofing,BK-7",
        ]
    )
    preview = await client.post(
        "/invitations/bulk", data={"_csrf": csrf, "csv": rows, "action": "preview"}
    )
    assert preview.status_code == 200
    text = html.unescape(preview.text)
    assert "Preview: 1 of 5 rows can be sent" in text
    assert "The e-mail address is not one." in text
    assert "No project numbered “NOPE-1”" in text
    assert "“Plumbing” is not one of BK-7's trades." in text
    assert "The same address and project are on an earlier row." in text
    query = select(Invitation).where(Invitation.project_id == project.id)
    assert (await db.execute(query)).first() is None

    sent = await client.post(
        "/invitations/bulk", data={"_csrf": csrf, "csv": rows, "action": "send"}
    )
    assert sent.status_code == 200
    assert "Sent: 1 of 5 rows" in html.unescape(sent.text)
    invitation = (await db.execute(query)).scalar_one()
    assert invitation.email == "office@tern.example" and invitation.trade.lower() == "roofing"

    missing = await client.post(
        "/invitations/bulk", data={"_csrf": csrf, "csv": "email,trade\nx@y.example,Roofing"}
    )
    assert missing.status_code == 422 and "missing: name, project" in missing.text
