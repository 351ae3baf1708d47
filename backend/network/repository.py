"""All SQL of the network domain: people, memberships, sessions, tokens, invitations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    Person,
    WebSession,
)


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
            .order_by(Organisation.legal_name)
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

    async def organisation(self, organisation_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

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

    async def invitation_by_token(self, token_hash: bytes) -> Invitation | None:
        query = select(Invitation).where(Invitation.token_hash == token_hash).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def invitations_issued_by(
        self, organisation_id: uuid.UUID, kind: str
    ) -> list[Invitation]:
        query = (
            select(Invitation)
            .where(Invitation.issuer_org_id == organisation_id, Invitation.kind == kind)
            .order_by(Invitation.created_at.desc())
        )
        return list((await self.session.execute(query)).scalars())

    async def invitation_issued_by(
        self, organisation_id: uuid.UUID, invitation_id: uuid.UUID
    ) -> Invitation | None:
        query = select(Invitation).where(
            Invitation.issuer_org_id == organisation_id, Invitation.id == invitation_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()
