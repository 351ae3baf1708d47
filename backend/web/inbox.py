"""The GC's inbox: every engagement whose sub's record changed since the GC last approved or
rejected it, in one queue, with what changed (old and new values side by side) and, for the
renewals with nothing failing, approval in bulk with one stated reason."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import DomainError
from backend.network.access import allowed, require
from backend.network.actor import Actor
from backend.notify.decision_notices import check_in_words
from backend.projects.decisions import approve_together
from backend.projects.service import ProjectService
from backend.web.common import page, require_gc
from backend.web.forms import read_form, text

# A queue longer than this is shown in pages of it, oldest first: the oldest wait longest.
INBOX_PAGE: Final = 200
# Changed values listed per engagement; the engagement's page shows every check.
SHOWN_CHANGES: Final = 12


@dataclass
class Change:
    check: str
    line: str | None
    before: object
    after: object
    outcome_before: str
    outcome_after: str


@dataclass
class InboxItem:
    engagement_id: uuid.UUID
    sub_name: str
    project: str
    revision_number: int | None
    revision_kind: str
    checked_at: datetime
    status_before: str | None
    status_after: str
    failing: list[str]
    changes: list[Change] = field(default_factory=list)

    @property
    def approvable(self) -> bool:
        """Nothing blocking open: Approve would succeed."""
        return not self.failing


def _failing(checks: list[dict[str, Any]]) -> list[str]:
    return [
        str(c.get("code"))
        for c in checks
        if c.get("severity") == "blocking" and c.get("outcome") in ("fail", "unknown")
    ]


def _changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[Change]:
    old = {(c.get("code"), c.get("line")): c for c in before}
    found: list[Change] = []
    for check in after:
        key = (check.get("code"), check.get("line"))
        previous = old.get(key)
        was = previous.get("found") if previous else None
        # "" when the check was not judged before (a first certificate): said so in words.
        outcome_was = str(previous.get("outcome")) if previous else ""
        if previous is not None and was == check.get("found"):
            if outcome_was == check.get("outcome"):
                continue
        found.append(
            Change(
                check=str(check.get("code")),
                line=check.get("line"),
                before=was,
                after=check.get("found"),
                outcome_before=outcome_was,
                outcome_after=str(check.get("outcome")),
            )
        )
    return found


async def inbox_items(db: AsyncSession, actor: Actor) -> list[InboxItem]:
    """Engagements of the actor's GC whose newest verdict (on a record revision) came after
    the GC's last approve or reject, oldest first."""
    rows, previous = await ProjectService(db).inbox(actor, INBOX_PAGE)
    items = []
    for verdict, engagement, project, sub_name, revision in rows:
        before = previous.get(engagement.id)
        items.append(
            InboxItem(
                engagement_id=engagement.id,
                sub_name=sub_name,
                project=f"{project.number} {project.name} · {engagement.contract_label}",
                revision_number=revision.number,
                revision_kind=revision.kind,
                checked_at=verdict.created_at,
                status_before=before.status if before else None,
                status_after=verdict.status,
                failing=_failing(list(verdict.checks)),
                changes=_changes(list(before.checks) if before else [], list(verdict.checks))[
                    :SHOWN_CHANGES
                ],
            )
        )
    return items


class InboxController(Controller):
    include_in_schema = False

    @get("/inbox")
    async def inbox(self, actor: Actor, db: AsyncSession, approved: int = -1) -> Template:
        require_gc(actor)
        return await _inbox_page(db, actor, None, approved, [])

    @post("/inbox/approve")
    async def approve_many(
        self, request: Request[Any, Any, Any], actor: Actor, db: AsyncSession
    ) -> Response[Any]:
        """Approve the chosen engagements with one reason. Each must still have nothing
        blocking open; one that does is left in the queue and named, the others approved."""
        require_gc(actor)
        require(actor, "engagement.decide")
        form = await read_form(request)
        names = {
            i.engagement_id: f"{i.sub_name} on {i.project}" for i in await inbox_items(db, actor)
        }
        try:
            done = await approve_together(
                db,
                actor,
                [v for v in form.get("engagement", []) if v],
                text(form, "reason"),
                date.today(),
            )
        except DomainError as exc:
            return await _inbox_page(db, actor, exc, -1, [])
        approved = done.approved
        refused = [
            f"{names[engagement_id]}: {why}" if engagement_id in names else why
            for engagement_id, why in done.refused
        ]
        if refused:
            return await _inbox_page(db, actor, None, approved, refused)
        return Redirect(path=f"/inbox?approved={approved}")


async def _inbox_page(
    db: AsyncSession,
    actor: Actor,
    error: DomainError | None,
    approved: int,
    refused: list[str],
) -> Template:
    items = await inbox_items(db, actor)
    return await page(
        db,
        actor,
        "gc/inbox.html",
        items=items,
        error=error,
        approved=approved,
        refused=refused,
        may_decide=allowed(actor, "engagement.decide"),
        limit=INBOX_PAGE,
        check_words=check_in_words,
    )
