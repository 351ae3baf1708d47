"""The chase loop's queries that pick rows of one organisation."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, Organisation, Project
from backend.db.models.holder_request import HolderRequest


async def active_engagements_of_sub(
    session: AsyncSession, sub_org_id: uuid.UUID
) -> list[tuple[Engagement, Project, Organisation]]:
    """The sub's active engagements with their project and GC, by GC name and project."""
    query = (
        select(Engagement, Project, Organisation)
        .join(Project, Project.id == Engagement.project_id)
        .join(Organisation, Organisation.id == Engagement.gc_org_id)
        .where(Engagement.sub_org_id == sub_org_id, Engagement.active.is_(True))
        .order_by(Organisation.legal_name, Project.number)
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(query)).all()]


async def open_holder_requests(
    session: AsyncSession, sub_org_id: uuid.UUID
) -> list[tuple[HolderRequest, Project, Organisation]]:
    """The sub's unfulfilled per-holder requests of active engagements, with project and GC."""
    query = (
        select(HolderRequest, Project, Organisation)
        .join(Engagement, Engagement.id == HolderRequest.engagement_id)
        .join(Project, Project.id == Engagement.project_id)
        .join(Organisation, Organisation.id == HolderRequest.gc_org_id)
        .where(
            HolderRequest.sub_org_id == sub_org_id,
            HolderRequest.fulfilled_at.is_(None),
            Engagement.active.is_(True),
        )
        .order_by(Organisation.legal_name, Project.number)
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(query)).all()]
