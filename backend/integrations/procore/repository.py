"""SQL of the Procore integration (the connection, insurance records written, the commitment
import), every statement scoped to the acting GC given to the repository."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Engagement,
    ProcoreConnection,
    ProcoreInsuranceSync,
    ProcoreProjectLink,
    ProcoreVendorLink,
    Project,
    ProjectTrade,
    RequirementSetVersion,
)
from backend.projects.repository import newest_versions


class CommitmentRepository:
    def __init__(self, session: AsyncSession, gc_org_id: uuid.UUID) -> None:
        self.session = session
        self.gc_org_id = gc_org_id

    async def linked_projects(self, project_id: uuid.UUID | None) -> list[tuple[Project, int]]:
        """The GC's projects linked to a Procore project (one, or all)."""
        query = (
            select(Project, ProcoreProjectLink.procore_project_id)
            .join(ProcoreProjectLink, ProcoreProjectLink.project_id == Project.id)
            .where(
                Project.gc_org_id == self.gc_org_id,
                ProcoreProjectLink.organisation_id == self.gc_org_id,
            )
            .order_by(Project.number)
        )
        if project_id is not None:
            query = query.where(Project.id == project_id)
        return [(p, v) for p, v in (await self.session.execute(query)).all()]

    async def project_linked_to(self, procore_project_id: int) -> uuid.UUID | None:
        query = select(ProcoreProjectLink.project_id).where(
            ProcoreProjectLink.organisation_id == self.gc_org_id,
            ProcoreProjectLink.procore_project_id == procore_project_id,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def confirmed_vendors(self) -> dict[int, uuid.UUID]:
        """Procore vendor id -> the sub a person confirmed it is."""
        query = select(ProcoreVendorLink.procore_vendor_id, ProcoreVendorLink.sub_org_id).where(
            ProcoreVendorLink.organisation_id == self.gc_org_id,
            ProcoreVendorLink.state == "confirmed",
            ProcoreVendorLink.sub_org_id.is_not(None),
        )
        return {v: s for v, s in (await self.session.execute(query)).all() if s is not None}

    async def tier1_engagements(self, project_id: uuid.UUID) -> list[Engagement]:
        """The project's tier-1 engagements (the ones a Procore commitment can be)."""
        query = (
            select(Engagement)
            .where(
                Engagement.gc_org_id == self.gc_org_id,
                Engagement.project_id == project_id,
                Engagement.parent_engagement_id.is_(None),
            )
            .order_by(Engagement.created_at, Engagement.id)
            .with_for_update()
        )
        return list((await self.session.execute(query)).scalars())

    async def trades(self, project_id: uuid.UUID) -> dict[str, uuid.UUID]:
        """Trade -> the newest requirement-set version the project holds that trade to."""
        newest = newest_versions()
        query = (
            select(ProjectTrade.trade, RequirementSetVersion.id)
            .join(Project, Project.id == ProjectTrade.project_id)
            .join(newest, newest.c.requirement_set_id == ProjectTrade.requirement_set_id)
            .join(
                RequirementSetVersion,
                (RequirementSetVersion.requirement_set_id == newest.c.requirement_set_id)
                & (RequirementSetVersion.version == newest.c.version),
            )
            .where(Project.gc_org_id == self.gc_org_id, ProjectTrade.project_id == project_id)
            .order_by(ProjectTrade.trade)
        )
        return {t: v for t, v in (await self.session.execute(query)).all()}


class ProcoreRepository:
    """The GC's connection and the insurance records written to its Procore company."""

    def __init__(self, session: AsyncSession, gc_org_id: uuid.UUID) -> None:
        self.session = session
        self.gc_org_id = gc_org_id

    async def connection(
        self, *, active_only: bool = False, lock: bool = False
    ) -> ProcoreConnection | None:
        query = select(ProcoreConnection).where(ProcoreConnection.organisation_id == self.gc_org_id)
        if active_only:
            query = query.where(ProcoreConnection.revoked_at.is_(None))
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def insurance_syncs_of_record(
        self, procore_insurance_id: int
    ) -> list[ProcoreInsuranceSync]:
        """What we wrote to one Procore insurance record (an inbound webhook names it)."""
        query = select(ProcoreInsuranceSync).where(
            ProcoreInsuranceSync.organisation_id == self.gc_org_id,
            ProcoreInsuranceSync.procore_insurance_id == procore_insurance_id,
        )
        return list((await self.session.execute(query)).scalars())

    async def insurance_syncs(self, state: str | None = None) -> list[ProcoreInsuranceSync]:
        """Every insurance record written (in one state when given), by engagement and line."""
        query = (
            select(ProcoreInsuranceSync)
            .where(ProcoreInsuranceSync.organisation_id == self.gc_org_id)
            .order_by(ProcoreInsuranceSync.engagement_id, ProcoreInsuranceSync.line)
        )
        if state is not None:
            query = query.where(ProcoreInsuranceSync.state == state)
        return list((await self.session.execute(query)).scalars())
