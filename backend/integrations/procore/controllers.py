"""The Procore connection over HTTP: /api/v1/integrations/procore/... for a GC's admins, and the
endpoint Procore's webhooks call (authenticated by the static header chosen at connection)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import ProcoreConnection
from backend.errors import BadInput, NotAuthenticated, NotFound
from backend.integrations.procore import mapping
from backend.integrations.procore.commitments import (
    ImportReport,
    check_default_trade,
    import_commitments,
)
from backend.integrations.procore.connection import (
    connect,
    connection_of,
    hook_connection,
    hook_token_matches,
    insurance_syncs,
    manage,
    revoke,
)
from backend.integrations.procore.inbound import EVENT_TYPES, ProcoreEvent
from backend.integrations.procore.push_queue import queue_push_all
from backend.network.actor import Actor
from backend.network.invitation_mail import project_mail_after_commit

# A Procore event is a few hundred bytes of ids; a body far larger is not one.
MAX_HOOK_BODY_BYTES: Final = 64 * 1024


class ConnectInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A Developer Managed Service Account's credentials (client-credentials grant)."""

    company_id: Annotated[int, msgspec.Meta(examples=[562949953421312])]
    client_id: Annotated[str, msgspec.Meta(examples=["a1b2c3d4e5f6..."])]
    client_secret: Annotated[str, msgspec.Meta(examples=["f6e5d4c3b2a1..."])]


class ConnectionView(msgspec.Struct, kw_only=True):
    company_id: int
    client_id: str
    connected: bool
    revoked_at: datetime | None
    last_reconciled_at: datetime | None
    last_error: str
    webhook_url: str
    webhook_authorization: str | None = None


class VendorConfirm(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    sub_org_id: Annotated[
        uuid.UUID | None,
        msgspec.Meta(
            description="Another sub the GC engages; none: confirm the suggestion.",
            examples=["8c4e2a1f-3b5d-4f7a-9e0c-1d2b3a4c5e6f"],
        ),
    ] = None


class VendorInviteInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The linked project to invite the vendor onto (for its open commitment there)."""

    project_id: Annotated[
        uuid.UUID, msgspec.Meta(examples=["3f1c2a9e-5b7d-4c1e-9a0b-2d4e6f8a1b3c"])
    ]


class CommitmentImportInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Which linked project to import (none: every linked project), and the trade a commitment
    whose title names none of the project's trades is held to."""

    project_id: Annotated[
        uuid.UUID | None, msgspec.Meta(examples=["3f1c2a9e-5b7d-4c1e-9a0b-2d4e6f8a1b3c"])
    ] = None
    default_trade: Annotated[str | None, msgspec.Meta(examples=["Electrical"])] = None


class ProjectLinkInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    project_id: Annotated[
        uuid.UUID, msgspec.Meta(examples=["3f1c2a9e-5b7d-4c1e-9a0b-2d4e6f8a1b3c"])
    ]
    procore_project_id: Annotated[int, msgspec.Meta(examples=[598134325870431])]


def hook_url(settings: Settings, connection: ProcoreConnection) -> str:
    return f"{settings.base_url.rstrip('/')}/api/v1/integrations/procore/hooks/{connection.id}"


def connection_view(
    settings: Settings, connection: ProcoreConnection, hook_token: str | None = None
) -> ConnectionView:
    return ConnectionView(
        company_id=connection.company_id,
        client_id=connection.client_id,
        connected=connection.revoked_at is None,
        revoked_at=connection.revoked_at,
        last_reconciled_at=connection.last_reconciled_at,
        last_error=connection.last_error,
        webhook_url=hook_url(settings, connection),
        webhook_authorization=hook_token,
    )


async def enqueue(redis: Any, job: str, *args: Any) -> None:
    try:
        await redis.enqueue_job(job, *args)
    except Exception:  # Redis down: the nightly reconciliation runs anyway
        return


def write_back_after(request: Request[Any, Any, Any], actor: Actor) -> BackgroundTask:
    """After the response (the request's transaction committed): write what became writable."""
    return BackgroundTask(queue_push_all, request.app.state.redis, str(actor.organisation_id))


class ProcoreController(Controller):
    path = "/api/v1/integrations/procore"

    @put("/connection")
    async def connect(
        self, actor: Actor, db: AsyncSession, settings: Settings, data: ConnectInput
    ) -> ConnectionView:
        """Connect a service account (client credentials). The answer shows once the value
        Procore's webhooks must send as their Authorization header."""
        connection, hook_token = await connect(
            db, settings, actor, data.company_id, data.client_id, data.client_secret
        )
        return connection_view(settings, connection, f"Bearer {hook_token}")

    @get("/connection")
    async def show(self, actor: Actor, db: AsyncSession, settings: Settings) -> ConnectionView:
        manage(actor)
        return connection_view(settings, await connection_of(db, actor.organisation_id))

    @delete("/connection", status_code=200)
    async def revoke(self, actor: Actor, db: AsyncSession, settings: Settings) -> ConnectionView:
        return connection_view(settings, await revoke(db, actor))

    @post("/vendors/refresh", status_code=200)
    async def refresh(self, actor: Actor, db: AsyncSession, settings: Settings) -> dict[str, int]:
        """`vendors` read; `not_looked_up`: vendors not yet looked up on the network (by exact
        legal name and tax id) because the hourly look-up budget ran out: refresh later."""
        done = await mapping.refresh_vendors(db, settings, actor)
        return {"vendors": done.read, "not_looked_up": done.deferred}

    @get("/vendors")
    async def vendors(self, actor: Actor, db: AsyncSession) -> list[dict[str, Any]]:
        return [
            {
                "procore_vendor_id": link.procore_vendor_id,
                "vendor_name": link.vendor_name,
                "sub_org_id": str(link.sub_org_id) if link.sub_org_id else None,
                "state": link.state,
                "match_reason": link.match_reason,
            }
            for link in await mapping.vendor_links(db, actor)
        ]

    @post("/vendors/{vendor_id:int}/confirm", status_code=200)
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        vendor_id: int,
        data: VendorConfirm | None = None,
    ) -> Response[dict[str, Any]]:
        """Confirm the suggested sub (or another the GC engages); the sub's engagements on
        linked projects are then written to Procore without waiting for a change."""
        link = await mapping.confirm_vendor(
            db, actor, vendor_id, data.sub_org_id if data is not None else None
        )
        return Response(
            {"procore_vendor_id": link.procore_vendor_id, "state": link.state},
            background=write_back_after(request, actor),
        )

    @post("/vendors/{vendor_id:int}/invite", status_code=201)
    async def invite(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        vendor_id: int,
        data: VendorInviteInput,
    ) -> Response[dict[str, Any]]:
        """Invite this vendor, as the Procore settings page does: the project invitation to
        the vendor's e-mail address in Procore, for its open commitment on the linked project
        (e-mailed after the request commits; the link is never in the answer). Once the sub
        accepts, the next import confirms the vendor and attaches the contract."""
        project, issued = await mapping.invite_vendor(
            db, settings, actor, vendor_id, data.project_id
        )
        invitation = issued.invitation
        return Response(
            {
                "procore_vendor_id": vendor_id,
                "invitation_id": str(invitation.id),
                "email": invitation.email,
                "trade": invitation.trade,
                "contract_ref": invitation.contract_ref,
            },
            status_code=201,
            background=project_mail_after_commit(
                request, actor, project, issued, settings.base_url
            ),
        )

    @post("/vendors/{vendor_id:int}/reject", status_code=200)
    async def reject(self, actor: Actor, db: AsyncSession, vendor_id: int) -> dict[str, Any]:
        link = await mapping.reject_vendor(db, actor, vendor_id)
        return {"procore_vendor_id": link.procore_vendor_id, "state": link.state}

    @get("/projects")
    async def projects(self, actor: Actor, db: AsyncSession) -> list[dict[str, Any]]:
        return [
            {"project_id": str(link.project_id), "procore_project_id": link.procore_project_id}
            for link in await mapping.project_links(db, actor)
        ]

    @post("/projects", status_code=201)
    async def link_project(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        data: ProjectLinkInput,
    ) -> Response[dict[str, Any]]:
        """Link a project; its engagements with confirmed vendors are then written."""
        link = await mapping.link_project(
            db, settings, actor, data.project_id, data.procore_project_id
        )
        return Response(
            {"project_id": str(link.project_id), "procore_project_id": link.procore_project_id},
            status_code=201,
            background=write_back_after(request, actor),
        )

    @post("/commitments/import", status_code=200)
    async def import_commitments(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        data: CommitmentImportInput | None = None,
    ) -> Response[ImportReport]:
        """Read the subcontracts and purchase orders of linked Procore projects and make (or
        update) one engagement per commitment; what was skipped says why. Every contract is
        then written to Procore (those already there and unchanged are not sent again)."""
        wanted = data or CommitmentImportInput()
        report = await import_commitments(
            db,
            settings,
            actor,
            wanted.project_id,
            check_default_trade(wanted.default_trade),
        )
        return Response(report, background=write_back_after(request, actor))

    @post("/reconcile", status_code=202)
    async def reconcile(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession
    ) -> Response[dict[str, str]]:
        manage(actor)
        await connection_of(db, actor.organisation_id)
        return Response(
            {"queued": "procore_reconcile"},
            status_code=202,
            background=BackgroundTask(
                enqueue, request.app.state.redis, "procore_reconcile", str(actor.organisation_id)
            ),
        )

    @get("/sync")
    async def sync_state(
        self,
        actor: Actor,
        db: AsyncSession,
        sync_state: Annotated[str | None, Parameter(query="state")] = None,
    ) -> list[dict[str, Any]]:
        """Every insurance record we write, with its state; "locked" and "failed" say why."""
        rows = await insurance_syncs(db, actor, sync_state)
        return [
            {
                "engagement_id": str(row.engagement_id),
                "line": row.line,
                "origin_id": row.origin_id,
                "procore_vendor_id": row.procore_vendor_id,
                "procore_insurance_id": row.procore_insurance_id,
                "status_sent": row.status_sent,
                "state": row.state,
                "last_error": row.last_error,
                "synced_at": row.synced_at.isoformat() if row.synced_at else None,
            }
            for row in rows
        ]

    @post("/hooks/{connection_id:uuid}", status_code=202, request_max_body_size=MAX_HOOK_BODY_BYTES)
    async def hook(
        self, request: Request[Any, Any, Any], db: AsyncSession, connection_id: uuid.UUID
    ) -> Response[dict[str, str]]:
        """Procore's webhook: a hint to read the resource again, never data."""
        connection = await hook_connection(db, connection_id)
        presented = request.headers.get("authorization", "")
        presented = presented[7:] if presented.lower().startswith("bearer ") else presented
        if connection is None or not hook_token_matches(connection, presented):
            raise NotAuthenticated("Unknown hook or wrong Authorization header.")
        try:
            event = msgspec.json.decode(await request.body(), type=ProcoreEvent)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise BadInput(f"Not a Procore event: {exc}") from exc
        if connection.company_id != event.company_id and event.company_id is not None:
            raise NotFound("This hook is for another company.")
        if event.event_type not in EVENT_TYPES:
            raise BadInput(f"event_type must be one of {', '.join(EVENT_TYPES)}.")
        # Only what names the resource goes on: the rest of the body is never used.
        hint = {
            "company_id": event.company_id,
            "project_id": event.project_id,
            "event_type": event.event_type,
            "resource_name": event.resource_name,
            "resource_id": event.resource_id,
        }
        return Response(
            {"queued": "re-read"},
            status_code=202,
            background=BackgroundTask(
                enqueue, request.app.state.redis, "procore_hook", str(connection.id), hint
            ),
        )
