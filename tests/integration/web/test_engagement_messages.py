"""The rules of an engagement's messages (backend/projects/engagement_messages.py) as the two
pages meet them: a dispute or an answer that is empty or too long is refused with what it
needs and keeps nothing; a kept one tells the other side."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import EngagementMessage, Notice
from backend.projects.engagement_messages import MAX_CHECK_CODE_CHARS, MAX_MESSAGE_CHARS
from tests.integration.factories import engage, make_org, sign_in

HTML = {"accept": "text/html"}


async def _kept(db: AsyncSession, kind: str) -> list[EngagementMessage]:
    found = await db.execute(select(EngagementMessage).where(EngagementMessage.kind == kind))
    return list(found.scalars())


async def test_an_empty_or_long_message_is_refused_and_a_kept_one_is_told(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    sub_csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    dispute = f"/my/engagements/{engagement.id}/dispute"
    empty = await client.post(dispute, data={"_csrf": sub_csrf, "message": "  "}, headers=HTML)
    assert empty.status_code == 422 and "Write what you dispute and why." in empty.text
    long = await client.post(
        dispute, data={"_csrf": sub_csrf, "message": "x" * (MAX_MESSAGE_CHARS + 1)}, headers=HTML
    )
    assert long.status_code == 422
    assert f"Keep the message under {MAX_MESSAGE_CHARS} characters." in long.text
    assert await _kept(db, "dispute") == []

    kept = await client.post(
        dispute,
        data={"_csrf": sub_csrf, "check_code": "C" * 200, "message": "That certificate is ours."},
    )
    assert kept.status_code in (302, 303)
    (message,) = await _kept(db, "dispute")
    assert message.check_code == "C" * MAX_CHECK_CODE_CHARS
    told = await db.scalar(
        select(func.count()).where(
            Notice.engagement_id == engagement.id, Notice.kind == "message_dispute"
        )
    )
    assert told and told > 0

    client.cookies.clear()
    gc_csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    answer = f"/engagements/{engagement.id}/messages"
    unanswered = await client.post(answer, data={"_csrf": gc_csrf, "message": ""}, headers=HTML)
    assert unanswered.status_code == 422
    assert f"Write an answer of at most {MAX_MESSAGE_CHARS} characters." in unanswered.text
    assert await _kept(db, "reply") == []
    answered = await client.post(answer, data={"_csrf": gc_csrf, "message": "Checked, thanks."})
    assert answered.status_code in (302, 303)
    assert [m.body for m in await _kept(db, "reply")] == ["Checked, thanks."]
