"""The sub's (and its broker's) page of one engagement: the GC's requirements in plain words,
what is still missing or about to lapse, the GC's decisions with their reasons, and an action
beside each gap: upload, forward the gaps to a broker by e-mail, or dispute with the GC."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Decision, Engagement
from backend.errors import DomainError, Forbidden, NotFound
from backend.network.actor import Actor
from backend.network.invitations import InvitationService
from backend.notify.decision_notices import check_in_words
from backend.projects.engagement_messages import DISPUTE, post_message
from backend.projects.engine_input import expiring_window_days
from backend.projects.service import ProjectService
from backend.projects.sweep import latest_verdicts
from backend.verification.messages import addressed_to_broker
from backend.web.common import page
from backend.web.engagement_pages import DECISION_LABEL
from backend.web.forms import FormData, read_form, text
from backend.web.requirement_words import plain_requirements
from backend.web.sub_views import open_needs, open_warnings

# Decisions shown to the sub, newest first; older ones stay in the GC's history.
SHOWN_DECISIONS: Final = 20
SUB_ENGAGEMENT_PAGE: Final = "sub/engagement.html"


@dataclass(frozen=True)
class Gap:
    code: str
    line: str | None
    message: str
    blocking: bool


def gaps_of(checks: list[dict[str, Any]]) -> list[Gap]:
    """Every check neither passed nor waived: blocking ones first, then the warnings (an
    expiry inside the GC's window is one: it is not "nothing")."""
    found = [
        Gap(
            code=str(c.get("code")),
            line=c.get("line"),
            message=str(c.get("message") or c.get("code")),
            blocking=c.get("severity") == "blocking",
        )
        for c in open_needs(checks) + open_warnings(checks)
    ]
    return sorted(found, key=lambda g: not g.blocking)


async def sub_engagement(db: AsyncSession, actor: Actor, engagement_id: uuid.UUID) -> Engagement:
    if not (actor.is_sub or actor.is_broker):
        raise Forbidden("This page is for the subcontractor and its brokers.")
    engagement = await ProjectService(db).visible_engagement(actor, engagement_id)
    if engagement is None:
        raise NotFound("No such engagement of yours.")
    return engagement


async def engagement_context(
    db: AsyncSession, actor: Actor, engagement: Engagement
) -> dict[str, Any]:
    sides = await ProjectService(db).engagement_sides(actor, engagement.id)
    project, gc, sub, body = sides.project, sides.gc, sides.sub, sides.requirements
    holder = str(body.get("certificate_holder_name") or project.certificate_holder or "")
    requirements = plain_requirements(body, holder)
    if project.additional_insureds:
        requirements.append(
            "Additional insureds named for this project: "
            + ", ".join(project.additional_insureds)
            + "."
        )
    latest = (await latest_verdicts(db, [engagement.id])).get(engagement.id)
    gaps = gaps_of(list(latest[0].checks)) if latest else []
    days_left = (engagement.expires_on - date.today()).days if engagement.expires_on else None
    window = expiring_window_days(gc.settings)
    decisions, messages = await ProjectService(db).decisions_and_messages(
        actor, engagement.id, SHOWN_DECISIONS
    )
    return {
        "engagement": engagement,
        "project": project,
        "gc": gc,
        "sub": sub,
        "requirements": requirements,
        "checked": latest is not None,
        "gaps": gaps,
        "days_left": days_left,
        "expiring_soon": days_left is not None and days_left <= window,
        "decisions": decisions,
        "measure_stands": measure_stands(engagement, decisions),
        "decision_label": DECISION_LABEL,
        "check_words": check_in_words,
        "messages": messages,
        "brokers": await broker_addresses(db, actor, engagement.sub_org_id),
    }


def measure_stands(engagement: Engagement, newest_first: list[Decision]) -> bool:
    """Whether the GC holds something against the sub that the sub may want to contest even
    when its record meets every requirement (a hold placed on a compliant record is exactly
    the case a dispute is for): a pay hold, a work stop, or a rejection as the last word."""
    rejected = bool(newest_first) and newest_first[0].kind == "reject"
    return engagement.pay_hold or engagement.work_stopped or rejected


async def broker_addresses(db: AsyncSession, actor: Actor, sub_org_id: uuid.UUID) -> list[str]:
    """The e-mail addresses the sub invited as brokers and has not revoked (for the sub's own
    people only: a broker does not see the others)."""
    if not actor.is_sub or sub_org_id != actor.organisation_id:
        return []
    return await InvitationService(db).broker_addresses(actor)


def forward_text(
    context: dict[str, Any], note: str, sender: str, how: list[str]
) -> tuple[str, str]:
    """(subject, body) of the e-mail a sub sends its broker: the exact gaps and the GC's
    requirements, so the broker can issue what is needed without asking, and `how` (lines)
    the broker sends it back through the product (an upload link, the page to sign in to)."""
    project, gc, sub = context["project"], context["gc"], context["sub"]
    subject = f"{sub.legal_name}: insurance needed for {gc.legal_name}, {project.number}"
    lines = [
        "Hello,",
        "",
        f"{sender} at {sub.legal_name} forwards what {gc.legal_name} still needs for project "
        f"{project.number} {project.name}.",
    ]
    if note:
        lines += ["", note]
    lines += ["", "Still missing or about to lapse:"]
    # The mail goes to the broker: the gaps are addressed to it, not "Ask your broker".
    gaps = [f"- {addressed_to_broker(g.message)}" for g in context["gaps"]]
    lines += gaps or ["- nothing is failing today"]
    if context["days_left"] is not None:
        lines.append(
            f"- coverage on record ends {context['engagement'].expires_on.isoformat()} "
            f"({context['days_left']} days)"
        )
    lines += ["", f"{gc.legal_name}'s requirements:"]
    lines += [f"- {r}" for r in context["requirements"]]
    lines += ["", *how]
    return subject, "\n".join(lines)


async def sub_engagement_page(
    db: AsyncSession,
    actor: Actor,
    context: dict[str, Any],
    refusal: DomainError | None = None,
    typed: FormData | None = None,
    done: str = "",
) -> Template:
    """The sub's page of one engagement (context: engagement_context); after a refused form,
    shown again under the refusal's status with what was typed."""
    return await page(
        db,
        actor,
        SUB_ENGAGEMENT_PAGE,
        error=refusal,
        done=done,
        values=typed if typed is not None else {},
        **context,
    )


class SubEngagementController(Controller):
    include_in_schema = False

    @get("/my/engagements/{engagement_id:uuid}")
    async def show(
        self, actor: Actor, db: AsyncSession, engagement_id: uuid.UUID, done: str = ""
    ) -> Template:
        engagement = await sub_engagement(db, actor, engagement_id)
        context = await engagement_context(db, actor, engagement)
        return await sub_engagement_page(db, actor, context, done=done)

    @post("/my/engagements/{engagement_id:uuid}/dispute")
    async def dispute(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        engagement_id: uuid.UUID,
    ) -> Template | Redirect:
        engagement = await sub_engagement(db, actor, engagement_id)
        form = await read_form(request)
        try:
            async with db.begin_nested():
                await post_message(
                    db,
                    actor,
                    engagement,
                    DISPUTE,
                    text(form, "check_code"),
                    text(form, "message"),
                )
        except DomainError as exc:
            context = await engagement_context(db, actor, engagement)
            return await sub_engagement_page(db, actor, context, exc, form)
        return Redirect(path=f"/my/engagements/{engagement_id}?done=disputed#messages")
