"""Inviting many subcontractors at once from a CSV (name, email, trade, project): this page
reads the CSV into rows and shows a preview with each row's problem beside it; judging the
rows and sending the good ones are projects/bulk_invitations.py's."""

from __future__ import annotations

import csv
import io
from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask, BackgroundTasks
from litestar.datastructures import UploadFile
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.errors import BadInput, DomainError
from backend.network.access import require
from backend.network.actor import Actor
from backend.network.invitation_mail import project_mail_after_commit
from backend.projects.bulk_invitations import BulkRow, invite_rows, judge_rows
from backend.web.common import page, require_gc

# One office's list of subs for a season; a longer list is sent in parts.
MAX_ROWS: Final = 200
# The CSV itself: 200 rows of four short columns fit in far less.
MAX_CSV_BYTES: Final = 256 * 1024
COLUMNS: Final = ("name", "email", "trade", "project")


def parse_rows(text: str) -> list[BulkRow]:
    """The CSV's rows, with a header naming the four columns (any order, any case)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower().replace("e-mail", "email") for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BadInput(
            f"The first line must name the columns {', '.join(COLUMNS)}; missing: "
            f"{', '.join(missing)}.",
            field="csv",
        )
    at = {c: header.index(c) for c in COLUMNS}
    rows: list[BulkRow] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise BadInput(f"At most {MAX_ROWS} rows at a time; send the rest after.", field="csv")

        def cell(column: str, cells: list[str] = cells) -> str:
            index = at[column]
            return cells[index].strip() if index < len(cells) else ""

        rows.append(BulkRow(number, cell("name"), cell("email"), cell("trade"), cell("project")))
    if not rows:
        raise BadInput("The file has a header but no rows.", field="csv")
    return rows


class BulkInviteController(Controller):
    include_in_schema = False

    @get("/invitations/bulk")
    async def form(self, actor: Actor, db: AsyncSession) -> Template:
        require_gc(actor)
        return await _page(db, actor, "", [], None, sent=False)

    @post("/invitations/bulk")
    async def preview_or_send(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, settings: Settings
    ) -> Template:
        require_gc(actor)
        require(actor, "project.write")
        form = await request.form()
        upload = form.get("file")
        text = str(form.get("csv") or "")
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read()
            if len(data) > MAX_CSV_BYTES:
                error = BadInput("The file is larger than a list of invitations.", field="file")
                return await _page(db, actor, "", [], error, sent=False)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                error = BadInput("Save the list as a UTF-8 CSV file.", field="file")
                return await _page(db, actor, "", [], error, sent=False)
        try:
            rows = parse_rows(text)
        except DomainError as exc:
            return await _page(db, actor, text, [], exc, sent=False)
        await judge_rows(db, actor, rows)
        if form.get("action") != "send":
            return await _page(db, actor, text, rows, None, sent=False)
        mails: list[BackgroundTask] = [
            project_mail_after_commit(request, actor, project, issued, settings.base_url)
            for row, issued in await invite_rows(db, actor, rows)
            if (project := row.project) is not None
        ]
        response = await _page(db, actor, text, rows, None, sent=True)
        response.background = BackgroundTasks(mails) if mails else None
        return response


async def _page(
    db: AsyncSession,
    actor: Actor,
    text: str,
    rows: list[BulkRow],
    error: DomainError | None,
    *,
    sent: bool,
) -> Template:
    return await page(
        db,
        actor,
        "gc/bulk_invite.html",
        csv_text=text,
        rows=rows,
        error=error,
        sent=sent,
        good=sum(1 for r in rows if not r.problem),
        max_rows=MAX_ROWS,
        columns=COLUMNS,
    )
