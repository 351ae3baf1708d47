"""An organisation's members: who they are, and ending a membership (a broker firm's agent who
left, a GC's or a sub's employee who moved on). No HTTP here and no commit: the caller owns
the transaction.

Ending a membership deletes its row, and everything that rests on it ends with it, checked at
each use: the person's sessions for the organisation, the API tokens it made there, the broker
grants it took up for the firm (access.grant_membership_lasts), the invitations it sent
(InvitationService.refuse_void). Ending also says so at once where a later use would: the
sessions are ended, the tokens revoked (so rejoining brings no forgotten key back) and the
invitations nobody took up withdrawn, as a password reset withdraws them; the trail records
the end with what it ended."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Membership, Person
from backend.db.models.vocab import ADMIN_ROLE_OF_KIND
from backend.errors import Conflict, Forbidden, NotFound
from backend.network import access_log
from backend.network.access import allowed, require
from backend.network.actor import Actor
from backend.network.repository import NetworkRepository
from backend.network.service import withdraw_pending

NOT_A_MEMBER = "Members are shown to the members of an organisation, not through a broker grant."


@dataclass(frozen=True)
class Member:
    membership: Membership
    person: Person

    @property
    def is_admin(self) -> bool:
        return self.membership.role in ADMIN_ROLE_OF_KIND.values()


@dataclass(frozen=True)
class Ended:
    """What ending one membership ended at once."""

    membership: Membership
    person: Person
    sessions: int
    tokens: int
    invitations: int


def _now() -> datetime:
    return datetime.now(UTC)


class MemberService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = NetworkRepository(session)

    def may_end(self, actor: Actor) -> bool:
        """Whether the actor may end memberships: an admin, signed in (what a page asks to
        show the buttons that `end` would otherwise refuse)."""
        return (
            allowed(actor, "members.manage")
            and actor.token_scope is None
            and actor.invitation_id is None
        )

    async def members(self, actor: Actor) -> list[Member]:
        """The acting organisation's members, oldest first. Someone acting for a broker firm
        through a grant of its own is not a member, and sees none of them."""
        if actor.invitation_id is not None:
            raise Forbidden(NOT_A_MEMBER)
        return [Member(m, p) for m, p in await self.repo.members_of(actor.organisation_id)]

    async def end(self, actor: Actor, membership_id: uuid.UUID) -> Ended:
        """Ends a membership of the acting organisation, for its admin in a signed-in session.
        The organisation keeps at least one admin."""
        require(actor, "members.manage")
        if actor.token_scope is not None:
            # A leaked key would remove the people who would revoke it.
            raise Forbidden(
                "Memberships are ended by an administrator in a signed-in session, not with an "
                "API token."
            )
        if actor.invitation_id is not None:
            raise Forbidden(NOT_A_MEMBER)
        # One end at a time per organisation: two admins ending each other at once would both
        # count the other and leave none.
        organisation = await self.repo.organisation(actor.organisation_id, for_update=True)
        membership = await self.repo.membership_in(actor.organisation_id, membership_id)
        if organisation is None or membership is None:
            raise NotFound("No such member of your organisation.")
        admin_role = ADMIN_ROLE_OF_KIND[organisation.kind]
        if (
            membership.role == admin_role
            and await self.repo.members_with_role(organisation.id, admin_role) <= 1
        ):
            raise Conflict(
                f"This is the last administrator of {organisation.legal_name}: an organisation "
                "keeps at least one. Ask the network's operator to name another first."
            )
        person = await self.repo.person(membership.person_id)
        if person is None:
            raise NotFound("No such member of your organisation.")
        now = _now()
        await self.repo.end_membership(membership)
        sessions = await self.repo.revoke_sessions_in(person.id, organisation.id, now)
        tokens = await self.repo.revoke_api_tokens_made_by(person.id, now, organisation.id)
        invitations = withdraw_pending(
            self.repo,
            await self.repo.pending_invitations_sent_for(person.id, organisation.id, now),
            now,
            "withdrawn: its sender's membership ended",
        )
        access_log.record_access(
            self.repo.session,
            access_log.MEMBERSHIP_ENDED,
            actor,
            subject_person_id=person.id,
            subject_org_id=organisation.id,
            email=person.email,
            detail=(
                f"{membership.role}; {sessions} live session(s) ended; {tokens} API token(s) "
                f"the person made revoked; {invitations} invitation(s) the person sent and "
                "nobody took up withdrawn"
            ),
        )
        await self.repo.flush()
        return Ended(membership, person, sessions, tokens, invitations)
