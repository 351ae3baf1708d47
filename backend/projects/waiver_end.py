"""When a waiver's last day has passed (issue 17 Must 2: a waiver ending reaches the sub).

A waiver counts in every verdict until its expiry day has passed (verify_service reads live
waivers), but a verdict is made only when the sub's record changes: without this, an engagement
whose waiver ended stayed "compliant" on the GC's dashboard and nobody was told. The daily
sweep's job runs `end_waivers` after the sweep: the engagement's status is recomputed from its
latest verdict without the ended waiver (the engine's `rewaive`, as a decision does), and the
sub's people, its active brokers and the GC's admins are told once per waiver, with the check
in words and the link to where each acts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.notify.decision_notices import check_in_words
from backend.notify.service import (
    DEFICIENT_STATUSES,
    GC_NOTICE_ROLES,
    STATUS_WORDS,
    NoticeDraft,
    add_notices,
    kinds_noticed,
    members_with_roles,
    notify_sub_and_brokers,
    sub_engagement_link,
)
from backend.projects.decisions import engine_verdict
from backend.projects.engine_input import expiring_window_days
from backend.projects.repository import ProjectRepository
from backend.projects.sweep import latest_verdicts
from backend.projects.verify_service import live_waivers
from backend.verification.verdict import rewaive

# The daily run looks this far back, so a waiver that ended while the workers were down is
# still told (once: its notice kind names the decision).
WAIVER_END_LOOKBACK_DAYS: Final = 30
KIND_PREFIX: Final = "waiver_ended:"


async def end_waivers(session: AsyncSession, today: date) -> int:
    """Recompute and tell, in the caller's transaction; returns the notices queued."""
    repository = ProjectRepository(session)
    ended = await repository.waivers_ended(today - timedelta(days=WAIVER_END_LOOKBACK_DAYS), today)
    if not ended:
        return 0
    engagement_ids = list({engagement.id for _, engagement, _, _, _ in ended})
    already = await kinds_noticed(
        session, engagement_ids, {f"{KIND_PREFIX}{d.id}" for d, _, _, _, _ in ended}
    )
    live = await live_waivers(session, engagement_ids, today)
    # A waiver a GC replaced ended when the new one was granted, which the sub was told of.
    replaced = await repository.replaced_waivers(engagement_ids)
    latest = await latest_verdicts(session, engagement_ids)
    gc_people = await members_with_roles(
        session, {gc.id for _, _, _, gc, _ in ended}, GC_NOTICE_ROLES
    )
    now = datetime.now(UTC)
    notices = 0
    drafts: list[NoticeDraft] = []
    for decision, engagement, project, gc, sub in ended:
        kind = f"{KIND_PREFIX}{decision.id}"
        if (engagement.id, kind) in already or str(decision.id) in replaced:
            continue
        line = decision.details.get("line") if isinstance(decision.details, dict) else None
        in_force = live.get(engagement.id, [])
        if any(w.check_code == decision.check_code and w.line == line for w in in_force):
            continue  # waived again past this one's end: nothing ended
        found = latest.get(engagement.id)
        if found is not None:
            engine = rewaive(
                engine_verdict(found[0], found[1]), in_force, expiring_window_days(gc.settings)
            )
            # Only ever worse: the sweep's own states (expiring, expired) are kept.
            if engine.status in DEFICIENT_STATUSES and engagement.status not in DEFICIENT_STATUSES:
                engagement.status = engine.status
                engagement.status_changed_at = now
        assert decision.expires_on is not None
        where = f"{project.number} {project.name}"
        words = check_in_words(decision.check_code or "")
        ended_on = decision.expires_on.isoformat()
        status = STATUS_WORDS.get(engagement.status, engagement.status)
        subject = f"{gc.legal_name}'s waiver on {where} ended {ended_on}"
        body = (
            f"Waived until {ended_on}: {words}.\n"
            f"It counts again; the insurance on {where} is {status}.\n"
            "Upload a certificate or endorsement that meets it, or ask the GC to waive it again."
        )
        notices += await notify_sub_and_brokers(
            session,
            sub.id,
            sub.legal_name,
            engagement.id,
            kind,
            subject,
            body,
            link=sub_engagement_link(engagement.id),
            change_key="",
        )
        drafts.extend(
            NoticeDraft(
                person,
                gc.id,
                engagement.id,
                kind,
                f"{sub.legal_name}: your waiver on {where} ended {ended_on}",
                f"Waived until {ended_on}: {words}.\nThe engagement is {status}.",
                link=f"/engagements/{engagement.id}",
            )
            for person in gc_people.get(gc.id, [])
        )
    await session.flush()
    return notices + await add_notices(session, drafts)
