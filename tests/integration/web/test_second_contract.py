"""A GC engages a sub it already has on a project for a second contract, by hand (from the
project's page or network search), naming the contract; only the same contract twice is
refused, with words that say what to do. Notices then say which contract they are about."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta
from typing import Any

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Engagement, Invitation, ProjectTrade, RequirementSetVersion
from backend.network.invitation_mail import INVITATION_JOB
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from tests.e2e.documents import Policy, certificate_pdf
from tests.integration.factories import make_org, make_project, sign_in
from tests.integration.fanout.helpers import confirm, endorsements, engage_on_project
from tests.integration.fanout.test_fanout import TODAY, event_of, notices_to, ready_sub
from tests.integration.mailbox import mailed_link
from tests.integration.web.test_review_feedback import _engage_on, _row
from tests.integration.web.test_review_safety import _read
from tests.integration.web.test_sub_loop import short_terms
from workers.fanout import run_fan_out

HTML = {"accept": "text/html"}


async def _invitations(db: AsyncSession, project_id: Any) -> int:
    count = await db.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.project_id == project_id)
    )
    return int(count or 0)


async def test_a_second_contract_on_the_same_project_is_engaged_by_naming_it(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor", name="Tallgrass Drywall LLC")
    project = await make_project(db, gc)
    first = await engage_on_project(db, gc, sub, project=project)
    db.add(
        ProjectTrade(
            project_id=project.id,
            trade="Drywall",
            requirement_set_id=(await _set_of(db, first)),
        )
    )
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    invite = f"/projects/{project.id}/invitations"
    address = sub.emails["sub_admin"]

    same = await client.post(invite, data={"_csrf": csrf, "email": address, "trade": "Drywall"})
    shown = html.unescape(same.text)
    assert same.status_code == 409
    assert "Tallgrass Drywall LLC already holds the contract “Drywall” on this project" in shown
    assert "Contract label" in shown
    assert f'value="{address}"' in shown  # what the GC typed is still there
    assert await _invitations(db, project.id) == 0

    named = await client.post(
        invite,
        data={"_csrf": csrf, "email": address, "trade": "Drywall", "contract": " SC-014 "},
    )
    assert named.status_code == 200 and "under contract SC-014" in named.text
    invitation = (
        await db.execute(select(Invitation).where(Invitation.project_id == project.id))
    ).scalar_one()
    assert invitation.contract_ref == "SC-014" and invitation.trade == "Drywall"
    purposes = [
        str(job.args[2])
        for job in await redis.queued_jobs()
        if job.function == INVITATION_JOB and job.args[0] == address
    ]
    assert any("as Drywall (contract SC-014)" in purpose for purpose in purposes), purposes
    link = await mailed_link(redis, address)

    twice = await client.post(
        invite, data={"_csrf": csrf, "email": address, "trade": "Drywall", "contract": "SC-014"}
    )
    assert twice.status_code == 200  # not engaged under SC-014 yet: a second link is fine

    client.cookies.clear()
    sub_csrf = await sign_in(client, address)
    assert (await client.get(link, headers=HTML)).status_code == 200
    waiting = html.unescape((await client.get("/depends", headers=HTML)).text)
    assert "· Drywall · contract SC-014" in waiting  # the sub sees which contract it accepts
    accepted = await client.post(
        f"/project-invitations/{invitation.id}/accept", data={"_csrf": sub_csrf}
    )
    assert accepted.status_code == 302
    labels = sorted(
        (
            await db.execute(
                select(Engagement.contract_label).where(Engagement.project_id == project.id)
            )
        ).scalars()
    )
    assert labels == ["Drywall", "SC-014 · Drywall"]

    # The second link for the same contract is refused with words, not the unique key's 500.
    other = (
        await db.execute(
            select(Invitation.id).where(
                Invitation.project_id == project.id, Invitation.accepted_at.is_(None)
            )
        )
    ).scalar_one()
    again = await client.post(f"/project-invitations/{other}/accept", data={"_csrf": sub_csrf})
    assert again.status_code == 409
    assert "already hold the contract “SC-014”" in html.unescape(again.text)

    client.cookies.clear()
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    exact = await client.post(
        invite, data={"_csrf": csrf, "email": address, "trade": "Drywall", "contract": "SC-014"}
    )
    assert exact.status_code == 409 and "“SC-014”" in html.unescape(exact.text)
    from_search = await client.post(
        "/network/engage",
        data={
            "_csrf": csrf,
            "sub_org_id": str(sub.id),
            "project_trade": f"{project.id}|Drywall",
            "contract": "PO-7",
        },
    )
    assert from_search.status_code == 200 and "under contract PO-7" in from_search.text
    kept = await client.post(
        "/network/engage",
        data={
            "_csrf": csrf,
            "sub_org_id": str(sub.id),
            "project_trade": f"{project.id}|Drywall",
            "contract": "SC-014",
            "q": "Tallgrass",
        },
    )
    assert kept.status_code == 409 and "“SC-014”" in html.unescape(kept.text)
    assert 'value="SC-014" aria-invalid="true"' in kept.text  # the label typed is still there
    too_long = await client.post(
        invite, data={"_csrf": csrf, "email": address, "trade": "Drywall", "contract": "X" * 81}
    )
    assert too_long.status_code == 422 and "at most 80 characters" in too_long.text


async def _set_of(db: AsyncSession, engagement: Engagement) -> Any:
    version = await db.get(RequirementSetVersion, engagement.requirement_set_version_id)
    assert version is not None
    return version.requirement_set_id


async def test_notices_name_the_contract_when_a_sub_holds_several_on_a_project(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor", name="Sagebrush Builders LLC")
    sub = await ready_sub(db, gc)
    project = await make_project(db, gc)
    await engage_on_project(db, gc, sub, project=project)
    second = await engage_on_project(db, gc, sub, project=project, contract_ref="SC-2")
    change = RecordChange(kind="initial", terms=short_terms(), endorsements=endorsements())
    revision = await confirm(db, make_store(settings), sub, change)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)

    asked = await notices_to(db, sub.emails["sub_bookkeeper"], "deficiency")
    assert len(asked) == 1
    body = asked[0].body
    assert re.search(rf"{re.escape(project.number)} [^\n]* · SC-2 · Drywall", body), body
    assert re.search(rf"{re.escape(project.number)} [^\n]* · Drywall:", body), body

    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    held = await client.post(
        f"/engagements/{second.id}/decisions",
        data={"_csrf": csrf, "kind": "pay_hold", "reason": "GL each occurrence short"},
    )
    assert held.status_code == 302
    hold = await notices_to(db, sub.emails["sub_bookkeeper"], "decision_pay_hold")
    assert len(hold) == 1 and "SC-2 · Drywall" in hold[0].subject


async def test_review_feedback_names_each_contract_of_a_sub_on_one_project(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor", name="Meridian Builders LLC")
    sub = await make_org(db, "subcontractor", name="Keystone Framing LLC")
    first = await _engage_on(db, gc, sub, "moderate", "P-2400")
    second = Engagement(
        id=uuid.uuid4(),
        project_id=first.project_id,
        gc_org_id=gc.id,
        sub_org_id=sub.id,
        trade="Framing",
        contract_ref="PO-31",
        requirement_set_version_id=first.requirement_set_version_id,
        status="incomplete",
    )
    db.add(second)
    await db.flush()
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    today = date.today()
    pdf = certificate_pdf(
        "Keystone Framing LLC",
        "Meridian Builders LLC",
        Policy("GL-7", "AU-8", today - timedelta(days=5), today + timedelta(days=360)),
        "30 days notice of cancellation.",
    )
    ctx = {"session_factory": session_factory, "settings": settings}
    document_id = await _read(client, sub.id, csrf, pdf, ctx)
    review = await client.get(f"/documents/{document_id}/review", headers=HTML)
    assert review.status_code == 200
    assert "P-2400" in _row(review.text, first) and "PO-31" not in _row(review.text, first)
    assert "PO-31 · Framing" in _row(review.text, second)
