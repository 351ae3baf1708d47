"""E-mails with a secret link, from the pages: queued as a background task of the response,
which runs after the request's transaction committed, so no link to an unsaved invitation or
reset is sent. The link goes to the address only; the page shows the invitation's state."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from litestar import Request
from litestar.background_tasks import BackgroundTask
from sqlalchemy import select

from backend.db.models import Invitation, Organisation
from backend.network.actor import Actor
from backend.network.secrets import token_digest
from backend.notify.invitation_mail import queue_account_mail, queue_invitation_mail


def mail_after_commit(
    request: Request[Any, Any, Any], to: str, actor: Actor, purpose: str, link: str
) -> BackgroundTask:
    return BackgroundTask(_queue_named, request.app.state, to, actor, purpose, link)


async def _queue_named(state: Any, to: str, actor: Actor, purpose: str, link: str) -> bool:
    """The mail names the person and the organisation that invite, and the one date by which
    to accept (and, for a broker, until when the access lasts), read from the invitation the
    link opens; without a database at hand it still goes, naming the person only."""
    inviter = actor.full_name or actor.email or "A member of the network"
    try:
        async with state.session_factory() as session:
            organisation = await session.get(Organisation, actor.organisation_id)
            token = (parse_qs(urlsplit(link).query).get("token") or [""])[0]
            invitation = (
                await session.scalar(
                    select(Invitation).where(Invitation.token_hash == token_digest(token))
                )
                if token
                else None
            )
    except Exception:  # the mail matters more than its wording: send it plain
        organisation, invitation = None, None
    if organisation is not None:
        inviter = f"{inviter} of {organisation.legal_name}"
    if invitation is not None:
        purpose += f". Accept by {invitation.expires_at.date().isoformat()}"
        if invitation.access_until is not None:
            purpose += (
                f"; once accepted, the access lasts until "
                f"{invitation.access_until.date().isoformat()}"
            )
    return await queue_invitation_mail(state.redis, to, inviter, purpose, link)


def account_mail_after_commit(
    request: Request[Any, Any, Any], to: str, subject: str, body: str
) -> BackgroundTask:
    return BackgroundTask(queue_account_mail, request.app.state.redis, to, subject, body)
