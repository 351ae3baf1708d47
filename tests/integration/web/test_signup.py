"""A GC invites a subcontractor that is not in the network yet: the link opens a sign-up form,
bad input is refused with a message and writes nothing, and joining creates the company, its
admin, a session and the engagement (judged at once)."""

from __future__ import annotations

import re

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, Membership, Organisation, Person, Project, Verdict
from tests.integration.factories import make_org, sign_in
from tests.integration.mailbox import mailed_link
from tests.integration.web.test_gc_pages import HTML, _create_project_form

CSRF_INPUT = re.compile(r'name="_csrf" value="([^"]+)"')
NEW_EMAIL = "office@lakeshore-drywall.example"


async def _invite_new_sub(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> tuple[Project, str]:
    gc = await make_org(db, "general_contractor", name="Harbor Point Builders LLC")
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    assert (await _create_project_form(client, csrf, "HP-950")).status_code == 302  # type: ignore[attr-defined]
    project = (await db.execute(select(Project).where(Project.number == "HP-950"))).scalar_one()
    invited = await client.post(
        f"/projects/{project.id}/invitations",
        data={"_csrf": csrf, "email": NEW_EMAIL.upper(), "trade": "Drywall"},
    )
    assert invited.status_code == 200, invited.text
    assert "They join the network from the e-mailed link" in invited.text
    assert "token=" not in invited.text  # the link goes to the invited address only
    link = await mailed_link(redis, NEW_EMAIL)
    client.cookies.clear()
    return project, link


async def _counts(db: AsyncSession) -> tuple[int, int, int]:
    people = await db.scalar(select(func.count()).select_from(Person))
    orgs = await db.scalar(select(func.count()).select_from(Organisation))
    memberships = await db.scalar(select(func.count()).select_from(Membership))
    return int(people or 0), int(orgs or 0), int(memberships or 0)


async def test_a_new_sub_joins_from_the_link_and_is_engaged(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    project, link = await _invite_new_sub(client, db, redis)
    form = await client.get(link, headers=HTML)
    assert form.status_code == 200
    assert "Harbor Point Builders LLC invites your company" in form.text
    assert NEW_EMAIL in form.text and "HP-950" in form.text
    csrf = CSRF_INPUT.search(form.text)
    assert csrf
    token = link.split("token=", 1)[1]
    fields = {
        "_csrf": csrf.group(1),
        "token": token,
        "legal_name": "  Lakeshore   Drywall LLC ",
        "full_name": "Dana Okafor",
        "password": "correct horse battery",
        "password_again": "correct horse battery",
    }
    before = await _counts(db)
    for change, message in (
        ({"legal_name": "  "}, "legal name"),
        ({"password": "short", "password_again": "short"}, "at least 10 characters"),
        ({"password_again": "something else"}, "The two passwords differ"),
        ({"full_name": ""}, "Give your own name"),
    ):
        refused = await client.post("/signup", data={**fields, **change}, headers=HTML)
        assert refused.status_code == 422, refused.text
        assert message in refused.text
        assert await _counts(db) == before  # a refusal writes nothing
        # The form comes back with what was typed (never the password) and a fresh token.
        fields["_csrf"] = CSRF_INPUT.search(refused.text).group(1)  # type: ignore[union-attr]
    no_csrf = await client.post("/signup", data={**fields, "_csrf": "forged"}, headers=HTML)
    assert no_csrf.status_code == 403

    joined = await client.post("/signup", data=fields)
    assert joined.status_code == 302
    assert re.fullmatch(r"/my/engagements/[0-9a-f-]+\?done=joined", joined.headers["location"])
    welcome = await client.get(joined.headers["location"], headers=HTML)
    assert welcome.status_code == 200 and 'id="done"' in welcome.text
    assert "Welcome to the COI network." in welcome.text
    sub = (
        await db.execute(
            select(Organisation).where(Organisation.legal_name == "Lakeshore Drywall LLC")
        )
    ).scalar_one()
    assert sub.kind == "subcontractor"
    person = (await db.execute(select(Person).where(Person.email == NEW_EMAIL))).scalar_one()
    membership = (
        await db.execute(select(Membership).where(Membership.person_id == person.id))
    ).scalar_one()
    assert (membership.organisation_id, membership.role) == (sub.id, "sub_admin")
    engagement = (
        await db.execute(select(Engagement).where(Engagement.project_id == project.id))
    ).scalar_one()
    assert (engagement.sub_org_id, engagement.trade) == (sub.id, "Drywall")
    verdicts = await db.scalar(select(func.count()).where(Verdict.engagement_id == engagement.id))
    assert verdicts == 1  # the empty record was judged at once
    home = await client.get("/record", headers=HTML)
    assert home.status_code == 200 and "Lakeshore Drywall LLC" in home.text

    client.cookies.clear()
    again = await client.get(link, headers=HTML)
    assert again.status_code == 410 and "already used" in again.text
    assert (await client.post("/signup", data=fields)).status_code in (403, 410)
    # The new member signs in with the password chosen.
    await sign_in(client, NEW_EMAIL, "correct horse battery")


async def test_bad_links_and_addresses_that_cannot_become_a_sub(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    page = await client.get("/signup?token=inv_nonsense", headers=HTML)
    assert page.status_code == 404 and "not valid" in page.text
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    assert (await _create_project_form(client, csrf, "HP-951")).status_code == 302  # type: ignore[attr-defined]
    project = (await db.execute(select(Project).where(Project.number == "HP-951"))).scalar_one()
    # Another GC's member's address is answered as an unknown one (the inviter learns nothing
    # about who has an account); the link's sign-up then refuses the address, which is in use.
    other_address = other_gc.emails["gc_admin"]
    invited = await client.post(
        f"/projects/{project.id}/invitations",
        data={"_csrf": csrf, "email": other_address, "trade": "Drywall"},
        headers=HTML,
    )
    assert invited.status_code == 200 and "They join the network from the e-mailed link" in (
        invited.text
    )
    link = await mailed_link(redis, other_address)
    client.cookies.clear()
    form = await client.get(link, headers=HTML)
    assert form.status_code == 200
    before = await _counts(db)
    refused = await client.post(
        "/signup",
        data={
            "_csrf": CSRF_INPUT.search(form.text).group(1),  # type: ignore[union-attr]
            "token": link.split("token=", 1)[1],
            "legal_name": "Borrowed Name LLC",
            "full_name": "Someone Else",
            "password": "correct horse battery",
            "password_again": "correct horse battery",
        },
        headers=HTML,
    )
    assert refused.status_code == 409 and "An account already uses" in refused.text
    assert await _counts(db) == before
