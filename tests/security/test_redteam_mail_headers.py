"""Red team: one line break that stops everybody's mail. A sub disputes a check on its
engagement; the check's code comes from the form as typed (cut to 80 characters) and goes
into the subject of the notice the GC's people get, and a lone notice's subject is its
digest e-mail's Subject header. A code with a line break made composing that message raise,
and the digest sender stopped there: no mail for that person, and none for any recipient
after them in the run, of any organisation, run after run (expiry warnings included). A
project's name (the GC's) reaches subjects the same way.

Now every message's subject is one line, the dispute's code is kept on one line, and the
digest run delivers everyone's mail; no header is added by what a customer typed."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Person, Project
from backend.notify.mail import deliver_queued
from backend.notify.service import NoticeDraft, add_notices
from tests.integration.factories import engage, make_org, sign_in
from tests.integration.fanout.test_mail import Catcher, smtp_server  # noqa: F401

INJECTED = "GL_EACH_OCCURRENCE\r\nBcc: spy@attacker.example\r\nX-Injected: 1"


async def _person(db: AsyncSession, email: str) -> Person:
    return (await db.execute(select(Person).where(Person.email == email))).scalar_one()


async def test_a_line_break_in_a_dispute_stops_no_ones_mail(
    client: AsyncClient,
    db: AsyncSession,
    session_factory: Any,
    settings: Settings,
    smtp_server: tuple[Catcher, int],  # noqa: F811
) -> None:
    catcher, port = smtp_server
    gc = await make_org(db, "general_contractor")
    attacker = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, attacker)
    # Someone else on the network, waiting for an ordinary notice by mail.
    bystander_org = await make_org(db, "general_contractor")
    bystander = await _person(db, bystander_org.emails["gc_admin"])
    await add_notices(
        db,
        [
            NoticeDraft(
                bystander.id,
                bystander_org.id,
                None,
                "status",
                "Keel Drywall on P-7: expiring soon",
                "Renew by Friday.",
            )
        ],
    )
    await db.commit()

    csrf = await sign_in(client, attacker.emails["sub_admin"])
    disputed = await client.post(
        f"/my/engagements/{engagement.id}/dispute",
        data={"_csrf": csrf, "check_code": INJECTED, "message": "We do have this cover."},
    )
    assert disputed.status_code in (200, 302, 303), disputed.text[:300]

    local = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")
    report = await deliver_queued(session_factory, local)
    delivered = {rcpt for rcpts, _ in catcher.messages for rcpt in rcpts}
    assert bystander.email in delivered, report
    gc_admin = gc.emails["gc_admin"]
    assert gc_admin in delivered, report
    assert "spy@attacker.example" not in delivered
    for _, message in catcher.messages:
        assert message.get("X-Injected") is None
        assert message.get("Bcc") is None
    # The typed code stays text inside the one subject line (unfolded as a reader shows it).
    dispute_subjects = [
        " ".join(str(m.get("Subject")).split())
        for rcpts, m in catcher.messages
        if gc_admin in rcpts
    ]
    assert any(
        "disputes (GL_EACH_OCCURRENCE Bcc: spy@attacker.example X-Injected: 1)" in s
        for s in dispute_subjects
    ), dispute_subjects


async def test_a_line_break_in_a_project_name_adds_no_header(
    client: AsyncClient,
    db: AsyncSession,
    session_factory: Any,
    settings: Settings,
    smtp_server: tuple[Catcher, int],  # noqa: F811
) -> None:
    """The GC names a project over the API with a line break and a header after it, then
    answers a sub's dispute on it: the sub's people get one mail, its subject one line."""
    catcher, port = smtp_server
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    await db.commit()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    made = await client.post(
        "/api/v1/projects",
        json={
            "number": "HDR-1",
            "name": "Tower\r\nX-Injected: 1\r\nBcc: spy@attacker.example",
            "state": "OH",
            "start_date": "2026-01-01",
            "end_date": "2027-12-31",
            "certificate_holder": "Holder",
        },
        headers={"x-csrf-token": csrf},
    )
    assert made.status_code in (201, 422), made.text
    if made.status_code == 422:
        return  # refused at the door: nothing to mail
    project = await db.get(Project, uuid.UUID(made.json()["id"]))
    assert project is not None
    engagement = await engage(db, gc, sub, project=project)
    await db.commit()
    answered = await client.post(
        f"/engagements/{engagement.id}/messages",
        data={"_csrf": csrf, "check_code": "GL", "message": "Send the endorsement."},
    )
    assert answered.status_code in (200, 302, 303), answered.text[:300]
    local = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")
    await deliver_queued(session_factory, local)
    to_sub = [m for rcpts, m in catcher.messages if sub.emails["sub_admin"] in rcpts]
    assert len(to_sub) == 1, catcher.messages
    assert to_sub[0].get("X-Injected") is None and to_sub[0].get("Bcc") is None
    delivered = {rcpt for rcpts, _ in catcher.messages for rcpt in rcpts}
    assert "spy@attacker.example" not in delivered
