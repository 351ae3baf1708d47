"""Races against the real app process (`coinet serve` on a database of its own), as an attacker
with one browser would run them: many requests at once, each alone refused by a rule that
counts or uses something up. The suite's usual fixtures share one database connection, so
no two requests of theirs ever run at the same time; these tests need a live stack.

- Guessing a password in bursts: the sign-in throttle let every attempt of a burst through
  (each read "no wait yet" before any had counted its failure), so 12 guesses sent at once
  were 12 passwords checked where the throttle allows 4 before a pause.
- Replaying a second-factor code: the code just used, sent twice at once with the password,
  opened two sessions ("a code is accepted once").
- One invitation, one upload link, one reset link, each used twice at once: one use."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from sqlalchemy import func, select

from backend.db.models import (
    Document,
    Engagement,
    Invitation,
    PasswordReset,
    Person,
    ProjectTrade,
    WebSession,
)
from backend.db.models.upload_link import UploadLink
from backend.network.secrets import new_token, token_digest
from backend.network.throttle import ADDRESS_RULE, PAIR_RULE
from tests.integration.factories import (
    CSRF_INPUT,
    PASSWORD,
    Org,
    make_org,
    make_project,
    make_requirement_version,
)
from tests.integration.reads.live import LiveStack, live_stack

pytestmark = pytest.mark.integration

# Attempts sent at once: more than the throttle lets through before its first pause, fewer
# than the per-address rate limit (30 a minute), which these tests leave on.
BURST = 12
# Failures checked before the first pause: the free ones and the one that starts the wait.
CHECKED_BEFORE_A_PAUSE = max(ADDRESS_RULE.free_failures, PAIR_RULE.free_failures) + 1
SIGN_IN_REFUSED = "do not match an account"


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[LiveStack]:
    async with live_stack(tmp_path, worker=False) as live:
        yield live


async def _new_org(stack: LiveStack, kind: str) -> Org:
    async with stack.factory() as db, db.begin():
        return await make_org(db, kind)


async def _login_form(http: httpx.AsyncClient) -> str:
    page = await http.get("/login")
    found = CSRF_INPUT.search(page.text)
    assert found, page.text[:300]
    return found.group(1)


async def _burst(
    stack: LiveStack, forms: list[dict[str, str]], path: str = "/login"
) -> list[httpx.Response]:
    """Each form from its own browser (its own pre-session CSRF cookie), all sent at once."""
    clients = [httpx.AsyncClient(base_url=stack.base_url, timeout=120) for _ in forms]
    try:
        tokens = [await _login_form(http) for http in clients]
        return list(
            await asyncio.gather(
                *(
                    http.post(path, data={"_csrf": token, **form})
                    for http, token, form in zip(clients, tokens, forms, strict=True)
                )
            )
        )
    finally:
        for http in clients:
            await http.aclose()


async def test_a_burst_of_guesses_is_throttled_like_guesses_one_by_one(
    stack: LiveStack,
) -> None:
    gc = await _new_org(stack, "general_contractor")
    email = gc.emails["gc_admin"]
    answers = await _burst(
        stack, [{"email": email, "password": f"guess number {n}"} for n in range(BURST)]
    )
    assert all(a.status_code in (401, 429) for a in answers), [a.status_code for a in answers]
    checked = sum(SIGN_IN_REFUSED in a.text for a in answers)
    print(f"{checked} of {BURST} guesses sent at once were checked")
    assert checked <= CHECKED_BEFORE_A_PAUSE, checked
    # The others were told to wait, as one-by-one guesses past the free ones are.
    assert sum(a.status_code == 429 and "Wait" in a.text for a in answers) == BURST - checked


async def test_a_second_factor_code_sent_twice_at_once_opens_one_session(
    stack: LiveStack,
) -> None:
    gc = await _new_org(stack, "general_contractor")
    email = gc.emails["gc_admin"]
    async with stack.signed_in(email) as (http, csrf):
        started = await http.post("/settings/two-factor/start", data={"_csrf": csrf})
        found = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text)
        assert found, started.text[:300]
        totp = pyotp.TOTP(found.group(1))
        step = int(datetime.now(UTC).timestamp()) // 30
        confirmed = await http.post(
            "/settings/two-factor/confirm",
            data={"_csrf": csrf, "code": totp.at(step * 30), "password": PASSWORD},
        )
        assert confirmed.status_code == 200 and 'id="two-factor-on"' in confirmed.text
    async with stack.factory() as db:
        person = (await db.execute(select(Person).where(Person.email == email))).scalar_one()
        sessions_before = await db.scalar(
            select(func.count()).select_from(WebSession).where(WebSession.person_id == person.id)
        )
    # The next step's code (the current one was used to turn it on), twice at once: what a
    # phishing relay holding the password and one code would send.
    code = totp.at((person.totp_last_step + 1) * 30)
    answers = await _burst(stack, [{"email": email, "password": PASSWORD, "code": code}] * 2)
    opened = [a for a in answers if a.status_code == 302]
    assert len(opened) == 1, [(a.status_code, a.text[:200]) for a in answers]
    async with stack.factory() as db:
        sessions_after = await db.scalar(
            select(func.count()).select_from(WebSession).where(WebSession.person_id == person.id)
        )
    assert sessions_after == (sessions_before or 0) + 1


async def _project_invitation(stack: LiveStack, gc: Org, sub: Org) -> tuple[str, uuid.UUID]:
    """A project invitation for a sub already in the network, made as the GC's page makes
    one; its link's secret (the test plays the sub's mailbox)."""
    token = new_token("inv")
    async with stack.factory() as db, db.begin():
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
        issuer = (
            await db.execute(select(Person.id).where(Person.email == gc.emails["gc_admin"]))
        ).scalar_one()
        invitation = Invitation(
            id=uuid.uuid4(),
            kind="engagement",
            issuer_org_id=gc.id,
            issued_by_id=issuer,
            email=sub.emails["sub_admin"],
            role="sub_admin",
            token_hash=token_digest(token),
            invitee_org_id=sub.id,
            project_id=project.id,
            trade="Drywall",
            expires_at=datetime.now(UTC).replace(year=datetime.now(UTC).year + 1),
        )
        db.add(invitation)
    return token, invitation.id


async def test_a_project_invitation_accepted_twice_at_once_engages_once(
    stack: LiveStack,
) -> None:
    gc = await _new_org(stack, "general_contractor")
    sub = await _new_org(stack, "subcontractor")
    _, invitation_id = await _project_invitation(stack, gc, sub)
    async with stack.signed_in(sub.emails["sub_admin"]) as (http, csrf):
        answers = await asyncio.gather(
            *(
                http.post(
                    f"/project-invitations/{invitation_id}/accept",
                    data={"_csrf": csrf},
                    headers={"accept": "text/html"},
                )
                for _ in range(4)
            )
        )
    assert all(a.status_code < 500 for a in answers), [a.status_code for a in answers]
    async with stack.factory() as db:
        engaged = await db.scalar(
            select(func.count()).select_from(Engagement).where(Engagement.sub_org_id == sub.id)
        )
    assert engaged == 1


async def test_a_broker_link_taken_up_twice_at_once_makes_one_agent(stack: LiveStack) -> None:
    sub = await _new_org(stack, "subcontractor")
    firm = await _new_org(stack, "broker")
    address = f"agent.{uuid.uuid4().hex[:8]}@example.test"
    token = new_token("inv")
    async with stack.factory() as db, db.begin():
        issuer = (
            await db.execute(select(Person.id).where(Person.email == sub.emails["sub_admin"]))
        ).scalar_one()
        now = datetime.now(UTC)
        db.add(
            Invitation(
                id=uuid.uuid4(),
                kind="broker_access",
                issuer_org_id=sub.id,
                issued_by_id=issuer,
                email=address,
                role="broker_agent",
                token_hash=token_digest(token),
                invitee_org_id=firm.id,
                expires_at=now.replace(year=now.year + 1),
                access_until=now.replace(year=now.year + 1),
            )
        )
    answers = await _burst(
        stack,
        [{"token": token, "full_name": f"Agent {n}"} for n in range(4)],
        "/invitations/accept",
    )
    assert all(a.status_code < 500 for a in answers), [a.status_code for a in answers]
    assert sum(a.status_code == 302 for a in answers) == 1, [a.status_code for a in answers]
    async with stack.factory() as db:
        people = await db.scalar(
            select(func.count()).select_from(Person).where(Person.email == address)
        )
    assert people == 1


async def test_a_reset_link_used_twice_at_once_sets_one_password(stack: LiveStack) -> None:
    gc = await _new_org(stack, "general_contractor")
    email = gc.emails["gc_viewer"]
    token = new_token("pwr")
    async with stack.factory() as db, db.begin():
        person = (await db.execute(select(Person).where(Person.email == email))).scalar_one()
        db.add(
            PasswordReset(
                id=uuid.uuid4(),
                person_id=person.id,
                token_hash=token_digest(token),
                expires_at=datetime.now(UTC) + timedelta(hours=1),
            )
        )
    chosen = [f"new password number {n}" for n in range(3)]
    answers = await _burst(
        stack,
        [{"token": token, "password": p, "password_again": p} for p in chosen],
        "/password/reset",
    )
    assert sum(a.status_code == 302 for a in answers) == 1, [a.status_code for a in answers]
    assert all(a.status_code in (302, 410) for a in answers), [a.status_code for a in answers]
    # The password set is the one of the answer that said so: exactly one of them signs in.
    signs_in = []
    for password in chosen:
        async with httpx.AsyncClient(base_url=stack.base_url) as http:
            form = await _login_form(http)
            answer = await http.post(
                "/login", data={"_csrf": form, "email": email, "password": password}
            )
            signs_in.append(answer.status_code == 302)
    assert signs_in.count(True) == 1, signs_in


async def test_an_upload_link_used_twice_at_once_lets_one_file_in(stack: LiveStack) -> None:
    sub = await _new_org(stack, "subcontractor")
    firm = await _new_org(stack, "broker")
    token = new_token("upl")
    now = datetime.now(UTC)
    async with stack.factory() as db, db.begin():
        issuer = (
            await db.execute(select(Person.id).where(Person.email == sub.emails["sub_admin"]))
        ).scalar_one()
        invitation = Invitation(
            id=uuid.uuid4(),
            kind="broker_access",
            issuer_org_id=sub.id,
            issued_by_id=issuer,
            email="unregistered.broker@example.test",
            role="broker_agent",
            token_hash=token_digest(new_token("inv")),
            invitee_org_id=firm.id,
            expires_at=now + timedelta(days=7),
            access_until=now + timedelta(days=30),
        )
        db.add(invitation)
        await db.flush()
        db.add(
            UploadLink(
                id=uuid.uuid4(),
                token_hash=token_digest(token),
                sub_org_id=sub.id,
                invitation_id=invitation.id,
                email=invitation.email,
                items=[],
                expires_at=now + timedelta(days=14),
            )
        )
    clients = [httpx.AsyncClient(base_url=stack.base_url, timeout=120) for _ in range(3)]
    try:
        forms = [await _login_form(http) for http in clients]
        answers = await asyncio.gather(
            *(
                http.post(
                    "/upload-link",
                    data={"_csrf": form, "token": token},
                    files={
                        "file": (
                            f"c{n}.pdf",
                            b"%PDF-1.4 certificate " + str(n).encode(),
                            "application/pdf",
                        )
                    },
                )
                for n, (http, form) in enumerate(zip(clients, forms, strict=True))
            )
        )
    finally:
        for http in clients:
            await http.aclose()
    assert all(a.status_code in (200, 404) for a in answers), [a.status_code for a in answers]
    assert sum(a.status_code == 200 for a in answers) == 1, [a.status_code for a in answers]
    async with stack.factory() as db:
        stored = await db.scalar(
            select(func.count()).select_from(Document).where(Document.sub_org_id == sub.id)
        )
    assert stored == 1


async def test_the_same_file_uploaded_twice_at_once_is_one_document(stack: LiveStack) -> None:
    """A double click on Upload (or a broker's batch tool retrying): the same bytes into one
    record at once. Each answer is a success or a duplicate, never a 500, and the record holds
    the file once."""
    sub = await _new_org(stack, "subcontractor")
    data = b"%PDF-1.4 the same certificate " + uuid.uuid4().hex.encode()
    async with stack.signed_in(sub.emails["sub_bookkeeper"]) as (http, csrf):
        answers = await asyncio.gather(
            *(
                http.post(
                    f"/api/v1/subs/{sub.id}/documents",
                    files={"file": ("certificate.pdf", data, "application/pdf")},
                    headers={"x-csrf-token": csrf},
                )
                for _ in range(4)
            )
        )
    assert all(a.status_code in (200, 201) for a in answers), [
        (a.status_code, a.text[:200]) for a in answers
    ]
    assert len({a.json()["id"] for a in answers}) == 1
    async with stack.factory() as db:
        stored = await db.scalar(
            select(func.count()).select_from(Document).where(Document.sub_org_id == sub.id)
        )
    assert stored == 1


async def test_changes_confirmed_at_once_into_one_record_each_get_their_revision(
    stack: LiveStack,
) -> None:
    """The bookkeeper and the broker (or an integration posting in parallel) confirm changes to
    one record at the same moment: each becomes its own revision, numbered in turn, and none
    is a 500."""
    sub = await _new_org(stack, "subcontractor")
    today = datetime.now(UTC).date()
    async with stack.signed_in(sub.emails["sub_bookkeeper"]) as (http, csrf):
        answers = await asyncio.gather(
            *(
                http.post(
                    f"/api/v1/subs/{sub.id}/revisions",
                    json={
                        "kind": "initial",
                        "terms": [
                            {
                                "line": "general_liability",
                                "insurer_name": "Race Mutual",
                                "insurer_naic": "12345",
                                "policy_number": f"GL-RACE-{n}",
                                "effective": today.isoformat(),
                                "expiration": (today + timedelta(days=365)).isoformat(),
                                "limits": {"each_occurrence": 1_000_000},
                            }
                        ],
                    },
                    headers={"x-csrf-token": csrf},
                )
                for n in range(3)
            )
        )
    assert [a.status_code for a in answers] == [201, 201, 201], [
        (a.status_code, a.text[:200]) for a in answers
    ]
    assert sorted(a.json()["number"] for a in answers) == [1, 2, 3]


async def test_one_project_number_sent_twice_at_once_is_a_conflict_not_a_500(
    stack: LiveStack,
) -> None:
    """A double-submitted 'new project' (or two people creating the same number): both pass
    the 'number taken?' check, the database's unique key refuses the second. That is the
    caller's conflict (409, nothing saved), not a 500."""
    gc = await _new_org(stack, "general_contractor")
    today = datetime.now(UTC).date()
    body = {
        "number": "RACE-1",
        "name": "Twice at once",
        "state": "OH",
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=300)).isoformat(),
        "certificate_holder": "Holder",
    }
    async with stack.signed_in(gc.emails["gc_admin"]) as (http, csrf):
        answers = await asyncio.gather(
            *(
                http.post("/api/v1/projects", json=body, headers={"x-csrf-token": csrf})
                for _ in range(3)
            )
        )
    codes = sorted(a.status_code for a in answers)
    assert codes[0] == 201 and all(c == 409 for c in codes[1:]), [
        (a.status_code, a.text[:200]) for a in answers
    ]
