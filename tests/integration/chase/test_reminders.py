"""The chase loop: reminders on each GC's schedule, one per person per run listing exactly
what is missing per engagement, recorded so a re-run sends nothing twice, escalated to the
GC's admins after N, and stopped by the fix itself."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase.reminders import ESCALATION_KIND, REMINDER_KIND, run_reminders
from backend.chase.schedule import SCHEDULE_SETTING
from backend.config import Settings
from backend.db.models import Engagement, Notice, OutboxEvent, Project
from backend.db.models.chase_reminder import ChaseReminder
from backend.db.models.upload_link import UploadLink
from backend.network.secrets import token_digest
from backend.projects.verify_service import verify_engagement
from backend.records.store import make_store
from backend.verification.messages import addressed_to_broker
from tests.integration.chase.helpers import broker_grant, engage_in_pa, pa_record, pending_broker
from tests.integration.factories import Org, make_org
from tests.integration.fanout.helpers import confirm, engage_on_project
from tests.integration.fanout.test_fanout import notices_to, ready_sub
from workers.fanout import run_fan_out

TODAY = date.today()
BASE = "http://coinet.test"
TOKEN = re.compile(r"/upload-link\?token=(upl_[\w-]+)")


def schedule(gc: Org, every: int = 3, escalate: int = 2, before: list[int] | None = None) -> None:
    gc.organisation.settings = {
        SCHEDULE_SETTING: {
            "before_days": before or [30, 14, 7, 1],
            "every_days": every,
            "escalate_after": escalate,
        }
    }


async def project_number(db: AsyncSession, engagement: Engagement) -> str:
    return (await db.get(Project, engagement.project_id)).number  # type: ignore[union-attr]


async def fan_out(db: AsyncSession, session_factory: object, revision_id: object) -> None:
    event = (
        await db.execute(select(OutboxEvent).where(OutboxEvent.revision_id == revision_id))
    ).scalar_one()
    await run_fan_out(session_factory, event.id, TODAY)  # type: ignore[arg-type]


async def test_deficiencies_are_chased_folded_once_escalated_and_stop_when_fixed(
    db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    schedule(gc, every=3, escalate=2)
    sub = await ready_sub(db, gc)
    broker = await make_org(db, "broker")
    await broker_grant(db, sub, broker)
    stranger = await pending_broker(db, sub, "never.registered@broker.test")
    first = await engage_in_pa(db, gc, sub)
    second = await engage_in_pa(db, gc, sub)
    open_checks: tuple[str, ...] = ()
    for engagement in (first, second):
        change = await verify_engagement(db, engagement.id, None, TODAY)
        assert change is not None and change.status == "incomplete"
        assert change.open_checks
        open_checks = change.open_checks

    run = await run_reminders(db, TODAY, BASE)

    assert (run.engagements, run.escalated) == (2, 0)
    for email in (sub.emails["sub_admin"], sub.emails["sub_bookkeeper"]):
        [reminder] = await notices_to(db, email, REMINDER_KIND)
        for engagement in (first, second):
            assert await project_number(db, engagement) in reminder.body
            assert f"/my/engagements/{engagement.id}" in reminder.body
        assert open_checks[0] in reminder.body
        assert reminder.email_state == "queued"
    [to_broker] = await notices_to(db, broker.emails["broker_agent"], REMINDER_KIND)
    assert sub.organisation.legal_name in to_broker.subject
    # The sub is told to ask its broker; the broker is told what the GC asks for.
    assert "Ask your broker" in open_checks[0] and open_checks[0] in reminder.body
    assert addressed_to_broker(open_checks[0]) in to_broker.body
    assert "ask your broker" not in to_broker.body.lower()
    assert not await notices_to(db, gc.emails["gc_admin"], ESCALATION_KIND)
    # The broker who never registered gets an e-mail with a link to this sub's record only.
    [mail] = run.link_mails
    assert mail.to == stranger.email
    token = TOKEN.search(mail.body)
    assert token is not None
    assert addressed_to_broker(open_checks[0]) in mail.body
    assert "ask your broker" not in mail.body.lower()
    link = (
        await db.execute(select(UploadLink).where(UploadLink.token_hash == token_digest(token[1])))
    ).scalar_one()
    assert (link.sub_org_id, link.invitation_id, link.used_at) == (sub.id, stranger.id, None)

    # A re-run the same day, or the next day, sends nothing.
    for day in (TODAY, TODAY + timedelta(days=1)):
        again = await run_reminders(db, day, BASE)
        assert (again.engagements, again.notices, again.link_mails) == (0, 0, [])
    assert len(await notices_to(db, sub.emails["sub_admin"], REMINDER_KIND)) == 1

    # Every three days another; the reminder after two unanswered ones reaches the GC.
    third_day = await run_reminders(db, TODAY + timedelta(days=3), BASE)
    assert (third_day.engagements, third_day.escalated) == (2, 0)
    sixth_day = await run_reminders(db, TODAY + timedelta(days=6), BASE)
    assert (sixth_day.engagements, sixth_day.escalated) == (2, 2)
    for role in ("gc_admin", "gc_contract_admin"):
        [escalation] = await notices_to(db, gc.emails[role], ESCALATION_KIND)
        assert "reminded 2 times" in escalation.body
        assert f"/engagements/{first.id}" in escalation.body
    assert not await notices_to(db, gc.emails["gc_viewer"], ESCALATION_KIND)
    assert len(await notices_to(db, sub.emails["sub_admin"], REMINDER_KIND)) == 3

    # The sub's record arrives and is checked: both engagements turn compliant, the chase ends.
    revision = await confirm(db, make_store(settings), sub, pa_record(TODAY))
    await fan_out(db, session_factory, revision.id)
    for engagement in (first, second):
        await db.refresh(engagement)
        assert engagement.status == "compliant"
    for days_on in (9, 12, 30):
        after = await run_reminders(db, TODAY + timedelta(days=days_on), BASE)
        assert (after.engagements, after.link_mails) == (0, [])
    assert len(await notices_to(db, sub.emails["sub_admin"], REMINDER_KIND)) == 3
    sent = await db.scalar(
        select(func.count())
        .select_from(ChaseReminder)
        .where(ChaseReminder.engagement_id.in_([first.id, second.id]))
    )
    assert sent == 6


async def test_a_coming_expiry_is_reminded_at_each_threshold_until_the_renewal(
    db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    schedule(gc, before=[30, 14])
    sub = await ready_sub(db, gc)
    engagement = await engage_in_pa(db, gc, sub)
    store = make_store(settings)
    # Coverage bought 345 days ago ends in 20 days.
    revision = await confirm(db, store, sub, pa_record(TODAY - timedelta(days=345)))
    await fan_out(db, session_factory, revision.id)
    await db.refresh(engagement)
    assert engagement.expires_on == TODAY + timedelta(days=20)
    assert engagement.status in ("compliant", "expiring")

    run = await run_reminders(db, TODAY, BASE)
    assert run.engagements == 1
    [reminder] = await notices_to(db, sub.emails["sub_admin"], REMINDER_KIND)
    assert f"Coverage ends {engagement.expires_on.isoformat()} (20 days)" in reminder.body
    assert (await run_reminders(db, TODAY + timedelta(days=5), BASE)).engagements == 0
    assert (await run_reminders(db, TODAY + timedelta(days=6), BASE)).engagements == 1

    renewal = pa_record(TODAY + timedelta(days=20), kind="renewal")
    renewed = await confirm(db, store, sub, renewal)
    await fan_out(db, session_factory, renewed.id)
    await db.refresh(engagement)
    assert engagement.expires_on == TODAY + timedelta(days=385)
    for days_on in (13, 19, 21, 24):
        assert (await run_reminders(db, TODAY + timedelta(days=days_on), BASE)).engagements == 0
    assert len(await notices_to(db, sub.emails["sub_admin"], REMINDER_KIND)) == 2


async def test_a_gc_that_turned_reminders_off_is_not_chased_for(db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    gc.organisation.settings = {SCHEDULE_SETTING: {"enabled": False}}
    sub = await make_org(db, "subcontractor")
    engagement = await engage_on_project(db, gc, sub)
    await verify_engagement(db, engagement.id, None, TODAY)
    run = await run_reminders(db, TODAY, BASE)
    assert run.engagements == 0
    assert not await db.scalar(
        select(func.count())
        .select_from(Notice)
        .where(Notice.engagement_id == engagement.id)
        .where(Notice.kind == REMINDER_KIND)
    )
