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


async def test_a_row_refused_for_its_trade_links_to_adding_it_and_then_goes(
    client: AsyncClient, db: AsyncSession
) -> None:
    """A refused row names where it is fixed; the GC adds the trade on the project's page
    (bad names refused with a message, nothing written) and the same rows then send."""
    gc = await make_org(db, "general_contractor")
    project = await make_project(db, gc, number="BK-8")
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            project_id=project.id, trade="Roofing", requirement_set_id=version.requirement_set_id
        )
    )
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    rows = "name,email,trade,project\nFir Plumbing LLC,office@fir.example,Plumbing,BK-8"
    preview = await client.post(
        "/invitations/bulk", data={"_csrf": csrf, "csv": rows, "action": "preview"}
    )
    text = html.unescape(preview.text)
    assert (
        f'<a href="/projects/{project.id}?new_trade=Plumbing#add-trade">Add it to BK-8</a>' in text
    )
    prefilled = html.unescape((await client.get(f"/projects/{project.id}?new_trade=Plumbing")).text)
    assert 'name="trade_1" maxlength="80" required value="Plumbing"' in prefilled

    page = f"/projects/{project.id}"
    trades = select(ProjectTrade.trade).where(ProjectTrade.project_id == project.id)
    set_id = str(version.requirement_set_id)
    for bad, message in (
        ("", "Name the trade"),
        ("x" * 81, "Name the trade (1 to 80 characters)."),
        ("roofing", "BK-8 has the trade 'roofing' already."),
    ):
        refused = await client.post(
            f"{page}/trades", data={"_csrf": csrf, "trade_1": bad, "set_1": set_id}
        )
        assert refused.status_code in (409, 422), (bad, refused.status_code)
        assert message in html.unescape(refused.text), bad
    refused = await client.post(
        f"{page}/trades", data={"_csrf": csrf, "trade_1": "Plumbing", "set_1": "not-a-set"}
    )
    assert refused.status_code == 422
    assert "Choose the requirements for the trade." in refused.text
    assert sorted((await db.execute(trades)).scalars()) == ["Roofing"]

    added = await client.post(
        f"{page}/trades", data={"_csrf": csrf, "trade_1": " Plumbing ", "set_1": set_id}
    )
    assert added.status_code in (302, 303)
    shown = html.unescape((await client.get(added.headers["location"])).text)
    assert 'id="trade-added">Plumbing added' in shown
    assert sorted((await db.execute(trades)).scalars()) == ["Plumbing", "Roofing"]
    sent = await client.post(
        "/invitations/bulk", data={"_csrf": csrf, "csv": rows, "action": "send"}
    )
    assert "Sent: 1 of 1 rows" in html.unescape(sent.text)

    other = await make_org(db, "general_contractor")
    client.cookies.clear()
    other_csrf = await sign_in(client, other.emails["gc_admin"])
    theirs = await client.post(
        f"{page}/trades", data={"_csrf": other_csrf, "trade_1": "Glazing", "set_1": set_id}
    )
    assert theirs.status_code == 404
    assert sorted((await db.execute(trades)).scalars()) == ["Plumbing", "Roofing"]
