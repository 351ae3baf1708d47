"""The single-use upload link a reminder mails to a broker who never registered stands in for
the broker grant the sub offered, so it keeps to that grant's period: a sub that let a broker
in for a week has not let it in for the 14 days of a link minted on the last day, nor for a
link minted every reminder run after the week is over."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase.reminders import run_reminders
from backend.config import Settings
from backend.db.models import Document, Invitation
from backend.db.models.upload_link import UploadLink
from tests.security.test_upload_links import PDF, TODAY, landing_csrf, scene

pytestmark = pytest.mark.integration

HTML = {"accept": "text/html"}
TOKEN = re.compile(r"/upload-link\?token=(upl_[\w-]+)")


async def documents(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Document)) or 0)


async def test_a_link_dies_with_the_period_the_sub_granted(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    s = await scene(db, settings)
    csrf = await landing_csrf(client, s.token)
    # The week the sub offered the broker ends; the link (14 days) would outlive it.
    await db.execute(
        update(Invitation)
        .where(Invitation.id == s.invitation.id)
        .values(access_until=datetime.now(UTC) - timedelta(seconds=1))
    )
    before = await documents(db)
    late = await client.post(
        "/upload-link",
        data={"_csrf": csrf, "token": s.token},
        files={"file": ("late.pdf", PDF, "application/pdf")},
        headers=HTML,
    )
    assert late.status_code == 404, late.status_code
    assert (await client.get(f"/upload-link?token={s.token}", headers=HTML)).status_code == 404
    assert await documents(db) == before


async def test_no_link_is_minted_after_the_period(db: AsyncSession, settings: Settings) -> None:
    s = await scene(db, settings)
    await db.execute(
        update(Invitation)
        .where(Invitation.id == s.invitation.id)
        .values(access_until=datetime.now(UTC) - timedelta(seconds=1))
    )
    links = await db.scalar(select(func.count()).select_from(UploadLink))
    run = await run_reminders(db, TODAY + timedelta(days=3), "http://coinet.test")
    assert run.link_mails == []
    assert await db.scalar(select(func.count()).select_from(UploadLink)) == links
