"""Sign-in, sessions, the organisation a person acts for, API tokens and password resets.
No HTTP here and no commit: the caller owns the transaction."""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from backend.config import Settings
from backend.db.models import (
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    PasswordReset,
    Person,
    WebSession,
)
from backend.db.models.vocab import ROLES_BY_ORG_KIND, TOKEN_SCOPE_READ, TOKEN_SCOPES
from backend.errors import BadInput, Conflict, Forbidden, Gone, Locked, NotAuthenticated, NotFound
from backend.network import access_log, throttle, two_factor
from backend.network.access import less_privileged, require
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
# Characters that separate, quote or name addresses in a header: never in one plain address.
# "agent@broker.example,root" has one "@" and a dot after it, yet a To header holding it names
# two recipients, the second at the mail server's own domain.
ADDRESS_LIST_CHARS: Final = frozenset(',;:<>()[]"\\')
SIGN_IN_REFUSED = "That e-mail and password do not match an account that can sign in."
# Said only after the reset link proved the mailbox: why the account may not sign in.
NOTHING_TO_ACT_FOR = (
    "Your new password is set, but this account no longer acts for any organisation, so it "
    "cannot sign in. Ask an administrator of your company (or the subcontractor that gave you "
    "broker access) to invite you again."
)
CODE_REFUSED = "Enter the current 6-digit code from your authenticator app."
# Long enough to reach one's mailbox, short enough that an old message is no key.
RESET_LINK_LIFETIME = timedelta(hours=1)
# Reset links of one account alive at once: the owner asking again after a lost or slow mail
# needs one or two more; past this the request sends nothing (its answer is the same), so
# nobody makes the product mail one person without end. The owner holds the links already
# sent; once one is used or they expire (RESET_LINK_LIFETIME), new ones are sent again.
MAX_LIVE_RESET_LINKS: Final = 3

logger = logging.getLogger(__name__)


def normalise_email(email: str) -> str:
    cleaned = email.strip().lower()
    if (
        not EMAIL_PATTERN.match(cleaned)
        or len(cleaned) > 320
        or any(c in ADDRESS_LIST_CHARS for c in cleaned)
    ):
        raise BadInput("Enter a valid e-mail address.", field="email")
    return cleaned


def check_new_password(password: str, again: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    if again is not None and password != again:
        raise BadInput("The two passwords differ.", field="password_again")


def _now() -> datetime:
    return datetime.now(UTC)


def _session_actor(
    person: Person,
    organisation: Organisation,
    role: str,
    invitation_id: uuid.UUID | None,
    csrf_token: str,
) -> Actor:
    """Who a web session acts as: built the same way when the session opens and on each later
    request, so the first page and the next see one actor."""
    return Actor(
        person_id=person.id,
        organisation_id=organisation.id,
        organisation_kind=organisation.kind,
        role=role,
        email=person.email,
        full_name=person.full_name,
        invitation_id=invitation_id,
        csrf_token=csrf_token,
    )


@dataclass(frozen=True)
class NewSession:
    token: str
    actor: Actor


@dataclass(frozen=True)
class Context:
    """One thing a person may act for: a membership, or a broker grant held outside any
    membership of the firm it names."""

    key: str  # "org:<organisation id>" or "grant:<invitation id>"
    label: str
    organisation: Organisation
    membership: Membership | None
    invitation: Invitation | None


class AuthService:
    def __init__(self, repository: NetworkRepository, settings: Settings) -> None:
        self.repo = repository
        self.settings = settings

    async def register_person(self, email: str, full_name: str, password: str) -> Person:
        check_new_password(password)
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
        self, email: str, password: str, ip: str, replacing: str = "", code: str = ""
    ) -> NewSession:
        """Checks the password unless failed attempts for this address, this IP or the pair
        ask for a pause first; the answer and the work done are the same whether or not an
        account uses the address. `replacing` is the cookie the browser came with: it is
        ended, so a session id planted before sign-in is worth nothing after it."""
        now = _now()
        keys = throttle.Keys.of(email, ip)
        wait = await throttle.seconds_to_wait(self.repo, keys, now)
        if wait:
            raise Locked(f"Too many failed sign-ins. Wait {wait} seconds, then try again.")
        person = await self.repo.person_by_email(email.strip().lower())
        if person is None:
            burn_password_check(password)
        if person is None or not password_matches(person.password_hash, password):
            await throttle.count_failure(self.repo, keys, now)
            raise NotAuthenticated(SIGN_IN_REFUSED)
        if not await self.contexts(person.id):
            # The right password of an account with nothing left to act for (its memberships
            # and grants ended) is answered as a wrong one: the same status and text, counted
            # as a failure and never clearing the count, so a guesser cannot tell it found the
            # password. The reason is logged here, and told to the person after a reset link
            # proved the mailbox (NOTHING_TO_ACT_FOR).
            logger.info("sign-in refused: person %s has nothing left to act for", person.id)
            await throttle.count_failure(self.repo, keys, now)
            raise NotAuthenticated(SIGN_IN_REFUSED)
        if person.totp_enabled_at is not None and not self._code_holds(person, code, now):
            # A wrong code is a failed attempt like a wrong password: guessing is slowed alike.
            await throttle.count_failure(self.repo, keys, now)
            raise NotAuthenticated(CODE_REFUSED)
        await throttle.forget_success(self.repo, keys)
        return await self.open_for_person(person, None, replacing)

    async def contexts(self, person_id: uuid.UUID) -> list[Context]:
        """What this person may act for: each organisation it is a member of, and each broker
        grant it holds for a firm it is not a member of."""
        found = [
            Context(f"org:{o.id}", o.legal_name, o, m, None)
            for m, o in await self.repo.memberships_of(person_id)
        ]
        member_of = {c.organisation.id for c in found}
        for invitation, firm, sub in await self.repo.live_grants_of(person_id, _now()):
            if firm.id not in member_of:
                label = f"{sub.legal_name} (broker access for {firm.legal_name})"
                found.append(Context(f"grant:{invitation.id}", label, firm, None, invitation))
        return found

    async def open_for_person(
        self, person: Person, key: str | None, replacing: str = ""
    ) -> NewSession:
        """A fresh session for someone who proved who they are, acting for the context `key`
        names; without one, for the context of the person's last session, else the first
        membership it was given (never an order someone else's invitation could change)."""
        contexts = await self.contexts(person.id)
        if not contexts:
            raise Forbidden("This account does not belong to any organisation yet.")
        if key is not None:
            chosen = next((c for c in contexts if c.key == key), None)
            if chosen is None:
                raise NotFound("You do not act for that organisation.")
        else:
            last = await self.repo.last_session(person.id)
            last_key = ""
            if last is not None:
                last_key = (
                    f"grant:{last.invitation_id}"
                    if last.invitation_id
                    else f"org:{last.organisation_id}"
                )
            chosen = next((c for c in contexts if c.key == last_key), contexts[0])
        if replacing:
            await self.repo.revoke_session(token_digest(replacing), _now())
        if chosen.invitation is not None:
            return await self._open_grant_session(person, chosen.organisation, chosen.invitation)
        assert chosen.membership is not None  # a context is a membership or a grant
        return await self._open_session(person, chosen.membership, chosen.organisation, None)

    async def switch(self, actor: Actor, key: str, replacing: str) -> NewSession:
        """The organisation switcher: the old session ends, a new one carries the choice."""
        person = await self.repo.person(actor.person_id)
        if person is None:
            raise NotAuthenticated("Please sign in.")
        return await self.open_for_person(person, key, replacing)

    async def session_after_grant(
        self, person: Person, invitation: Invitation, replacing: str = ""
    ) -> NewSession:
        """After accepting a broker invitation: a member of the named firm acts for the firm
        (seeing every grant it holds), anyone else for this one grant."""
        key = f"org:{invitation.invitee_org_id}"
        if not any(c.key == key for c in await self.contexts(person.id)):
            key = f"grant:{invitation.id}"
        return await self.open_for_person(person, key, replacing)

    async def start_session(
        self, person: Person, membership: Membership, organisation: Organisation
    ) -> NewSession:
        """A full member's session, for someone who has just proved who they are another way
        (joining the network from an e-mailed invitation)."""
        return await self._open_session(person, membership, organisation, invitation_id=None)

    async def _open_grant_session(
        self, person: Person, firm: Organisation, invitation: Invitation
    ) -> NewSession:
        """A session held to one broker grant: it ends with the grant, or sooner."""
        assert invitation.access_until is not None  # set for every broker invitation
        lifetime = min(invitation.access_until - _now(), timedelta(days=self.settings.session_days))
        # Not stored: it only carries the role for the session's Actor.
        role = Membership(person_id=person.id, organisation_id=firm.id, role="broker_agent")
        return await self._open_session(person, role, firm, invitation.id, lifetime)

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
            # The moment it opened (not the transaction's start): the next sign-in resumes
            # the context of the newest session.
            created_at=_now(),
            expires_at=_now() + (lifetime or timedelta(days=self.settings.session_days)),
        )
        self.repo.add(row)
        await self.repo.flush()
        actor = _session_actor(person, organisation, membership.role, invitation_id, csrf)
        return NewSession(token=token, actor=actor)

    async def actor_for_session(self, token: str) -> Actor | None:
        now = _now()
        row = await self.repo.live_session(token_digest(token), now)
        if row is None:
            return None
        person = await self.repo.person(row.person_id)
        if person is None:
            return None
        if row.invitation_id is not None:
            # A grant session lives exactly as long as its grant: revoked or past its period,
            # the next request is refused.
            grant = await self.repo.live_grant(row.invitation_id, person.id, now)
            firm = await self.repo.organisation(row.organisation_id)
            if grant is None or firm is None or grant.invitee_org_id != firm.id:
                return None
            organisation, role = firm, "broker_agent"
        else:
            pair = await self.repo.membership(row.person_id, row.organisation_id)
            if pair is None:
                return None
            organisation, role = pair[1], pair[0].role
        return _session_actor(person, organisation, role, row.invitation_id, row.csrf_token)

    async def sign_out(self, token: str) -> None:
        await self.repo.revoke_session(token_digest(token), _now())

    # --- API tokens -------------------------------------------------------------------

    async def create_api_token(
        self, actor: Actor, name: str, scope: str = TOKEN_SCOPE_READ
    ) -> tuple[ApiToken, str]:
        require(actor, "tokens.manage")
        if actor.token_scope is not None:
            # A leaked token minting another would outlive its own revocation, the owner's
            # answer to the leak: tokens are made by a person in a signed-in session.
            raise Forbidden("API tokens are made in a signed-in session, not with a token.")
        name = name.strip()
        if not name or len(name) > 120:
            raise BadInput("Give the token a name of 1 to 120 characters.", field="name")
        if scope not in TOKEN_SCOPES:
            raise BadInput('A token\'s scope is "read" or "write".', field="scope")
        token = new_token("coi")
        row = ApiToken(
            id=uuid.uuid4(),
            organisation_id=actor.organisation_id,
            created_by_id=actor.person_id,
            name=name,
            role=actor.role,
            scope=scope,
            prefix=token[:10],
            token_hash=token_digest(token),
        )
        self.repo.add(row)
        await self.repo.flush()
        access_log.record_access(
            self.repo.session,
            access_log.API_TOKEN_CREATED,
            actor,
            subject_org_id=actor.organisation_id,
            detail=f"{row.prefix}… {name} ({row.role}, {row.scope})",
        )
        return row, token

    async def revoke_api_token(self, actor: Actor, token_id: uuid.UUID) -> None:
        require(actor, "tokens.manage")
        if actor.token_scope is not None and actor.token_id != token_id:
            # A token manages no other token: a leaked one would stop the organisation's
            # other integrations and withdraw what they sent, on the word of a key nobody
            # signed in with. Revoking itself takes nothing from anyone but its holder.
            raise Forbidden(
                "An API token may revoke only itself. Other tokens are revoked in a signed-in "
                "session by an administrator."
            )
        row = await self.repo.api_token_of(actor.organisation_id, token_id)
        if row is None:
            raise NotFound("No such API token in your organisation.")
        if row.revoked_at is None:
            now = _now()
            row.revoked_at = now
            # What a leaked token sent to addresses its holder reads dies with it.
            withdrawn = await self._withdraw(
                await self.repo.pending_invitations(Invitation.issued_with_token_id == row.id, now),
                now,
                "withdrawn with the API token that sent it",
            )
            access_log.record_access(
                self.repo.session,
                access_log.API_TOKEN_REVOKED,
                actor,
                subject_org_id=actor.organisation_id,
                detail=f"{row.prefix}… {row.name}; {withdrawn} invitation(s) it sent withdrawn",
            )

    async def actor_for_api_token(self, token: str) -> Actor | None:
        row = await self.repo.live_api_token(token_digest(token))
        if row is None:
            return None
        # A token dies with its maker's membership: someone who left keeps no key.
        pair = await self.repo.membership(row.created_by_id, row.organisation_id)
        if pair is None:
            return None
        membership, organisation = pair
        row.last_used_at = _now()
        return Actor(
            person_id=row.created_by_id,
            organisation_id=organisation.id,
            organisation_kind=organisation.kind,
            # Nor does it keep a power its maker lost: an admin demoted to viewer leaves a
            # token that can do what a viewer can, not what the admin could.
            role=less_privileged(row.role, membership.role),
            token_scope=row.scope,
            token_id=row.id,
        )

    # --- Second factor -----------------------------------------------------------------

    def _code_holds(self, person: Person, code: str, now: datetime) -> bool:
        secret = two_factor.unseal(self.settings, person.totp_secret or b"")
        if secret is None:
            return False
        step = two_factor.accepted_step(secret, code, person.totp_last_step, now)
        if step is None:
            return False
        person.totp_last_step = step
        return True

    async def _person_for_two_factor(self, actor: Actor) -> Person:
        if actor.role not in two_factor.TOTP_ROLES or actor.invitation_id is not None:
            raise Forbidden("A second factor is offered to GC admins.")
        person = await self.repo.person(actor.person_id)
        if person is None:
            raise NotAuthenticated("Please sign in.")
        return person

    async def start_two_factor(self, actor: Actor) -> tuple[str, str]:
        """A new secret to put into an authenticator app; in force once a code confirms it."""
        person = await self._person_for_two_factor(actor)
        if person.totp_enabled_at is not None:
            raise Conflict("A second factor is already on. Turn it off first to change it.")
        secret = two_factor.new_secret()
        person.totp_secret = two_factor.seal(self.settings, secret)
        person.totp_last_step = 0
        await self.repo.flush()
        return secret, two_factor.provisioning_uri(secret, person.email)

    async def confirm_two_factor(
        self, actor: Actor, code: str, password: str = "", ip: str = ""
    ) -> None:
        """Turns it on: a code from the new secret and the account's password. Without the
        password, someone holding the session for a minute would put the second factor on
        their own phone and lock the owner out for good (a password reset keeps it). A wrong
        password counts as a failed sign-in from `ip`, so the form is no way around the
        sign-in throttle; the caller keeps the count (it does not roll this back)."""
        person = await self._person_for_two_factor(actor)
        if person.totp_enabled_at is not None:
            return
        now = _now()
        keys = throttle.Keys.of(person.email, ip)
        wait = await throttle.seconds_to_wait(self.repo, keys, now)
        if wait:
            raise Locked(f"Too many wrong passwords. Wait {wait} seconds, then try again.")
        if not password_matches(person.password_hash, password):
            await throttle.count_failure(self.repo, keys, now)
            raise BadInput("Enter your password to turn the second factor on.", field="password")
        await throttle.forget_success(self.repo, keys)
        if person.totp_secret is None or not self._code_holds(person, code, now):
            raise BadInput("That code does not match. Enter the app's current code.", field="code")
        person.totp_enabled_at = _now()
        access_log.record_access(
            self.repo.session,
            access_log.TWO_FACTOR_ENABLED,
            actor,
            subject_person_id=person.id,
            email=person.email,
        )

    async def disable_two_factor(self, actor: Actor, code: str) -> None:
        """Turning it off takes a current code too: a stolen session alone cannot."""
        person = await self._person_for_two_factor(actor)
        if person.totp_enabled_at is None:
            return
        if not self._code_holds(person, code, _now()):
            raise BadInput("That code does not match. Enter the app's current code.", field="code")
        person.totp_secret = None
        person.totp_enabled_at = None
        access_log.record_access(
            self.repo.session,
            access_log.TWO_FACTOR_DISABLED,
            actor,
            subject_person_id=person.id,
            email=person.email,
        )

    async def two_factor_on(self, actor: Actor) -> bool:
        person = await self._person_for_two_factor(actor)
        return person.totp_enabled_at is not None

    # --- Password reset ------------------------------------------------------------------

    async def request_password_reset(self, email: str) -> tuple[Person, str] | None:
        """A single-use link for the account using this address, or None when none does or
        it already has MAX_LIVE_RESET_LINKS live ones (the caller answers the same either
        way)."""
        person = await self.repo.person_by_email(email.strip().lower())
        if person is None:
            return None
        if await self.repo.live_resets_of(person.id, _now()) >= MAX_LIVE_RESET_LINKS:
            return None
        token = new_token("pwr")
        self.repo.add(
            PasswordReset(
                id=uuid.uuid4(),
                person_id=person.id,
                token_hash=token_digest(token),
                expires_at=_now() + RESET_LINK_LIFETIME,
            )
        )
        await self.repo.flush()
        return person, token

    async def _withdraw(self, pending: list[Invitation], now: datetime, why: str) -> int:
        return withdraw_pending(self.repo, pending, now, why)

    async def reset_password(self, token: str, password: str, again: str) -> Person:
        """Sets a new password from a reset link. The link then stops working, every session of
        the person ends, and so does every API token the person made: a reset means the old
        password may have been known to someone else, and a token made with it is a sign-in of
        its own. An integration that used one needs a new token, made by the owner. Likewise
        every invitation the person sent that nobody has taken up yet is withdrawn: its link
        may sit in the mailbox of whoever knew the password (a broker grant to the record, a
        project to join). The owner sees them withdrawn and invites again where it meant to."""
        person, _first = await self.reset_password_first(token, password, again)
        return person

    async def reset_password_first(
        self, token: str, password: str, again: str
    ) -> tuple[Person, bool]:
        """As reset_password; also whether this was the account's first password (an account
        an operator onboarded, or one that only ever used invitation links): the link alone
        proved the mailbox, no password or second factor existed to ask for, so the page signs
        its owner in at once."""
        now = _now()
        reset = await self.repo.password_reset(token_digest(token))
        if reset is None:
            raise NotFound("This password-reset link is not valid.")
        if reset.used_at is not None:
            raise Gone("This password-reset link was already used. Ask for a new one.")
        if reset.expires_at <= now:
            raise Gone("This password-reset link has expired. Ask for a new one.")
        check_new_password(password, again)
        person = await self.repo.person(reset.person_id)
        if person is None:
            raise NotFound("This password-reset link is not valid.")
        reset.used_at = now
        first = person.password_hash == "" and person.totp_enabled_at is None
        person.password_hash = hash_password(password)
        await self.repo.revoke_sessions_of(person.id, now)
        revoked_tokens = await self.repo.revoke_api_tokens_made_by(person.id, now)
        withdrawn = await self._withdraw(
            await self.repo.pending_invitations(Invitation.issued_by_id == person.id, now),
            now,
            "withdrawn by its sender's password reset",
        )
        await self.repo.forget_resets_of(person.id, now)
        access_log.record_access(
            self.repo.session,
            access_log.PASSWORD_RESET,
            None,
            subject_person_id=person.id,
            email=person.email,
            detail=(
                "password set from an e-mailed link; all sessions ended; "
                f"{revoked_tokens} API token(s) the person made revoked; "
                f"{withdrawn} invitation(s) the person sent and nobody took up withdrawn"
            ),
        )
        await self.repo.flush()
        return person, first


def withdraw_pending(
    repo: NetworkRepository, pending: list[Invitation], now: datetime, why: str
) -> int:
    """Withdraws invitations still waiting to be taken up (NetworkRepository.
    pending_invitations), each written to its issuer's access trail; how many."""
    for invitation in pending:
        invitation.revoked_at = now
        access_log.for_invitation(
            repo.session,
            access_log.INVITATION_REVOKED,
            None,
            invitation,
            # The issuer's trail shows it: the invitation was the issuer's.
            subject_org_id=invitation.issuer_org_id,
            detail=f"{invitation.kind}; {why}",
        )
    return len(pending)


def roles_for(kind: str) -> tuple[str, ...]:
    return ROLES_BY_ORG_KIND[kind]
