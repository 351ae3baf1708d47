"""Builders for the chase loop's tests: a sub's broker grants, accepted and never accepted."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, Invitation, Project
from backend.network.secrets import new_token, token_digest
from backend.records.schemas import RecordChange
from tests.integration.factories import Org
from tests.integration.fanout.helpers import (
    endorsements,
    engage_on_project,
    person_of,
    terms,
)

# The factories' projects are in Ohio, where workers' compensation comes from the state fund
# and employer's liability must be a stop-gap endorsement on general liability, which the
# record's endorsement kinds cannot hold yet; these tests chase other gaps, so their projects
# and records are in a state where workers' compensation is bought privately.
PRIVATE_WC_STATE = "PA"


async def engage_in_pa(db: AsyncSession, gc: Org, sub: Org) -> Engagement:
    engagement = await engage_on_project(db, gc, sub)
    project = await db.get(Project, engagement.project_id)
    assert project is not None
    project.state = PRIVATE_WC_STATE
    await db.flush()
    return engagement


def pa_record(start: date, kind: str = "initial") -> RecordChange:
    """A full record (every line, the usual endorsements) with workers' compensation in PA."""
    return RecordChange(
        kind=kind,
        summary="Record for the chase tests",
        terms=terms(start, state=PRIVATE_WC_STATE),
        endorsements=endorsements() if kind == "initial" else [],
    )


async def broker_grant(db: AsyncSession, sub: Org, broker: Org) -> Invitation:
    """An accepted, live broker invitation: the broker's agent acts on the sub's record."""
    issuer = await person_of(db, sub.emails["sub_admin"])
    agent = await person_of(db, broker.emails["broker_agent"])
    now = datetime.now(UTC)
    invitation = Invitation(
        id=uuid.uuid4(),
        kind="broker_access",
        issuer_org_id=sub.id,
        issued_by_id=issuer.id,
        email=agent.email,
        role="broker_agent",
        token_hash=token_digest(new_token("inv")),
        invitee_org_id=broker.id,
        expires_at=now + timedelta(days=7),
        accepted_at=now,
        accepted_by_id=agent.id,
        access_until=now + timedelta(days=30),
    )
    db.add(invitation)
    await db.flush()
    return invitation


async def pending_broker(db: AsyncSession, sub: Org, email: str) -> Invitation:
    """A broker invitation nobody accepted: the broker never registered."""
    issuer = await person_of(db, sub.emails["sub_admin"])
    invitation = Invitation(
        id=uuid.uuid4(),
        kind="broker_access",
        issuer_org_id=sub.id,
        issued_by_id=issuer.id,
        email=email,
        role="broker_agent",
        token_hash=token_digest(new_token("inv")),
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    db.add(invitation)
    await db.flush()
    return invitation
