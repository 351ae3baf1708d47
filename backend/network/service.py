"""Sign-in, sessions, API tokens and invitations. No HTTP here and no commit: the caller
owns the transaction."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from backend.config import Settings
from backend.db.models import ApiToken, Invitation, Membership, Organisation, Person, WebSession
from backend.db.models.vocab import ROLES_BY_ORG_KIND
from backend.errors import BadInput, Forbidden, Gone, Locked, NotAuthenticated, NotFound
from backend.network.access import require
from backend.network.actor import Actor
from backend.network.repository import NetworkRepository
from backend.network.secrets import (
    MIN_PASSWORD_LENGTH,
    burn_password_check,
    hash_password,
    new_token,
    password_matches,
    token_digest,
)

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SIGN_IN_REFUSED = "That e-mail and password do not match an account."


def normalise_email(email: str) -> str:
    cleaned = email.strip().lower()
    if not EMAIL_PATTERN.match(cleaned) or len(cleaned) > 320:
        raise BadInput("Enter a valid e-mail address.", field="email")
    return cleaned


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class NewSession:
    token: str
    actor: Actor


class AuthService:
    def __init__(self, repository: NetworkRepository, settings: Settings) -> None:
        self.repo = repository
        self.settings = settings

    async def register_person(self, email: str, full_name: str, password: str) -> Person:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise BadInput(
                f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field="password"
            )
        person = Person(
            id=uuid.uuid4(),
            email=normalise_email(email),
            full_name=full_name.strip(),
            password_hash=hash_password(password),
        )
        self.repo.add(person)
        await self.repo.flush()
        return person

    async def sign_in(
        self, email: str, password: str, organisation_id: uuid.UUID | None = None
    ) -> NewSession:
        now = _now()
        person = await self.repo.person_by_email(email.strip().lower())
        if person is None:
            burn_password_check(password)
            raise NotAuthenticated(SIGN_IN_REFUSED)
        if person.locked_until is not None and person.locked_until > now:
            minutes = max(1, int((person.locked_until - now).total_seconds() // 60) + 1)
            raise Locked(
                f"Too many failed sign-ins. This account is locked for {minutes} more minute(s)."
            )
        if not password_matches(person.password_hash, password):
            person.failed_sign_ins += 1
            if person.failed_sign_ins >= self.settings.login_max_failures:
                person.locked_until = now + timedelta(minutes=self.settings.login_lockout_minutes)
                person.failed_sign_ins = 0
            await self.repo.flush()
            raise NotAuthenticated(SIGN_IN_REFUSED)
        person.failed_sign_ins = 0
        person.locked_until = None
        memberships = await self.repo.memberships_of(person.id)
        if not memberships:
            raise Forbidden("This account does not belong to any organisation yet.")
        chosen = next(
            (pair for pair in memberships if pair[1].id == organisation_id), memberships[0]
        )
        return await self._open_session(person, chosen[0], chosen[1], invitation_id=None)

    async def start_session(
        self, person: Person, membership: Membership, organisation: Organisation
    ) -> NewSession:
        """A full member's session, for someone who has just proved who they are another way
        (joining the network from an e-mailed invitation)."""
        return await self._open_session(person, membership, organisation, invitation_id=None)

    async def _open_session(
        self,
        person: Person,
        membership: Membership,
        organisation: Organisation,
        invitation_id: uuid.UUID | None,
        lifetime: timedelta | None = None,
    ) -> NewSession:
        token = new_token("cs")
        csrf = secrets.token_urlsafe(32)
        row = WebSession(
            id=uuid.uuid4(),
            token_hash=token_digest(token),
            person_id=person.id,
            organisation_id=organisation.id,
            invitation_id=invitation_id,
            csrf_token=csrf,
            expires_at=_now() + (lifetime or timedelta(days=self.settings.session_days)),
        )
        self.repo.add(row)
        await self.repo.flush()
        actor = Actor(
            person_id=person.id,
            organisation_id=organisation.id,
            organisation_kind=organisation.kind,
            role=membership.role,
            email=person.email,
            full_name=person.full_name,
            invitation_id=invitation_id,
            csrf_token=csrf,
        )
        return NewSession(token=token, actor=actor)

    async def actor_for_session(self, token: str) -> Actor | None:
        row = await self.repo.live_session(token_digest(token), _now())
        if row is None:
            return None
        pair = await self.repo.membership(row.person_id, row.organisation_id)
        person = await self.repo.person(row.person_id)
        if pair is None or person is None:
            return None
        membership, organisation = pair
        return Actor(
            person_id=person.id,
            organisation_id=organisation.id,
            organisation_kind=organisation.kind,
            role=membership.role,
            email=person.email,
            full_name=person.full_name,
            invitation_id=row.invitation_id,
            csrf_token=row.csrf_token,
        )

    async def sign_out(self, token: str) -> None:
        await self.repo.revoke_session(token_digest(token), _now())

    # --- API tokens -------------------------------------------------------------------

    async def create_api_token(self, actor: Actor, name: str) -> tuple[ApiToken, str]:
        require(actor, "tokens.manage")
        name = name.strip()
        if not name or len(name) > 120:
            raise BadInput("Give the token a name of 1 to 120 characters.", field="name")
        token = new_token("coi")
        row = ApiToken(
            id=uuid.uuid4(),
            organisation_id=actor.organisation_id,
            created_by_id=actor.person_id,
            name=name,
            role=actor.role,
            prefix=token[:10],
            token_hash=token_digest(token),
        )
        self.repo.add(row)
        await self.repo.flush()
        return row, token

    async def revoke_api_token(self, actor: Actor, token_id: uuid.UUID) -> None:
        require(actor, "tokens.manage")
        row = await self.repo.api_token_of(actor.organisation_id, token_id)
        if row is None:
            raise NotFound("No such API token in your organisation.")
        if row.revoked_at is None:
            row.revoked_at = _now()

    async def actor_for_api_token(self, token: str) -> Actor | None:
        row = await self.repo.live_api_token(token_digest(token))
        if row is None:
            return None
        organisation = await self.repo.organisation(row.organisation_id)
        if organisation is None:
            return None
        row.last_used_at = _now()
        return Actor(
            person_id=row.created_by_id,
            organisation_id=organisation.id,
            organisation_kind=organisation.kind,
            role=row.role,
        )

    # --- Invitations ------------------------------------------------------------------

    async def invite_broker(
        self, actor: Actor, email: str, broker_org_id: uuid.UUID, days: int = 30
    ) -> tuple[Invitation, str]:
        require(actor, "broker.invite")
        broker = await self.repo.organisation(broker_org_id)
        if broker is None or broker.kind != "broker":
            raise BadInput("Choose a broker organisation to invite.", field="broker_org_id")
        if not 1 <= days <= 365:
            raise BadInput("Access may last from 1 to 365 days.", field="days")
        token = new_token("inv")
        now = _now()
        invitation = Invitation(
            id=uuid.uuid4(),
            kind="broker_access",
            issuer_org_id=actor.organisation_id,
            issued_by_id=actor.person_id,
            email=normalise_email(email),
            role="broker_agent",
            token_hash=token_digest(token),
            invitee_org_id=broker.id,
            expires_at=now + timedelta(days=7),
            access_until=now + timedelta(days=days),
        )
        self.repo.add(invitation)
        await self.repo.flush()
        return invitation, token

    async def revoke_invitation(self, actor: Actor, invitation_id: uuid.UUID) -> None:
        require(actor, "broker.invite")
        invitation = await self.repo.invitation_issued_by(actor.organisation_id, invitation_id)
        if invitation is None:
            raise NotFound("No such invitation from your organisation.")
        if invitation.revoked_at is None:
            invitation.revoked_at = _now()

    async def accept_broker_invitation(self, token: str, full_name: str = "") -> NewSession:
        """Opens a password-less session limited to the inviting sub. The link works once."""
        now = _now()
        invitation = await self.repo.invitation_by_token(token_digest(token))
        if invitation is None or invitation.kind != "broker_access":
            raise NotFound("This invitation link is not valid.")
        if invitation.revoked_at is not None:
            raise Gone("This invitation was withdrawn by the subcontractor.")
        if invitation.accepted_at is not None:
            raise Gone("This invitation link has already been used. Ask for a new one.")
        if invitation.expires_at <= now:
            raise Gone("This invitation link has expired. Ask for a new one.")
        assert invitation.invitee_org_id is not None  # set for every broker invitation
        person = await self.repo.person_by_email(invitation.email)
        if person is None:
            person = Person(
                id=uuid.uuid4(),
                email=invitation.email,
                full_name=full_name.strip() or invitation.email,
                password_hash="",
            )
            self.repo.add(person)
            await self.repo.flush()
        pair = await self.repo.membership(person.id, invitation.invitee_org_id)
        if pair is None:
            membership = Membership(
                id=uuid.uuid4(),
                person_id=person.id,
                organisation_id=invitation.invitee_org_id,
                role="broker_agent",
            )
            self.repo.add(membership)
            await self.repo.flush()
            organisation = await self.repo.organisation(invitation.invitee_org_id)
            assert organisation is not None
        else:
            membership, organisation = pair
        invitation.accepted_at = now
        invitation.accepted_by_id = person.id
        access_until = invitation.access_until or now
        return await self._open_session(
            person, membership, organisation, invitation.id, lifetime=access_until - now
        )


def roles_for(kind: str) -> tuple[str, ...]:
    return ROLES_BY_ORG_KIND[kind]
