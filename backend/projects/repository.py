"""All SQL of projects and engagements, filtered by the scope from network.access."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.db.models import Engagement, Organisation, Project


def engagement_parties(
    *conditions: ColumnElement[bool],
) -> Select[Engagement, Project, Organisation, Organisation]:
    """The one join of an engagement with its project, its GC and its sub (in that order),
    for the fan-out, decisions and the sweep; callers add their own filters and locks."""
    gc = aliased(Organisation)
    sub = aliased(Organisation)
    return (
        select(Engagement, Project, gc, sub)
        .join(Project, Project.id == Engagement.project_id)
        .join(gc, gc.id == Engagement.gc_org_id)
        .join(sub, sub.id == Engagement.sub_org_id)
        .where(*conditions)
    )


class ProjectRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def projects_of(self, gc_org_id: uuid.UUID) -> list[Project]:
        query = select(Project).where(Project.gc_org_id == gc_org_id).order_by(Project.number)
        return list((await self.session.execute(query)).scalars())

    async def project_of(self, gc_org_id: uuid.UUID, project_id: uuid.UUID) -> Project | None:
        query = select(Project).where(Project.gc_org_id == gc_org_id, Project.id == project_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def engaged_project_numbers(
        self, gc_org_id: uuid.UUID, sub_org_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[str]]:
        """sub id -> the numbers of this GC's projects it is actively engaged on (sorted)."""
        if not sub_org_ids:
            return {}
        query = (
            select(Engagement.sub_org_id, Project.number)
            .join(Project, Project.id == Engagement.project_id)
            .where(
                Engagement.gc_org_id == gc_org_id,
                Engagement.sub_org_id.in_(sub_org_ids),
                Engagement.active.is_(True),
            )
        )
        found: dict[uuid.UUID, list[str]] = {}
        for sub_id, number in (await self.session.execute(query)).all():
            found.setdefault(sub_id, []).append(number)
        return {sub_id: sorted(numbers) for sub_id, numbers in found.items()}

    async def project_number_taken(self, gc_org_id: uuid.UUID, number: str) -> bool:
        query = select(Project.id).where(Project.gc_org_id == gc_org_id, Project.number == number)
        return (await self.session.execute(query)).first() is not None

    async def engagement_rows(
        self,
        scope: ColumnElement[bool],
        project_id: uuid.UUID | None = None,
        status: str | None = None,
        limit: int = 2000,
    ) -> list[tuple[Engagement, Project, Organisation]]:
        sub = aliased(Organisation)
        query = (
            select(Engagement, Project, sub)
            .join(Project, Project.id == Engagement.project_id)
            .join(sub, sub.id == Engagement.sub_org_id)
            .where(scope, Engagement.active.is_(True))
        )
        if project_id is not None:
            query = query.where(Engagement.project_id == project_id)
        if status is not None:
            query = query.where(Engagement.status == status)
        query = query.order_by(Project.number, sub.legal_name).limit(limit)
        return [(e, p, o) for e, p, o in (await self.session.execute(query)).all()]

    async def engagement(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> tuple[Engagement, Project, Organisation] | None:
        sub = aliased(Organisation)
        query = (
            select(Engagement, Project, sub)
            .join(Project, Project.id == Engagement.project_id)
            .join(sub, sub.id == Engagement.sub_org_id)
            .where(scope, Engagement.id == engagement_id)
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1], row[2]) if row else None
