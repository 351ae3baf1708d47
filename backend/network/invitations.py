"""Every kind of invitation, one set of rules: a sub invites a broker agent to its record
(broker_access), a GC invites a sub onto a project (engagement), a tier-1 sub invites a sub-sub
under its engagement (tier2_engagement).

What holds for all of them:
- the link's secret is stored hashed and goes only to the invited address (the caller queues
  the e-mail after commit); no answer or page the inviter sees carries it, the inviter sees the
  invitation's state;
- only the issuing organisation lists, resends or revokes an invitation;
- a link works once, until it expires, unless revoked;
- accepting never adds anyone to an existing organisation: a broker invitation grants the one
  invited person access to the inviting sub's record for its period; a project invitation
  creates an engagement for the invited sub;
- every issue, acceptance and revocation is an access event.
No HTTP here and no commit: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Engagement,
    Invitation,
    Organisation,
    Person,
    Project,
)
from backend.errors import BadInput, Conflict, Forbidden, Gone, NotFound, TooManyRequests
from backend.network import access_log
from backend.network.access import active_broker_grant, require
from backend.network.actor import Actor
from backend.network.repository import NetworkRepository
from backend.network.requirement_store import tier2_version_for
from backend.network.secrets import new_token, token_digest
from backend.network.service import normalise_email
from backend.paging import PageRequest, split

# Who of a sub found by network search receives a GC's invitation.
SUB_INVITEE_ROLES: Final = ("sub_admin", "sub_bookkeeper")
BROKER: Final = "broker_access"
PROJECT: Final = "engagement"
TIER2: Final = "tier2_engagement"
PROJECT_KINDS: Final = (PROJECT, TIER2)
ALL_KINDS: Final = (BROKER, PROJECT, TIER2)
# A link is a bearer secret in someone's mailbox: a week for a broker (asked for on the spot),
# two weeks for a sub (which may have to find who in the company handles insurance).
LINK_DAYS: Final[dict[str, int]] = {BROKER: 7, PROJECT: 14, TIER2: 14}
MAX_BROKER_DAYS: Final = 365  # a policy year: a broker is re-invited at each renewal
MAX_TRADE: Final = 80  # the column's width
MAX_CONTRACT_REF: Final = 80  # engagements.contract_ref's width
BROKER_PURPOSE: Final = "to upload certificates and endorsements into its insurance record"
# Invitation e-mails (issued or sent again, of every kind) one organisation sends in any 24
# hours, from every address and key together. A bulk list holds up to 200 subs (a season's list
# of one office); a large GC whose offices each load theirs on one day sends a few hundred, and
# a sub invites a handful of brokers and tier-2 subs. Past this the product's mail carries one
# customer's text to strangers at a rate that gets the sending domain blocklisted for everyone
# (the per-address limits alone let one office mail ~4,000 an hour).
DAILY_INVITATION_MAILS: Final = 500
DAILY_WINDOW: Final = timedelta(hours=24)


@dataclass(frozen=True)
class Issued:
    """A new (or re-sent) invitation and the secret of its link, for the e-mail only."""

    invitation: Invitation
    token: str
    invitee_name: str

    def link(self, base_url: str) -> str:
        if self.invitation.kind == BROKER:
            return f"{base_url}/invitations/accept?token={self.token}"
        # A sub already in the network accepts after signing in; a new one joins first.
        page = "join" if self.invitation.invitee_org_id is not None else "signup"
        return f"{base_url}/{page}?token={self.token}"


def _now() -> datetime:
    return datetime.now(UTC)


def refuse_unusable(invitation: Invitation, now: datetime) -> None:
    """The same refusals, in the same order, for every kind of link."""
    if invitation.revoked_at is not None:
        raise Gone("This invitation was withdrawn.")
    if invitation.accepted_at is not None:
        raise Gone("This invitation link has already been used. Ask for a new one.")
    if invitation.expires_at <= now:
        raise Gone("This invitation link has expired. Ask for a new one.")


# Every state an issuer sees (invitation_state), in the words of the issuer's pages (the
# sub's brokers page, the GC's project page); the API carries them beside the state's name.
STATE_WORDS: Final[dict[str, str]] = {
    "sent": "sent, not yet used",
    "link_expired": "link expired (send it again)",
    "accepted": "accepted",
    "revoked": "revoked",
    "access_ended": "ended: the access period is over",
    "agent_left": (
        "ended: the agent is no longer with the broker firm it took the access up for "
        "(revoke it, or it resumes should they rejoin)"
    ),
    "sender_left": (
        "void: whoever sent it is no longer with your company (send it again to vouch for it)"
    ),
}


def invitation_state(
    invitation: Invitation,
    now: datetime | None = None,
    *,
    agent_left: bool = False,
    sender_left: bool = False,
) -> str:
    """What the inviter sees instead of the link. `agent_left`: the grant was taken up for the
    firm and its agent is no longer a member (ended, access.grant_membership_lasts);
    `sender_left`: the link's sender is no longer a member of the issuing organisation (void,
    InvitationService.refuse_void). InvitationService.states works both out."""
    now = now or _now()
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.accepted_at is not None:
        if invitation.access_until is not None and invitation.access_until <= now:
            return "access_ended"
        return "agent_left" if agent_left else "accepted"
    if sender_left:
        return "sender_left"
    return "sent" if invitation.expires_at > now else "link_expired"


class InvitationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = NetworkRepository(session)

    async def broker_firms(self) -> list[Organisation]:
        """The broker firms on the network a sub may invite a person of, by name."""
        return await self.repo.organisations_of_kind("broker")

    async def broker_addresses(self, actor: Actor) -> list[str]:
        """The addresses the actor's sub invited as brokers and has not revoked."""
        if not actor.is_sub:
            return []
        return await self.repo.broker_addresses(actor.organisation_id)

    async def broker_subs(self, actor: Actor) -> list[Organisation]:
        """The subs whose broker invitations grant this person access now, by name."""
        return await self.repo.subcontractors(active_broker_grant(actor, Organisation.id))

    async def search_subs(
        self, name: str, state: str, tax_id: str | None, limit: int
    ) -> tuple[list[Organisation], set[uuid.UUID]]:
        """Subs on the network a GC may invite (see NetworkRepository.search_subs), and the
        ids among them whose legal name reads as another sub's."""
        found = await self.repo.search_subs(name, state, tax_id, limit)
        return found, await self.repo.with_namesakes(found)

    async def sub_with_tax_id(self, tax_id: str) -> Organisation | None:
        """The sub on the network holding exactly this EIN (nine digits), if any; the caller
        counts the look-up and says nothing of a sub beyond what it was asked with."""
        return await self.repo.sub_with_tax_id(tax_id)

    async def sub_invitee_email(self, sub_org_id: uuid.UUID) -> str:
        """Where an invitation to a sub found by search goes: its administrator, else its
        earliest bookkeeper."""
        email = await self.repo.sub_contact_email(sub_org_id, SUB_INVITEE_ROLES)
        if email is None:
            raise NotFound("No such subcontractor on the network, or it has no administrator yet.")
        return str(email)

    async def organisation_names(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The companies invitations went to, by id, to list them by name."""
        return await self.repo.organisation_names(ids)

    # --- issuing ------------------------------------------------------------------------

    async def _issue(
        self,
        actor: Actor,
        kind: str,
        email: str,
        invitee: Organisation | None,
        *,
        project_id: uuid.UUID | None = None,
        parent_engagement_id: uuid.UUID | None = None,
        trade: str = "",
        contract_ref: str | None = None,
        access_until: datetime | None = None,
        role: str = "sub_admin",
    ) -> Issued:
        await self._refuse_token_inviting_its_maker(actor, email)
        await self._refuse_past_daily_cap(actor)
        token = new_token("inv")
        invitation = Invitation(
            id=uuid.uuid4(),
            kind=kind,
            issuer_org_id=actor.organisation_id,
            issued_by_id=actor.person_id,
            email=email,
            role=role,
            token_hash=token_digest(token),
            invitee_org_id=invitee.id if invitee is not None else None,
            project_id=project_id,
            parent_engagement_id=parent_engagement_id,
            trade=trade[:MAX_TRADE],
            contract_ref=contract_ref,
            expires_at=_now() + timedelta(days=LINK_DAYS[kind]),
            access_until=access_until,
            issued_with_token_id=actor.token_id,
            issued_to_member=await self._to_member(kind, email, invitee),
        )
        self.session.add(invitation)
        await self.session.flush()
        access_log.for_invitation(
            self.session,
            access_log.INVITATION_ISSUED,
            actor,
            invitation,
            subject_org_id=invitation.invitee_org_id,
            detail=kind,
        )
        name = invitee.legal_name if invitee is not None else "not in the network yet"
        return Issued(invitation, token, name)

    async def _to_member(self, kind: str, email: str, invitee: Organisation | None) -> bool:
        """Whether a broker invitation asks a member of the firm it names to act for the firm:
        the address is that of a member of the firm now."""
        if kind != BROKER or invitee is None:
            return False
        person = await self.repo.person_by_email(email)
        return person is not None and invitee.id in await self.member_of(person)

    async def _refuse_past_daily_cap(self, actor: Actor) -> None:
        """Refuses one more invitation e-mail once the actor's organisation sent
        DAILY_INVITATION_MAILS in the last 24 hours (counted from its access trail, which
        holds each issue and resend, under a per-organisation lock)."""
        await self.session.flush()  # this request's earlier invitations count too
        await self.repo.hold_invitation_count(actor.organisation_id)
        now = _now()
        sent, oldest = await self.repo.events_by_since(
            actor.organisation_id,
            (access_log.INVITATION_ISSUED, access_log.INVITATION_RESENT),
            now - DAILY_WINDOW,
        )
        if sent < DAILY_INVITATION_MAILS:
            return
        frees_at = (oldest or now) + DAILY_WINDOW
        wait = max(60, int((frees_at - now).total_seconds()) + 1)
        hours = (wait + 3599) // 3600
        raise TooManyRequests(
            f"Your organisation has sent {DAILY_INVITATION_MAILS} invitation e-mails in the "
            f"last 24 hours, the most one day allows; nothing was sent. Try again in about "
            f"{hours} hour{'s' if hours != 1 else ''}.",
            retry_after=wait,
        )

    async def _refuse_token_inviting_its_maker(self, actor: Actor, email: str) -> None:
        """An API token never invites the address of the person who made it. Such a link can
        only engage the maker's other company (the sign-up behind it refuses an address in
        use), and a token is an integration's key, not that person's say-so: a person invites
        its own company in a signed-in session."""
        if actor.token_scope is None:
            return
        maker = await self.repo.person(actor.person_id)
        if maker is not None and maker.email == email:
            raise Forbidden(
                "An API token does not invite the person who made it. Invite your own "
                "company's address from a signed-in session.",
                field="email",
            )

    async def invite_broker(
        self, actor: Actor, email: str, broker_org_id: uuid.UUID, days: int = 30
    ) -> Issued:
        """A sub lets one broker agent upload into its own record for `days` days."""
        require(actor, "broker.invite")
        if not actor.is_sub:
            raise Forbidden("Only a subcontractor invites a broker to its record.")
        if actor.token_scope is not None:
            # The grant is a person's: made with a leaked token it would outlive the token's
            # revocation, the sub's answer to the leak (as a token minting a token would).
            raise Forbidden("Broker access is given in a signed-in session, not with an API token.")
        broker = await self.repo.organisation(broker_org_id)
        if broker is None or broker.kind != "broker":
            raise BadInput("Choose a broker organisation to invite.", field="broker_org_id")
        if not 1 <= days <= MAX_BROKER_DAYS:
            raise BadInput(f"Access may last from 1 to {MAX_BROKER_DAYS} days.", field="days")
        return await self._issue(
            actor,
            BROKER,
            normalise_email(email),
            broker,
            access_until=_now() + timedelta(days=days),
            role="broker_agent",
        )

    async def invite_sub(
        self, actor: Actor, project: Project, email: str, trade: str, contract: str = ""
    ) -> Issued:
        """A GC invites a sub onto one of its projects for a trade the project maps, under a
        contract label of the GC's choosing (blank: the trade labels it). A sub may hold
        several contracts on one project; only the same label twice is refused."""
        require(actor, "project.write")
        if project.gc_org_id != actor.organisation_id:
            raise NotFound("No such project in your organisation.")
        trade = trade.strip()
        if await self._trade_version(project.id, trade) is None:
            raise BadInput("Choose one of the project's trades.", field="trade")
        contract_ref = contract_label(contract)
        address = normalise_email(email)
        sub = await self._sub_of_email(address)
        if sub is not None:
            label = contract_ref or trade
            if await self.repo.holds_contract(project.id, sub.id, label):
                raise Conflict(
                    f"{sub.legal_name} already holds the contract “{label}” on this project. "
                    "To engage it for another contract, name that contract in “Contract label”.",
                    field="contract",
                )
        return await self._issue(
            actor,
            PROJECT,
            address,
            sub,
            project_id=project.id,
            trade=trade,
            contract_ref=contract_ref,
        )

    async def invite_tier2(
        self, actor: Actor, parent_id: uuid.UUID, email: str, trade: str
    ) -> Issued:
        """A tier-1 sub invites a sub-sub under one of its engagements."""
        require(actor, "record.write")
        parent = (
            await self.repo.engagement_of_sub(actor.organisation_id, parent_id)
            if actor.is_sub
            else None
        )
        if parent is None:
            raise NotFound("No such engagement of yours.")
        if not parent.active:
            # Accepting would be refused (accept_project): nothing goes out in the project's name.
            raise Gone("This engagement has ended: it takes no more tier-2 subs.")
        project = await self.repo.project(parent.project_id)
        if project is None or not project.flowdown_required:
            raise BadInput("This project does not ask for tier-2 subs.")
        if parent.parent_engagement_id is not None:
            raise BadInput("Only tier-1 subs invite tier-2 subs.")
        if not trade.strip():
            raise BadInput("Name the tier-2 sub's trade.", field="trade")
        address = normalise_email(email)
        sub = await self._sub_of_email(address)
        if sub is not None and sub.id == actor.organisation_id:
            raise BadInput("A sub cannot be its own tier-2 sub.", field="email")
        return await self._issue(
            actor,
            TIER2,
            address,
            sub,
            project_id=project.id,
            parent_engagement_id=parent.id,
            trade=trade.strip(),
        )

    async def _sub_of_email(self, email: str) -> Organisation | None:
        """The sub a member of which has this address; None otherwise (the invitee then joins
        from the link). An address of a GC's or a broker's member, or of an account without a
        company, cannot become a sub's: the link's sign-up refuses it, not the invitation."""
        organisation = await self.repo.organisation_of_email(email)
        if organisation is None or organisation.kind != "subcontractor":
            # Answered as for an unknown address, so an invitation never tells the inviter
            # whether an address has an account or what kind of company it is with. Such a
            # person is refused at the link instead (sign-up refuses an address in use).
            return None
        return organisation

    # --- the issuer's side ---------------------------------------------------------------

    async def issued(
        self, actor: Actor, kinds: tuple[str, ...], project_id: uuid.UUID | None = None
    ) -> list[Invitation]:
        return await self.repo.invitations_issued_by(actor.organisation_id, kinds, project_id)

    async def issued_on_project(
        self, actor: Actor, project: Project, request: PageRequest
    ) -> tuple[list[tuple[Invitation, str]], str | None]:
        """A page of the GC's invitations onto one of its projects, oldest first, each with
        its state (states: a void one says so), and the next page's cursor."""
        require(actor, "project.read")
        if project.gc_org_id != actor.organisation_id:
            raise NotFound("No such project in your organisation.")
        rows = await self.repo.invitations_onto(actor.organisation_id, project.id, request)
        shown, cursor = split(rows, request, lambda i: (i.created_at, i.id))
        states = await self.states(shown)
        return [(i, states[i.id]) for i in shown], cursor

    async def states(self, invitations: Collection[Invitation]) -> dict[uuid.UUID, str]:
        """Each invitation's state as its issuer sees it, memberships included: a grant taken
        up for a firm whose agent has since left it shows as ended, a link whose sender left
        the issuing organisation as void (both are refused at use)."""
        people = {i.issued_by_id for i in invitations}
        people |= {i.accepted_by_id for i in invitations if i.accepted_by_id is not None}
        members = await self.repo.memberships_among(people)
        now = _now()
        return {
            i.id: invitation_state(
                i,
                now,
                agent_left=i.accepted_as_member
                and (i.accepted_by_id, i.invitee_org_id) not in members,
                sender_left=(i.issued_by_id, i.issuer_org_id) not in members,
            )
            for i in invitations
        }

    async def _issued_to_change(
        self, actor: Actor, invitation_id: uuid.UUID, kinds: tuple[str, ...]
    ) -> Invitation:
        """An invitation the actor's organisation issued, once the actor may withdraw or resend
        it: a broker invitation whoever invites brokers; a project one, see _issuer_permission."""
        invitation = await self.repo.invitation_issued_by(
            actor.organisation_id, invitation_id, kinds
        )
        if invitation is None:
            raise NotFound("No such invitation from your organisation.")
        require(actor, "broker.invite" if invitation.kind == BROKER else _issuer_permission(actor))
        return invitation

    async def revoke(
        self, actor: Actor, invitation_id: uuid.UUID, kinds: tuple[str, ...] = ALL_KINDS
    ) -> Invitation:
        """Withdraws a link and ends whatever it granted: the broker's access and every
        session opened from it, at once."""
        invitation = await self._issued_to_change(actor, invitation_id, kinds)
        if invitation.revoked_at is not None:
            return invitation
        now = _now()
        invitation.revoked_at = now
        ended = await self.repo.revoke_sessions_of_invitation(invitation.id, now)
        access_log.for_invitation(
            self.session,
            access_log.INVITATION_REVOKED,
            actor,
            invitation,
            subject_person_id=invitation.accepted_by_id,
            subject_org_id=invitation.invitee_org_id,
            detail=f"{invitation.kind}; {ended} live session(s) ended",
        )
        await self.session.flush()
        return invitation

    async def resend(
        self,
        actor: Actor,
        invitation_id: uuid.UUID,
        kinds: tuple[str, ...] = ALL_KINDS,
        project_id: uuid.UUID | None = None,
    ) -> Issued:
        """A fresh link for an invitation not used yet (the e-mail was lost, or expired):
        the old link stops working. `project_id`: the invitation must be onto that project
        (the project page's resend)."""
        invitation = await self._issued_to_change(actor, invitation_id, kinds)
        if invitation.revoked_at is not None or invitation.accepted_at is not None:
            raise Conflict("Only an invitation not used yet can be sent again.")
        if project_id is not None and invitation.project_id != project_id:
            raise NotFound("No such invitation on this project.")
        await self._refuse_past_daily_cap(actor)
        token = new_token("inv")
        invitation.token_hash = token_digest(token)
        invitation.expires_at = _now() + timedelta(days=LINK_DAYS[invitation.kind])
        # The new link is the sender's of now: with a token, it dies with that token; it is
        # void once the sender leaves the organisation (refuse_void).
        invitation.issued_with_token_id = actor.token_id
        invitation.issued_by_id = actor.person_id
        invitee = (
            await self.repo.organisation(invitation.invitee_org_id)
            if invitation.invitee_org_id
            else None
        )
        invitation.issued_to_member = await self._to_member(
            invitation.kind, invitation.email, invitee
        )
        access_log.for_invitation(
            self.session,
            access_log.INVITATION_RESENT,
            actor,
            invitation,
            subject_org_id=invitation.invitee_org_id,
            detail=invitation.kind,
        )
        await self.session.flush()
        return Issued(invitation, token, invitee.legal_name if invitee else "")

    # --- the invitee's side ---------------------------------------------------------------

    async def by_token(self, token: str, kinds: tuple[str, ...]) -> Invitation:
        invitation = await self.repo.invitation_by_token_hash(token_digest(token), lock=True)
        if invitation is None or invitation.kind not in kinds:
            raise NotFound("This invitation link is not valid.")
        return invitation

    async def refuse_void(self, invitation: Invitation) -> None:
        """An invitation is the say-so of the person who sent it (or last sent it again) for
        the organisation it names: once that person is no longer a member of it, the link no
        longer speaks for the organisation and is refused at use, whatever its kind. Another
        member who still wants it sends it again (resend), which makes it that member's."""
        if await self.repo.membership(invitation.issued_by_id, invitation.issuer_org_id) is None:
            raise Gone(
                "This invitation is no longer valid: the person who sent it no longer acts for "
                "the organisation that sent it. Ask the organisation to invite you again."
            )

    async def usable_broker_invitation(self, token: str) -> tuple[Invitation, Person | None]:
        """The broker invitation behind a link and the account its address already has. One
        sent to a member of the firm, to act for the firm, is refused once the account is no
        longer a member: it never becomes a grant of the person's own."""
        invitation = await self.by_token(token, (BROKER,))
        refuse_unusable(invitation, _now())
        await self.refuse_void(invitation)
        person = await self.repo.person_by_email(invitation.email)
        if invitation.issued_to_member and (
            person is None or invitation.invitee_org_id not in await self.member_of(person)
        ):
            raise Forbidden(
                "This invitation was sent to a member of the broker firm it names, to act for "
                "the firm, and this account is no longer a member of it. Ask the subcontractor "
                "to invite you again."
            )
        return invitation, person

    async def accept_broker(
        self, token: str, signed_in: Actor | None, full_name: str = ""
    ) -> tuple[Invitation, Person]:
        """The invited person takes up the grant. An address whose account belongs to an
        organisation is accepted only by that person, signed in (and only under a firm it is a
        member of). An address without an account, or whose account never held more than
        broker grants, is proved by the e-mailed link itself, as a one-time code would be: it
        gets (or keeps) an account without any membership, and the grant is all it holds."""
        invitation, person = await self.usable_broker_invitation(token)
        assert invitation.invitee_org_id is not None  # every broker invitation names a firm
        if person is not None and signed_in is not None and signed_in.person_id != person.id:
            raise Forbidden(
                "This invitation was sent to another address. Sign out first, then open the "
                "link again."
            )
        firms = set(await self.member_of(person)) if person is not None else set()
        if firms and signed_in is None:
            raise Forbidden(
                f"This invitation is for the account of {invitation.email}: sign in as that "
                "person, then open the link again."
            )
        if firms and invitation.invitee_org_id not in firms:
            raise Forbidden(
                "This invitation names a broker firm you are not a member of. Ask the "
                "subcontractor to invite you under your own firm."
            )
        if person is None:
            if signed_in is not None:
                raise Forbidden(
                    "This invitation was sent to another address. Sign out first, then open "
                    "the link again."
                )
            name = " ".join(full_name.split())[:200] or invitation.email
            person = Person(id=uuid.uuid4(), email=invitation.email, full_name=name)
            self.session.add(person)
            await self.session.flush()
        # Taken up by a member of the firm (signed in as that member): held through the firm,
        # so it ends with the membership (access.grant_membership_lasts).
        invitation.accepted_as_member = bool(firms)
        await self._mark_accepted(
            invitation,
            person.id,
            signed_in,
            f"broker access until {invitation.access_until:%Y-%m-%d %H:%M} UTC",
            # The broker's own account is what the grant reaches: the trail names it.
            subject_person_id=person.id,
        )
        return invitation, person

    async def member_of(self, person: Person) -> list[uuid.UUID]:
        """The organisations this person is a member of."""
        return await self.repo.organisation_ids_of(person.id)

    async def project_invitation_for_link(self, actor: Actor, token: str) -> Invitation:
        """The project invitation behind an e-mailed link, for the signed-in sub it names."""
        invitation = await self.by_token(token, PROJECT_KINDS)
        if invitation.invitee_org_id is not None and (
            invitation.invitee_org_id != actor.organisation_id
        ):
            raise NotFound("This invitation is for another organisation: sign in as its member.")
        await self.refuse_void(invitation)
        return invitation

    async def open_for(self, actor: Actor) -> list[tuple[Invitation, Project]]:
        """Project invitations waiting for the actor's sub to accept."""
        if not actor.is_sub:
            return []
        return await self.repo.open_invitations_to(actor.organisation_id, PROJECT_KINDS, _now())

    async def accept_project(self, actor: Actor, invitation_id: uuid.UUID) -> Engagement:
        """The invited sub accepts: the engagement exists from now on, status pending until
        the first verdict, pinned to the requirement-set version in force for the trade
        (tier 2: derived from the parent's, never less restrictive)."""
        require(actor, "record.write")
        invitation = (
            await self.repo.invitation_to_locked(actor.organisation_id, invitation_id)
            if actor.is_sub
            else None
        )
        if invitation is None or invitation.kind not in PROJECT_KINDS:
            raise NotFound("No such invitation for your organisation.")
        refuse_unusable(invitation, _now())
        await self.refuse_void(invitation)
        assert invitation.project_id is not None  # set for every project invitation
        project = await self.repo.project(invitation.project_id)
        if project is None:
            raise NotFound("The project no longer exists.")
        if invitation.parent_engagement_id is not None:
            parent = await self.repo.engagement(invitation.parent_engagement_id)
            if parent is None or not parent.active:
                raise Gone("The engagement this invitation flows down from has ended.")
            version_id = await tier2_version_for(self.session, parent.requirement_set_version_id)
        else:
            found = await self._trade_version(project.id, invitation.trade)
            if found is None:
                raise Conflict("The project no longer maps this trade to requirements.")
            version_id = found
        label = invitation.contract_ref or invitation.trade
        if await self.repo.holds_contract(
            project.id, actor.organisation_id, label, invitation.parent_engagement_id
        ):
            raise Conflict(
                f"You already hold the contract “{label}” on this project; "
                "ask the GC to name the new contract."
            )
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
        if invitation.contract_ref is not None:
            # Left unset otherwise, so the database labels it by its trade (migration 0019)
            # and the label is read back rather than left None in memory.
            engagement.contract_ref = invitation.contract_ref
        self.session.add(engagement)
        await self._mark_accepted(
            invitation, actor.person_id, actor, f"{invitation.kind}: engagement {engagement.id}"
        )
        return engagement

    async def _mark_accepted(
        self,
        invitation: Invitation,
        person_id: uuid.UUID,
        actor: Actor | None,
        detail: str,
        *,
        subject_person_id: uuid.UUID | None = None,
    ) -> None:
        """Marks the invitation used by `person_id` (a link is taken up once) and writes the
        acceptance to the access trail, about the organisation that issued it."""
        invitation.accepted_at = _now()
        invitation.accepted_by_id = person_id
        access_log.for_invitation(
            self.session,
            access_log.INVITATION_ACCEPTED,
            actor,
            invitation,
            subject_person_id=subject_person_id,
            subject_org_id=invitation.issuer_org_id,
            detail=detail,
        )
        await self.session.flush()

    async def _trade_version(self, project_id: uuid.UUID, trade: str) -> uuid.UUID | None:
        """The newest version of the requirement set mapped to the trade on the project."""
        return await self.repo.trade_version(project_id, trade)


def invited_as(invitation: Invitation) -> str:
    """What an invitation is for, in words: the trade, and the contract when one is named."""
    if invitation.contract_ref and invitation.contract_ref != invitation.trade:
        return f"{invitation.trade} (contract {invitation.contract_ref})"
    return invitation.trade


def contract_label(typed: str) -> str | None:
    """The contract label a GC typed, trimmed; None when blank (the trade labels it)."""
    label = " ".join(typed.split())
    if len(label) > MAX_CONTRACT_REF:
        raise BadInput(
            f"A contract label has at most {MAX_CONTRACT_REF} characters.", field="contract"
        )
    return label or None


def _issuer_permission(actor: Actor) -> str:
    """Who may withdraw or resend a project invitation: the GC's project writers; a tier-1
    sub's record writers for its tier-2 invitations."""
    return "project.write" if actor.is_gc else "record.write"
