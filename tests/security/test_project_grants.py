"""Project and tier-2 invitations, API tokens, memberships and sign-up from the attacker's side:
every other way access is granted, and the abuse of each that must fail."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    AccessEvent,
    Engagement,
    Invitation,
    Membership,
    Organisation,
    Person,
    ProjectTrade,
)
from tests.integration.factories import (
    engage,
    make_org,
    make_project,
    make_requirement_version,
    sign_in,
)
from tests.integration.mailbox import mailed_link, token_of
from tests.security.helpers import HTML, form_csrf, new_address


async def _project_with_trade(db: AsyncSession, gc: object) -> uuid.UUID:
    project = await make_project(db, gc)  # type: ignore[arg-type]
    version = await make_requirement_version(db, gc)  # type: ignore[arg-type]
    db.add(
        ProjectTrade(
            id=uuid.uuid4(),
            project_id=project.id,
            trade="Drywall",
            requirement_set_id=version.requirement_set_id,
        )
    )
    await db.flush()
    return project.id


async def test_a_project_invitation_is_accepted_only_by_the_sub_it_names(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    invited = await make_org(db, "subcontractor")
    intruder = await make_org(db, "subcontractor")
    project_id = await _project_with_trade(db, gc)
    csrf = await sign_in(client, gc.emails["gc_admin"])
    sent = await client.post(
        f"/projects/{project_id}/invitations",
        data={"_csrf": csrf, "email": invited.emails["sub_admin"], "trade": "Drywall"},
    )
    assert sent.status_code == 200 and "token=" not in sent.text
    # Before acceptance the GC reads nothing of the sub.
    assert (await client.get(f"/api/v1/subs/{invited.id}/record")).status_code == 404
    link = await mailed_link(redis, invited.emails["sub_admin"])
    invitation = (
        await db.execute(select(Invitation).where(Invitation.project_id == project_id))
    ).scalar_one()

    # Another sub holding the link, or guessing the id, gets nothing.
    client.cookies.clear()
    intruder_csrf = await sign_in(client, intruder.emails["sub_admin"])
    assert (await client.get(link, headers=HTML)).status_code == 404
    stolen = await client.post(
        f"/project-invitations/{invitation.id}/accept", data={"_csrf": intruder_csrf}
    )
    assert stolen.status_code == 404
    assert (
        await db.scalar(
            select(func.count()).select_from(Engagement).where(Engagement.project_id == project_id)
        )
        == 0
    )

    # The named sub accepts once; the link cannot be used again.
    client.cookies.clear()
    sub_csrf = await sign_in(client, invited.emails["sub_admin"])
    accepted = await client.post(
        f"/project-invitations/{invitation.id}/accept", data={"_csrf": sub_csrf}
    )
    assert accepted.status_code == 302
    again = await client.post(
        f"/project-invitations/{invitation.id}/accept", data={"_csrf": sub_csrf}
    )
    assert again.status_code == 410
    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    assert (await client.get(f"/api/v1/subs/{invited.id}/record")).status_code == 200
    events = (
        await db.execute(
            select(AccessEvent.event).where(AccessEvent.invitation_id == invitation.id)
        )
    ).scalars()
    assert sorted(events) == ["invitation.accepted", "invitation.issued"]


async def test_expired_and_withdrawn_project_invitations_grant_nothing(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    project_id = await _project_with_trade(db, gc)
    csrf = await sign_in(client, gc.emails["gc_admin"])
    for _ in range(2):
        await client.post(
            f"/projects/{project_id}/invitations",
            data={"_csrf": csrf, "email": sub.emails["sub_admin"], "trade": "Drywall"},
        )
    expired, withdrawn = (
        (await db.execute(select(Invitation).where(Invitation.project_id == project_id)))
        .scalars()
        .all()
    )
    expired.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    withdrawn.revoked_at = datetime.now(UTC)
    await db.flush()
    client.cookies.clear()
    sub_csrf = await sign_in(client, sub.emails["sub_admin"])
    for invitation in (expired, withdrawn):
        response = await client.post(
            f"/project-invitations/{invitation.id}/accept", data={"_csrf": sub_csrf}
        )
        assert response.status_code == 410
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200
    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 404


async def test_a_sub_cannot_invite_tier2_under_someone_elses_engagement(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    owner = await make_org(db, "subcontractor")
    intruder = await make_org(db, "subcontractor")
    project = await make_project(db, gc)
    project.flowdown_required = True
    parent = await engage(db, gc, owner, project=project)
    await db.flush()
    csrf = await sign_in(client, intruder.emails["sub_admin"])
    response = await client.post(
        f"/depends/{parent.id}/tier2",
        data={"_csrf": csrf, "email": new_address("tier2"), "trade": "Insulation"},
    )
    assert response.status_code == 404
    made = await db.scalar(
        select(Invitation.id).where(Invitation.parent_engagement_id == parent.id)
    )
    assert made is None


async def test_api_tokens_stay_in_their_organisation_and_die_with_their_maker(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    await engage(db, other_gc, sub)
    csrf = await sign_in(client, gc.emails["gc_admin"])
    created = await client.post(
        "/api/v1/tokens", json={"name": "ERP"}, headers={"x-csrf-token": csrf}
    )
    token = created.json()["token"]
    client.cookies.clear()
    bearer = {"authorization": f"Bearer {token}"}
    # Another GC's sub, another GC's token list: not found.
    assert (await client.get(f"/api/v1/subs/{sub.id}/record", headers=bearer)).status_code == 404
    listed = await client.get("/api/v1/tokens", headers=bearer)
    assert [t["id"] for t in listed.json()] == [created.json()["id"]]
    # A member who leaves keeps no key.
    maker = (
        await db.execute(select(Person).where(Person.email == gc.emails["gc_admin"]))
    ).scalar_one()
    membership = (
        await db.execute(select(Membership).where(Membership.person_id == maker.id))
    ).scalar_one()
    await db.delete(membership)
    await db.flush()
    assert (await client.get("/api/v1/projects", headers=bearer)).status_code == 401
    # A bookkeeper or a broker's grant session may not make tokens at all.
    await sign_in(client, sub.emails["sub_bookkeeper"])
    page = await client.get("/", headers=HTML)
    found = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert found
    refused = await client.post(
        "/api/v1/tokens", json={"name": "mine"}, headers={"x-csrf-token": found.group(1)}
    )
    assert refused.status_code == 403
    events = (
        await db.execute(select(AccessEvent.event).where(AccessEvent.subject_org_id == gc.id))
    ).scalars()
    assert list(events) == ["api_token.created"]


async def test_sign_up_needs_an_unused_invitation_and_a_new_address(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    existing = await make_org(db, "subcontractor")
    project_id = await _project_with_trade(db, gc)
    newcomer = new_address("newcomer")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    await client.post(
        f"/projects/{project_id}/invitations",
        data={"_csrf": csrf, "email": newcomer, "trade": "Drywall"},
    )
    token = token_of(await mailed_link(redis, newcomer))
    client.cookies.clear()
    people_before = await db.scalar(select(func.count()).select_from(Person))

    async def join(token: str, name: str) -> int:
        form_token = await form_csrf(client, f"/signup?token={token}")
        response = await client.post(
            "/signup",
            data={
                "_csrf": form_token,
                "token": token,
                "legal_name": name,
                "full_name": "New Person",
                "password": "a long enough password",
                "password_again": "a long enough password",
            },
        )
        return response.status_code

    assert await join(token, "Newcomer Drywall LLC") == 302
    client.cookies.clear()
    # The used link joins nobody else; a made-up one neither.
    assert (await client.get(f"/signup?token={token}", headers=HTML)).status_code == 410
    assert (await client.get("/signup?token=inv_made_up", headers=HTML)).status_code == 404
    people_after = await db.scalar(select(func.count()).select_from(Person))
    assert people_after == (people_before or 0) + 1
    created = (
        await db.execute(
            select(Organisation).where(Organisation.legal_name == "Newcomer Drywall LLC")
        )
    ).scalar_one()
    joined = (
        await db.execute(select(AccessEvent.event).where(AccessEvent.subject_org_id == created.id))
    ).scalars()
    assert "membership.created" in list(joined)
    # Nobody joins an existing organisation through sign-up: the address of an existing
    # member is refused at invitation time when it is not a sub's, and sign-up always makes
    # a new organisation.
    assert existing.id != created.id


async def test_signing_up_ends_the_session_the_browser_came_with(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    """A shared office browser still signed in as the GC's admin follows a newcomer's link:
    joining gives the newcomer a fresh session and ends the admin's, so whoever uses the
    browser next cannot go back to act as the admin (as sign-in and switching already do)."""
    gc = await make_org(db, "general_contractor")
    project_id = await _project_with_trade(db, gc)
    newcomer = new_address("shared-browser")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    await client.post(
        f"/projects/{project_id}/invitations",
        data={"_csrf": csrf, "email": newcomer, "trade": "Drywall"},
    )
    token = token_of(await mailed_link(redis, newcomer))
    admin_session = client.cookies.get("coinet_session")
    assert admin_session
    form_token = await form_csrf(client, f"/signup?token={token}")
    joined = await client.post(
        "/signup",
        data={
            "_csrf": form_token,
            "token": token,
            "legal_name": "Shared Browser Drywall LLC",
            "full_name": "New Person",
            "password": "a long enough password",
            "password_again": "a long enough password",
        },
    )
    assert joined.status_code == 302
    fresh = client.cookies.get("coinet_session")
    assert fresh and fresh != admin_session
    # The newcomer's session reads its own record; the admin's old id opens nothing.
    assert (await client.get("/record", headers=HTML)).status_code == 200
    client.cookies.clear()
    client.cookies.set("coinet_session", admin_session, domain="testserver.local")
    assert (await client.get("/api/v1/projects")).status_code == 401
