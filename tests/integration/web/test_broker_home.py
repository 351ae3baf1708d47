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
