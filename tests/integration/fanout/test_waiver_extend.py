"""A GC extends (or replaces) its waiver still in force (issue 17): a second waiver on the same
check was refused with 422 ("has not failed; there is nothing to waive"). The new waiver is a
decision like the first, through the same service: the old one ends when the new one is
granted, both stay in the history and in the audit log, the sub and its broker are told, and
the old one's last day passing tells nobody that a waiver ended."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Decision, Engagement, Notice
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.projects.verify_service import live_waivers
from backend.projects.waiver_end import end_waivers
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.helpers import confirm, endorsements, terms
from tests.integration.fanout.test_fanout import _accepted_broker, event_of, verdicts_of
from tests.integration.fanout.test_waiver_end import CHECK, TODAY, _short_and_waived
from workers.fanout import run_fan_out

FIRST_DAYS = 5
EXTENDED_DAYS = 60


def _waiver(until: str, reason: str = "Owner accepts $900K until the renewal") -> dict[str, Any]:
    return {
        "kind": "waive",
        "check_code": CHECK,
        "line": "general_liability",
        "reason": reason,
        "expires_on": until,
    }


async def _waivers(db: AsyncSession, engagement: Engagement) -> list[Decision]:
    query = (
        select(Decision)
        .where(Decision.engagement_id == engagement.id, Decision.kind == "waive")
        .order_by(Decision.created_at)
    )
    return list((await db.execute(query)).scalars())


async def test_a_gc_extends_its_waiver_in_force(
    db: AsyncSession, session_factory: Any, settings: Settings, client: AsyncClient
) -> None:
    first_until = TODAY + timedelta(days=FIRST_DAYS)
    gc, sub, engagement, url, csrf = await _short_and_waived(
        db, session_factory, settings, client, first_until
    )
    broker = await _accepted_broker(db, sub)
    extended = (TODAY + timedelta(days=EXTENDED_DAYS)).isoformat()
    # The GC's page offers the waived check in its waive form, saying what a new waiver does.
    shown = (
        await client.get(f"/engagements/{engagement.id}", headers={"accept": "text/html"})
    ).text
    assert f"waived until {first_until.isoformat()}, a new waiver replaces it" in shown

    answer = await client.post(url, headers={"x-csrf-token": csrf}, json=_waiver(extended))
    assert answer.status_code == 201, answer.text
    first, second = await _waivers(db, engagement)
    assert second.expires_on is not None and second.expires_on.isoformat() == extended
    assert second.details["replaces"]["decision_id"] == str(first.id)
    assert second.details["replaces"]["expires_on"] == first_until.isoformat()
    await db.refresh(engagement)
    assert engagement.status in ("compliant", "expiring")
    # One waiver in force on the check, the new one.
    live = (await live_waivers(db, [engagement.id], TODAY))[engagement.id]
    assert [(w.check_code, w.expires_on.isoformat()) for w in live] == [(CHECK, extended)]

    # Both are decisions in the audit log, the second naming the one it replaced.
    entries = list(
        (
            await db.execute(
                select(AuditLogEntry)
                .where(AuditLogEntry.engagement_id == engagement.id, AuditLogEntry.kind == "waive")
                .order_by(AuditLogEntry.seq)
            )
        ).scalars()
    )
    assert len(entries) == 2
    assert str(second.id).encode() in entries[1].snapshot
    assert str(first.id).encode() in entries[1].snapshot

    # The sub's people and its broker are told, as for any waiver granted.
    told = (
        await db.execute(
            select(Notice.organisation_id).where(
                Notice.engagement_id == engagement.id,
                Notice.kind == "decision_waive",
                Notice.body.contains(extended),
            )
        )
    ).scalars()
    assert {sub.id, broker.id} <= set(told)

    # The old one's last day passing is no waiver ending: nobody is told, the status stands.
    assert await end_waivers(db, first_until + timedelta(days=1)) == 0
    await db.refresh(engagement)
    assert engagement.status in ("compliant", "expiring")
    assert gc.id != sub.id


async def test_another_gc_cannot_extend_and_bad_dates_change_nothing(
    db: AsyncSession, session_factory: Any, settings: Settings, client: AsyncClient
) -> None:
    first_until = TODAY + timedelta(days=FIRST_DAYS)
    _, _, engagement, url, csrf = await _short_and_waived(
        db, session_factory, settings, client, first_until
    )
    past = (TODAY - timedelta(days=1)).isoformat()
    for bad in (past, "2026-02-30", "next month"):
        refused = await client.post(url, headers={"x-csrf-token": csrf}, json=_waiver(bad))
        # A clear refusal of the input (400/422), not "no such engagement" nor a 500.
        assert refused.status_code in (400, 422), (bad, refused.text)
        assert "Traceback" not in refused.text
    refused = await client.post(url, headers={"x-csrf-token": csrf}, json=_waiver(past))
    assert "cannot expire before it is granted" in refused.text
    assert len(await _waivers(db, engagement)) == 1

    other = await make_org(db, "general_contractor")
    other_csrf = await sign_in(client, other.emails["gc_contract_admin"])
    later = (TODAY + timedelta(days=EXTENDED_DAYS)).isoformat()
    refused = await client.post(url, headers={"x-csrf-token": other_csrf}, json=_waiver(later))
    assert refused.status_code == 404, refused.text
    assert len(await _waivers(db, engagement)) == 1
    live = (await live_waivers(db, [engagement.id], TODAY))[engagement.id]
    assert [w.expires_on for w in live] == [first_until]
    count = select(func.count()).select_from(AuditLogEntry)
    assert (await db.execute(count.where(AuditLogEntry.engagement_id == engagement.id))).scalar()


async def test_a_waiver_extended_after_a_verdict_that_stored_it_as_waived(
    db: AsyncSession, session_factory: Any, settings: Settings, client: AsyncClient
) -> None:
    """A verdict made while the waiver was in force stores the check as waived: the extension
    takes that stored waiver off and puts the new one on."""
    first_until = TODAY + timedelta(days=FIRST_DAYS)
    _, sub, engagement, url, csrf = await _short_and_waived(
        db, session_factory, settings, client, first_until
    )
    again = RecordChange(
        kind="renewal",
        terms=terms(TODAY, gl_each=900_000, number_suffix="2"),
        endorsements=endorsements(),
    )
    revision = await confirm(db, make_store(settings), sub, again)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    verdict = (await verdicts_of(db, revision.id))[engagement.id]
    stored = [c for c in verdict.checks if c["code"] == CHECK]
    assert [c["outcome"] for c in stored] == ["waived"], stored

    extended = (TODAY + timedelta(days=EXTENDED_DAYS)).isoformat()
    answer = await client.post(url, headers={"x-csrf-token": csrf}, json=_waiver(extended))
    assert answer.status_code == 201, answer.text
    await db.refresh(engagement)
    assert engagement.status in ("compliant", "expiring")
    last = (
        await db.execute(
            select(AuditLogEntry)
            .where(AuditLogEntry.engagement_id == engagement.id, AuditLogEntry.kind == "waive")
            .order_by(AuditLogEntry.seq.desc())
            .limit(1)
        )
    ).scalar_one()
    assert extended.encode() in last.snapshot


async def test_a_waiver_replaced_by_a_shorter_one_ends_once(
    db: AsyncSession, session_factory: Any, settings: Settings, client: AsyncClient
) -> None:
    """Replaced by a shorter waiver, the old one ended at the replacement: when the new one
    ends the sub is told once, and the old one's own last day passing tells nobody again."""
    first_until = TODAY + timedelta(days=EXTENDED_DAYS)
    _, sub, engagement, url, csrf = await _short_and_waived(
        db, session_factory, settings, client, first_until
    )
    shorter = TODAY + timedelta(days=FIRST_DAYS)
    answer = await client.post(
        url, headers={"x-csrf-token": csrf}, json=_waiver(shorter.isoformat())
    )
    assert answer.status_code == 201, answer.text
    assert [
        w.expires_on for w in (await live_waivers(db, [engagement.id], TODAY))[engagement.id]
    ] == [shorter]

    assert await end_waivers(db, shorter + timedelta(days=1)) > 0
    await db.refresh(engagement)
    assert engagement.status == "non_compliant"
    ended = select(func.count()).where(
        Notice.engagement_id == engagement.id,
        Notice.kind.like("waiver_ended:%"),
        Notice.organisation_id == sub.id,
    )
    told = (await db.execute(ended)).scalar_one()
    assert told > 0
    assert await end_waivers(db, first_until + timedelta(days=1)) == 0
    assert (await db.execute(ended)).scalar_one() == told
