"""Inviting subs onto projects: a GC invites a sub (tier 1), a tier-1 sub invites its own
sub-subs where the project requires flow-down (tier 2). Accepting creates the engagement,
pinned to the requirement-set version in force for the trade (tier 2: the parent's, so the
flowed-down requirements are never less restrictive). No HTTP here and no commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Engagement,
    Invitation,
    Membership,
    Organisation,
    Person,
    Project,
    ProjectTrade,
    RequirementSetVersion,
)
from backend.errors import BadInput, Conflict, Gone, NotFound
from backend.network.access import require
from backend.network.actor import Actor
from backend.network.secrets import new_token, token_digest
from backend.network.service import normalise_email
from backend.requirements.flowdown_store import tier2_version_for

INVITATION_DAYS: Final = 14


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    token: str
    sub_name: str

    def link(self, base_url: str) -> str:
        """The e-mailed link: a sub already in the network accepts after signing in, a new
        one joins the network first."""
        page = "join" if self.invitation.invitee_org_id is not None else "signup"
        return f"{base_url}/{page}?token={self.token}"


def _now() -> datetime:
    return datetime.now(UTC)


async def _sub_of_email(session: AsyncSession, email: str) -> Organisation | None:
    """The sub a member of which has this address; None when nobody in the network has it
    (the invitee then joins from the link). An address of a GC's or a broker's member is
    refused: it cannot become a sub's."""
    query = (
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .join(Person, Person.id == Membership.person_id)
        .where(Person.email == email)
        .order_by(Organisation.kind != "subcontractor")
        .limit(1)
    )
    organisation = (await session.execute(query)).scalar_one_or_none()
    if organisation is None:
        if await session.scalar(select(Person.id).where(Person.email == email)) is not None:
            raise BadInput("That address belongs to an account without a company.", field="email")
        return None
    if organisation.kind != "subcontractor":
        raise BadInput(
            "That address belongs to a member of a general contractor or broker, not of a "
            "subcontractor.",
            field="email",
        )
    return organisation


async def invite_sub(
    session: AsyncSession, actor: Actor, project: Project, email: str, trade: str
) -> SentInvitation:
    """A GC invites a sub onto one of its projects for a trade the project maps."""
    require(actor, "project.write")
    if project.gc_org_id != actor.organisation_id:
        raise NotFound("No such project in your organisation.")
    trade = trade.strip()
    if await _trade_version(session, project.id, trade) is None:
        raise BadInput("Choose one of the project's trades.", field="trade")
    address = normalise_email(email)
    sub = await _sub_of_email(session, address)
    if sub is not None:
        taken = await session.execute(
            select(Engagement.id).where(
                Engagement.project_id == project.id,
                Engagement.sub_org_id == sub.id,
                Engagement.parent_engagement_id.is_(None),
            )
        )
        if taken.first() is not None:
            raise Conflict(f"{sub.legal_name} is already engaged on this project.", field="email")
    return await _issue(session, actor, "engagement", address, sub, project.id, None, trade)


async def invite_tier2(
    session: AsyncSession, actor: Actor, parent: Engagement, email: str, trade: str
) -> SentInvitation:
    """A tier-1 sub invites a sub-sub under one of its engagements."""
    require(actor, "record.write")
    if not actor.is_sub or parent.sub_org_id != actor.organisation_id:
        raise NotFound("No such engagement of yours.")
    project = await session.get(Project, parent.project_id)
    if project is None or not project.flowdown_required:
        raise BadInput("This project does not ask for tier-2 subs.")
    if parent.parent_engagement_id is not None:
        raise BadInput("Only tier-1 subs invite tier-2 subs.")
    if not trade.strip():
        raise BadInput("Name the tier-2 sub's trade.", field="trade")
    address = normalise_email(email)
    sub = await _sub_of_email(session, address)
    if sub is not None and sub.id == actor.organisation_id:
        raise BadInput("A sub cannot be its own tier-2 sub.", field="email")
    return await _issue(
        session, actor, "tier2_engagement", address, sub, project.id, parent.id, trade.strip()
    )


async def _issue(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    email: str,
    sub: Organisation | None,
    project_id: uuid.UUID,
    parent_engagement_id: uuid.UUID | None,
    trade: str,
) -> SentInvitation:
    token = new_token("inv")
    invitation = Invitation(
        id=uuid.uuid4(),
        kind=kind,
        issuer_org_id=actor.organisation_id,
        issued_by_id=actor.person_id,
        email=email,
        role="sub_admin",
        token_hash=token_digest(token),
        invitee_org_id=sub.id if sub is not None else None,
        project_id=project_id,
        parent_engagement_id=parent_engagement_id,
        trade=trade[:80],
        expires_at=_now() + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    await session.flush()
    sub_name = sub.legal_name if sub is not None else "not in the network yet"
    return SentInvitation(invitation, token, sub_name)


async def open_invitations(session: AsyncSession, actor: Actor) -> list[tuple[Invitation, Project]]:
    """Project invitations waiting for the actor's sub to accept."""
    if not actor.is_sub:
        return []
    query = (
        select(Invitation, Project)
        .join(Project, Project.id == Invitation.project_id)
        .where(
            Invitation.kind.in_(("engagement", "tier2_engagement")),
            Invitation.invitee_org_id == actor.organisation_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > _now(),
        )
        .order_by(Invitation.created_at)
    )
    return [(i, p) for i, p in (await session.execute(query)).all()]


async def sent_project_invitations(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID
) -> list[Invitation]:
    query = (
        select(Invitation)
        .where(
            Invitation.issuer_org_id == actor.organisation_id,
            Invitation.project_id == project_id,
            Invitation.kind.in_(("engagement", "tier2_engagement")),
        )
        .order_by(Invitation.created_at.desc())
    )
    return list((await session.execute(query)).scalars())


async def invitation_for_token(session: AsyncSession, token: str) -> Invitation:
    query = select(Invitation).where(Invitation.token_hash == token_digest(token))
    invitation = (await session.execute(query)).scalar_one_or_none()
    if invitation is None or invitation.kind not in ("engagement", "tier2_engagement"):
        raise NotFound("This invitation link is not valid.")
    return invitation


async def accept(session: AsyncSession, actor: Actor, invitation_id: uuid.UUID) -> Engagement:
    """The invited sub accepts: the engagement exists from now on, status pending until the
    first verdict."""
    require(actor, "record.write")
    invitation = await session.get(Invitation, invitation_id, with_for_update=True)
    if (
        invitation is None
        or invitation.kind not in ("engagement", "tier2_engagement")
        or invitation.invitee_org_id != actor.organisation_id
    ):
        raise NotFound("No such invitation for your organisation.")
    if invitation.revoked_at is not None:
        raise Gone("This invitation was withdrawn.")
    if invitation.accepted_at is not None:
        raise Gone("This invitation was already accepted.")
    if invitation.expires_at <= _now():
        raise Gone("This invitation has expired. Ask for a new one.")
    assert invitation.project_id is not None  # set for every project invitation
    project = await session.get(Project, invitation.project_id)
    if project is None:
        raise NotFound("The project no longer exists.")
    if invitation.parent_engagement_id is not None:
        parent = await session.get(Engagement, invitation.parent_engagement_id)
        if parent is None or not parent.active:
            raise Gone("The engagement this invitation flows down from has ended.")
        # Derived from the parent's requirements, never less restrictive than them.
        version_id = await tier2_version_for(session, parent.requirement_set_version_id)
    else:
        found = await _trade_version(session, project.id, invitation.trade)
        if found is None:
            raise Conflict("The project no longer maps this trade to requirements.")
        version_id = found
    engagement = Engagement(
        id=uuid.uuid4(),
        project_id=project.id,
        gc_org_id=project.gc_org_id,
        sub_org_id=actor.organisation_id,
        parent_engagement_id=invitation.parent_engagement_id,
        trade=invitation.trade,
        requirement_set_version_id=version_id,
        status="pending",
        status_changed_at=_now(),
        work_start=project.start_date,
    )
    session.add(engagement)
    invitation.accepted_at = _now()
    invitation.accepted_by_id = actor.person_id
    await session.flush()
    return engagement


async def _trade_version(
    session: AsyncSession, project_id: uuid.UUID, trade: str
) -> uuid.UUID | None:
    """The newest version of the requirement set mapped to the trade on the project."""
    query = (
        select(RequirementSetVersion.id)
        .join(
            ProjectTrade,
            ProjectTrade.requirement_set_id == RequirementSetVersion.requirement_set_id,
        )
        .where(
            ProjectTrade.project_id == project_id, func.lower(ProjectTrade.trade) == trade.lower()
        )
        .order_by(RequirementSetVersion.version.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()
