"""`coinet org create`: an operator onboards a general contractor (or a broker firm) and its
first admin, who sets a password from the e-mailed link and lands signed in as that admin.
Each refusal writes nothing; the link works once, expires, and joins nothing else."""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from arq.connections import ArqRedis
from httpx import AsyncClient, Response
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cli import build_parser
from backend.config import Settings
from backend.db.models import (
    AccessEvent,
    Membership,
    Organisation,
    PasswordReset,
    Person,
)
from backend.network.cli import REFUSED, create_organisation
from tests.integration.factories import make_org
from tests.integration.mailbox import mailed_link, mailed_to, token_of
from tests.security.helpers import HTML, form_csrf, new_address, session_csrf, try_sign_in

NEW_PASSWORD = "onboarded admin password"


def _args(*argv: str) -> argparse.Namespace:
    """The arguments as `coinet` parses them."""
    return build_parser(["org", "create", *argv]).parse_args(["org", "create", *argv])


async def _run(settings: Settings, session_factory: object, redis: ArqRedis, *argv: str) -> int:
    return await create_organisation(settings, session_factory, redis, _args(*argv))


async def _set_password(client: AsyncClient, token: str, password: str = NEW_PASSWORD) -> Response:
    csrf = await form_csrf(client, f"/password/reset?token={token}")
    return await client.post(
        "/password/reset",
        data={"_csrf": csrf, "token": token, "password": password, "password_again": password},
    )


async def _counts(db: AsyncSession) -> tuple[int, ...]:
    return tuple(
        [
            await db.scalar(select(func.count()).select_from(model))  # type: ignore[misc]
            for model in (Organisation, Person, Membership, PasswordReset, AccessEvent)
        ]
    )


def _name() -> str:
    return f"Keystone Ridge {uuid.uuid4().hex[:6]} Builders LLC"


async def test_a_gc_is_onboarded_and_its_admin_lands_signed_in_from_the_mail(
    client: AsyncClient,
    db: AsyncSession,
    redis: ArqRedis,
    settings: Settings,
    session_factory: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    email, name = new_address("owner"), _name()
    status = await _run(
        settings,
        session_factory,
        redis,
        "--kind", "general_contractor", "--name", name, "--admin", email,
        "--admin-name", "Dana Whitfield",
    )  # fmt: skip
    assert status == 0
    printed = capsys.readouterr().out
    assert name in printed and "token" not in printed  # the link goes by mail only
    organisation = (
        await db.execute(select(Organisation).where(Organisation.legal_name == name))
    ).scalar_one()
    assert organisation.kind == "general_contractor"
    person = (await db.execute(select(Person).where(Person.email == email))).scalar_one()
    assert person.password_hash == "" and person.full_name == "Dana Whitfield"
    (membership,) = (
        (await db.execute(select(Membership).where(Membership.person_id == person.id)))
        .scalars()
        .all()
    )
    assert (membership.organisation_id, membership.role) == (organisation.id, "gc_admin")
    events = {
        e.event
        for e in (
            await db.execute(
                select(AccessEvent).where(AccessEvent.subject_org_id == organisation.id)
            )
        ).scalars()
    }
    assert events == {"organisation.created", "membership.created"}

    link = await mailed_link(redis, email)
    assert link.startswith("/password/reset?token=")
    token = token_of(link)
    stored = (
        await db.execute(select(PasswordReset).where(PasswordReset.person_id == person.id))
    ).scalar_one()
    assert stored.token_hash != token.encode() and len(stored.token_hash) == 32
    assert stored.expires_at > datetime.now(UTC) + timedelta(days=2)

    response = await _set_password(client, token)
    assert response.status_code == 302 and response.headers["location"] == "/"
    # Signed in as the new GC's admin: its members are the admin, and it creates a project.
    members = await client.get("/api/v1/members")
    assert members.status_code == 200, members.text
    assert email in members.text
    csrf = await session_csrf(client)
    project = {
        "number": "P-ONBOARD-1",
        "name": "Onboarding Test Project",
        "state": "OH",
        "start_date": "2027-03-01",
        "end_date": "2028-06-30",
        "certificate_holder": name,
    }
    made = await client.post("/api/v1/projects", json=project, headers={"x-csrf-token": csrf})
    assert made.status_code == 201, made.text

    # The link worked once.
    client.cookies.clear()
    again = await _set_password(client, token, "yet another password")
    assert again.status_code == 410
    assert (await try_sign_in(client, email, NEW_PASSWORD)).status_code == 302


async def test_a_broker_firm_gets_a_broker_admin(
    db: AsyncSession, redis: ArqRedis, settings: Settings, session_factory: object
) -> None:
    email = new_address("principal")
    status = await _run(
        settings, session_factory, redis, "--kind", "broker", "--name", _name(), "--admin", email
    )
    assert status == 0
    role = await db.scalar(
        select(Membership.role)
        .join(Person, Person.id == Membership.person_id)
        .where(Person.email == email)
    )
    assert role == "broker_admin"


async def test_each_refusal_writes_nothing_and_says_why(
    db: AsyncSession,
    redis: ArqRedis,
    settings: Settings,
    session_factory: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    existing = await make_org(db, "general_contractor", "Harbor Point Builders LLC")
    taken = existing.emails["gc_admin"]
    fresh = new_address("fresh")
    refusals = {
        "already has an account": ("general_contractor", "Brand New Builders LLC", taken),
        "empty": ("general_contractor", "   ", fresh),
        "longer than": ("general_contractor", "B" * 301, fresh),
        "already on the network": ("general_contractor", "harbor point builders, inc.", fresh),
        "Unknown kind": ("owner", "Brand New Builders LLC", fresh),
        "valid e-mail": ("general_contractor", "Brand New Builders LLC", "not-an-address"),
    }
    before = await _counts(db)
    for words, (kind, name, email) in refusals.items():
        status = await _run(
            settings, session_factory, redis, "--kind", kind, "--name", name, "--admin", email
        )
        captured = capsys.readouterr()
        assert status == REFUSED, words
        assert words in captured.err and captured.err.count("\n") == 1, captured.err
        assert captured.out == ""
        assert await _counts(db) == before, words
    assert await mailed_to(redis, fresh) == []
    assert await mailed_to(redis, taken) == []
    # The same name as a broker firm is another kind: no namesake.
    broker = ("--kind", "broker", "--name", "Harbor Point Builders LLC", "--admin", fresh)
    assert await _run(settings, session_factory, redis, *broker) == 0
    # A GC namesake passes when the operator says it is another company.
    fresh = new_address("namesake")
    assert await _run(
        settings, session_factory, redis,
        "--kind", "general_contractor", "--name", "Harbor Point Builders, Inc.",
        "--admin", fresh, "--allow-namesake",
    ) == 0  # fmt: skip


async def test_an_expired_link_is_refused_and_the_link_joins_no_other_organisation(
    client: AsyncClient,
    db: AsyncSession,
    redis: ArqRedis,
    settings: Settings,
    session_factory: object,
) -> None:
    late, on_time = new_address("late"), new_address("ontime")
    for email in (late, on_time):
        argv = ("--kind", "general_contractor", "--name", _name(), "--admin", email)
        assert await _run(settings, session_factory, redis, *argv) == 0
    expired = token_of(await mailed_link(redis, late))
    late_id = await db.scalar(select(Person.id).where(Person.email == late))
    await db.execute(
        update(PasswordReset)
        .where(PasswordReset.person_id == late_id)
        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    response = await _set_password(client, expired)
    assert response.status_code == 410
    assert await db.scalar(select(Person.password_hash).where(Person.id == late_id)) == ""

    # The link names a person, never an organisation: nothing posted with it, and no other
    # use of it, makes its holder a member of another one.
    other = await make_org(db, "general_contractor")
    token = token_of(await mailed_link(redis, on_time))
    signup = await client.get(f"/signup?token={token}", headers=HTML)
    assert "is not valid" in signup.text or signup.status_code >= 400
    csrf = await form_csrf(client, f"/password/reset?token={token}")
    response = await client.post(
        "/password/reset",
        data={
            "_csrf": csrf,
            "token": token,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "organisation_id": str(other.id),
            "context": f"org:{other.id}",
        },
    )
    assert response.status_code == 302 and response.headers["location"] == "/"
    person_id = await db.scalar(select(Person.id).where(Person.email == on_time))
    orgs = (
        (
            await db.execute(
                select(Membership.organisation_id).where(Membership.person_id == person_id)
            )
        )
        .scalars()
        .all()
    )
    assert other.id not in orgs and len(orgs) == 1
    csrf = await session_csrf(client)
    switched = await client.post(
        "/switch", data={"_csrf": csrf, "context": f"org:{other.id}"}, headers=HTML
    )
    assert switched.status_code == 404
    members = await client.get("/api/v1/members")
    assert on_time in members.text and other.emails["gc_admin"] not in members.text
