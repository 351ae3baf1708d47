"""All SQL of the network domain: people, memberships, sessions, tokens, invitations, and
finding organisations on the network."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.db.models import (
    AccessEvent,
    ApiToken,
    Engagement,
    Invitation,
    Membership,
    Organisation,
    PasswordReset,
    Person,
    Project,
    ProjectTrade,
    RequirementSet,
    RequirementSetVersion,
    SignInThrottle,
    WebSession,
)
from backend.network.access import grant_membership_lasts
from backend.network.legal_names import core_words, looks_alike
from backend.paging import PageRequest, keyset

# The sign-in throttle's transaction-level advisory locks live in the two-key space (which never
# overlaps the audit log's one-key locks): this fixed first key ("thrt") names the throttle,
# the second is 32 bits of a throttle key's hash. Two keys sharing those bits only wait for
# each other; nothing is refused for it.
THROTTLE_LOCK_SPACE: Final = 0x74687274
THROTTLE_LOCK: Final = text("SELECT pg_advisory_xact_lock(:space, :key)")
# The daily count of an organisation's invitation e-mails is taken under this lock ("invc",
# the second key 32 bits of the organisation's id), so two requests at once cannot both take
# the last place under the cap.
INVITATION_COUNT_LOCK_SPACE: Final = 0x696E7663


def _like(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, its own % and _ taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class NetworkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def person_by_email(self, email: str) -> Person | None:
        result = await self.session.execute(select(Person).where(Person.email == email))
        return result.scalar_one_or_none()

    async def person(self, person_id: uuid.UUID) -> Person | None:
        return await self.session.get(Person, person_id)

    async def memberships_of(self, person_id: uuid.UUID) -> list[tuple[Membership, Organisation]]:
        query = (
            select(Membership, Organisation)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.person_id == person_id)
            .order_by(Membership.created_at, Membership.id)
        )
        return [(m, o) for m, o in (await self.session.execute(query)).all()]

    async def membership(
        self, person_id: uuid.UUID, organisation_id: uuid.UUID
    ) -> tuple[Membership, Organisation] | None:
        query = (
            select(Membership, Organisation)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.person_id == person_id, Membership.organisation_id == organisation_id)
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row else None

    async def members_of(self, organisation_id: uuid.UUID) -> list[tuple[Membership, Person]]:
        """The organisation's memberships with their people, oldest first."""
        query = (
            select(Membership, Person)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.organisation_id == organisation_id)
            .order_by(Membership.created_at, Membership.id)
        )
        return [(m, p) for m, p in (await self.session.execute(query)).all()]

    async def membership_in(
        self, organisation_id: uuid.UUID, membership_id: uuid.UUID
    ) -> Membership | None:
        """One membership of the organisation (None: another's, or none), locked to end it."""
        query = (
            select(Membership)
            .where(Membership.id == membership_id, Membership.organisation_id == organisation_id)
            .with_for_update()
        )
        return await self.session.scalar(query)

    async def members_with_role(self, organisation_id: uuid.UUID, role: str) -> int:
        query = (
            select(func.count())
            .select_from(Membership)
            .where(Membership.organisation_id == organisation_id, Membership.role == role)
        )
        return int((await self.session.execute(query)).scalar_one())

    async def end_membership(self, membership: Membership) -> None:
        """Ends a membership: every check of one (sessions, tokens, grants held through the
        firm, invitations' senders) asks whether the row exists."""
        await self.session.execute(delete(Membership).where(Membership.id == membership.id))

    async def revoke_sessions_in(
        self, person_id: uuid.UUID, organisation_id: uuid.UUID, now: datetime
    ) -> int:
        """Ends the person's live sessions acting for the organisation as a member (not those
        held to a broker grant of its own); how many were live."""
        ended = await self.session.execute(
            update(WebSession)
            .where(
                WebSession.person_id == person_id,
                WebSession.organisation_id == organisation_id,
                WebSession.invitation_id.is_(None),
                WebSession.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return int(getattr(ended, "rowcount", 0) or 0)

    async def organisation(
        self, organisation_id: uuid.UUID, for_update: bool = False, fresh: bool = False
    ) -> Organisation | None:
        """`fresh`: read again even when the session holds the row (after a savepoint that
        changed it was rolled back)."""
        return await self.session.get(
            Organisation, organisation_id, with_for_update=for_update, populate_existing=fresh
        )

    async def project(self, project_id: uuid.UUID) -> Project | None:
        """The project an invitation or engagement read in scope names (by its id)."""
        return await self.session.scalar(select(Project).where(Project.id == project_id))

    async def engagement(self, engagement_id: uuid.UUID) -> Engagement | None:
        """The engagement an invitation read in scope flows down from (by its id)."""
        return await self.session.scalar(select(Engagement).where(Engagement.id == engagement_id))

    async def engagement_of_sub(
        self, sub_org_id: uuid.UUID, engagement_id: uuid.UUID
    ) -> Engagement | None:
        """One of the sub's own engagements (None: another's, or none)."""
        query = select(Engagement).where(
            Engagement.id == engagement_id, Engagement.sub_org_id == sub_org_id
        )
        return await self.session.scalar(query)

    async def invitation_to_locked(
        self, invitee_org_id: uuid.UUID, invitation_id: uuid.UUID
    ) -> Invitation | None:
        """An invitation to this organisation, locked until the transaction ends."""
        query = (
            select(Invitation)
            .where(Invitation.id == invitation_id, Invitation.invitee_org_id == invitee_org_id)
            .with_for_update()
        )
        return await self.session.scalar(query)

    async def version_with_set(
        self, version_id: uuid.UUID
    ) -> tuple[RequirementSetVersion, RequirementSet] | None:
        """A requirement set version (one an engagement read in scope is pinned to) with its
        set."""
        query = (
            select(RequirementSetVersion, RequirementSet)
            .join(RequirementSet, RequirementSet.id == RequirementSetVersion.requirement_set_id)
            .where(RequirementSetVersion.id == version_id)
        )
        found = (await self.session.execute(query)).first()
        return (found[0], found[1]) if found is not None else None

    async def organisation_with_tax_id(self, tax_id: str) -> Organisation | None:
        """The organisation holding this EIN (nine digits), across the network: an EIN is one
        company's, so the question is asked before one is taken."""
        query = select(Organisation).where(Organisation.tax_id == tax_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def organisation_named(self, legal_name: str) -> Organisation | None:
        """The earliest organisation with exactly this legal name (names are public and not
        unique: two companies may share one in different states)."""
        query = (
            select(Organisation)
            .where(Organisation.legal_name == legal_name)
            .order_by(Organisation.created_at, Organisation.id)
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def subs_looking_like(self, legal_name: str) -> list[Organisation]:
        """Subcontractors on the network whose legal name reads as `legal_name` (case,
        punctuation and entity-type words aside)."""
        words = core_words(legal_name)
        if not words:
            return []
        # The longest word narrows the rows in SQL; the comparison itself is made here.
        longest = max(words, key=len)
        query = select(Organisation).where(
            Organisation.kind == "subcontractor",
            Organisation.legal_name.ilike(_like(longest), escape="\\"),
        )
        found = (await self.session.execute(query)).scalars()
        return [o for o in found if looks_alike(o.legal_name, legal_name)]

    async def search_subs(
        self, name: str, state: str, tax_id: str | None, limit: int
    ) -> list[Organisation]:
        """Subcontractors on the network whose legal name contains `name` (any case), in
        `state` when given, holding exactly `tax_id` when given. Finding subs to engage is
        open to every GC; what a result shows is the caller's to limit."""
        query = select(Organisation).where(Organisation.kind == "subcontractor")
        if name:
            query = query.where(Organisation.legal_name.ilike(_like(name), escape="\\"))
        if state:
            query = query.where(Organisation.state == state)
        if tax_id:
            query = query.where(Organisation.tax_id == tax_id)
        query = query.order_by(Organisation.legal_name, Organisation.id).limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def sub_with_tax_id(self, tax_id: str) -> Organisation | None:
        """The subcontractor on the network holding exactly this EIN (an EIN is one company's:
        uq_organisations_tax_id). Open to every GC as search by EIN is; callers count it."""
        query = select(Organisation).where(
            Organisation.kind == "subcontractor", Organisation.tax_id == tax_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def with_namesakes(self, subs: list[Organisation]) -> set[uuid.UUID]:
        """The ids among `subs` whose legal name reads as another sub's on the network."""
        if not subs:
            return set()
        longest = {max(core_words(s.legal_name) or [""], key=len) for s in subs}
        patterns = [Organisation.legal_name.ilike(_like(w), escape="\\") for w in longest if w]
        if not patterns:
            return set()
        query = select(Organisation.id, Organisation.legal_name).where(
            Organisation.kind == "subcontractor", or_(*patterns)
        )
        others = (await self.session.execute(query)).all()
        return {
            s.id for s in subs if any(i != s.id and looks_alike(n, s.legal_name) for i, n in others)
        }

    async def organisation_names(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Company names are public on the network (search lists them): no scope needed."""
        if not ids:
            return {}
        query = select(Organisation.id, Organisation.legal_name).where(
            Organisation.id.in_(list(ids))
        )
        return {org_id: name for org_id, name in await self.session.execute(query)}

    async def sub_contact_email(self, sub_org_id: uuid.UUID, roles: Collection[str]) -> str | None:
        """The address of a subcontractor's administrator (else the earliest member in `roles`)."""
        query = (
            select(Person.email)
            .join(Membership, Membership.person_id == Person.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(
                Membership.organisation_id == sub_org_id,
                Organisation.kind == "subcontractor",
                Membership.role.in_(list(roles)),
            )
            .order_by(Membership.role != "sub_admin", Membership.created_at)
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    # --- sign-in throttle (rules in network/throttle.py) ---------------------------------

    async def hold_throttle_keys(self, key_hashes: Collection[bytes]) -> None:
        """Wait for each key's lock, held until the transaction ends, in one order (by the
        lock's key) so that two attempts sharing keys never wait for each other in a circle."""
        for key in sorted({int.from_bytes(h[:4], "big", signed=True) for h in key_hashes}):
            await self.session.execute(THROTTLE_LOCK, {"space": THROTTLE_LOCK_SPACE, "key": key})

    async def throttle_waits(self, key_hashes: list[bytes]) -> list[datetime]:
        query = select(SignInThrottle.wait_until).where(SignInThrottle.key_hash.in_(key_hashes))
        return list((await self.session.execute(query)).scalars())

    async def count_throttle_failure(
        self, key_hash: bytes, now: datetime, forget_before: datetime
    ) -> int:
        """One more failure on the key (counting from 1 again when the last one is older than
        `forget_before`), in one statement so that racing failures both count; the count."""
        table = SignInThrottle.__table__
        counted = (
            pg_insert(SignInThrottle)
            .values(key_hash=key_hash, failures=1, last_failure_at=now, wait_until=now)
            .on_conflict_do_update(
                index_elements=["key_hash"],
                set_={
                    "failures": case(
                        (table.c.last_failure_at < forget_before, 1),
                        else_=table.c.failures + 1,
                    ),
                    "last_failure_at": now,
                },
            )
            .returning(SignInThrottle.failures)
        )
        return int((await self.session.execute(counted)).scalar_one())

    async def set_throttle_wait(self, key_hash: bytes, until: datetime) -> None:
        await self.session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.key_hash == key_hash)
            .values(wait_until=until)
        )

    async def clear_throttles(self, key_hashes: list[bytes]) -> None:
        await self.session.execute(
            delete(SignInThrottle).where(SignInThrottle.key_hash.in_(key_hashes))
        )

    # --- the access trail (rules in network/access_log.py) --------------------------------

    async def access_events_about(
        self, organisation_id: uuid.UUID, limit: int
    ) -> list[AccessEvent]:
        """The access events an organisation caused or that concern it, newest first."""
        query = (
            select(AccessEvent)
            .where(
                (AccessEvent.actor_org_id == organisation_id)
                | (AccessEvent.subject_org_id == organisation_id)
            )
            .order_by(AccessEvent.created_at.desc())
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    # --- invitations (rules in network/invitations.py) ------------------------------------

    async def subcontractors(self, scope: ColumnElement[bool]) -> list[Organisation]:
        """Subcontractors matching a scope from network.access (on Organisation.id), by name."""
        query = (
            select(Organisation)
            .where(Organisation.kind == "subcontractor", scope)
            .order_by(Organisation.legal_name)
        )
        return list((await self.session.execute(query)).scalars())

    async def invitation_by_token_hash(
        self, token_hash: bytes, *, lock: bool = False
    ) -> Invitation | None:
        """The invitation a link's secret opens; locked when it is to be used."""
        query = select(Invitation).where(Invitation.token_hash == token_hash)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def invitations_issued_by(
        self, issuer_org_id: uuid.UUID, kinds: Collection[str], project_id: uuid.UUID | None
    ) -> list[Invitation]:
        """The issuer's invitations of these kinds (on one project when given), newest first."""
        query = select(Invitation).where(
            Invitation.issuer_org_id == issuer_org_id, Invitation.kind.in_(list(kinds))
        )
        if project_id is not None:
            query = query.where(Invitation.project_id == project_id)
        query = query.order_by(Invitation.created_at.desc())
        return list((await self.session.execute(query)).scalars())

    async def invitations_onto(
        self, gc_org_id: uuid.UUID, project_id: uuid.UUID, request: PageRequest
    ) -> list[Invitation]:
        """A page of the GC's own invitations onto one project (tier 1), oldest first."""
        query = select(Invitation).where(
            Invitation.issuer_org_id == gc_org_id,
            Invitation.project_id == project_id,
            Invitation.kind == "engagement",
        )
        query = keyset(query, Invitation.created_at, Invitation.id, request)
        return list((await self.session.execute(query)).scalars())

    async def invitation_issued_by(
        self, issuer_org_id: uuid.UUID, invitation_id: uuid.UUID, kinds: Collection[str]
    ) -> Invitation | None:
        """One invitation of the issuer, locked for a change (revoke, resend)."""
        query = (
            select(Invitation)
            .where(
                Invitation.issuer_org_id == issuer_org_id,
                Invitation.id == invitation_id,
                Invitation.kind.in_(list(kinds)),
            )
            .with_for_update()
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def open_invitations_to(
        self, invitee_org_id: uuid.UUID, kinds: Collection[str], now: datetime
    ) -> list[tuple[Invitation, Project]]:
        """Unused, unrevoked, unexpired invitations to this organisation, oldest first."""
        query = (
            select(Invitation, Project)
            .join(Project, Project.id == Invitation.project_id)
            .where(
                Invitation.kind.in_(list(kinds)),
                Invitation.invitee_org_id == invitee_org_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
                # Void once its sender left the issuing organisation (refuse_void).
                exists(
                    select(Membership.id).where(
                        Membership.person_id == Invitation.issued_by_id,
                        Membership.organisation_id == Invitation.issuer_org_id,
                    )
                ),
            )
            .order_by(Invitation.created_at)
        )
        return [(i, p) for i, p in (await self.session.execute(query)).all()]

    async def revoke_sessions_of_invitation(self, invitation_id: uuid.UUID, now: datetime) -> int:
        """Ends every live session opened from this invitation; how many were live."""
        ended = await self.session.execute(
            update(WebSession)
            .where(WebSession.invitation_id == invitation_id, WebSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(getattr(ended, "rowcount", 0))

    async def organisations_of_kind(self, kind: str) -> list[Organisation]:
        """Every organisation of one kind on the network (their names are public), by name."""
        query = (
            select(Organisation).where(Organisation.kind == kind).order_by(Organisation.legal_name)
        )
        return list((await self.session.execute(query)).scalars())

    async def broker_addresses(self, sub_org_id: uuid.UUID) -> list[str]:
        """The addresses the sub invited as brokers and has not revoked, sorted."""
        query = (
            select(Invitation.email)
            .where(
                Invitation.issuer_org_id == sub_org_id,
                Invitation.kind == "broker_access",
                Invitation.revoked_at.is_(None),
            )
            .distinct()
        )
        return sorted(str(e) for e in (await self.session.execute(query)).scalars() if e)

    async def organisation_of_email(self, email: str) -> Organisation | None:
        """The organisation of the person with this address: a sub first, else the earliest."""
        query = (
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .join(Person, Person.id == Membership.person_id)
            .where(Person.email == email)
            .order_by(Organisation.kind != "subcontractor", Membership.created_at)
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def memberships_among(
        self, person_ids: Collection[uuid.UUID]
    ) -> set[tuple[uuid.UUID, uuid.UUID]]:
        """(person, organisation) for every membership of these people."""
        if not person_ids:
            return set()
        query = select(Membership.person_id, Membership.organisation_id).where(
            Membership.person_id.in_(list(person_ids))
        )
        return {(p, o) for p, o in (await self.session.execute(query)).all()}

    async def organisation_ids_of(self, person_id: uuid.UUID) -> list[uuid.UUID]:
        """The organisations this person is a member of."""
        query = select(Membership.organisation_id).where(Membership.person_id == person_id)
        return list((await self.session.execute(query)).scalars())

    async def holds_contract(
        self,
        project_id: uuid.UUID,
        sub_org_id: uuid.UUID,
        contract_ref: str,
        parent_engagement_id: uuid.UUID | None = None,
    ) -> bool:
        """Whether the sub already holds an engagement (active or not) on the project under
        this contract label and parent (None: tier 1): the engagements' unique key, so a
        second one is refused."""
        parent = (
            Engagement.parent_engagement_id.is_(None)
            if parent_engagement_id is None
            else Engagement.parent_engagement_id == parent_engagement_id
        )
        query = select(Engagement.id).where(
            Engagement.project_id == project_id,
            Engagement.sub_org_id == sub_org_id,
            parent,
            Engagement.contract_ref == contract_ref,
        )
        return (await self.session.execute(query)).first() is not None

    async def newest_version_of_set_named(
        self, gc_org_id: uuid.UUID, name: str
    ) -> uuid.UUID | None:
        """The newest version of the GC's requirement set of this name (a derived tier-2 set)."""
        query = (
            select(RequirementSetVersion.id)
            .join(RequirementSet, RequirementSet.id == RequirementSetVersion.requirement_set_id)
            .where(RequirementSet.gc_org_id == gc_org_id, RequirementSet.name == name)
            .order_by(RequirementSetVersion.version.desc())
            .limit(1)
        )
        return await self.session.scalar(query)

    async def trade_version(self, project_id: uuid.UUID, trade: str) -> uuid.UUID | None:
        """The newest version of the requirement set mapped to the trade on the project."""
        query = (
            select(RequirementSetVersion.id)
            .join(
                ProjectTrade,
                ProjectTrade.requirement_set_id == RequirementSetVersion.requirement_set_id,
            )
            .where(
                ProjectTrade.project_id == project_id,
                func.lower(ProjectTrade.trade) == trade.lower(),
            )
            .order_by(RequirementSetVersion.version.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def live_session(self, token_hash: bytes, now: datetime) -> WebSession | None:
        query = select(WebSession).where(
            WebSession.token_hash == token_hash,
            WebSession.revoked_at.is_(None),
            WebSession.expires_at > now,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def revoke_session(self, token_hash: bytes, now: datetime) -> None:
        await self.session.execute(
            update(WebSession)
            .where(WebSession.token_hash == token_hash, WebSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def live_api_token(self, token_hash: bytes) -> ApiToken | None:
        query = select(ApiToken).where(
            ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def api_tokens_of(self, organisation_id: uuid.UUID) -> list[ApiToken]:
        query = (
            select(ApiToken)
            .where(ApiToken.organisation_id == organisation_id)
            .order_by(ApiToken.created_at.desc())
        )
        return list((await self.session.execute(query)).scalars())

    async def api_token_of(
        self, organisation_id: uuid.UUID, token_id: uuid.UUID
    ) -> ApiToken | None:
        query = select(ApiToken).where(
            ApiToken.organisation_id == organisation_id, ApiToken.id == token_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def live_grants_of(
        self, person_id: uuid.UUID, now: datetime
    ) -> list[tuple[Invitation, Organisation, Organisation]]:
        """The broker grants this person holds now: (invitation, broker firm, sub)."""
        broker = aliased(Organisation)
        sub = aliased(Organisation)
        query = (
            select(Invitation, broker, sub)
            .join(broker, broker.id == Invitation.invitee_org_id)
            .join(sub, sub.id == Invitation.issuer_org_id)
            .where(*_live_grant(person_id, now))
            .order_by(Invitation.accepted_at.desc())
        )
        return [(i, b, s) for i, b, s in (await self.session.execute(query)).all()]

    async def live_grant(
        self, invitation_id: uuid.UUID, person_id: uuid.UUID, now: datetime
    ) -> Invitation | None:
        query = select(Invitation).where(
            Invitation.id == invitation_id, *_live_grant(person_id, now)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def last_session(self, person_id: uuid.UUID) -> WebSession | None:
        query = (
            select(WebSession)
            .where(WebSession.person_id == person_id)
            .order_by(WebSession.created_at.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def revoke_sessions_of(self, person_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(WebSession)
            .where(WebSession.person_id == person_id, WebSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_api_tokens_made_by(
        self, person_id: uuid.UUID, now: datetime, organisation_id: uuid.UUID | None = None
    ) -> int:
        """Revokes the person's live tokens (of one organisation when given); how many."""
        where = [ApiToken.created_by_id == person_id, ApiToken.revoked_at.is_(None)]
        if organisation_id is not None:
            where.append(ApiToken.organisation_id == organisation_id)
        result = await self.session.execute(update(ApiToken).where(*where).values(revoked_at=now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def hold_invitation_count(self, organisation_id: uuid.UUID) -> None:
        """Wait for the organisation's invitation-count lock, held until the transaction ends."""
        key = int.from_bytes(organisation_id.bytes[:4], "big", signed=True)
        await self.session.execute(
            THROTTLE_LOCK, {"space": INVITATION_COUNT_LOCK_SPACE, "key": key}
        )

    async def events_by_since(
        self, organisation_id: uuid.UUID, events: Collection[str], since: datetime
    ) -> tuple[int, datetime | None]:
        """How many access events of these kinds the organisation caused after `since`, and
        when the oldest of them was."""
        query = select(func.count(), func.min(AccessEvent.created_at)).where(
            AccessEvent.actor_org_id == organisation_id,
            AccessEvent.event.in_(list(events)),
            AccessEvent.created_at > since,
        )
        count, oldest = (await self.session.execute(query)).one()
        return int(count), oldest

    async def pending_invitations(
        self, sent_by: ColumnElement[bool], now: datetime
    ) -> list[Invitation]:
        """The invitations matching `sent_by` (their sender: a person, of any organisation, or
        an API token) that nobody has taken up and could still be, locked for withdrawal."""
        query = (
            select(Invitation)
            .where(
                sent_by,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at)
            .with_for_update()
        )
        return list((await self.session.execute(query)).scalars())

    async def pending_invitations_sent_for(
        self, person_id: uuid.UUID, organisation_id: uuid.UUID, now: datetime
    ) -> list[Invitation]:
        """The invitations this person sent (or last sent again) for this organisation that
        nobody has taken up and could still be, locked for withdrawal."""
        return await self.pending_invitations(
            and_(Invitation.issued_by_id == person_id, Invitation.issuer_org_id == organisation_id),
            now,
        )

    async def password_reset(self, token_hash: bytes) -> PasswordReset | None:
        query = (
            select(PasswordReset).where(PasswordReset.token_hash == token_hash).with_for_update()
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def live_resets_of(self, person_id: uuid.UUID, now: datetime) -> int:
        """How many of the person's reset links could still be used."""
        query = (
            select(func.count())
            .select_from(PasswordReset)
            .where(
                PasswordReset.person_id == person_id,
                PasswordReset.used_at.is_(None),
                PasswordReset.expires_at > now,
            )
        )
        return int((await self.session.execute(query)).scalar_one())

    async def forget_resets_of(self, person_id: uuid.UUID, now: datetime) -> None:
        """Other links still in someone's mailbox stop working once a password was set."""
        await self.session.execute(
            update(PasswordReset)
            .where(PasswordReset.person_id == person_id, PasswordReset.used_at.is_(None))
            .values(used_at=now)
        )


def _live_grant(person_id: uuid.UUID, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        Invitation.kind == "broker_access",
        Invitation.accepted_by_id == person_id,
        Invitation.revoked_at.is_(None),
        Invitation.access_until > now,
        grant_membership_lasts(),
    )
