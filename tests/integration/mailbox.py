"""The test suite's mailbox: secret links leave the app only as queued mail jobs (the worker
sends them), so a test reads the link the way the invited person would, from the message to
its address, never from what the inviter was shown."""

from __future__ import annotations

import re

from arq.connections import ArqRedis

from backend.network.invitation_mail import ACCOUNT_MAIL_JOB, INVITATION_JOB

LINK = re.compile(r"https?://\S+?(/[\w/-]+\?token=[\w-]+)")


async def mailed_to(redis: ArqRedis, address: str) -> list[str]:
    """The bodies of messages queued for this address, oldest first (links as path?token)."""
    found: list[tuple[int, str]] = []
    for job in await redis.queued_jobs():
        if job.function == INVITATION_JOB and job.args[0] == address:
            found.append((job.enqueue_time.timestamp(), str(job.args[3])))
        elif job.function == ACCOUNT_MAIL_JOB and job.args[0] == address:
            found.append((job.enqueue_time.timestamp(), str(job.args[2])))
    return [body for _, body in sorted(found)]


async def mailed_link(redis: ArqRedis, address: str) -> str:
    """The path and query of the latest link e-mailed to this address."""
    bodies = await mailed_to(redis, address)
    links = [m.group(1) for body in bodies for m in LINK.finditer(body)]
    assert links, f"no link was e-mailed to {address}"
    return links[-1]


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]
