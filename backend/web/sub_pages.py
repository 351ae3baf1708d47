"""The sub bookkeeper's pages (and the broker's, for the record it was invited to): the
master record, upload with a progress bar, the side-by-side review, how far a confirmed
change reached, who depends on the record, broker and tier-2 invitations."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Document, Engagement
from backend.errors import BadInput, DomainError
from backend.network.actor import Actor
from backend.network.invitation_mail import mail_after_commit
from backend.network.invitations import (
    BROKER,
    BROKER_PURPOSE,
    STATE_WORDS,
    InvitationService,
    Issued,
)
from backend.notify.service import (
    NOTICES_PAGE,
    SUB_NOTICE_ROLES,
    NoticeDraft,
    add_notices,
    mark_all_read,
    mark_read,
    members_with_roles,
    notice_target,
    notices_for,
    sub_engagement_link,
    unread_notices,
)
from backend.projects.certificate_review import (
    ReviewWarning,
    confirm_reviewed,
    confirm_warnings,
    ensure_unconfirmed,
    review_warnings,
    strictest_certificate_age,
)
from backend.projects.verify_service import verify_engagement
from backend.records.page_images import page_png, page_sizes
from backend.records.service import RecordService
from backend.web.common import fragment, page, require_sub
from backend.web.forms import read_form, text, typed_values, whole_number
from backend.web.review import change_from_form, corrected_read_result, review_view
from backend.web.review_checks import document_state, revisions_of_documents
from backend.web.review_feedback import review_effects
from backend.web.sub_engagement import engagement_context
from backend.web.sub_views import dependants, reach_counts

log = logging.getLogger("coinet.web")
# Unread notices shown on a home page; the rest are one click away on /notices.
HOME_NOTICES: Final = 5


class SubPagesController(Controller):
    include_in_schema = False

    @get("/record")
    async def record(self, actor: Actor, db: AsyncSession, records: RecordService) -> Template:
        require_sub(actor)
        return await record_page(db, actor, records, actor.organisation_id)

    @get("/subs/{sub_id:uuid}/upload")
    async def upload_page(
        self, actor: Actor, db: AsyncSession, records: RecordService, sub_id: uuid.UUID
    ) -> Template:
        return await _upload_page(db, actor, records, sub_id, None)

    @post("/subs/{sub_id:uuid}/upload")
    async def upload(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        records: RecordService,
        state: State,
        sub_id: uuid.UUID,
    ) -> Response[Any]:
        form = await request.form()
        upload = form.get("file")
        wants_json = "application/json" in request.headers.get("accept", "")
        try:
            if not isinstance(upload, UploadFile):
                raise BadInput("Choose a file to upload.", field="file")
            content = await upload.read()
            async with db.begin_nested():
                stored = await records.upload(
                    actor, sub_id, upload.filename, upload.content_type, content
                )
        except DomainError as exc:
            if wants_json:
                raise
            # A form sent without the page's script: the upload page again, with the reason,
            # rather than the bare error page whose only way on is the start page.
            return await _upload_page(db, actor, records, sub_id, exc)
        document = stored.document
        review = f"/documents/{document.id}/review"
        # The upload's outbox event queues the read once this request commits.
        if wants_json:
            return Response(
                {"id": str(document.id), "review_url": review, "duplicate": stored.duplicate},
                status_code=200 if stored.duplicate else 201,
            )
        return Redirect(path=review)

    @get("/documents/{document_id:uuid}/review")
    async def review(
        self,
        actor: Actor,
        db: AsyncSession,
        records: RecordService,
        settings: Settings,
        state: State,
        document_id: uuid.UUID,
        poll: bool = False,
    ) -> Response[Any]:
        document = await records.readable_document(actor, document_id)
        if poll and document.read_state != "pending":
            # Read meanwhile: htmx reloads the whole page, which now shows the form.
            return Response(content="", headers={"HX-Refresh": "true"})
        if document.read_state == "pending":
            if poll:
                return fragment("sub/_reading.html", actor, document=document)
            waiting = await page(
                db,
                actor,
                "sub/review.html",
                document=document,
                view=None,
                sizes=[],
                error=None,
                values={},
                sent_by=await broker_sender(db, actor, document),
            )
            return waiting
        return await review_page(db, actor, records, settings, document, None, {})

    @get("/documents/{document_id:uuid}/pages/{page_number:int}")
    async def page_image(
        self,
        actor: Actor,
        db: AsyncSession,
        records: RecordService,
        settings: Settings,
        document_id: uuid.UUID,
        page_number: int,
    ) -> Response[bytes]:
        document = await records.readable_document(actor, document_id)
        png = page_png(records.store, document.sha256, page_number)
        return Response(
            png,
            media_type="image/png",
            headers={
                "cache-control": "private, max-age=86400, immutable",
                "x-content-type-options": "nosniff",
            },
        )

    @post("/documents/{document_id:uuid}/confirm")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        records: RecordService,
        settings: Settings,
        document_id: uuid.UUID,
    ) -> Response[Any]:
        document = await records.readable_document(actor, document_id)
        form = await read_form(request)
        warnings: list[ReviewWarning] | None = None
        try:
            async with db.begin_nested():
                await ensure_unconfirmed(records, actor, document)
                view = review_view(document.read_result, [], has_record=False)
                change = change_from_form(form, document.id, view)
                warnings = await confirm_warnings(
                    db, records, actor, document, change, date.today()
                )
                revision = await confirm_reviewed(
                    records,
                    actor,
                    document,
                    change,
                    warnings,
                    text(form, "override_reason"),
                    corrected_read_result(document.read_result, form, actor.person_id),
                )
        except DomainError as exc:
            values = typed_values(form)
            return await review_page(db, actor, records, settings, document, exc, values, warnings)
        # The app's after-response hook nudges the outbox relay once this commit is done.
        return Redirect(path=f"/revisions/{revision.id}/reach")

    @get("/revisions/{revision_id:uuid}/reach")
    async def reach(
        self,
        actor: Actor,
        db: AsyncSession,
        records: RecordService,
        revision_id: uuid.UUID,
        poll: bool = False,
    ) -> Template:
        revision = await records.revision(actor, revision_id)
        items = await dependants(db, actor, revision.sub_org_id, revision.id)
        gcs, projects = reach_counts(items)
        context: dict[str, Any] = {
            "revision": revision,
            "items": items,
            "gcs": gcs,
            "projects": projects,
            "waiting": sum(1 for i in items if i.verdict_status is None),
        }
        if poll:
            return fragment("sub/_reach.html", actor, **context)
        return await page(db, actor, "sub/reach.html", **context)

    @get("/depends")
    async def depends(self, actor: Actor, db: AsyncSession) -> Template:
        require_sub(actor)
        return await _depends_page(db, actor, None, None, None)

    @post("/depends/{engagement_id:uuid}/tier2")
    async def invite_tier2(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        settings: Settings,
        engagement_id: uuid.UUID,
    ) -> Template:
        require_sub(actor)
        form = await read_form(request)
        sent: Issued | None = None
        error: DomainError | None = None
        try:
            async with db.begin_nested():
                sent = await InvitationService(db).invite_tier2(
                    actor, engagement_id, text(form, "email"), text(form, "trade")
                )
        except DomainError as exc:
            error = exc
        response = await _depends_page(db, actor, sent, error, engagement_id)
        if sent is not None:
            response.background = mail_after_commit(
                request,
                sent.invitation.email,
                actor,
                f"as a tier-2 subcontractor ({sent.invitation.trade})",
                sent.link(settings.base_url),
            )
        return response

    @post("/project-invitations/{invitation_id:uuid}/accept")
    async def accept_project(
        self, actor: Actor, db: AsyncSession, invitation_id: uuid.UUID
    ) -> Redirect:
        require_sub(actor)
        engagement = await InvitationService(db).accept_project(actor, invitation_id)
        # The sub's existing record is judged at once, so the GC sees a verdict right away.
        await verify_engagement(db, engagement.id, None, date.today())
        await send_checklist(db, actor, engagement)
        return Redirect(path="/depends")

    @get("/join")
    async def join(self, actor: Actor, db: AsyncSession, token: str = "") -> Template | Redirect:
        """The e-mailed link of a project invitation: the signed-in sub sees what it accepts."""
        invitation = await InvitationService(db).project_invitation_for_link(actor, token)
        if invitation.invitee_org_id is None:
            # Sent to someone not in the network: that person joins first.
            return Redirect(path=f"/signup?token={token}")
        return await _depends_page(db, actor, None, None, None)

    @get("/brokers")
    async def brokers(self, actor: Actor, db: AsyncSession, records: RecordService) -> Template:
        require_sub(actor)
        return await brokers_page(db, actor, records, None, None)

    @post("/brokers")
    async def invite_broker(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        records: RecordService,
        settings: Settings,
    ) -> Template:
        require_sub(actor)
        form = await read_form(request)
        # Shown again when refused, so the agent's address and the days are not typed twice.
        typed = {name: text(form, name) for name in ("broker_org_id", "email", "days")}
        try:
            broker_id = uuid.UUID(text(form, "broker_org_id"))
        except ValueError:
            return await brokers_page(
                db,
                actor,
                records,
                BadInput("Choose the broker firm.", field="broker_org_id"),
                None,
                typed,
            )
        try:
            async with db.begin_nested():
                issued = await InvitationService(db).invite_broker(
                    actor, text(form, "email"), broker_id, whole_number(form, "days", "Days", 30)
                )
        except DomainError as exc:
            return await brokers_page(db, actor, records, exc, None, typed)
        # The link goes to the agent's mailbox only; this page shows the invitation's state.
        response = await brokers_page(db, actor, records, None, issued.invitation.email)
        response.background = mail_after_commit(
            request,
            issued.invitation.email,
            actor,
            BROKER_PURPOSE,
            issued.link(settings.base_url),
        )
        return response

    @post("/brokers/{invitation_id:uuid}/resend")
    async def resend_broker(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        records: RecordService,
        settings: Settings,
        invitation_id: uuid.UUID,
    ) -> Template:
        require_sub(actor)
        issued = await InvitationService(db).resend(actor, invitation_id, (BROKER,))
        response = await brokers_page(db, actor, records, None, issued.invitation.email)
        response.background = mail_after_commit(
            request, issued.invitation.email, actor, BROKER_PURPOSE, issued.link(settings.base_url)
        )
        return response

    @post("/brokers/{invitation_id:uuid}/revoke")
    async def revoke_broker(
        self, actor: Actor, db: AsyncSession, invitation_id: uuid.UUID
    ) -> Redirect:
        require_sub(actor)
        await InvitationService(db).revoke(actor, invitation_id, (BROKER,))
        return Redirect(path="/brokers")


async def record_page(
    db: AsyncSession, actor: Actor, records: RecordService, sub_id: uuid.UUID
) -> Template:
    record = await records.master_record(actor, sub_id)
    documents = await records.documents(actor, sub_id)
    unread, unread_total = await unread_notices(db, actor.person_id, HOME_NOTICES)
    lines: dict[str, list[Any]] = {}
    for term in record.terms:
        lines.setdefault(term.line, []).append(term)
    return await page(
        db,
        actor,
        "sub/record.html",
        record=record,
        lines=lines,
        documents=documents,
        states=await document_states(records, actor, sub_id, documents),
        open_invitations=await InvitationService(db).open_for(actor),
        today=date.today(),
        unread=unread,
        unread_total=unread_total,
    )


async def send_checklist(db: AsyncSession, actor: Actor, engagement: Engagement) -> int:
    """The moment a sub joins a project, its people get the GC's checklist: the requirements
    in plain words and what is missing today, with the link to act on each gap."""
    context = await engagement_context(db, actor, engagement)
    gaps = [g.message for g in context["gaps"]]
    body = (
        "Still needed:\n"
        + ("\n".join(f"- {g}" for g in gaps) or "- nothing today")
        + f"\n\n{context['gc'].legal_name} requires:\n"
        + "\n".join(f"- {r}" for r in context["requirements"])
    )
    people = await members_with_roles(db, {engagement.sub_org_id}, SUB_NOTICE_ROLES)
    drafts = [
        NoticeDraft(
            person,
            engagement.sub_org_id,
            engagement.id,
            "checklist",
            f"Your checklist for {context['gc'].legal_name}, {context['project'].number} "
            f"{context['project'].name}",
            body,
            link=sub_engagement_link(engagement.id),
            change_key=f"checklist:{engagement.id}",
        )
        for person in people.get(engagement.sub_org_id, [])
    ]
    return await add_notices(db, drafts)


async def document_states(
    records: RecordService, actor: Actor, sub_id: uuid.UUID, documents: list[Document]
) -> dict[uuid.UUID, tuple[str, str]]:
    """Each document's standing: being read, needs manual entry, awaiting review, confirmed
    as revision N."""
    numbers = await revisions_of_documents(records, actor, sub_id, [d.id for d in documents])
    return {d.id: document_state(d, numbers.get(d.id)) for d in documents}


async def review_page(
    db: AsyncSession,
    actor: Actor,
    records: RecordService,
    settings: Settings,
    document: Document,
    error: DomainError | None,
    values: dict[str, list[str]],
    warnings: list[ReviewWarning] | None = None,
) -> Template:
    sizes = page_sizes(records.store, document.sha256)
    record = await records.master_record(actor, document.sub_org_id)
    view = review_view(document.read_result, sizes, has_record=bool(record.terms))
    confirmed = await records.confirmed_as(actor, document)
    effects = await review_effects(db, actor, records, document, view, values, confirmed)
    if warnings is None:
        warnings = review_warnings(
            document.read_result,
            record.legal_name,
            None,
            date.today(),
            await strictest_certificate_age(db, document.sub_org_id),
            for_broker=actor.is_broker,
        )
    return await page(
        db,
        actor,
        "sub/review.html",
        document=document,
        view=view,
        sizes=sizes,
        error=error,
        values=values,
        record=record,
        review_warnings=warnings,
        confirmed=confirmed,
        feedback=effects,
        sent_by=await broker_sender(db, actor, document),
    )


async def broker_sender(db: AsyncSession, actor: Actor, document: Document) -> str:
    """The address of the sub's broker invitation a document came in under (an upload link
    or the broker's account), for the sub's own people: who sent what they now check. Empty
    for the sub's own uploads and for anyone else."""
    if document.via_invitation_id is None or not actor.is_sub:
        return ""
    for invitation in await InvitationService(db).issued(actor, (BROKER,)):
        if invitation.id == document.via_invitation_id:
            return str(invitation.email)
    return ""


async def _depends_page(
    db: AsyncSession,
    actor: Actor,
    sent: Issued | None,
    error: DomainError | None,
    error_engagement: uuid.UUID | None,
) -> Template:
    """What rests on the sub's record, with its tier-2 invitations (and the one just sent or
    refused, on the engagement it was for)."""
    return await page(
        db,
        actor,
        "sub/depends.html",
        items=await dependants(db, actor, actor.organisation_id),
        open_invitations=await InvitationService(db).open_for(actor),
        sent=sent,
        error=error,
        error_engagement=error_engagement,
    )


async def brokers_page(
    db: AsyncSession,
    actor: Actor,
    records: RecordService,
    error: DomainError | None,
    sent_to: str | None,
    typed: dict[str, str] | None = None,
) -> Template:
    invitations_sent = await InvitationService(db).issued(actor, (BROKER,))
    uploads: dict[uuid.UUID, list[Document]] = {}
    for document in await records.documents_via_invitations(
        actor, [i.id for i in invitations_sent]
    ):
        assert document.via_invitation_id is not None
        uploads.setdefault(document.via_invitation_id, []).append(document)
    brokers = await InvitationService(db).broker_firms()
    names = {o.id: o.legal_name for o in brokers}
    return await page(
        db,
        actor,
        "sub/brokers.html",
        invitations=invitations_sent,
        uploads=uploads,
        brokers=brokers,
        broker_names=names,
        error=error,
        typed=typed or {},
        sent_to=sent_to,
        states=await InvitationService(db).states(invitations_sent),
        # The words the API gives beside each state (void links: the same sentence).
        state_words=STATE_WORDS,
        now=datetime.now(UTC),
    )


class NoticesPageController(Controller):
    include_in_schema = False

    @get("/notices")
    async def notices(self, actor: Actor, db: AsyncSession, marked: int = -1) -> Template:
        return await page(
            db,
            actor,
            "notices.html",
            notices=await notices_for(db, actor.person_id),
            marked=marked,
        )

    @post("/notices/read-all")
    async def read_all(self, actor: Actor, db: AsyncSession) -> Redirect:
        marked = await mark_all_read(db, actor.person_id)
        return Redirect(path=f"/notices?marked={marked}")

    @post("/notices/{notice_id:uuid}/read")
    async def read_one(self, actor: Actor, db: AsyncSession, notice_id: uuid.UUID) -> Redirect:
        await mark_read(db, actor.person_id, notice_id)
        return Redirect(path=NOTICES_PAGE)

    @get("/notices/{notice_id:uuid}/open")
    async def open_notice(self, actor: Actor, db: AsyncSession, notice_id: uuid.UUID) -> Redirect:
        """Follow a notice to where it is acted on; following it is reading it."""
        notice = await mark_read(db, actor.person_id, notice_id)
        return Redirect(path=notice_target(notice))


async def _upload_page(
    db: AsyncSession,
    actor: Actor,
    records: RecordService,
    sub_id: uuid.UUID,
    error: DomainError | None,
) -> Template:
    sub = await records.writable_record_owner(actor, sub_id)
    documents = (await records.documents(actor, sub_id))[:10]
    return await page(
        db,
        actor,
        "sub/upload.html",
        sub=sub,
        documents=documents,
        states=await document_states(records, actor, sub_id, documents),
        error=error,
    )
