"""Sessions from the attacker's side: a planted session id, forged forms, and acting for an
organisation one does not belong to through the organisation switcher."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Membership, Person
from tests.integration.factories import make_org, sign_in
from tests.security.helpers import HTML, form_csrf, new_address, session_csrf, try_sign_in

SESSION = "coinet_session"


def plant(client: AsyncClient, value: str) -> None:
    """Puts a session id in the browser, replacing whatever one the server set."""
    for cookie in list(client.cookies.jar):
        if cookie.name == SESSION:
            client.cookies.delete(SESSION, domain=cookie.domain, path=cookie.path)
    client.cookies.set(SESSION, value, domain="testserver.local")


async def test_a_session_id_planted_before_sign_in_is_worthless_after_it(
    client: AsyncClient, client_at: object, db: AsyncSession
) -> None:
    victim = await make_org(db, "subcontractor")
    attacker = await make_org(db, "subcontractor")
    # The attacker signs in itself and plants its own live session id in the victim's browser.
    attacker_browser = await client_at("10.1.1.1")  # type: ignore[operator]
    await sign_in(attacker_browser, attacker.emails["sub_admin"])
    planted = attacker_browser.cookies.get(SESSION)
    assert planted
    plant(client, planted)
    response = await try_sign_in(client, victim.emails["sub_admin"])
    assert response.status_code == 302
    fresh = client.cookies.get(SESSION)
    assert fresh and fresh != planted
    # The planted id was ended by the victim's sign-in: it opens no session, let alone hers.
    plant(attacker_browser, planted)
    assert (await attacker_browser.get(f"/api/v1/subs/{victim.id}/record")).status_code == 401
    assert (await attacker_browser.get(f"/api/v1/subs/{attacker.id}/record")).status_code == 401


async def test_forms_posted_from_another_site_are_refused(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    await sign_in(client, sub.emails["sub_admin"])
    # A cross-site form carries the cookie but not the page's token.
    for path, data in (
        ("/brokers", {"broker_org_id": str(firm.id), "email": new_address("x"), "days": "30"}),
        ("/switch", {"context": f"org:{sub.id}"}),
        ("/logout", {}),
    ):
        for forged in ({}, {"_csrf": "forged"}):
            response = await client.post(path, data={**data, **forged})
            assert response.status_code == 403, (path, response.status_code)
    invited = await client.get("/api/v1/broker-invitations")
    assert invited.status_code == 200 and invited.json() == []
    # Forms shown before sign-in are double-submit guarded: no cookie, no entry.
    client.cookies.clear()
    for path in ("/login", "/invitations/accept", "/password/forgot", "/password/reset"):
        assert (await client.post(path, data={"_csrf": "x"})).status_code == 403


async def test_a_person_in_two_organisations_picks_one_and_cannot_pick_another(
    client: AsyncClient, db: AsyncSession
) -> None:
    first = await make_org(db, "subcontractor", name="Zeta Framing LLC")
    second = await make_org(db, "subcontractor", name="Alpha Glazing LLC")
    stranger = await make_org(db, "subcontractor")
    email = first.emails["sub_admin"]
    person = (await db.execute(select(Person).where(Person.email == email))).scalar_one()
    db.add(
        Membership(
            id=uuid.uuid4(),
            person_id=person.id,
            organisation_id=second.id,
            role="sub_admin",
            # Given after the first (the test's rows share one transaction's clock).
            created_at=datetime.now(UTC) + timedelta(minutes=1),
        )
    )
    await db.flush()

    await sign_in(client, email)
    # The first membership given, not the alphabetically first organisation.
    home = (await client.get("/", headers=HTML)).text
    assert "Zeta Framing LLC" in home
    switcher = await client.get("/switch", headers=HTML)
    assert (
        "Alpha Glazing LLC" in switcher.text
        and stranger.organisation.legal_name not in switcher.text
    )
    csrf = await session_csrf(client)
    before = client.cookies.get(SESSION)
    switched = await client.post("/switch", data={"_csrf": csrf, "context": f"org:{second.id}"})
    assert switched.status_code == 302
    after = client.cookies.get(SESSION)
    assert after and after != before  # a new session id for the new organisation
    assert (await client.get(f"/api/v1/subs/{second.id}/record")).status_code == 200
    assert (await client.get(f"/api/v1/subs/{first.id}/record")).status_code == 404
    # The old id is dead.
    plant(client, before or "")
    assert (await client.get(f"/api/v1/subs/{first.id}/record")).status_code == 401

    # Picking an organisation one is not a member of changes nothing.
    plant(client, after)
    csrf = await session_csrf(client)
    refused = await client.post("/switch", data={"_csrf": csrf, "context": f"org:{stranger.id}"})
    assert refused.status_code == 404
    assert (await client.get(f"/api/v1/subs/{stranger.id}/record")).status_code == 404
    assert (await client.get(f"/api/v1/subs/{second.id}/record")).status_code == 200

    # The next sign-in resumes the organisation last chosen.
    client.cookies.clear()
    await sign_in(client, email)
    assert (await client.get(f"/api/v1/subs/{second.id}/record")).status_code == 200


async def test_the_sign_in_form_needs_its_own_cookie(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await form_csrf(client, "/login")
    client.cookies.clear()
    response = await client.post(
        "/login", data={"_csrf": csrf, "email": gc.emails["gc_admin"], "password": "x"}
    )
    assert response.status_code == 403
