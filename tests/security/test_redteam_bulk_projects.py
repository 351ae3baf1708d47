"""Red team: the bulk-invite CSV names projects by number, not id, so the route-table walk
(other organisations' ids in paths) never tries it. A GC typing another GC's project number,
as a preview and as a send, invites nobody onto it and learns nothing of it: the answer for a
number another GC uses is the answer for a number nobody uses."""

from __future__ import annotations

import html

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation, ProjectTrade
from tests.integration.factories import make_org, make_project, make_requirement_version, sign_in


async def test_a_bulk_row_naming_another_gcs_project_invites_nobody(
    client: AsyncClient, db: AsyncSession
) -> None:
    victim = await make_org(db, "general_contractor")
    attacker = await make_org(db, "general_contractor")
    theirs = await make_project(db, victim, number="VIC-1")
    version = await make_requirement_version(db, victim)
    db.add(
        ProjectTrade(
            project_id=theirs.id, trade="Roofing", requirement_set_id=version.requirement_set_id
        )
    )
    await db.flush()
    csrf = await sign_in(client, attacker.emails["gc_admin"])
    rows = "Name,E-mail,Trade,Project\nMine LLC,me@attacker.example,Roofing,VIC-1\n"
    unused = rows.replace("VIC-1", "NONE-1")
    for action in ("preview", "send"):
        answer = await client.post(
            "/invitations/bulk", data={"_csrf": csrf, "csv": rows, "action": action}
        )
        nobody = await client.post(
            "/invitations/bulk", data={"_csrf": csrf, "csv": unused, "action": action}
        )
        assert answer.status_code == nobody.status_code == 200
        assert "No project numbered “VIC-1” in your organisation." in html.unescape(answer.text)
        assert theirs.name not in answer.text
    count = select(func.count()).select_from(Invitation).where(Invitation.project_id == theirs.id)
    assert await db.scalar(count) == 0
