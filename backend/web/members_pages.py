"""The acting organisation's members, and ending a membership (its admins)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import DomainError
from backend.network.actor import Actor
from backend.network.members import MemberService
from backend.web.common import page


class MembersPagesController(Controller):
    include_in_schema = False

    @get("/members")
    async def members(self, actor: Actor, db: AsyncSession, ended: str = "") -> Template:
        return await members_page(db, actor, None, ended)

    @post("/members/{membership_id:uuid}/end")
    async def end_membership(
        self, actor: Actor, db: AsyncSession, membership_id: uuid.UUID
    ) -> Template | Redirect:
        try:
            async with db.begin_nested():
                await MemberService(db).end(actor, membership_id)
        except DomainError as exc:
            return await members_page(db, actor, exc, "")
        return Redirect(path="/members?ended=1")


async def members_page(
    db: AsyncSession, actor: Actor, error: DomainError | None, ended: str
) -> Template:
    service = MemberService(db)
    members = await service.members(actor)
    return await page(
        db,
        actor,
        "members/page.html",
        members=members,
        admins=sum(1 for m in members if m.is_admin),
        may_end=service.may_end(actor),
        error=error,
        ended="Membership ended." if ended else "",
    )
