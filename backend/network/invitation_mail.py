"""Links that carry a secret (invitations, password resets) go by e-mail only: the secret is
stored hashed, handed to the queue once, after the transaction that made it committed, and
sent to the address by a worker with retries. No page or API answer shows it, so the inviter
never holds the invitee's key; if the queue was down, the inviter sends the invitation again
(a fresh link) from its list.

Pages and the API queue the mail as a background task of the response, which runs after the
request's transaction committed, so no link to an unsaved invitation or reset is sent. It
lives in `network`, beside the invitations it announces, so that the network's pages and API
need nothing of `notify` or `web` (import contract acyclic-backend)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from litestar import Request
from litestar.background_tasks import BackgroundTask

from backend.config import Settings
from backend.db.models import Project
from backend.mail_parts import enqueue_mail, message_to
from backend.network.actor import Actor
from backend.network.invitations import Issued, invited_as
from backend.network.repository import NetworkRepository
from backend.network.secrets import token_digest

INVITATION_JOB: Final = "send_invitation_mail"
ACCOUNT_MAIL_JOB: Final = "send_account_mail"


def compose_invitation(
    settings: Settings, to: str, inviter: str, purpose: str, link: str
) -> EmailMessage:
    body = "\n".join(
        [
            "Hello,",
            "",
            f"{inviter} invited you {purpose}.",
            "Open this link to accept (it works once):",
            "",
            link,
            "",
            "If you did not expect this, ignore this message.",
        ]
    )
    return message_to(settings, to, f"{inviter} invited you on the COI network", body)


async def queue_invitation_mail(redis: Any, to: str, inviter: str, purpose: str, link: str) -> bool:
    """Hand the message to the workers; False (logged) when the queue cannot be reached."""
    return await enqueue_mail(redis, "invitation mail", INVITATION_JOB, to, inviter, purpose, link)


def password_reset_body(link: str, minutes: int) -> str:
    return "\n".join(
        [
            "Hello,",
            "",
            "Someone asked to set a new password for your account on the COI network.",
            f"Open this link to choose one (it works once and expires in {minutes} minutes):",
            "",
            link,
            "",
            "If it was not you, ignore this message: your password stays as it is.",
        ]
    )


async def queue_account_mail(redis: Any, to: str, subject: str, body: str) -> bool:
    return await enqueue_mail(redis, "account mail", ACCOUNT_MAIL_JOB, to, subject, body)


def mail_after_commit(
    request: Request[Any, Any, Any], to: str, actor: Actor, purpose: str, link: str
) -> BackgroundTask:
    return BackgroundTask(_queue_named, request.app.state, to, actor, purpose, link)


def project_mail_after_commit(
    request: Request[Any, Any, Any], actor: Actor, project: Project, issued: Issued, base_url: str
) -> BackgroundTask:
    """The mail of an invitation to work on a project (sent or sent again), in the words every
    page that invites a sub uses."""
    purpose = f"to work on {project.name} ({project.number}) as {invited_as(issued.invitation)}"
    return mail_after_commit(
        request, issued.invitation.email, actor, purpose, issued.link(base_url)
    )


async def _queue_named(state: Any, to: str, actor: Actor, purpose: str, link: str) -> bool:
    """The mail names the person and the organisation that invite, and the one date by which
    to accept (and, for a broker, until when the access lasts), read from the invitation the
    link opens; without a database at hand it still goes, naming the person only."""
    inviter = actor.full_name or actor.email or "A member of the network"
    try:
        async with state.session_factory() as session:
            repo = NetworkRepository(session)
            organisation = await repo.organisation(actor.organisation_id)
            token = (parse_qs(urlsplit(link).query).get("token") or [""])[0]
            invitation = await repo.invitation_by_token_hash(token_digest(token)) if token else None
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
