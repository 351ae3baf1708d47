"""A broker's home page says what a broker acts on: "Nothing is deficient" is not the end of it
when the record's coverage ends inside a GC's window (the renewal is needed; issue 17 said the
same of the sub's "Still needed: Nothing"), and each upload says where it stands (awaiting
the sub's review, confirmed as revision N), not the reader's bare "read"."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from tests.integration.chase.helpers import broker_grant
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.helpers import confirm, endorsements, engage_on_project, terms
from tests.integration.fanout.test_fanout import TODAY, event_of, ready_sub
from workers.fanout import run_fan_out

HTML = {"accept": "text/html"}
DAYS_LEFT = 10
# Days since the record's policies ended, for a record every line of which is out of force.
EXPIRED_DAYS = 20


async def test_a_broker_is_told_to_renew_and_where_each_upload_stands(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    broker = await make_org(db, "broker")
    await broker_grant(db, sub, broker)
    await engage_on_project(db, gc, sub)
    start = TODAY + timedelta(days=DAYS_LEFT) - timedelta(days=365)
    change = RecordChange(kind="initial", terms=terms(start), endorsements=endorsements())
    revision = await confirm(db, make_store(settings), sub, change)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)

    await sign_in(client, broker.emails["broker_agent"])
    home = html.unescape((await client.get("/", headers=HTML)).text)
    assert 'id="no-deficiency">Nothing is deficient.' in home
    ends = (TODAY + timedelta(days=DAYS_LEFT)).isoformat()
    assert re.search(
        rf'id="renew-soon">.*coverage on record ends {ends}, in {DAYS_LEFT} days, for 1 project',
        home,
    ), home[home.find("no-deficiency") : home.find("no-deficiency") + 600]
    # The factory's certificate was read with no coverage table: before, the page said "read".
    assert re.findall(r'data-doc-state="(\w+)">([^<]+)<', home) == [
        ("manual", "Needs manual entry")
    ]


async def test_a_broker_is_not_told_to_ask_its_broker(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    """The engine's advice is written for the sub's bookkeeper ("Ask your broker for the
    renewal certificate."); a broker reading the same gap on its home page or on the engagement
    is told what the GC asks for, while the sub still reads its own wording."""
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    broker = await make_org(db, "broker")
    await broker_grant(db, sub, broker)
    engagement = await engage_on_project(db, gc, sub)
    # Every policy ended EXPIRED_DAYS ago: IN_FORCE fails with the renewal ask on each line.
    start = TODAY - timedelta(days=EXPIRED_DAYS) - timedelta(days=365)
    change = RecordChange(kind="initial", terms=terms(start), endorsements=endorsements())
    revision = await confirm(db, make_store(settings), sub, change)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    pages = ("/", f"/my/engagements/{engagement.id}")

    await sign_in(client, broker.emails["broker_agent"])
    for path in pages:
        seen = html.unescape((await client.get(path, headers=HTML)).text)
        assert "The general contractor asks for the renewal certificate." in seen, path
        assert "ask your broker" not in seen.lower(), path

    await sign_in(client, sub.emails["sub_bookkeeper"])
    seen = html.unescape((await client.get(pages[1], headers=HTML)).text)
    assert "Ask your broker for the renewal certificate." in seen


async def test_a_line_ending_soon_shows_one_soon_with_its_date_and_days_left(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    """A policy ending inside the GC's window fails two warnings of its line on the same date
    (the expiring window, and project end plus close-out): the sub's engagement page and its
    "who depends on my record" page said "Soon:" twice per line. One per line now, saying the
    date and the days left."""
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    start = TODAY + timedelta(days=DAYS_LEFT) - timedelta(days=365)
    change = RecordChange(kind="initial", terms=terms(start), endorsements=endorsements())
    revision = await confirm(db, make_store(settings), sub, change)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    ends = (TODAY + timedelta(days=DAYS_LEFT)).isoformat()

    await sign_in(client, sub.emails["sub_bookkeeper"])
    shown = html.unescape((await client.get(f"/my/engagements/{engagement.id}")).text)
    soon = re.findall(r'data-line="(\w*)"><strong>Soon:</strong> ([^<]+)</li>', shown)
    # Other warnings of a line (owners excluded from WC ...) are other acts: not counted.
    ending = [(line, message) for line, message in soon if f"ends {ends}" in message]
    lines = [line for line, _ in ending]
    assert len(lines) >= 2 and len(set(lines)) == len(lines), ending
    for _, message in ending:
        assert f"coverage ends {ends}, in {DAYS_LEFT} days" in message, message

    depends = html.unescape((await client.get("/depends", headers=HTML)).text)
    told = [m for m in re.findall(r"<li>Soon: ([^<]+)</li>", depends) if f"ends {ends}" in m]
    assert len(told) == len(lines), told
    assert all(f"in {DAYS_LEFT} days" in message for message in told), told
