"""Projects and engagements over HTTP, and the API's paged lists.

Every list answers {"data": [...], "next_cursor": ...}: pass `cursor` back for the next page
(`limit` rows each, at most backend.paging.MAX_LIMIT), oldest first; filters narrow the rows and
never widen them beyond what the acting organisation may see."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Invitation, RequirementSetVersion
from backend.errors import BadInput
from backend.network.actor import Actor
from backend.network.invitation_mail import project_mail_after_commit
from backend.network.invitations import STATE_WORDS, InvitationService, invitation_state
from backend.paging import DEFAULT_LIMIT, MAX_LIMIT, page_request
from backend.projects import requirement_sets
from backend.projects.schemas import (
    DecisionPage,
    DocumentPage,
    EngagementPage,
    EngagementRow,
    HoldPage,
    ProjectCreateInput,
    ProjectDetail,
    ProjectPage,
    RequirementSetCreateInput,
    RequirementSetDetail,
    RequirementSetPage,
    RequirementSetVersionInput,
    RequirementSetVersionView,
    SubInvitationInput,
    SubInvitationPage,
    SubInvitationView,
    WebhookDeliveryPage,
)
from backend.projects.service import ListingService, ProjectService

Limit = Annotated[
    int | None,
    Parameter(
        description=f"Rows per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
    ),
]
Cursor = Annotated[
    str | None,
    Parameter(description="The `next_cursor` of the previous page; none for the first page."),
]
UpdatedSince = Annotated[
    datetime | None,
    Parameter(description="Only rows changed at or after this time (ISO 8601; UTC if no zone)."),
]
CreatedSince = Annotated[
    datetime | None,
    Parameter(description="Only rows made at or after this time (ISO 8601; UTC if no zone)."),
]
ProjectFilter = Annotated[uuid.UUID | None, Parameter(description="Only this project's rows.")]
SubFilter = Annotated[uuid.UUID | None, Parameter(description="Only this sub's rows.")]


def sub_invitation_view(invitation: Invitation, state: str) -> SubInvitationView:
    assert invitation.project_id is not None  # set for every project invitation
    return SubInvitationView(
        id=invitation.id,
        project_id=invitation.project_id,
        email=invitation.email,
        trade=invitation.trade,
        contract_ref=invitation.contract_ref,
        invitee_org_id=invitation.invitee_org_id,
        state=state,
        state_text=STATE_WORDS[state],
        expires_at=invitation.expires_at,
    )


def provide_listing(db: AsyncSession) -> ListingService:
    return ListingService(db)


class ProjectController(Controller):
    path = "/api/v1"
    dependencies = {"listing": Provide(provide_listing, sync_to_thread=False)}  # noqa: RUF012

    @get("/projects")
    async def list_projects(
        self,
        actor: Actor,
        listing: ListingService,
        limit: Limit = None,
        cursor: Cursor = None,
        created_since: CreatedSince = None,
    ) -> ProjectPage:
        """The GC's projects."""
        return await listing.projects(actor, created_since, page_request(limit, cursor))

    @post("/projects", status_code=201)
    async def create_project(
        self, actor: Actor, projects: ProjectService, data: ProjectCreateInput
    ) -> ProjectDetail:
        """A project; with `trades`, each mapped to its requirements (subs are invited onto
        a trade), in one transaction: a refused trade leaves no project."""
        return await projects.detail(actor, await projects.create_over_api(actor, data))

    @get("/projects/{project_id:uuid}")
    async def get_project(
        self, actor: Actor, projects: ProjectService, project_id: uuid.UUID
    ) -> ProjectDetail:
        return await projects.detail(actor, await projects.project(actor, project_id))

    @post("/projects/{project_id:uuid}/invitations", status_code=201)
    async def invite_sub(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
        settings: Settings,
        project_id: uuid.UUID,
        data: SubInvitationInput,
    ) -> Response[SubInvitationView]:
        """Invite a sub onto the project for one of its trades, as the project page does; the
        link is e-mailed to the address after the request commits (never in the answer).
        The engagement (one contract) exists once the sub accepts."""
        project = await projects.project(actor, project_id)
        issued = await InvitationService(db).invite_sub(
            actor, project, data.email, data.trade, data.contract
        )
        invitation = issued.invitation
        return Response(
            sub_invitation_view(invitation, invitation_state(invitation)),
            status_code=201,
            background=project_mail_after_commit(
                request, actor, project, issued, settings.base_url
            ),
        )

    @get("/projects/{project_id:uuid}/invitations")
    async def list_sub_invitations(
        self,
        actor: Actor,
        db: AsyncSession,
        projects: ProjectService,
        project_id: uuid.UUID,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> SubInvitationPage:
        """The GC's invitations onto the project, each with its state as the project page
        shows it (a link whose sender left the GC is void)."""
        project = await projects.project(actor, project_id)
        rows, next_cursor = await InvitationService(db).issued_on_project(
            actor, project, page_request(limit, cursor)
        )
        return SubInvitationPage(
            data=[sub_invitation_view(i, state) for i, state in rows], next_cursor=next_cursor
        )

    @get("/engagements")
    async def list_engagements(
        self,
        actor: Actor,
        listing: ListingService,
        limit: Limit = None,
        cursor: Cursor = None,
        project_id: ProjectFilter = None,
        sub_id: SubFilter = None,
        status: str | None = None,
        contract_kind: Annotated[
            str | None, Parameter(description="subcontract or purchase_order")
        ] = None,
        updated_since: UpdatedSince = None,
        include_ended: bool = False,
    ) -> EngagementPage:
        """Engagements (one per contract) the organisation may see: a GC's own, a sub's own."""
        wanted = listing.engagement_filter(
            project_id=project_id,
            sub_org_id=sub_id,
            status=status,
            contract_kind=contract_kind,
            updated_since=updated_since,
            active=None if include_ended else True,
        )
        return await listing.engagements(actor, wanted, page_request(limit, cursor), date.today())

    @get("/engagements/{engagement_id:uuid}")
    async def get_engagement(
        self, actor: Actor, projects: ProjectService, engagement_id: uuid.UUID
    ) -> EngagementRow:
        return await projects.engagement(actor, engagement_id, date.today())

    @get("/decisions")
    async def list_decisions(
        self,
        actor: Actor,
        listing: ListingService,
        limit: Limit = None,
        cursor: Cursor = None,
        project_id: ProjectFilter = None,
        sub_id: SubFilter = None,
        engagement_id: uuid.UUID | None = None,
        kind: str | None = None,
        created_since: CreatedSince = None,
    ) -> DecisionPage:
        """The GC's decisions on its engagements (approve, waive, holds, work stops ...)."""
        wanted = listing.engagement_filter(
            project_id=project_id, sub_org_id=sub_id, engagement_id=engagement_id
        )
        return await listing.decisions(
            actor, wanted, kind, created_since, page_request(limit, cursor)
        )

    @get("/holds")
    async def list_holds(
        self,
        actor: Actor,
        listing: ListingService,
        limit: Limit = None,
        cursor: Cursor = None,
        project_id: ProjectFilter = None,
        sub_id: SubFilter = None,
        updated_since: UpdatedSince = None,
    ) -> HoldPage:
        """Engagements under a pay hold or a work stop now, with when and why each was put."""
        wanted = listing.engagement_filter(
            project_id=project_id,
            sub_org_id=sub_id,
            updated_since=updated_since,
            active=True,
            held=True,
        )
        return await listing.holds(actor, wanted, page_request(limit, cursor))

    @get("/requirement-sets")
    async def list_requirement_sets(
        self, actor: Actor, listing: ListingService, limit: Limit = None, cursor: Cursor = None
    ) -> RequirementSetPage:
        """The GC's requirement sets with their newest version."""
        return await listing.requirement_sets(actor, page_request(limit, cursor))

    @get("/requirement-sets/{set_id:uuid}")
    async def get_requirement_set(
        self, actor: Actor, db: AsyncSession, set_id: uuid.UUID
    ) -> RequirementSetDetail:
        """One of the GC's requirement sets with every version's requirements."""
        return await _set_detail(db, actor, set_id)

    @post("/requirement-sets", status_code=201)
    async def create_requirement_set(
        self, actor: Actor, db: AsyncSession, data: RequirementSetCreateInput
    ) -> RequirementSetDetail:
        """A requirement set of the GC's (GC admins): the GC's copy of a tier template (the
        one it has if it made it before, as the project pages do), or a set written anew from
        `name` and `requirements`, judged as the requirement editor judges an edit."""
        if data.template is not None:
            if data.requirements is not None or data.name is not None:
                raise BadInput(
                    "Give a template, or a name and requirements, not both.", field="template"
                )
            made = await requirement_sets.from_template(db, actor, data.template)
        elif data.requirements is None:
            raise BadInput("Give a template, or a name and requirements.", field="requirements")
        else:
            made = await requirement_sets.create_set(db, actor, data.name or "", data.requirements)
        return await _set_detail(db, actor, made.requirement_set.id)

    @post("/requirement-sets/{set_id:uuid}/versions", status_code=201)
    async def add_requirement_version(
        self, actor: Actor, db: AsyncSession, set_id: uuid.UUID, data: RequirementSetVersionInput
    ) -> RequirementSetVersionView:
        """The next version of one of the GC's sets (GC admins), as the requirement editor
        saves an edit; the same requirements as the newest version are refused (422)."""
        version = await requirement_sets.save_version(db, actor, set_id, data.requirements)
        return _version_view(version)

    @get("/documents")
    async def list_documents(
        self,
        actor: Actor,
        listing: ListingService,
        limit: Limit = None,
        cursor: Cursor = None,
        sub_id: SubFilter = None,
        created_since: CreatedSince = None,
    ) -> DocumentPage:
        """Uploaded certificates and endorsements the organisation may read (a sub's own; a
        GC's engaged subs'); download each at /api/v1/documents/{id}."""
        return await listing.documents(actor, sub_id, created_since, page_request(limit, cursor))

    @get("/webhooks/deliveries")
    async def list_webhook_deliveries(
        self,
        actor: Actor,
        listing: ListingService,
        limit: Limit = None,
        cursor: Cursor = None,
        endpoint_id: uuid.UUID | None = None,
        delivery_state: Annotated[
            str | None, Parameter(query="state", description="pending, succeeded or failed")
        ] = None,
        created_since: CreatedSince = None,
    ) -> WebhookDeliveryPage:
        """The organisation's webhook deliveries (each attempt: /webhooks/deliveries/{id})."""
        return await listing.webhook_deliveries(
            actor, endpoint_id, delivery_state, created_since, page_request(limit, cursor)
        )


def _version_view(version: RequirementSetVersion) -> RequirementSetVersionView:
    return RequirementSetVersionView(
        id=version.id,
        version=version.version,
        body_sha256=version.body_sha256,
        body=dict(version.body),
    )


async def _set_detail(db: AsyncSession, actor: Actor, set_id: uuid.UUID) -> RequirementSetDetail:
    found = await requirement_sets.set_of(db, actor, set_id)
    versions = await requirement_sets.versions_of(db, actor, set_id)
    return RequirementSetDetail(
        id=found.requirement_set.id,
        name=found.requirement_set.name,
        template=found.requirement_set.template,
        versions=[
            _version_view(v) for v in sorted(versions, key=lambda v: v.version, reverse=True)
        ],
    )
