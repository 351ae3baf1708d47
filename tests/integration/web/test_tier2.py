"""Flow-down: a tier-1 sub invites a tier-2 sub on a project that requires it; the tier-2
engagement pins the parent's requirements and shows under its parent on the GC's project."""

from __future__ import annotations

import re

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, RequirementSetVersion
from backend.requirements.flowdown import is_at_least_as_strict
from backend.requirements.versions import requirement_set_from_body
from tests.integration.factories import engage, make_org, make_project, sign_in

HTML = {"accept": "text/html"}


async def test_tier2_invitation_flows_down_and_shows_in_the_tree(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    tier1 = await make_org(db, "subcontractor", name="Apex Framing LLC")
    tier2 = await make_org(db, "subcontractor", name="Delta Insulation LLC")
    project = await make_project(db, gc)
    project.flowdown_required = True
    parent = await engage(db, gc, tier1, project=project)
    plain = await engage(db, gc, tier1)  # a project without flow-down
    await db.flush()

    csrf = await sign_in(client, tier1.emails["sub_bookkeeper"])
    depends = await client.get("/depends", headers=HTML)
    assert f"/depends/{parent.id}/tier2" in depends.text
    assert f"/depends/{plain.id}/tier2" not in depends.text
    refused = await client.post(
        f"/depends/{plain.id}/tier2",
        data={"_csrf": csrf, "email": tier2.emails["sub_admin"], "trade": "Insulation"},
    )
    assert refused.status_code == 422 and "does not ask for tier-2 subs" in refused.text
    sent = await client.post(
        f"/depends/{parent.id}/tier2",
        data={"_csrf": csrf, "email": tier2.emails["sub_admin"], "trade": "Insulation"},
    )
    assert (
        sent.status_code == 200 and "Invitation e-mailed" in sent.text and "token=" not in sent.text
    )

    client.cookies.clear()
    tier2_csrf = await sign_in(client, tier2.emails["sub_admin"])
    page = await client.get("/depends", headers=HTML)
    accept = re.search(r"/project-invitations/([0-9a-f-]+)/accept", page.text)
    assert accept and "(tier 2)" in page.text
    assert (await client.post(accept.group(0), data={"_csrf": tier2_csrf})).status_code == 302
    child = (
        await db.execute(select(Engagement).where(Engagement.sub_org_id == tier2.id))
    ).scalar_one()
    assert child.parent_engagement_id == parent.id
    # The child is held to a set derived from the parent's: a separate version, at least as strict.
    assert child.requirement_set_version_id != parent.requirement_set_version_id
    child_version = await db.get(RequirementSetVersion, child.requirement_set_version_id)
    parent_version = await db.get(RequirementSetVersion, parent.requirement_set_version_id)
    assert child_version is not None and parent_version is not None
    assert is_at_least_as_strict(
        requirement_set_from_body(child_version.body),
        requirement_set_from_body(parent_version.body),
    )
    assert child.gc_org_id == gc.id

    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    tree = await client.get(f"/projects/{project.id}", headers=HTML)
    assert "tier 2 under Apex Framing LLC" in tree.text
    assert tree.text.index("Apex Framing LLC") < tree.text.index("Delta Insulation LLC")


async def test_a_second_tier2_acceptance_for_the_same_contract_is_refused_in_words(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    tier1 = await make_org(db, "subcontractor")
    tier2 = await make_org(db, "subcontractor")
    project = await make_project(db, gc)
    project.flowdown_required = True
    parent = await engage(db, gc, tier1, project=project)
    await db.flush()
    csrf = await sign_in(client, tier1.emails["sub_bookkeeper"])
    for _ in range(2):
        sent = await client.post(
            f"/depends/{parent.id}/tier2",
            data={"_csrf": csrf, "email": tier2.emails["sub_admin"], "trade": "Insulation"},
        )
        assert sent.status_code in (200, 409, 422), sent.text[:300]

    client.cookies.clear()
    tier2_csrf = await sign_in(client, tier2.emails["sub_admin"])
    page = (await client.get("/depends", headers=HTML)).text
    links = sorted(set(re.findall(r"/project-invitations/[0-9a-f-]+/accept", page)))
    answers = [(await client.post(link, data={"_csrf": tier2_csrf})).status_code for link in links]
    assert answers[0] == 302
    # Every further acceptance of the same contract under the same parent is a 409 in words,
    # never the database's unique-key error as a 500.
    assert all(code == 409 for code in answers[1:]), answers
    children = await db.execute(select(Engagement).where(Engagement.sub_org_id == tier2.id))
    assert len(children.scalars().all()) == 1
