"""Notices over HTTP (each person's own) and, in development, the mail the local sink caught."""

from __future__ import annotations

import html
import ipaddress
import os
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Notice
from backend.network.actor import Actor
from backend.notify.service import mark_all_read, notice_of, notices_for

MAX_LISTED_MAIL = 200


class NoticeView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    subject: str
    body: str
    engagement_id: uuid.UUID | None
    link: str
    created_at: datetime
    read: bool
    email_state: str
    email_attempts: int
    email_last_error: str
    email_sent_at: datetime | None
    undelivered: bool


def notice_view(notice: Notice) -> NoticeView:
    return NoticeView(
        id=notice.id,
        kind=notice.kind,
        subject=notice.subject,
        body=notice.body,
        engagement_id=notice.engagement_id,
        link=notice.link,
        created_at=notice.created_at,
        read=notice.read_at is not None,
        email_state=notice.email_state,
        email_attempts=notice.email_attempts,
        email_last_error=notice.email_last_error,
        email_sent_at=notice.email_sent_at,
        undelivered=notice.email_state in ("queued", "failed") and notice.email_attempts > 0,
    )


class NoticeController(Controller):
    path = "/api/v1/notices"

    @get("/")
    async def list_notices(self, actor: Actor, db: AsyncSession) -> list[NoticeView]:
        return [notice_view(n) for n in await notices_for(db, actor.person_id)]

    @post("/read-all", status_code=200)
    async def mark_all_read(self, actor: Actor, db: AsyncSession) -> dict[str, int]:
        return {"marked": await mark_all_read(db, actor.person_id)}

    @post("/{notice_id:uuid}/read", status_code=200)
    async def mark_read(self, actor: Actor, db: AsyncSession, notice_id: uuid.UUID) -> NoticeView:
        notice = await notice_of(db, actor.person_id, notice_id)
        if notice.read_at is None:
            notice.read_at = datetime.now(UTC)
        return notice_view(notice)


def dev_mail_enabled(settings: Settings) -> bool:
    """Only in development, where the configured mail server is this machine's sink."""
    if settings.environment != "development":
        return False
    host = settings.smtp_host.strip().lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mail_dir(settings: Settings) -> Path:
    return Path(os.environ.get("MAIL_SINK_DIR", str(settings.data_dir / "mail")))


def read_mailbox(directory: Path, limit: int = MAX_LISTED_MAIL) -> list[dict[str, Any]]:
    """The sink's messages, newest first: recipients, subject, date and the text body."""
    if not directory.is_dir():
        return []
    files = sorted(directory.glob("*.eml"), reverse=True)[:limit]
    messages = []
    for path in files:
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        body_part = parsed.get_body(preferencelist=("plain",))
        body = body_part.get_content() if body_part is not None else ""
        messages.append(
            {
                "file": path.name,
                "to": str(parsed.get("X-Envelope-To") or parsed.get("To") or ""),
                "subject": str(parsed.get("Subject") or ""),
                "date": str(parsed.get("Date") or ""),
                "body": body if isinstance(body, str) else "",
            }
        )
    return messages


def _guard_dev(connection: Any, _handler: BaseRouteHandler) -> None:
    if not dev_mail_enabled(connection.app.state.settings):
        raise NotFoundException()


class DevMailController(Controller):
    """GET /dev/mail: what the development SMTP sink received (development only)."""

    path = "/dev/mail"
    guards = [_guard_dev]  # noqa: RUF012 - Litestar reads the class attribute
    include_in_schema = False

    @get("/", media_type="text/html", sync_to_thread=True)
    def page(self, settings: Settings) -> Response[str]:
        messages = read_mailbox(mail_dir(settings))
        rows = "".join(
            "<article class='mail'><h2>{subject}</h2><p><b>To:</b> {to} <b>Date:</b> {date}"
            "</p><pre>{body}</pre></article>".format(
                **{key: html.escape(str(value)) for key, value in message.items()}
            )
            for message in messages
        )
        empty = "<p>No mail received yet.</p>" if not messages else ""
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Development mail</title><link rel='stylesheet' href='/static/app.css'>"
            f"</head><body><main><h1>Mail caught by the development sink</h1>{empty}{rows}"
            "</main></body></html>"
        )
        return Response(page, media_type="text/html")

    @get("/messages", sync_to_thread=True)
    def messages(self, settings: Settings) -> list[dict[str, Any]]:
        return read_mailbox(mail_dir(settings))
