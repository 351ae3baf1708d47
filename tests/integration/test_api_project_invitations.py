"""What the project pages do, over the API with a write token (issue 15 Must 7): a project
made with its trades (a tier template or one of the GC's requirement sets each), shown with
them, a requirement set read with its versions' requirements, and a sub invited onto one
trade under a contract label; once the sub accepts, the contract is an engagement the API
lists. Bad trades leave no project; another GC's project or set is not found; the link is
only ever in the e-mail."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation, Membership, Person, Project, ProjectTrade
from tests.integration.factories import make_org, make_project, make_requirement_version, sign_in


def _project(number: str, trades: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": number,
        "name": "Riverside Medical Office Building",
        "state": "OH",
        "start_date": "2027-03-01",
        "end_date": "2028-06-30",
        "certificate_holder": "Harbor Point Builders LLC",
    }
    if trades is not None:
        body["trades"] = trades
    return body


async def _write_token(client: AsyncClient, email: str) -> dict[str, str]:
    client.cookies.clear()
    csrf = await sign_in(client, email)
    made = await client.post(
        "/api/v1/tokens", json={"name": "ERP", "scope": "write"}, headers={"x-csrf-token": csrf}
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()
    return {"authorization": f"Bearer {made.json()['token']}"}


async def test_a_project_with_trades_and_a_sub_invited_onto_one_over_the_api(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    own_set = await make_requirement_version(db, gc, "high")
    theirs = await make_requirement_version(db, other_gc, "moderate")
    foreign_project = await make_project(db, other_gc)
    await db.commit()
    api = await _write_token(client, gc.emails["gc_admin"])

    projects_before = await db.scalar(select(func.count()).select_from(Project))
    for trades in (
        [{"trade": "Electrical", "template": "moderate", "requirement_set_id": str(own_set.id)}],
        [{"trade": "Electrical"}],
        [{"trade": "Electrical", "template": "extreme"}],
        [{"trade": "Electrical", "requirement_set_id": str(theirs.requirement_set_id)}],
        [{"trade": "Electrical", "template": "low"}, {"trade": "electrical", "template": "low"}],
        [{"trade": "x" * 81, "template": "low"}],
        [{"trade": "Electrical", "template": "low", "owner": "me"}],
    ):
        refused = await client.post("/api/v1/projects", json=_project("P-BAD", trades), headers=api)
        assert 400 <= refused.status_code < 500, (trades, refused.text)
    assert await db.scalar(select(func.count()).select_from(Project)) == projects_before

    made = await client.post(
        "/api/v1/projects",
        json=_project(
            "P-2027-014",
            [
                {"trade": "Electrical", "template": "moderate"},
                {"trade": "Concrete", "requirement_set_id": str(own_set.requirement_set_id)},
            ],
        ),
        headers=api,
    )
    assert made.status_code == 201, made.text
    project = made.json()
    trades = {t["trade"]: t for t in project["trades"]}
    assert set(trades) == {"Electrical", "Concrete"}
    assert trades["Concrete"]["requirement_set_id"] == str(own_set.requirement_set_id)
    shown = await client.get(f"/api/v1/projects/{project['id']}", headers=api)
    assert shown.json()["trades"] == project["trades"]
    # What a trade is held to, read over the API: every version's requirements.
    held_to = await client.get(
        f"/api/v1/requirement-sets/{own_set.requirement_set_id}", headers=api
    )
    assert held_to.status_code == 200, held_to.text
    (version,) = held_to.json()["versions"]
    assert version["id"] == str(own_set.id) and version["body"] == own_set.body
    for other in (theirs.requirement_set_id, uuid.uuid4()):
        hidden = await client.get(f"/api/v1/requirement-sets/{other}", headers=api)
        assert hidden.status_code == 404, hidden.text
    # Without trades, as before.
    bare = await client.post("/api/v1/projects", json=_project("P-2027-015"), headers=api)
    assert bare.status_code == 201 and bare.json()["trades"] == []

    invitations_before = await db.scalar(select(func.count()).select_from(Invitation))
    own = f"/api/v1/projects/{project['id']}/invitations"
    for path, body in (
        (own, {"email": "x@y.example", "trade": "Roofing"}),
        (own, {"email": "not an address", "trade": "Electrical"}),
        (own, {"email": "a@b.example", "trade": "Electrical", "link": "x"}),
        (own, {"email": "a@b.example", "trade": "Electrical", "contract": "c" * 81}),
        (
            f"/api/v1/projects/{foreign_project.id}/invitations",
            {"email": "a@b.example", "trade": "Electrical"},
        ),
        (
            f"/api/v1/projects/{uuid.uuid4()}/invitations",
            {"email": "a@b.example", "trade": "Electrical"},
        ),
    ):
        refused = await client.post(path, json=body, headers=api)
        assert 400 <= refused.status_code < 500, (path, body, refused.text)
    assert await db.scalar(select(func.count()).select_from(Invitation)) == invitations_before

    invited = await client.post(
        f"/api/v1/projects/{project['id']}/invitations",
        json={"email": sub.emails["sub_admin"], "trade": "Electrical", "contract": "SC-014"},
        headers=api,
    )
    assert invited.status_code == 201, invited.text
    view = invited.json()
    assert view["invitee_org_id"] == str(sub.id) and view["contract_ref"] == "SC-014"
    assert view["state"] == "sent" and "token" not in invited.text
    again = await client.post(
        f"/api/v1/projects/{project['id']}/invitations",
        json={"email": sub.emails["sub_admin"], "trade": "Concrete", "contract": "SC-015"},
        headers=api,
    )
    assert again.status_code == 201, again.text  # a second contract on the same project

    # The sub accepts from its home page; the contract is then an engagement the API lists.
    client.cookies.clear()
    csrf = await sign_in(client, sub.emails["sub_admin"])
    accepted = await client.post(
        f"/project-invitations/{view['id']}/accept", headers={"x-csrf-token": csrf}
    )
    assert accepted.status_code in (302, 303), accepted.text
    client.cookies.clear()
    listed = await client.get(
        "/api/v1/engagements", params={"project_id": project["id"]}, headers=api
    )
    rows = listed.json()["data"]
    assert [(r["contract_ref"], r["trade"], r["sub_org_id"]) for r in rows] == [
        ("SC-014", "Electrical", str(sub.id))
    ]


async def test_the_api_lists_a_projects_invitations_with_the_states_the_page_shows(
    client: AsyncClient, db: AsyncSession
) -> None:
    """A link sent by a contract admin who then left the GC is void (refused at use, fdb111a)
    and the project page says so; the API said only sent, accepted, revoked or link_expired,
    and listed no invitation at all, so an integration read a void link as waiting."""
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    project = await make_project(db, gc)
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            id=uuid.uuid4(),
            project_id=project.id,
            trade="Drywall",
            requirement_set_id=version.requirement_set_id,
        )
    )
    await db.flush()
    project_id = project.id
    sent_by: dict[str, str] = {}
    for role, address in (
        ("gc_contract_admin", "left.office@example.test"),
        ("gc_admin", "stays.office@example.test"),
    ):
        client.cookies.clear()
        csrf = await sign_in(client, gc.emails[role])
        made = await client.post(
            f"/api/v1/projects/{project_id}/invitations",
            json={"email": address, "trade": "Drywall"},
            headers={"x-csrf-token": csrf},
        )
        assert made.status_code == 201, made.text
        assert made.json()["state"] == "sent"
        assert made.json()["state_text"] == "sent, not yet used"
        sent_by[address] = role
    # The contract admin leaves the GC.
    person = await db.scalar(
        select(Person.id).where(Person.email == gc.emails["gc_contract_admin"])
    )
    await db.execute(
        delete(Membership).where(
            Membership.person_id == person, Membership.organisation_id == gc.id
        )
    )
    await db.flush()

    listed = await client.get(f"/api/v1/projects/{project_id}/invitations")
    assert listed.status_code == 200, listed.text
    rows = {row["email"]: row for row in listed.json()["data"]}
    assert rows["left.office@example.test"]["state"] == "sender_left"
    assert rows["left.office@example.test"]["state_text"].startswith("void: whoever sent it")
    assert rows["stays.office@example.test"]["state"] == "sent"
    # In the words the sub's brokers page uses for a void link.
    assert rows["left.office@example.test"]["state_text"] == (
        "void: whoever sent it is no longer with your company (send it again to vouch for it)"
    )
    # Oldest first, a page at a time. Both were made in this test's one transaction, where
    # PostgreSQL's now() is the same for every row: the first is dated a minute earlier so
    # "oldest first" has an order to show (otherwise the id breaks the tie, at random).
    await db.execute(
        update(Invitation)
        .where(Invitation.email == "left.office@example.test")
        .values(created_at=Invitation.created_at - timedelta(minutes=1))
    )
    await db.flush()
    first = (await client.get(f"/api/v1/projects/{project_id}/invitations?limit=1")).json()
    assert [r["email"] for r in first["data"]] == ["left.office@example.test"]
    second = await client.get(
        f"/api/v1/projects/{project_id}/invitations",
        params={"limit": 1, "cursor": first["next_cursor"]},
    )
    assert [r["email"] for r in second.json()["data"]] == ["stays.office@example.test"]
    # The documented states name the void one.
    schema = (await client.get("/schema/openapi.json")).json()
    described = schema["components"]["schemas"]["SubInvitationView"]["properties"]["state"]
    assert "sender_left" in described["description"]
    # Another GC sees nothing of the project.
    client.cookies.clear()
    await sign_in(client, other_gc.emails["gc_admin"])
    assert (await client.get(f"/api/v1/projects/{project_id}/invitations")).status_code == 404
