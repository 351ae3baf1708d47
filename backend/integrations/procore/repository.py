"""SQL of the Procore integration (the connection, insurance records written, the commitment
import), every statement scoped to the acting GC given to the repository."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Engagement,
    Invitation,
    Membership,
    Organisation,
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

    async def accepted_vendor_invitations(
        self,
    ) -> list[tuple[ProcoreVendorLink, uuid.UUID, uuid.UUID]]:
        """Vendor links not yet confirmed whose invitation was accepted, each with the sub that
        accepted it: the sub of the person who accepted, holding the engagement the invitation
        made (its project and contract label), and the person who sent it."""
        query = (
            select(ProcoreVendorLink, Engagement.sub_org_id, Invitation.issued_by_id)
            .join(Invitation, Invitation.id == ProcoreVendorLink.invitation_id)
            .join(
                Engagement,
                (Engagement.project_id == Invitation.project_id)
                & (
                    Engagement.contract_ref
                    == func.coalesce(Invitation.contract_ref, Invitation.trade)
                ),
            )
            .join(
                Membership,
                (Membership.organisation_id == Engagement.sub_org_id)
                & (Membership.person_id == Invitation.accepted_by_id),
            )
            .where(
                ProcoreVendorLink.organisation_id == self.gc_org_id,
                Engagement.gc_org_id == self.gc_org_id,
                Invitation.issuer_org_id == self.gc_org_id,
                Invitation.accepted_at.is_not(None),
                ProcoreVendorLink.state.in_(("unmatched", "suggested")),
            )
        )
        return [(link, sub, by) for link, sub, by in (await self.session.execute(query)).all()]

    async def engaged_sub_ids(self) -> set[uuid.UUID]:
        """The subs the GC engages or engaged (an engagement is a sub's accepted invitation)."""
        query = select(Engagement.sub_org_id).where(Engagement.gc_org_id == self.gc_org_id)
        return set((await self.session.execute(query)).scalars())

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

    async def insurance_syncs_of_engagements(
        self, engagement_ids: Collection[uuid.UUID]
    ) -> list[ProcoreInsuranceSync]:
        """What was written for these engagements of the GC's (every line, every state)."""
        query = select(ProcoreInsuranceSync).where(
            ProcoreInsuranceSync.organisation_id == self.gc_org_id,
            ProcoreInsuranceSync.engagement_id.in_(list(engagement_ids)),
        )
        return list((await self.session.execute(query)).scalars())

    async def writeback_targets(
        self, engagement_ids: Sequence[uuid.UUID] | None
    ) -> list[tuple[Engagement, Project, int]]:
        """The GC's active engagements (these, or all) on a linked project whose sub a person
        confirmed as a Procore vendor, each with its project and that vendor id."""
        query = (
            select(Engagement, Project, ProcoreVendorLink.procore_vendor_id)
            .join(Project, Project.id == Engagement.project_id)
            .join(ProcoreProjectLink, ProcoreProjectLink.project_id == Project.id)
            .join(
                ProcoreVendorLink,
                (ProcoreVendorLink.sub_org_id == Engagement.sub_org_id)
                & (ProcoreVendorLink.organisation_id == self.gc_org_id)
                & (ProcoreVendorLink.state == "confirmed"),
            )
            .where(Engagement.gc_org_id == self.gc_org_id, Engagement.active.is_(True))
            .order_by(Engagement.id)
        )
        if engagement_ids is not None:
            query = query.where(Engagement.id.in_(list(engagement_ids)))
        return [(e, p, v) for e, p, v in (await self.session.execute(query)).all()]

    async def record_syncs(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Store what each insurance record write did, one row per origin id (the GC's)."""
        statement = insert(ProcoreInsuranceSync).values(
            [{**row, "organisation_id": self.gc_org_id} for row in rows]
        )
        keep_id = statement.excluded.procore_insurance_id
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["origin_id"],
                set_={
                    "status_sent": statement.excluded.status_sent,
                    "state": statement.excluded.state,
                    "last_error": statement.excluded.last_error,
                    "synced_at": statement.excluded.synced_at,
                    "sent_digest": statement.excluded.sent_digest,
                    "procore_vendor_id": statement.excluded.procore_vendor_id,
                    # An attempt that failed has no Procore id to give: keep the one we knew.
                    "procore_insurance_id": func.coalesce(
                        keep_id, ProcoreInsuranceSync.procore_insurance_id
                    ),
                },
            )
        )


class ConnectionDirectory:
    """Which GCs are connected to Procore, as the workers ask it with no GC acting. Each
    statement names its scope; whatever a job then does for one GC goes through the
    repositories above, built for that GC."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def live_among(self, organisation_ids: Collection[uuid.UUID]) -> list[uuid.UUID]:
        """Those of these organisations with a live (unrevoked) connection. Scope: the
        organisations an integration event names as its audience (written with the event by
        the change that concerned them)."""
        query = select(ProcoreConnection.organisation_id).where(
            ProcoreConnection.organisation_id.in_(list(organisation_ids)),
            ProcoreConnection.revoked_at.is_(None),
        )
        return list((await self.session.execute(query)).scalars())

    async def by_id(self, connection_id: uuid.UUID) -> ProcoreConnection | None:
        """One connection, revoked or not. Scope: the connection Procore's webhook names in
        its address (the hook controller checks the presented token against it before any
        job acts on the event)."""
        return await self.session.get(ProcoreConnection, connection_id)

    async def live_gcs(self) -> list[uuid.UUID]:
        """Every GC with a live connection. Scope: all of them, as the nightly
        reconciliation repairs drift for every connected GC (as the sweep runs for every
        GC)."""
        query = select(ProcoreConnection.organisation_id).where(
            ProcoreConnection.revoked_at.is_(None)
        )
        return list((await self.session.execute(query)).scalars())


class LinkRepository:
    """Which Procore vendor is which sub and which Procore project is which project, for the
    GC given to the repository."""

    def __init__(self, session: AsyncSession, gc_org_id: uuid.UUID) -> None:
        self.session = session
        self.gc_org_id = gc_org_id

    async def engaged_subs(self) -> list[Organisation]:
        """The subs the GC engages, by legal name (never the whole network)."""
        query = (
            select(Organisation)
            .where(
                Organisation.id.in_(
                    select(Engagement.sub_org_id).where(Engagement.gc_org_id == self.gc_org_id)
                )
            )
            .order_by(Organisation.legal_name)
        )
        return list((await self.session.execute(query)).scalars())

    async def vendor_links(self) -> list[ProcoreVendorLink]:
        query = (
            select(ProcoreVendorLink)
            .where(ProcoreVendorLink.organisation_id == self.gc_org_id)
            .order_by(ProcoreVendorLink.vendor_name, ProcoreVendorLink.procore_vendor_id)
        )
        return list((await self.session.execute(query)).scalars())

    async def vendor_link(self, vendor_id: int) -> ProcoreVendorLink | None:
        return await self.session.scalar(
            select(ProcoreVendorLink).where(
                ProcoreVendorLink.organisation_id == self.gc_org_id,
                ProcoreVendorLink.procore_vendor_id == vendor_id,
            )
        )

    async def save_vendor_suggestion(self, vendor_id: int, values: Mapping[str, Any]) -> None:
        """Insert the vendor's link, or overwrite its suggestion with these values."""
        await self.session.execute(
            insert(ProcoreVendorLink)
            .values(
                id=uuid.uuid4(),
                organisation_id=self.gc_org_id,
                procore_vendor_id=vendor_id,
                **values,
            )
            .on_conflict_do_update(
                index_elements=["organisation_id", "procore_vendor_id"], set_=dict(values)
            )
        )

    async def vendor_confirmed_as(self, sub_org_id: uuid.UUID, other_than: int) -> int | None:
        """Another vendor id already confirmed as this sub, if any."""
        return await self.session.scalar(
            select(ProcoreVendorLink.procore_vendor_id).where(
                ProcoreVendorLink.organisation_id == self.gc_org_id,
                ProcoreVendorLink.sub_org_id == sub_org_id,
                ProcoreVendorLink.state == "confirmed",
                ProcoreVendorLink.procore_vendor_id != other_than,
            )
        )

    async def own_project(self, project_id: uuid.UUID) -> Project | None:
        return await self.session.scalar(
            select(Project).where(Project.id == project_id, Project.gc_org_id == self.gc_org_id)
        )

    async def project_linked_to(
        self, procore_project_id: int, other_than: uuid.UUID
    ) -> uuid.UUID | None:
        """Another project of the GC's already linked to this Procore project, if any."""
        return await self.session.scalar(
            select(ProcoreProjectLink.project_id).where(
                ProcoreProjectLink.organisation_id == self.gc_org_id,
                ProcoreProjectLink.procore_project_id == procore_project_id,
                ProcoreProjectLink.project_id != other_than,
            )
        )

    async def link_project(
        self, project_id: uuid.UUID, procore_project_id: int
    ) -> ProcoreProjectLink | None:
        """Link one of the GC's projects (the caller checked it is) to a Procore project."""
        values = {"procore_project_id": procore_project_id, "organisation_id": self.gc_org_id}
        await self.session.execute(
            insert(ProcoreProjectLink)
            .values(id=uuid.uuid4(), project_id=project_id, **values)
            .on_conflict_do_update(index_elements=["project_id"], set_=values)
        )
        await self.session.flush()
        return await self.session.scalar(
            select(ProcoreProjectLink).where(ProcoreProjectLink.project_id == project_id)
        )

    async def project_links(self) -> list[ProcoreProjectLink]:
        query = select(ProcoreProjectLink).where(
            ProcoreProjectLink.organisation_id == self.gc_org_id
        )
        return list((await self.session.execute(query)).scalars())
