"""E-mails with a secret link, from the pages: queued as a background task of the response,
which runs after the request's transaction committed, so no link to an unsaved invitation or
reset is sent. The link goes to the address only; the page shows the invitation's state."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.background_tasks import BackgroundTask

from backend.network.actor import Actor
from backend.notify.invitation_mail import queue_account_mail, queue_invitation_mail


def mail_after_commit(
    request: Request[Any, Any, Any], to: str, actor: Actor, purpose: str, link: str
) -> BackgroundTask:
    inviter = actor.full_name or actor.email or "A member of the network"
    return BackgroundTask(
        queue_invitation_mail, request.app.state.redis, to, inviter, purpose, link
    )


def account_mail_after_commit(
    request: Request[Any, Any, Any], to: str, subject: str, body: str
) -> BackgroundTask:
    return BackgroundTask(queue_account_mail, request.app.state.redis, to, subject, body)
