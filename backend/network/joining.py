"""Joining the network from a project invitation.

A GC (or a tier-1 sub) may invite a subcontractor that is not in the network yet. The e-mailed
link then opens a sign-up form: the invitee names its company and sets a password, and the
engagement it was invited to exists as soon as it has joined. No HTTP here and no commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, Invitation, Membership, Organisation, Project
from backend.errors import BadInput, Conflict, Gone
from backend.network import access_log
from backend.network.company import check_new_sub_identity, flush_identity
from backend.network.invitations import PROJECT_KINDS, InvitationService, refuse_unusable
from backend.network.repository import NetworkRepository
from backend.network.service import AuthService, NewSession, check_new_password

MAX_LEGAL_NAME: Final = 300
MAX_PERSON_NAME: Final = 200


@dataclass(frozen=True)
class SignupInvitation:
    """What the sign-up form shows: who invited whom, onto which project, for which trade."""

    invitation: Invitation
    project: Project
    inviter: Organisation


@dataclass(frozen=True)
class Joined:
    session: NewSession
    engagement: Engagement


async def open_signup(session: AsyncSession, token: str) -> SignupInvitation:
    """The invitation behind a sign-up link, refused with a reason when it cannot be used."""
    invitations = InvitationService(session)
    invitation = await invitations.by_token(token, PROJECT_KINDS)
    if invitation.accepted_at is not None and invitation.revoked_at is None:
        raise Gone("This invitation was already used. Sign in instead.")
    refuse_unusable(invitation, datetime.now(UTC))
    await invitations.refuse_void(invitation)
    if invitation.invitee_org_id is not None:
        raise Conflict(
            "This invitation is for a subcontractor already in the network: sign in, then open "
            "the link again."
        )
    assert invitation.project_id is not None  # set for every project invitation
    network = NetworkRepository(session)
    project = await network.project(invitation.project_id)
    inviter = await network.organisation(invitation.issuer_org_id)
    if project is None or inviter is None:
        raise Gone("The project of this invitation no longer exists.")
    return SignupInvitation(invitation, project, inviter)


async def join_network(
    session: AsyncSession,
    auth: AuthService,
    token: str,
    legal_name: str,
    full_name: str,
    password: str,
    password_again: str,
    tax_id: str = "",
) -> Joined:
    """Creates the sub (its first member is its admin), signs the person in and accepts the
    invitation. Raises a DomainError naming the field for any bad input; the caller runs this
    in a savepoint so that a refusal leaves nothing behind."""
    signup = await open_signup(session, token)
    invitation = signup.invitation
    legal_name = " ".join(legal_name.split())
    if not legal_name:
        raise BadInput(
            "Give your company's legal name, as your policies name it.", field="legal_name"
        )
    if len(legal_name) > MAX_LEGAL_NAME:
        raise BadInput(f"A legal name has at most {MAX_LEGAL_NAME} characters.", field="legal_name")
    full_name = " ".join(full_name.split())
    if not full_name:
        raise BadInput("Give your own name.", field="full_name")
    if len(full_name) > MAX_PERSON_NAME:
        raise BadInput(f"A name has at most {MAX_PERSON_NAME} characters.", field="full_name")
    ein = await check_new_sub_identity(auth.repo, legal_name, tax_id)
    check_new_password(password, password_again)
    if await auth.repo.person_by_email(invitation.email) is not None:
        raise Conflict(
            f"An account already uses {invitation.email}: sign in with it, or ask the inviter "
            "to invite your company's account instead."
        )
    person = await auth.register_person(invitation.email, full_name, password)
    organisation = Organisation(
        id=uuid.uuid4(), kind="subcontractor", legal_name=legal_name, tax_id=ein
    )
    session.add(organisation)
    await flush_identity(auth.repo)
    membership = Membership(
        id=uuid.uuid4(), person_id=person.id, organisation_id=organisation.id, role="sub_admin"
    )
    session.add(membership)
    invitation.invitee_org_id = organisation.id
    await session.flush()
    access_log.record_access(
        session,
        access_log.MEMBERSHIP_CREATED,
        None,
        subject_person_id=person.id,
        subject_org_id=organisation.id,
        invitation_id=invitation.id,
        email=person.email,
        detail="sub_admin of a new subcontractor, joined from a project invitation",
    )
    new = await auth.start_session(person, membership, organisation)
    engagement = await InvitationService(session).accept_project(new.actor, invitation.id)
    return Joined(new, engagement)
