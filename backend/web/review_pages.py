"""The review page's look ahead, asked again as the person edits the form: what confirming it
as it now stands would do to each engagement. Answers htmx with the fragment, a browser without
script with the whole review page; writes nothing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Controller, Request, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.network.actor import Actor
from backend.records.page_images import page_sizes
from backend.records.service import RecordService
from backend.web.common import fragment, is_htmx
from backend.web.forms import read_form, typed_values
from backend.web.review import review_view
from backend.web.review_feedback import feedback_for_form
from backend.web.sub_pages import review_page


class ReviewPreviewController(Controller):
    include_in_schema = False

    @post("/documents/{document_id:uuid}/preview")
    async def preview(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        records: RecordService,
        settings: Settings,
        document_id: uuid.UUID,
    ) -> Template:
        document = await records.document_to_confirm(actor, document_id)
        form = await read_form(request)
        values = typed_values(form)
        if not is_htmx(request) or document.read_state == "pending":
            return await review_page(db, actor, records, settings, document, None, values)
        if await records.confirmed_as(actor, document) is not None:
            return fragment("sub/_feedback.html", actor, feedback=None, document=document)
        sizes = page_sizes(records.store, document.sha256)
        view = review_view(document.read_result, sizes, has_record=True)
        result = await feedback_for_form(db, actor, records, document, view, values, date.today())
        return fragment("sub/_feedback.html", actor, feedback=result, document=document)
