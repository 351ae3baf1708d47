"""Authorisation, in one place. Two questions are answered here and nowhere else:
may this role do this kind of thing (`require`), and which organisations' rows may this
actor touch (`*_scope` / `can_*`). Every repository builds its WHERE clause from these."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, Invitation, Membership, Organisation
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.db.models.vocab import ROLES_BY_ORG_KIND, TOKEN_SCOPE_READ
from backend.errors import Forbidden
from backend.network.actor import Actor
from backend.verification.plan import FINISHED

PERMISSIONS: dict[str, frozenset[str]] = {
    "record.read": frozenset(
        {
            "sub_admin",
            "sub_bookkeeper",
            "gc_admin",
            "gc_contract_admin",
            "gc_viewer",
            "broker_admin",
            "broker_agent",
        }
    ),
    "record.write": frozenset({"sub_admin", "sub_bookkeeper", "broker_admin", "broker_agent"}),
    "broker.invite": frozenset({"sub_admin", "sub_bookkeeper"}),
    "project.read": frozenset({"gc_admin", "gc_contract_admin", "gc_viewer"}),
    "project.write": frozenset({"gc_admin", "gc_contract_admin"}),
    "engagement.decide": frozenset({"gc_admin", "gc_contract_admin"}),
    "requirements.write": frozenset({"gc_admin", "gc_contract_admin"}),
    "tokens.manage": frozenset({"sub_admin", "gc_admin"}),
    # Ending a membership of one's own organisation (network/members.py).
    "members.manage": frozenset({"sub_admin", "gc_admin", "broker_admin"}),
}


def less_privileged(first: str, second: str) -> str:
    """Of two roles of one organisation kind, the one that may do less. Within a kind each
    role's permissions include those of every role listed after it in ROLES_BY_ORG_KIND
    (admin, then contract admin, then viewer), so the later one is the lesser."""
    for roles in ROLES_BY_ORG_KIND.values():
        if first in roles and second in roles:
            return first if roles.index(first) >= roles.index(second) else second
    raise ValueError(f"{first} and {second} are roles of different kinds of organisation")


def allowed(actor: Actor, permission: str) -> bool:
    """Whether the actor's role carries the permission: what a page asks to show or hide a
    control that `require` would refuse."""
    return actor.role in PERMISSIONS[permission]


def require(actor: Actor, permission: str) -> None:
    if not allowed(actor, permission):
        raise Forbidden(f"Your role ({actor.role.replace('_', ' ')}) may not do this.")


def require_may_see_credentials(actor: Actor) -> None:
    """A stored credential (a webhook signing secret) is a key that acts, read though it is
    by a GET: a read-only API token, the key an integration keeps to read data, is refused
    it, so a leaked one cannot sign deliveries its organisation's receiver would trust."""
    if actor.token_scope == TOKEN_SCOPE_READ:
        raise Forbidden(
            'This API token has scope "read": it may not read a secret. '
            'Use a token with scope "write", or the settings page.'
        )


def _now() -> datetime:
    return datetime.now(UTC)


def grant_membership_lasts() -> ColumnElement[bool]:
    """True for a broker grant (a row of Invitation) that does not rest on a membership, or
    whose accepting person is still a member of the firm it names. A grant a member took up
    signed in as that member is held through the firm: when the membership ends, so does the
    grant, at its next use (however the membership ended, nothing needs to revoke it)."""
    return or_(
        Invitation.accepted_as_member.is_(False),
        exists(
            select(Membership.id).where(
                Membership.person_id == Invitation.accepted_by_id,
                Membership.organisation_id == Invitation.invitee_org_id,
            )
        ),
    )


def active_broker_grant(
    actor: Actor, sub_org_id: SQLColumnExpression[uuid.UUID] | uuid.UUID
) -> ColumnElement[bool]:
    """True while an accepted, unrevoked, unexpired broker invitation grants this person,
    acting for the firm it names, access to the sub. The grant is the person's, not the
    firm's: another agent of the same firm sees nothing through it; and one the person took
    up as a member of the firm lasts only as long as that membership. A session opened from
    one invitation is held to that one."""
    conditions = [
        Invitation.kind == "broker_access",
        Invitation.invitee_org_id == actor.organisation_id,
        Invitation.accepted_by_id == actor.person_id,
        Invitation.issuer_org_id == sub_org_id,
        Invitation.accepted_at.is_not(None),
        Invitation.revoked_at.is_(None),
        Invitation.access_until > _now(),
        grant_membership_lasts(),
    ]
    if actor.invitation_id is not None:
        conditions.append(Invitation.id == actor.invitation_id)
    return exists(select(Invitation.id).where(and_(*conditions)))


def record_read_scope(
    actor: Actor, sub_org_id: SQLColumnExpression[uuid.UUID]
) -> ColumnElement[bool]:
    """A filter on any table with a sub_org_id column: the rows this actor may read. A GC reads
    a sub's live record only while one of its engagements of the sub is active and not
    finished (completed operations still counts: the GC checks completed-ops cover then).
    What it relied on before the end is frozen in the audit log (audit_entry_scope)."""
    if actor.is_sub:
        return sub_org_id == actor.organisation_id
    if actor.is_gc:
        return exists(
            select(Engagement.id).where(
                Engagement.gc_org_id == actor.organisation_id,
                Engagement.sub_org_id == sub_org_id,
                Engagement.active.is_(True),
                Engagement.phase != FINISHED,
            )
        )
    if actor.is_broker:
        return active_broker_grant(actor, sub_org_id)
    return false()


def engagement_scope(actor: Actor) -> ColumnElement[bool]:
    """The engagements this actor may see: the GC's own, the sub's own, or (for a broker)
    those of the sub that invited it."""
    if actor.is_gc:
        return Engagement.gc_org_id == actor.organisation_id
    if actor.is_sub:
        return Engagement.sub_org_id == actor.organisation_id
    if actor.is_broker:
        return active_broker_grant(actor, Engagement.sub_org_id)
    return false()


def record_reach_scope(sub_org_id: uuid.UUID) -> ColumnElement[bool]:
    """The engagements a change to this sub's record reaches: every GC's, tier 2 included.
    The scope of the system jobs acting for a record rather than for a person (the fan-out, a
    single verification, the review page's preview, the sweep judging a sub's engagements
    again); whoever changed or reads the record was checked against it before the job ran."""
    return Engagement.sub_org_id == sub_org_id


def audit_entry_scope(actor: Actor) -> ColumnElement[bool]:
    """The audit log entries this actor may read: those naming its organisation as the GC or
    the sub of the snapshot (a broker's organisation is never named in one)."""
    return (AuditLogEntry.gc_org_id == actor.organisation_id) | (
        AuditLogEntry.sub_org_id == actor.organisation_id
    )


async def can_read_record(session: AsyncSession, actor: Actor, sub_org_id: uuid.UUID) -> bool:
    if actor.role not in PERMISSIONS["record.read"]:
        return False
    if actor.is_sub:
        return sub_org_id == actor.organisation_id
    query = select(Organisation.id).where(
        Organisation.id == sub_org_id, record_read_scope(actor, Organisation.id)
    )
    return (await session.execute(query)).first() is not None


async def can_write_record(session: AsyncSession, actor: Actor, sub_org_id: uuid.UUID) -> bool:
    if actor.role not in PERMISSIONS["record.write"]:
        return False
    if actor.is_sub:
        return sub_org_id == actor.organisation_id
    if actor.is_broker:
        query = select(active_broker_grant(actor, sub_org_id))
        return bool((await session.execute(query)).scalar())
    return False
