"""The loop between GC, sub and broker over the real app: one notice per change per recipient,
every decision told to the sub and its broker with its reason and a link, the sub's page of an
engagement (requirements in plain words, gaps, upload / forward / dispute), the GC's answer,
and notices marked read one by one, by following them, or all at once."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import msgspec
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import EngagementMessage, Notice
from backend.records.schemas import RecordChange, TermInput
from backend.records.store import make_store
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.helpers import confirm, endorsements, engage_on_project, terms
from tests.integration.fanout.test_fanout import (
    TODAY,
    _accepted_broker,
    event_of,
    notices_to,
    ready_sub,
)
from workers.fanout import run_fan_out

HTML = {"accept": "text/html"}


def short_terms() -> list[TermInput]:
    """GL each occurrence $500,000 under a $1M minimum; the umbrella does not follow form, so
    it cannot make up the shortfall."""
    short = terms(TODAY, gl_each=500_000)
    return [
        msgspec.structs.replace(t, follows_form=False) if t.line == "umbrella" else t for t in short
    ]


async def test_one_revision_short_on_three_projects_makes_one_notice_per_person(
    db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    broker = await _accepted_broker(db, sub)
    engagements = [await engage_on_project(db, gc, sub) for _ in range(3)]
    change = RecordChange(kind="initial", terms=short_terms(), endorsements=endorsements())
    revision = await confirm(db, make_store(settings), sub, change)
    # One engagement per batch: the folding must hold across batches, not only within one.
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY, size=1)

    for email in (sub.emails["sub_bookkeeper"], sub.emails["sub_admin"]):
        asked = await notices_to(db, email, "deficiency")
        assert len(asked) == 1, [n.subject for n in asked]
        for engagement in engagements:
            assert f"/my/engagements/{engagement.id}" in asked[0].body
        assert asked[0].link.startswith("/my/engagements/")
    told = await notices_to(db, broker.emails["broker_agent"], "deficiency")
    assert len(told) == 1 and told[0].organisation_id == broker.id
    status = await notices_to(db, gc.emails["gc_contract_admin"], "status_changed")
    assert len(status) == 1
    assert all(f"/engagements/{e.id}" in status[0].body for e in engagements)


async def test_the_revision_that_fixes_the_gaps_tells_the_sub_and_its_broker_once(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor", name="Quarry Lane Builders LLC")
    sub = await ready_sub(db, gc)
    broker = await _accepted_broker(db, sub)
    engagements = [await engage_on_project(db, gc, sub) for _ in range(2)]
    store = make_store(settings)
    short = RecordChange(kind="initial", terms=short_terms(), endorsements=endorsements())
    revision = await confirm(db, store, sub, short)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY, size=1)
    bookkeeper = sub.emails["sub_bookkeeper"]
    assert await notices_to(db, bookkeeper, "deficiency_cleared") == []

    fixed = RecordChange(kind="correction", terms=terms(TODAY))
    revision = await confirm(db, store, sub, fixed)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY, size=1)
    for email, org in ((bookkeeper, sub.id), (broker.emails["broker_agent"], broker.id)):
        cleared = await notices_to(db, email, "deficiency_cleared")
        assert len(cleared) == 1, [n.subject for n in cleared]
        assert cleared[0].organisation_id == org
        assert "Deficiency cleared by your record revision 2" in cleared[0].subject
        assert cleared[0].body.count("non-compliant -> compliant") == 2
        assert "Quarry Lane Builders LLC" in cleared[0].body
        for engagement in engagements:
            assert f"/my/engagements/{engagement.id}" in cleared[0].body
        assert cleared[0].link.startswith("/my/engagements/")

    # On the notices page each engagement the folded notice names is a link.
    await sign_in(client, bookkeeper)
    page = (await client.get("/notices", headers=HTML)).text
    for engagement in engagements:
        link = f"/my/engagements/{engagement.id}"
        assert f'<a href="{link}">{link}</a>' in page
    home = (await client.get("/", headers=HTML)).text
    assert 'class="small notice-body">' in home and '<a href="/my/engagements/' in home

    # A revision that changes no status tells nobody it cleared anything.
    again = RecordChange(kind="correction", terms=terms(TODAY), summary="Same again")
    revision = await confirm(db, store, sub, again)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    assert len(await notices_to(db, bookkeeper, "deficiency_cleared")) == 1


async def test_a_decision_reaches_the_sub_and_its_broker_who_can_act_on_it(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor", name="Larkspur Builders LLC")
    sub = await ready_sub(db, gc)
    broker = await _accepted_broker(db, sub)
    engagement = await engage_on_project(db, gc, sub)
    change = RecordChange(kind="initial", terms=short_terms(), endorsements=endorsements())
    revision = await confirm(db, make_store(settings), sub, change)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)

    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    gc_page = await client.get(f"/engagements/{engagement.id}", headers=HTML)
    assert 'id="approve-unavailable"' in gc_page.text  # said before Approve is pressed
    held = await client.post(
        f"/engagements/{engagement.id}/decisions",
        data={"_csrf": csrf, "kind": "pay_hold", "reason": "GL each occurrence below $1M"},
    )
    assert held.status_code == 302
    link = f"/my/engagements/{engagement.id}"
    for email, org in (
        (sub.emails["sub_bookkeeper"], sub.id),
        (broker.emails["broker_agent"], broker.id),
    ):
        hold = await notices_to(db, email, "decision_pay_hold")
        assert len(hold) == 1 and hold[0].organisation_id == org
        assert "Larkspur Builders LLC placed a pay hold on" in hold[0].subject
        assert "Reason: GL each occurrence below $1M" in hold[0].body
        assert hold[0].link == link

    client.cookies.clear()
    sub_csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    home = html.unescape((await client.get("/", headers=HTML)).text)
    assert 'id="home-notices"' in home and "placed a pay hold on" in home
    notice = (await notices_to(db, sub.emails["sub_bookkeeper"], "decision_pay_hold"))[0]
    opened = await client.get(f"/notices/{notice.id}/open")
    assert opened.status_code in (302, 303) and opened.headers["location"] == link
    await db.refresh(notice)
    assert notice.read_at is not None

    shown = html.unescape((await client.get(link, headers=HTML)).text)
    assert "What Larkspur Builders LLC requires" in shown
    assert "each occurrence at least $1,000,000" in shown
    assert 'data-check="GL_EACH_OCCURRENCE_MIN"' in shown
    assert "Pay hold placed" in shown and "Reason: GL each occurrence below $1M" in shown
    assert f"/subs/{sub.id}/upload" in shown and "Forward to my broker" in shown

    forwarded = await client.post(
        f"{link}/forward", data={"_csrf": sub_csrf, "email": "agent@broker.example", "note": ""}
    )
    assert forwarded.status_code in (302, 303)
    assert forwarded.headers["location"].endswith("?done=forwarded")
    refused = await client.post(f"{link}/forward", data={"_csrf": sub_csrf, "email": "nobody"})
    assert refused.status_code == 422 and "e-mail address" in refused.text

    disputed = await client.post(
        f"{link}/dispute",
        data={
            "_csrf": sub_csrf,
            "check_code": "GL_EACH_OCCURRENCE_MIN",
            "message": "Our umbrella sits over the GL; see the schedule.",
        },
    )
    assert disputed.status_code in (302, 303)
    kept = (
        await db.execute(
            select(EngagementMessage).where(EngagementMessage.engagement_id == engagement.id)
        )
    ).scalar_one()
    assert kept.kind == "dispute" and kept.check_code == "GL_EACH_OCCURRENCE_MIN"
    asked = await notices_to(db, gc.emails["gc_contract_admin"], "message_dispute")
    assert len(asked) == 1 and asked[0].link == f"/engagements/{engagement.id}#messages"

    read_all = await client.post("/notices/read-all", data={"_csrf": sub_csrf})
    assert read_all.status_code in (302, 303)
    unread = await db.execute(
        select(Notice).where(Notice.recipient_id == notice.recipient_id, Notice.read_at.is_(None))
    )
    assert unread.first() is None

    client.cookies.clear()
    gc_csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    thread = html.unescape((await client.get(f"/engagements/{engagement.id}", headers=HTML)).text)
    assert "Our umbrella sits over the GL" in thread
    # The disputed check named in words, as the sub chose it from its gaps.
    assert (
        "about General liability: each occurrence limit at least the minimum "
        "(GL_EACH_OCCURRENCE_MIN)" in thread
    )
    answered = await client.post(
        f"/engagements/{engagement.id}/messages",
        data={"_csrf": gc_csrf, "message": "The umbrella does not change the GL minimum."},
    )
    assert answered.status_code in (302, 303)
    replies = await notices_to(db, sub.emails["sub_bookkeeper"], "message_reply")
    assert len(replies) == 1 and replies[0].link == f"{link}#messages"

    other = await make_org(db, "subcontractor")
    client.cookies.clear()
    await sign_in(client, other.emails["sub_bookkeeper"])
    assert (await client.get(link, headers=HTML)).status_code == 404
    assert (await client.get(f"/notices/{notice.id}/open")).status_code == 404


async def test_a_measure_on_a_record_that_meets_everything_can_still_be_disputed(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor", name="Wrenfield Builders LLC")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    store = make_store(settings)
    change = RecordChange(kind="initial", terms=terms(TODAY), endorsements=endorsements())
    revision = await confirm(db, store, sub, change)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    gc_csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    decide = f"/engagements/{engagement.id}/decisions"
    # The record input cannot say whether WC excludes owners: the GC waives that one warning
    # and a later revision is checked with the waiver, so nothing at all is left to fix.
    waived = await client.post(
        f"/api/v1{decide}",
        headers={"x-csrf-token": gc_csrf},
        json={
            "kind": "waive",
            "check_code": "WC_OWNERS_COVERED",
            "line": "workers_compensation",
            "reason": "Sole officer, covered under the owner's own policy",
            "expires_on": (TODAY + timedelta(days=200)).isoformat(),
        },
    )
    assert waived.status_code == 201, waived.text
    later = await confirm(
        db, store, sub, RecordChange(kind="endorsement", endorsements=endorsements()[:1])
    )
    await run_fan_out(session_factory, (await event_of(db, later.id)).id, TODAY)

    link = f"/my/engagements/{engagement.id}"
    dispute_form = f'action="{link}/dispute"'
    client.cookies.clear()
    await sign_in(client, sub.emails["sub_bookkeeper"])
    calm = html.unescape((await client.get(link, headers=HTML)).text)
    assert 'id="nothing-needed"' in calm and 'data-check="' not in calm, calm
    assert dispute_form not in calm  # no gap and nothing held against the sub

    async def gc_decides(kind: str, reason: str) -> None:
        client.cookies.clear()
        csrf = await sign_in(client, gc.emails["gc_contract_admin"])
        made = await client.post(decide, data={"_csrf": csrf, "kind": kind, "reason": reason})
        assert made.status_code == 302
        client.cookies.clear()
        await sign_in(client, sub.emails["sub_bookkeeper"])

    await gc_decides("pay_hold", "The certificate on file is for another company")
    held = html.unescape((await client.get(link, headers=HTML)).text)
    assert 'id="nothing-needed"' in held and "decision below still stands" in held
    assert "Reason: The certificate on file is for another company" in held
    assert dispute_form in held and "Dispute with Wrenfield Builders LLC" in held
    sub_csrf = held.split('name="_csrf" value="', 1)[1].split('"', 1)[0]
    disputed = await client.post(
        f"{link}/dispute",
        data={"_csrf": sub_csrf, "check_code": "", "message": "That certificate is ours."},
    )
    assert disputed.status_code in (302, 303)
    assert len(await notices_to(db, gc.emails["gc_contract_admin"], "message_dispute")) == 1

    await gc_decides("release", "Checked with the sub")
    released = html.unescape((await client.get(link, headers=HTML)).text)
    assert dispute_form not in released and "decision below still stands" not in released

    await gc_decides("reject", "Named insured does not match the subcontract")
    rejected = html.unescape((await client.get(link, headers=HTML)).text)
    assert dispute_form in rejected


async def test_every_kind_of_decision_reaches_the_sub_and_its_broker_with_its_reason(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    """Issue 17 Must 2: reject, waiver granted, pay hold placed and released, work-stop
    ordered and lifted, each told to the sub's people and its broker at once, with its reason
    (a waiver's check in words) and the link to the fix."""
    gc = await make_org(db, "general_contractor", name="Aspen Hollow Builders LLC")
    sub = await ready_sub(db, gc)
    broker = await _accepted_broker(db, sub)
    engagement = await engage_on_project(db, gc, sub)
    change = RecordChange(kind="initial", terms=short_terms(), endorsements=endorsements())
    revision = await confirm(db, make_store(settings), sub, change)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    url = f"/api/v1/engagements/{engagement.id}/decisions"
    until = TODAY + timedelta(days=30)
    decisions = [
        ({"kind": "reject", "reason": "GL each occurrence is $500,000"}, "rejected your"),
        (
            {
                "kind": "waive",
                "check_code": "GL_EACH_OCCURRENCE_MIN",
                "line": "general_liability",
                "reason": "Owner accepts it for the design phase",
                "expires_on": until.isoformat(),
            },
            "waived a requirement on",
        ),
        ({"kind": "pay_hold", "reason": "Certificate for another company"}, "placed a pay"),
        ({"kind": "release", "reason": "Right certificate on file"}, "released the pay"),
        (
            {"kind": "work_stop", "reason": "Auto policy lapsed", "lapse_began": TODAY.isoformat()},
            "ordered work to stop",
        ),
        (
            {"kind": "resume", "evidence": "Auto renewal AU-2 on file"},
            "lifted the work-stop order",
        ),
    ]
    for body, verb in decisions:
        made = await client.post(url, headers={"x-csrf-token": csrf}, json=body)
        assert made.status_code == 201, (body["kind"], made.text)
        for email, org in (
            (sub.emails["sub_bookkeeper"], sub.id),
            (broker.emails["broker_agent"], broker.id),
        ):
            [told] = await notices_to(db, email, f"decision_{body['kind']}")
            assert told.organisation_id == org
            assert f"Aspen Hollow Builders LLC {verb}" in told.subject, told.subject
            said = body.get("reason") or body.get("evidence")
            assert f"Reason: {said}" in told.body, (body["kind"], told.body)
            assert told.link == f"/my/engagements/{engagement.id}"
    [waived] = await notices_to(db, sub.emails["sub_admin"], "decision_waive")
    assert "General liability: each occurrence limit at least the minimum" in waived.body
    assert f"until {until.isoformat()}" in waived.body
