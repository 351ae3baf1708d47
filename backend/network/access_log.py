"""The trail of grants and revocations. The project's audit log (backend/audit/) freezes
verdicts and decisions on engagements as Merkle-logged snapshots; an access event has no
engagement, project or record to snapshot, so it goes to its own append-only table
(`access_events`: the application role may INSERT and SELECT only), in the same transaction
as the change it describes, so a grant never exists without its entry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import AccessEvent, Invitation
from backend.network.actor import Actor
from backend.network.repository import NetworkRepository

INVITATION_ISSUED: Final = "invitation.issued"
INVITATION_RESENT: Final = "invitation.resent"
INVITATION_ACCEPTED: Final = "invitation.accepted"
INVITATION_REVOKED: Final = "invitation.revoked"
SESSIONS_ENDED: Final = "sessions.ended"
API_TOKEN_CREATED: Final = "api_token.created"  # noqa: S105 - an event name
API_TOKEN_REVOKED: Final = "api_token.revoked"  # noqa: S105 - an event name
MEMBERSHIP_CREATED: Final = "membership.created"
ORGANISATION_CREATED: Final = "organisation.created"
MEMBERSHIP_ENDED: Final = "membership.ended"
PASSWORD_RESET: Final = "password.reset"  # noqa: S105 - an event name
TWO_FACTOR_ENABLED: Final = "two_factor.enabled"
TWO_FACTOR_DISABLED: Final = "two_factor.disabled"
MAX_DETAIL: Final = 400  # the column's width


def record_access(
    session: AsyncSession,
    event: str,
    actor: Actor | None = None,
    *,
    subject_person_id: uuid.UUID | None = None,
    subject_org_id: uuid.UUID | None = None,
    invitation_id: uuid.UUID | None = None,
    email: str = "",
    detail: str = "",
) -> None:
    session.add(
        AccessEvent(
            id=uuid.uuid4(),
            # The moment of the change itself, not its transaction's start: events of one
            # request keep their order.
            created_at=datetime.now(UTC),
            event=event,
            actor_person_id=actor.person_id if actor else None,
            actor_org_id=actor.organisation_id if actor else None,
            subject_person_id=subject_person_id,
            subject_org_id=subject_org_id,
            invitation_id=invitation_id,
            email=email,
            detail=detail[:MAX_DETAIL],
        )
    )


def for_invitation(
    session: AsyncSession,
    event: str,
    actor: Actor | None,
    invitation: Invitation,
    *,
    subject_org_id: uuid.UUID | None,
    subject_person_id: uuid.UUID | None = None,
    detail: str = "",
) -> None:
    """An event about one invitation: its id and the address it was sent to go with it."""
    record_access(
        session,
        event,
        actor,
        subject_person_id=subject_person_id,
        subject_org_id=subject_org_id,
        invitation_id=invitation.id,
        email=invitation.email,
        detail=detail,
    )


def email_shown_to(event: AccessEvent, organisation_id: uuid.UUID) -> str:
    """The address an event names, as the trail shows it to one organisation: an address of
    another organisation's person is left out (the event names that organisation by id). A
    GC that engaged a sub found by network search never typed its admin's address, and the
    trail must not hand it over; an address outside the network is the one the viewer typed."""
    if event.subject_org_id not in (None, organisation_id):
        return ""
    if event.event == INVITATION_ACCEPTED and event.actor_org_id not in (None, organisation_id):
        # An acceptance is about the issuer's invitation but made by the invited company's
        # member, at that member's address: the issuer may not have typed it (network search
        # addressed it to the sub's administrator), so it is that company's to give.
        return ""
    return event.email


async def events_about(
    session: AsyncSession, organisation_id: uuid.UUID, limit: int
) -> list[AccessEvent]:
    """The access events an organisation caused or that concern it, newest first."""
    return await NetworkRepository(session).access_events_about(organisation_id, limit)
