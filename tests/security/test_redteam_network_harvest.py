"""Red team: a GC finds subs on the network by name and invites one in one step, addressed to
the sub's administrator, an address the GC never typed and was never given. Searching two
letters and engaging every result must not hand the GC the personal e-mail address of every
sub's administrator (a phishing list of the whole network)."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation, ProjectTrade
from tests.integration.factories import make_org, make_project, make_requirement_version, sign_in
from tests.security.helpers import HTML


async def _engage_from_search(client: AsyncClient, db: AsyncSession) -> tuple[str, str]:
    """A GC engages a sub it found by name; returns (the sub admin's address, GC csrf)."""
    gc = await make_org(db, "general_contractor")
    target = await make_org(db, "subcontractor", name="Harvested Drywall LLC")
    project = await make_project(db, gc)
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            project_id=project.id, trade="Drywall", requirement_set_id=version.requirement_set_id
        )
    )
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    sent = await client.post(
        "/network/engage",
        data={
            "_csrf": csrf,
            "sub_org_id": str(target.id),
            "project_trade": f"{project.id}|Drywall",
            "q": "harvested",
        },
    )
    assert sent.status_code == 200 and 'id="sent"' in sent.text
    address = target.emails["sub_admin"]
    assert address not in sent.text
    page = await client.get(f"/projects/{project.id}", headers=HTML)
    assert page.status_code == 200
    assert "Harvested Drywall LLC" in page.text  # the GC sees whom it invited, by company
    assert address not in page.text, "the project page lists the sub admin's address"
    invitation = await db.scalar(select(Invitation.id).where(Invitation.project_id == project.id))
    again = await client.post(
        f"/projects/{project.id}/invitations/{invitation}/resend", data={"_csrf": csrf}
    )
    assert again.status_code == 200 and 'id="invite-sent"' in again.text
    assert address not in again.text, "sending again names the sub admin's address"
    # An address the GC types itself is still confirmed back to it.
    typed = await client.post(
        f"/projects/{project.id}/invitations",
        data={"_csrf": csrf, "email": "new.sub@typed.example", "trade": "Drywall"},
    )
    assert typed.status_code == 200, typed.text
    assert "Invitation e-mailed to new.sub@typed.example" in typed.text
    return address, csrf


async def test_engaging_a_found_sub_does_not_show_its_admins_address(
    client: AsyncClient, db: AsyncSession
) -> None:
    await _engage_from_search(client, db)


async def test_the_access_trail_does_not_show_a_found_subs_admin_address(
    client: AsyncClient, db: AsyncSession
) -> None:
    address, _ = await _engage_from_search(client, db)
    trail = await client.get("/api/v1/access-events")
    assert trail.status_code == 200
    assert address not in trail.text


async def test_the_access_trail_does_not_show_it_once_the_sub_accepted(
    client: AsyncClient, db: AsyncSession
) -> None:
    """The sub accepts the invitation; the acceptance is in the GC's trail too (about the GC's
    invitation), and it named the address the invitation went to: the sub admin's, which the
    GC never typed. The GC's own typed address stays shown."""
    address, _ = await _engage_from_search(client, db)
    invitation = await db.scalar(
        select(Invitation).where(Invitation.email == address, Invitation.accepted_at.is_(None))
    )
    assert invitation is not None
    gc_cookies = dict(client.cookies)
    client.cookies.clear()
    sub_csrf = await sign_in(client, address)
    accepted = await client.post(
        f"/project-invitations/{invitation.id}/accept", data={"_csrf": sub_csrf}
    )
    assert accepted.status_code in (302, 303), accepted.text[:300]
    client.cookies.clear()
    client.cookies.update(gc_cookies)
    trail = await client.get("/api/v1/access-events")
    assert trail.status_code == 200, trail.text
    events = trail.json()
    assert "invitation.accepted" in [e["event"] for e in events]
    assert address not in trail.text
    assert "new.sub@typed.example" in trail.text
