"""Inviting many subcontractors onto the GC's projects at once (the bulk-invite page's CSV,
read there into rows): each row judged first without writing anything (a real address, one of
the GC's projects, one of its trades, not repeated), then each good row invited through the
invitation service, each in its own savepoint so one refusal leaves the others sent."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Project
from backend.errors import DomainError
from backend.network.actor import Actor
from backend.network.invitations import InvitationService, Issued
from backend.projects.service import ProjectService


@dataclass
class BulkRow:
    line: int
    name: str
    email: str
    trade: str
    project_number: str
    project: Project | None = None
    problem: str = ""
    outcome: str = ""
    # Where the problem is fixed, when it is fixed elsewhere in the product (a trade to add).
    fix_link: str = ""
    fix_words: str = ""


async def judge_rows(session: AsyncSession, actor: Actor, rows: list[BulkRow]) -> None:
    """Set each row's project and the first problem found, without writing anything."""
    service = ProjectService(session)
    projects = {p.number.casefold(): p for p in await service.projects(actor)}
    trades = await service.trades_of(actor, [p.id for p in projects.values()])
    seen: set[tuple[str, str]] = set()
    for row in rows:
        local, _, domain = row.email.partition("@")
        row.project = projects.get(row.project_number.casefold())
        key = (row.email.casefold(), row.project_number.casefold())
        if not local or "." not in domain or " " in row.email:
            row.problem = "The e-mail address is not one."
        elif row.project is None:
            row.problem = f"No project numbered “{row.project_number}” in your organisation."
            row.fix_link, row.fix_words = "/projects", "Your projects"
        elif (row.project.id, row.trade.casefold()) not in trades:
            row.problem = f"“{row.trade}” is not one of {row.project.number}'s trades."
            row.fix_link = f"/projects/{row.project.id}?new_trade={quote(row.trade)}#add-trade"
            row.fix_words = f"Add it to {row.project.number}"
        elif key in seen:
            row.problem = "The same address and project are on an earlier row."
        seen.add(key)


async def invite_rows(
    session: AsyncSession, actor: Actor, rows: list[BulkRow]
) -> list[tuple[BulkRow, Issued]]:
    """Invites every judged row without a problem; a refused one gets the refusal as its
    problem, a sent one its outcome. The invitations sent, with their rows (to mail)."""
    service = InvitationService(session)
    sent: list[tuple[BulkRow, Issued]] = []
    for row in rows:
        if row.problem or row.project is None:
            continue
        try:
            async with session.begin_nested():
                issued = await service.invite_sub(actor, row.project, row.email, row.trade)
        except DomainError as exc:
            row.problem = exc.message
            continue
        row.outcome = f"Invited ({issued.invitee_name})"
        sent.append((row, issued))
    return sent
