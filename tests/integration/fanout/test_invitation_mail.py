"""Invitation links reach the invitee by e-mail: the page queues one job after the commit,
and the job sends it over real SMTP (retrying while the server refuses)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from arq import Retry
from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.network.invitation_mail import INVITATION_JOB
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.test_mail import Catcher, smtp_server  # noqa: F401
from workers.invitation_mail import send_invitation_mail


async def _queued_invitations(redis: ArqRedis, to: str) -> list[Any]:
    return [
        job
        for job in await redis.queued_jobs()
        if job.function == INVITATION_JOB and job.args and job.args[0] == to
    ]


async def test_inviting_a_broker_queues_one_mail_with_the_link(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    to = f"agent-{sub.id.hex[:8]}@broker.example"
    response = await client.post(
        "/brokers",
        data={"_csrf": csrf, "email": to, "broker_org_id": str(broker.id), "days": "30"},
    )
    assert response.status_code == 200, response.text
    assert "token=" not in response.text  # the page shows the invitation's state only
    jobs = await _queued_invitations(redis, to)
    assert len(jobs) == 1
    assert re.search(r"/invitations/accept\?token=inv_[\w-]+$", jobs[0].args[3])
    # Who invites, for which company, and the one date to accept by (and the access's end).
    assert jobs[0].args[1] == f"sub_bookkeeper of {sub.organisation.legal_name}"
    assert re.search(
        r"Accept by \d{4}-\d\d-\d\d; once accepted, the access lasts until", jobs[0].args[2]
    )
    for job in jobs:  # leave no secret-bearing job behind for a development worker
        await redis.delete(f"arq:job:{job.job_id}")
        await redis.zrem("arq:queue", job.job_id)


async def test_the_job_sends_the_link_and_retries_when_refused(
    settings: Settings,
    smtp_server: tuple[Catcher, int],  # noqa: F811
) -> None:
    catcher, port = smtp_server
    ctx: dict[str, Any] = {"settings": dataclasses.replace(settings, smtp_port=port), "job_try": 1}
    link = "http://127.0.0.1:8000/invitations/accept?token=inv_example"
    result = await send_invitation_mail(
        ctx, "agent@broker.example", "Apex Framing LLC", "to upload", link
    )
    assert result == "sent to agent@broker.example"
    [(recipients, message)] = catcher.messages
    assert recipients == ["agent@broker.example"]
    assert "Apex Framing LLC invited you" in message["Subject"]
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes) and link in payload.decode()

    catcher.refuse = True
    with pytest.raises(Retry):
        await send_invitation_mail(ctx, "agent@broker.example", "Apex Framing LLC", "x", link)
    assert len(catcher.messages) == 1
