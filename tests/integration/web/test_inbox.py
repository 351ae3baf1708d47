"""The GC's inbox over the real app: changes awaiting a decision in one queue, old and new
values side by side, bulk approval of the rows with nothing failing (with a reason)."""

from __future__ import annotations

import html
from typing import Any

import msgspec
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Decision
from backend.records.schemas import RecordChange, TermInput
from backend.records.store import make_store
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.helpers import (
    confirm,
    endorsements,
    engage_on_project,
    initial_change,
    terms,
)
from tests.integration.fanout.test_fanout import TODAY, event_of, ready_sub
from workers.fanout import run_fan_out

HTML = {"accept": "text/html"}


def short_terms() -> list[TermInput]:
    """GL each occurrence $500,000 under a $1M minimum; the umbrella does not follow form, so
    it cannot make up the shortfall."""
    short = terms(TODAY, gl_each=500_000)
    return [
        msgspec.structs.replace(t, follows_form=False) if t.line == "umbrella" else t for t in short
    ]


async def test_inbox_queues_changes_and_approves_only_what_has_nothing_failing(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sound = await ready_sub(db, gc)
    short = await ready_sub(db, gc)
    sound_engagement = await engage_on_project(db, gc, sound)
    short_engagement = await engage_on_project(db, gc, short)
    store = make_store(settings)
    first = await confirm(db, store, sound, initial_change(TODAY))
    await run_fan_out(session_factory, (await event_of(db, first.id)).id, TODAY)
    lacking = RecordChange(kind="initial", terms=short_terms(), endorsements=endorsements())
    second = await confirm(db, store, short, lacking)
    await run_fan_out(session_factory, (await event_of(db, second.id)).id, TODAY)
    other_gc = await make_org(db, "general_contractor")

    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    inbox = (await client.get("/inbox", headers=HTML)).text
    assert f'data-engagement="{sound_engagement.id}" data-approvable="true"' in inbox
    assert f'data-engagement="{short_engagement.id}" data-approvable="false"' in inbox
    assert "GL_EACH_OCCURRENCE_MIN" in inbox
    # A failing check is named in words, its code after it.
    assert (
        "Failing: General liability: each occurrence limit at least the minimum "
        "(GL_EACH_OCCURRENCE_MIN)" in html.unescape(inbox)
    )
    # A combined-limits finding reads as its arithmetic, never as the names of its keys.
    assert "primary $500,000 + umbrella" in inbox
    assert "total, primary" not in inbox
    # A first revision changes every check: its list folds away, and Approve sits above the rows.
    assert "checked values changed</summary>" in inbox
    first_row = inbox.index(f'data-engagement="{sound_engagement.id}"')
    assert inbox.index("Approve the ticked rows") < first_row
    # A first certificate's checks were not judged before: said in words, never as a dash.
    assert "(first judged: passed)" in inbox and "(— →" not in inbox

    no_reason = await client.post(
        "/inbox/approve", data={"_csrf": csrf, "engagement": [str(sound_engagement.id)]}
    )
    assert no_reason.status_code == 422 and "Say why" in no_reason.text
    ticked_none = await client.post("/inbox/approve", data={"_csrf": csrf, "reason": "Checked"})
    assert ticked_none.status_code == 422
    assert "Tick at least one renewal to approve." in ticked_none.text
    forged = await client.post(
        "/inbox/approve", data={"_csrf": csrf, "reason": "Checked", "engagement": ["not-an-id"]}
    )
    assert forged.status_code == 422 and "Tick renewals from this page." in forged.text
    both = await client.post(
        "/inbox/approve",
        data={
            "_csrf": csrf,
            "reason": "Renewals checked against the subcontracts",
            "engagement": [str(sound_engagement.id), str(short_engagement.id)],
        },
    )
    assert both.status_code == 200
    page = html.unescape(both.text)
    assert 'id="refused"' in page
    refusal = page.split('id="refused"', 1)[1].split("</div>", 1)[0]
    assert "Cannot approve while blocking checks are open" in refusal
    assert short.organisation.legal_name in refusal
    approvals = (
        (await db.execute(select(Decision).where(Decision.kind == "approve"))).scalars().all()
    )
    assert [(d.engagement_id, d.reason) for d in approvals] == [
        (sound_engagement.id, "Renewals checked against the subcontracts")
    ]
    after = (await client.get("/inbox", headers=HTML)).text
    assert str(sound_engagement.id) not in after and str(short_engagement.id) in after

    renewal = RecordChange(
        kind="renewal", terms=terms(TODAY, number_suffix="2"), endorsements=endorsements()
    )
    third = await confirm(db, store, sound, renewal)
    await run_fan_out(session_factory, (await event_of(db, third.id)).id, TODAY)
    back = html.unescape((await client.get("/inbox", headers=HTML)).text)
    row = back.split(f'data-engagement="{sound_engagement.id}"', 1)[1].split("</tr>", 1)[0]
    assert "revision 2 · renewal" in row and "POLICY_NUMBER" in row and " → " in row

    client.cookies.clear()
    other_csrf = await sign_in(client, other_gc.emails["gc_contract_admin"])
    assert str(sound_engagement.id) not in (await client.get("/inbox", headers=HTML)).text
    foreign = await client.post(
        "/inbox/approve",
        data={"_csrf": other_csrf, "reason": "x", "engagement": [str(sound_engagement.id)]},
    )
    assert foreign.status_code == 200 and "No such engagement" in foreign.text
