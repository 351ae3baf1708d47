"""Red team: a tier-2 invitation outliving the tier-1 engagement it flows down from. Once the
GC's engagement of the tier-1 sub has ended, the tier-1 sub still holding the page must not
bring anyone onto the GC's project under it: a link sent before the end engages nobody (so the
GC reads nothing of the invitee), and no new invitation goes out in the GC's project's name."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, Invitation
from tests.integration.factories import engage, make_org, make_project, sign_in
from tests.security.helpers import new_address


async def test_a_tier2_invitation_under_an_ended_engagement_engages_nobody(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    tier1 = await make_org(db, "subcontractor")
    invitee = await make_org(db, "subcontractor")
    project = await make_project(db, gc)
    project.flowdown_required = True
    parent = await engage(db, gc, tier1, project=project)
    await db.flush()
    csrf = await sign_in(client, tier1.emails["sub_admin"])
    sent = await client.post(
        f"/depends/{parent.id}/tier2",
        data={"_csrf": csrf, "email": invitee.emails["sub_admin"], "trade": "Insulation"},
    )
    assert sent.status_code == 200, sent.text[:300]
    invitation = (
        await db.execute(select(Invitation).where(Invitation.parent_engagement_id == parent.id))
    ).scalar_one()

    parent.active = False  # the GC's engagement of the tier-1 sub ended
    await db.flush()
    again = await client.post(
        f"/depends/{parent.id}/tier2",
        data={"_csrf": csrf, "email": new_address("late"), "trade": "Insulation"},
    )
    # The page answers in its own words (it is shown again with the refusal), 200 or not.
    assert "has ended" in again.text, again.text[:300]
    issued = select(func.count()).select_from(Invitation)
    assert await db.scalar(issued.where(Invitation.parent_engagement_id == parent.id)) == 1

    client.cookies.clear()
    csrf = await sign_in(client, invitee.emails["sub_admin"])
    accepted = await client.post(
        f"/project-invitations/{invitation.id}/accept",
        data={"_csrf": csrf},
        headers={"accept": "text/html"},
    )
    assert accepted.status_code == 410, accepted.status_code
    engaged = select(func.count()).select_from(Engagement)
    assert await db.scalar(engaged.where(Engagement.sub_org_id == invitee.id)) == 0
    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    assert (await client.get(f"/api/v1/subs/{invitee.id}/record")).status_code == 404
