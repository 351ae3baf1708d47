"""Projects and engagements over HTTP."""

from __future__ import annotations

import uuid
from datetime import date

from litestar import Controller, get, post

from backend.network.actor import Actor
from backend.projects.schemas import EngagementRow, ProjectInput, ProjectView
from backend.projects.service import ProjectService, project_view


class ProjectController(Controller):
    path = "/api/v1"

    @get("/projects")
    async def list_projects(self, actor: Actor, projects: ProjectService) -> list[ProjectView]:
        return [project_view(p) for p in await projects.projects(actor)]

    @post("/projects", status_code=201)
    async def create_project(
        self, actor: Actor, projects: ProjectService, data: ProjectInput
    ) -> ProjectView:
        return project_view(await projects.create_project(actor, data))

    @get("/projects/{project_id:uuid}")
    async def get_project(
        self, actor: Actor, projects: ProjectService, project_id: uuid.UUID
    ) -> ProjectView:
        return project_view(await projects.project(actor, project_id))

    @get("/engagements")
    async def list_engagements(
        self,
        actor: Actor,
        projects: ProjectService,
        project_id: uuid.UUID | None = None,
        status: str | None = None,
    ) -> list[EngagementRow]:
        return await projects.engagements(actor, date.today(), project_id, status)

    @get("/engagements/{engagement_id:uuid}")
    async def get_engagement(
        self, actor: Actor, projects: ProjectService, engagement_id: uuid.UUID
    ) -> EngagementRow:
        return await projects.engagement(actor, engagement_id, date.today())
