"""The API of the network domain: API tokens and broker invitations. An invitation's answer
carries its state, never its link: the link goes to the invited address only."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Invitation
from backend.db.models.vocab import TOKEN_SCOPE_READ
from backend.network import access_log
from backend.network.access import require
from backend.network.actor import Actor
from backend.network.invitation_mail import mail_after_commit
from backend.network.invitations import (
    BROKER,
    BROKER_PURPOSE,
    InvitationService,
    Issued,
    invitation_state,
)
from backend.network.members import Member, MemberService
from backend.network.service import AuthService

# The newest entries only: an admin looks at recent grants here; the table keeps them all.
ACCESS_EVENTS_SHOWN = 500


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    scope: str = TOKEN_SCOPE_READ


class BrokerInvitationRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: str
    broker_org_id: uuid.UUID
    days: int = 30


def invitation_view(invitation: Invitation, state: str | None = None) -> dict[str, Any]:
    return {
        "id": str(invitation.id),
        "email": invitation.email,
        "broker_org_id": str(invitation.invitee_org_id),
        "state": state or invitation_state(invitation),
        "expires_at": invitation.expires_at.isoformat(),
        "access_until": invitation.access_until.isoformat() if invitation.access_until else None,
        "accepted_at": invitation.accepted_at.isoformat() if invitation.accepted_at else None,
        "revoked_at": invitation.revoked_at.isoformat() if invitation.revoked_at else None,
    }


class TokenController(Controller):
    path = "/api/v1"

    @get("/tokens")
    async def list_tokens(self, actor: Actor, auth: AuthService) -> list[dict[str, Any]]:
        require(actor, "tokens.manage")
        rows = await auth.repo.api_tokens_of(actor.organisation_id)
        return [
            {
                "id": str(r.id),
                "name": r.name,
                "prefix": r.prefix,
                "role": r.role,
                "scope": r.scope,
                "revoked": r.revoked_at is not None,
                "created_at": r.created_at.isoformat(),
            }
            for r in rows
        ]

    @post("/tokens", status_code=201)
    async def create_token(
        self, actor: Actor, auth: AuthService, data: TokenRequest
    ) -> dict[str, Any]:
        row, token = await auth.create_api_token(actor, data.name, data.scope)
        return {
            "id": str(row.id),
            "name": row.name,
            "role": row.role,
            "scope": row.scope,
            "token": token,
            "note": "Shown once; store it now.",
        }

    @delete("/tokens/{token_id:uuid}", status_code=204)
    async def revoke_token(self, actor: Actor, auth: AuthService, token_id: uuid.UUID) -> None:
        await auth.revoke_api_token(actor, token_id)

    @get("/access-events")
    async def access_events(self, actor: Actor, db: AsyncSession) -> list[dict[str, Any]]:
        """The organisation's trail of grants and revocations, newest first, for its admins."""
        require(actor, "tokens.manage")
        rows = await access_log.events_about(db, actor.organisation_id, ACCESS_EVENTS_SHOWN)
        return [
            {
                "at": e.created_at.isoformat(),
                "event": e.event,
                "by_person_id": str(e.actor_person_id) if e.actor_person_id else None,
                "by_organisation_id": str(e.actor_org_id) if e.actor_org_id else None,
                "subject_person_id": str(e.subject_person_id) if e.subject_person_id else None,
                "subject_organisation_id": str(e.subject_org_id) if e.subject_org_id else None,
                "invitation_id": str(e.invitation_id) if e.invitation_id else None,
                "email": access_log.email_shown_to(e, actor.organisation_id),
                "detail": e.detail,
            }
            for e in rows
        ]

    @get("/broker-invitations")
    async def list_broker_invitations(self, actor: Actor, db: AsyncSession) -> list[dict[str, Any]]:
        require(actor, "broker.invite")
        invitations = InvitationService(db)
        rows = await invitations.issued(actor, (BROKER,))
        states = await invitations.states(rows)
        return [invitation_view(i, states[i.id]) for i in rows]

    @post("/broker-invitations", status_code=201)
    async def invite_broker(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        data: BrokerInvitationRequest,
    ) -> Response[Any]:
        issued = await InvitationService(db).invite_broker(
            actor, data.email, data.broker_org_id, data.days
        )
        return _answer_and_mail(request, actor, settings, issued, 201)

    @post("/broker-invitations/{invitation_id:uuid}/resend", status_code=200)
    async def resend_broker_invitation(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        invitation_id: uuid.UUID,
    ) -> Response[Any]:
        issued = await InvitationService(db).resend(actor, invitation_id, (BROKER,))
        return _answer_and_mail(request, actor, settings, issued, 200)

    @delete("/broker-invitations/{invitation_id:uuid}", status_code=204)
    async def revoke_invitation(
        self, actor: Actor, db: AsyncSession, invitation_id: uuid.UUID
    ) -> None:
        await InvitationService(db).revoke(actor, invitation_id, (BROKER,))


def member_view(member: Member) -> dict[str, Any]:
    return {
        "id": str(member.membership.id),
        "person_id": str(member.person.id),
        "full_name": member.person.full_name,
        "email": member.person.email,
        "role": member.membership.role,
        "admin": member.is_admin,
        "since": member.membership.created_at.isoformat(),
    }


class MemberController(Controller):
    """The acting organisation's members; its admins end a membership (in a signed-in
    session: an API token lists them only)."""

    path = "/api/v1/members"

    @get("/")
    async def list_members(self, actor: Actor, db: AsyncSession) -> list[dict[str, Any]]:
        return [member_view(m) for m in await MemberService(db).members(actor)]

    @delete("/{membership_id:uuid}", status_code=204)
    async def end_membership(
        self, actor: Actor, db: AsyncSession, membership_id: uuid.UUID
    ) -> None:
        await MemberService(db).end(actor, membership_id)


def _answer_and_mail(
    request: Request[Any, Any, Any], actor: Actor, settings: Settings, issued: Issued, status: int
) -> Response[Any]:
    """The broker invitation as the answer, its link mailed to the invited address once the
    request's transaction has committed (the answer never carries the link)."""
    response = Response(content=invitation_view(issued.invitation), status_code=status)
    response.background = mail_after_commit(
        request, issued.invitation.email, actor, BROKER_PURPOSE, issued.link(settings.base_url)
    )
    return response


__all__ = ["MemberController", "TokenController"]
