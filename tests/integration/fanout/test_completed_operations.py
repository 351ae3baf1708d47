"""After close-out an engagement continues into its completed-operations phase (issue 14.6):
the sweep judges it again for that phase (general liability with completed-operations AI and
the products-completed operations aggregate only), asks the sub, its broker and the GC what is
still needed, treats a general liability lapse in the phase as a lapse (without a pay hold), and
finishes the engagement after the set's years; the GC's dashboard shows these engagements
apart. Real PostgreSQL, the real fan-out and sweep."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import msgspec
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Decision, Engagement, Notice, Verdict
from backend.projects.sweep import run_sweep
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from tests.integration.factories import make_org, make_project, sign_in
from tests.integration.fanout.helpers import (
    confirm,
    endorsements,
    engage_on_project,
    person_of,
    terms,
)
from tests.integration.fanout.test_fanout import _accepted_broker, event_of, ready_sub
from tests.integration.web.test_sub_pages import HTML
from workers.fanout import run_fan_out

TODAY = date.today()
# The project ended 60 days ago with 30 days of close-out: closed out 30 days ago.
PROJECT_END = TODAY - timedelta(days=60)
CLOSEOUT_DAYS = 30
# The verdict on the renewal was given before close-out, in the work phase.
BEFORE_CLOSEOUT = TODAY - timedelta(days=40)
# The policies run from 300 days ago for a year: they end in 65 days, beyond the GC's largest
# alert threshold (60 days), so general liability alone is "compliant" today.
TERM_START = TODAY - timedelta(days=300)
GL_ENDS = TERM_START + timedelta(days=365)
# Workers' compensation lapsed five days ago: during the work that would be a lapse.
WC_ENDS = TODAY - timedelta(days=5)


async def _record(db: AsyncSession, settings: Settings, sub: Any) -> Any:
    lines = terms(TERM_START)
    lines = [
        msgspec.structs.replace(term, expiration=WC_ENDS)
        if term.line == "workers_compensation"
        else term
        for term in lines
    ]
    change = RecordChange(kind="initial", terms=lines, endorsements=endorsements())
    return await confirm(db, make_store(settings), sub, change)


async def test_close_out_starts_the_completed_operations_phase_and_the_sweep_follows_it(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    broker = await _accepted_broker(db, sub)
    project = await make_project(db, gc)
    project.start_date = TODAY - timedelta(days=400)
    project.end_date = PROJECT_END
    project.closeout_days = CLOSEOUT_DAYS
    await db.flush()
    engagement = await engage_on_project(db, gc, sub, project=project)
    revision = await _record(db, settings, sub)
    revision_id = revision.id  # the sweep expires what the session holds
    await run_fan_out(session_factory, (await event_of(db, revision_id)).id, BEFORE_CLOSEOUT)
    await db.refresh(engagement)
    # During the work every line counts: the WC policy ends first.
    assert engagement.phase == "ongoing"
    assert engagement.expires_on == WC_ENDS
    # The templates keep three years of completed operations (of 365.25 days).
    closed = PROJECT_END + timedelta(days=CLOSEOUT_DAYS)
    until = closed + timedelta(days=round(3 * 365.25))
    assert engagement.completed_operations_until == until

    report = await run_sweep(db, TODAY)
    assert report.completed_operations == 1
    assert report.pay_holds == 0 and report.expired == 0
    engagement = await db.get(Engagement, engagement.id, populate_existing=True)
    assert engagement is not None
    assert engagement.phase == "completed_operations"
    # Only general liability is asked for now: its end is the engagement's expiry, and the
    # lapsed WC neither expires the engagement nor holds payment.
    assert engagement.expires_on == GL_ENDS
    assert engagement.status == "compliant", engagement.status
    assert not engagement.pay_hold
    verdicts = (
        (
            await db.execute(
                select(Verdict)
                .where(Verdict.engagement_id == engagement.id)
                .order_by(Verdict.created_at)
            )
        )
        .scalars()
        .all()
    )
    assert [(v.revision_id, v.phase) for v in verdicts] == [
        (revision_id, "ongoing"),
        (revision_id, "completed_operations"),
    ]
    phase_codes = {check["code"] for check in verdicts[-1].checks}
    assert "AI_COMPLETED" in phase_codes
    assert "GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN" in phase_codes
    assert not {c for c in phase_codes if c.startswith(("WC_", "AUTO_", "UMB_"))}
    assert "AI_ONGOING" not in phase_codes
    # The sub, its broker and the GC's admins are told what is still asked, until when.
    kind = f"phase:completed_operations:{until.isoformat()}"
    told = (
        (
            await db.execute(
                select(Notice).where(Notice.engagement_id == engagement.id, Notice.kind == kind)
            )
        )
        .scalars()
        .all()
    )
    agent = await person_of(db, broker.emails["broker_agent"])
    recipients = {notice.recipient_id for notice in told}
    assert agent.id in recipients
    assert (await person_of(db, sub.emails["sub_bookkeeper"])).id in recipients
    assert (await person_of(db, gc.emails["gc_admin"])).id in recipients
    assert "CG 20 37" in told[0].body and until.isoformat() in told[0].body

    again = await run_sweep(db, TODAY)  # the same day again changes nothing
    assert again.completed_operations == 0 and again.notices == 0

    # The GC's dashboard shows the engagement apart.
    await sign_in(client, gc.emails["gc_admin"])
    phase_page = await client.get("/dashboard?phase=completed_operations", headers=HTML)
    assert phase_page.status_code == 200
    assert str(engagement.id) in phase_page.text and "Completed operations" in phase_page.text
    ongoing_page = await client.get("/dashboard?phase=ongoing", headers=HTML)
    assert str(engagement.id) not in ongoing_page.text
    bad = await client.get("/dashboard?phase=someday", headers=HTML)
    assert bad.status_code == 422 and "Unknown phase" in bad.text

    # General liability lapses during the phase: expired, the sub asked for the renewal, and
    # no automatic pay hold (the work is done).
    after_gl = GL_ENDS + timedelta(days=1)
    lapse = await run_sweep(db, after_gl)
    assert lapse.expired == 1 and lapse.pay_holds == 0
    engagement = await db.get(Engagement, engagement.id, populate_existing=True)
    assert engagement is not None
    assert engagement.status == "expired" and not engagement.pay_hold
    lapsed = (
        (
            await db.execute(
                select(Notice).where(
                    Notice.engagement_id == engagement.id, Notice.kind.like("co-expiry:0d:%")
                )
            )
        )
        .scalars()
        .all()
    )
    assert lapsed and "completed-operations cover lapsed" in lapsed[0].subject
    holds = select(Decision).where(
        Decision.engagement_id == engagement.id, Decision.kind == "pay_hold"
    )
    assert (await db.execute(holds)).first() is None

    # After the phase's last day nothing more is asked.
    done = await run_sweep(db, until + timedelta(days=1))
    assert done.finished == 1 and done.examined == 0
    engagement = await db.get(Engagement, engagement.id, populate_existing=True)
    assert engagement is not None and engagement.phase == "finished"

    # A renewal confirmed after that is not judged against the finished engagement.
    later = until + timedelta(days=2)
    renewal = RecordChange(kind="renewal", terms=terms(later - timedelta(days=10)))
    renewed = await confirm(db, make_store(settings), sub, renewal)
    renewed_id = renewed.id
    await run_fan_out(session_factory, (await event_of(db, renewed_id)).id, later)
    judged = select(Verdict).where(
        Verdict.engagement_id == engagement.id, Verdict.revision_id == renewed_id
    )
    assert (await db.execute(judged)).first() is None


async def test_each_renewal_in_the_phase_is_judged_for_completed_operations_and_shown_apart(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    """Issue 14 Must 6: in the completed-operations phase each general liability renewal must
    still show the products-completed operations aggregate (and completed-operations AI): a
    renewal short of it turns the engagement non-compliant, the next one that shows it brings
    it back, and the engagement's expiry follows the renewal; the sweep's notices ask for it.
    The GC's dashboard lists these engagements in a section of their own."""
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    project = await make_project(db, gc)
    project.start_date = TODAY - timedelta(days=400)
    project.end_date = PROJECT_END
    project.closeout_days = CLOSEOUT_DAYS
    await db.flush()
    engagement = await engage_on_project(db, gc, sub, project=project)
    engagement_id = engagement.id
    revision = await _record(db, settings, sub)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, BEFORE_CLOSEOUT)
    await run_sweep(db, TODAY)
    engagement = await db.get(Engagement, engagement_id, populate_existing=True)
    assert engagement is not None and engagement.phase == "completed_operations"

    # The dashboard, every phase: the engagement sits in the completed-operations section with
    # the day it is asked until, not in the table of the work.
    await sign_in(client, gc.emails["gc_admin"])
    page = await client.get("/dashboard", headers=HTML)
    assert page.status_code == 200
    work_table, _, phase_section = page.text.partition("Completed operations after close-out")
    assert phase_section, "no completed-operations section on the dashboard"
    assert str(engagement_id) not in work_table
    assert str(engagement_id) in phase_section
    assert engagement.completed_operations_until is not None
    assert engagement.completed_operations_until.isoformat() in phase_section

    # The GL renewal, judged the day after the old term ends (still inside the phase): its
    # products-completed operations aggregate is short and nothing else makes it up.
    renewal_day = GL_ENDS + timedelta(days=1)
    gl_renewal = next(t for t in terms(GL_ENDS, number_suffix="2") if t.line == "general_liability")
    short = msgspec.structs.replace(
        gl_renewal,
        limits={**gl_renewal.limits, "products_completed_operations_aggregate": 1_000_000},
    )
    store = make_store(settings)
    renewed = await confirm(db, store, sub, RecordChange(kind="renewal", terms=[short]))
    await run_fan_out(session_factory, (await event_of(db, renewed.id)).id, renewal_day)
    verdict = (
        await db.execute(
            select(Verdict).where(
                Verdict.engagement_id == engagement_id, Verdict.revision_id == renewed.id
            )
        )
    ).scalar_one()
    assert verdict.phase == "completed_operations" and verdict.status == "non_compliant"
    failed = {c["code"] for c in verdict.checks if c["outcome"] == "fail"}
    assert failed == {"GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN"}, failed
    assert any(c["code"] == "AI_COMPLETED" for c in verdict.checks)

    # The broker sends the corrected renewal: compliant again, expiring with the new term.
    corrected = await confirm(db, store, sub, RecordChange(kind="renewal", terms=[gl_renewal]))
    await run_fan_out(session_factory, (await event_of(db, corrected.id)).id, renewal_day)
    engagement = await db.get(Engagement, engagement_id, populate_existing=True)
    assert engagement is not None
    assert engagement.phase == "completed_operations"
    assert engagement.status == "compliant", engagement.status
    assert engagement.expires_on == gl_renewal.expiration

    # Thirty days before that renewal ends, the sweep asks for the next one with its
    # completed-operations endorsement.
    assert gl_renewal.expiration is not None
    reminder = await run_sweep(db, gl_renewal.expiration - timedelta(days=30))
    assert reminder.notices > 0
    asked = (
        (
            await db.execute(
                select(Notice).where(
                    Notice.engagement_id == engagement_id, Notice.kind.like("co-expiry:30d:%")
                )
            )
        )
        .scalars()
        .all()
    )
    assert asked and "completed-operations endorsement" in asked[0].body
    assert "CG 20 37" in asked[0].body
