"""Digest e-mail over real SMTP: one message per recipient, refusals kept visible."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Notice
from backend.notify.mail import MAX_ATTEMPTS, deliver_queued
from backend.records.store import make_store
from tests.integration.factories import make_org, make_project, sign_in
from tests.integration.fanout.helpers import confirm, engage_on_project, initial_change, person_of
from tests.integration.fanout.test_fanout import event_of, ready_sub
from workers.fanout import run_fan_out

TODAY = date.today()


class Catcher:
    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.refuse:
            return "550 5.7.1 Relaying denied for this test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(bytes(envelope.original_content or b"")))
        )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(request: pytest.FixtureRequest) -> Iterator[tuple[Catcher, int]]:
    catcher = Catcher(refuse=getattr(request, "param", False))
    port = _free_port()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield catcher, port
    finally:
        controller.stop()


async def test_forty_projects_of_one_gc_give_its_admin_one_digest(
    db: AsyncSession, session_factory: Any, settings: Settings, smtp_server: tuple[Catcher, int]
) -> None:
    catcher, port = smtp_server
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    for _ in range(40):
        await engage_on_project(db, gc, sub, project=await make_project(db, gc))
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY))
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY, size=15)

    report = await deliver_queued(session_factory, dataclasses.replace(settings, smtp_port=port))

    admin = gc.emails["gc_admin"]
    to_admin = [m for rcpt, m in catcher.messages if rcpt == [admin]]
    assert len(to_admin) == 1
    # One change (the revision) is one notice per person, one paragraph per project.
    assert "statuses changed by its record revision" in to_admin[0]["Subject"]
    payload = to_admin[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    text = payload.decode()
    assert text.count("pending review -> compliant") == 40
    assert report.sent_messages == len(catcher.messages) == 2  # gc_admin, gc_contract_admin
    person = await person_of(db, admin)
    states = (
        (await db.execute(select(Notice.email_state).where(Notice.recipient_id == person.id)))
        .scalars()
        .all()
    )
    assert states == ["sent"]
    again = await deliver_queued(session_factory, dataclasses.replace(settings, smtp_port=port))
    assert again.sent_messages == 0 and len(catcher.messages) == 2


@pytest.mark.parametrize("smtp_server", [True], indirect=True)
async def test_a_refusing_server_leaves_notices_queued_then_failed_and_visible(
    db: AsyncSession,
    session_factory: Any,
    settings: Settings,
    smtp_server: tuple[Catcher, int],
    client: AsyncClient,
) -> None:
    catcher, port = smtp_server
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    await engage_on_project(db, gc, sub)
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY))
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    refusing = dataclasses.replace(settings, smtp_port=port)
    person = await person_of(db, gc.emails["gc_admin"])

    first = await deliver_queued(session_factory, refusing)
    notice = (await db.execute(select(Notice).where(Notice.recipient_id == person.id))).scalar_one()
    await db.refresh(notice)
    assert first.failed_messages >= 1 and catcher.messages == []
    assert (notice.email_state, notice.email_attempts) == ("queued", 1)
    assert "Relaying denied" in notice.email_last_error

    for _ in range(MAX_ATTEMPTS - 1):
        await deliver_queued(session_factory, refusing)
    await db.refresh(notice)
    assert (notice.email_state, notice.email_attempts) == ("failed", MAX_ATTEMPTS)

    await sign_in(client, gc.emails["gc_admin"])
    listed = (await client.get("/api/v1/notices")).json()
    assert [(n["id"], n["email_state"], n["undelivered"]) for n in listed] == [
        (str(notice.id), "failed", True)
    ]
    assert "Relaying denied" in listed[0]["email_last_error"]


async def test_an_unreachable_server_keeps_the_notice_queued(
    db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    await engage_on_project(db, gc, sub)
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY))
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    closed = dataclasses.replace(settings, smtp_port=_free_port())
    report = await deliver_queued(session_factory, closed)
    person = await person_of(db, gc.emails["gc_contract_admin"])
    notice = (await db.execute(select(Notice).where(Notice.recipient_id == person.id))).scalar_one()
    await db.refresh(notice)
    assert report.needs_retry
    assert notice.email_state == "queued" and notice.email_last_error
