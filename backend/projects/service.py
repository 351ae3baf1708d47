"""GC projects and the engagements on them."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import msgspec
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Decision,
    Engagement,
    EngagementMessage,
    Organisation,
    Project,
    ProjectTrade,
    RecordRevision,
    RequirementSet,
    Verdict,
)
from backend.db.models.document import Document
from backend.db.models.vocab import CONTRACT_KINDS, DECISION_KINDS, ENGAGEMENT_STATUSES
from backend.db.models.webhook_delivery import DELIVERY_STATES
from backend.errors import BadInput, Conflict, NotFound
from backend.network.access import (
    can_write_record,
    engagement_scope,
    record_read_scope,
    require,
)
from backend.network.actor import Actor
from backend.paging import PageRequest, since, split
from backend.projects import requirement_sets
from backend.projects.repository import EngagementFilter, ListingRepository, ProjectRepository
from backend.projects.schemas import (
    DecisionPage,
    DecisionRow,
    DocumentPage,
    DocumentRow,
    EngagementPage,
    EngagementRow,
    HoldPage,
    HoldRow,
    ProjectCreateInput,
    ProjectDetail,
    ProjectInput,
    ProjectPage,
    ProjectTradeView,
    ProjectView,
    RequirementSetPage,
    RequirementSetRow,
    WebhookDeliveryPage,
    WebhookDeliveryRow,
)

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)


# How a trade's requirements name a tier template rather than one of the GC's sets: the copy
# is made on first use (requirement_sets.from_template).
TEMPLATE_CHOICE: Final = "template:"
# A trade's name is stored in an 80-character column (project_trades, engagements, invitations).
MAX_TRADE_CHARS: Final = 80


@dataclass(frozen=True)
class TradeMapping:
    """One trade of a new project and the requirements it is held to: the id (as text) of
    one of the GC's requirement sets, or TEMPLATE_CHOICE + a tier for that tier's template.
    A blank trade is a row left empty."""

    trade: str
    requirements: str


@dataclass(frozen=True)
class EngagementSides:
    """Who and what an engagement joins: its project, GC and sub, and the requirement body
    (the pinned version's) it is judged against."""

    project: Project
    gc: Organisation
    sub: Organisation
    requirements: dict[str, Any]


def project_view(project: Project) -> ProjectView:
    return ProjectView(
        id=project.id,
        number=project.number,
        name=project.name,
        state=project.state,
        start_date=project.start_date,
        end_date=project.end_date,
        closeout_days=project.closeout_days,
        certificate_holder=project.certificate_holder,
        additional_insureds=list(project.additional_insureds),
        flowdown_required=project.flowdown_required,
    )


def engagement_row(
    engagement: Engagement, project: Project, sub: Organisation, today: date
) -> EngagementRow:
    days = (engagement.expires_on - today).days if engagement.expires_on else None
    return EngagementRow(
        id=engagement.id,
        project_id=project.id,
        project_number=project.number,
        project_name=project.name,
        sub_org_id=sub.id,
        sub_name=sub.legal_name,
        trade=engagement.trade,
        contract_ref=engagement.contract_ref,
        contract_label=engagement.contract_label,
        contract_kind=engagement.contract_kind,
        contract_title=engagement.contract_title,
        procore_commitment_id=engagement.procore_commitment_id,
        contract_start=engagement.contract_start,
        contract_end=engagement.contract_end,
        status=engagement.status,
        expires_on=engagement.expires_on,
        days_to_expiry=days,
        tier=2 if engagement.parent_engagement_id else 1,
        parent_engagement_id=engagement.parent_engagement_id,
        pay_hold=engagement.pay_hold,
    )


class ProjectService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = ProjectRepository(session)

    async def engaging_gc_settings(self, sub_org_id: uuid.UUID) -> list[tuple[str, Any]]:
        """(name, settings) of every GC with an active engagement of the sub: what the sub's
        own pages apply of its GCs' rules (the caller acts for the sub or may see its record)."""
        return await self.repo.engaging_gc_settings(sub_org_id)

    async def projects(self, actor: Actor) -> list[Project]:
        require(actor, "project.read")
        return await self.repo.projects_of(actor.organisation_id)

    async def project(self, actor: Actor, project_id: uuid.UUID) -> Project:
        require(actor, "project.read")
        project = await self.repo.project_of(actor.organisation_id, project_id)
        if project is None:
            raise NotFound("No such project in your organisation.")
        return project

    async def trades_of(
        self, actor: Actor, project_ids: Collection[uuid.UUID]
    ) -> set[tuple[uuid.UUID, str]]:
        """(project id, lower-case trade) of these projects of the actor's GC."""
        require(actor, "project.read")
        if not project_ids:
            return set()
        return await self.repo.trades_of(actor.organisation_id, project_ids)

    async def project_trades(self, actor: Actor) -> list[tuple[Project, str]]:
        """Every (project, trade) of the actor's GC: what a sub can be invited onto."""
        require(actor, "project.read")
        return await self.repo.project_trade_pairs(actor.organisation_id)

    async def engaged_project_numbers(
        self, actor: Actor, sub_org_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[str]]:
        """sub id -> the numbers of the actor's GC's projects it is actively engaged on."""
        require(actor, "project.read")
        return await self.repo.engaged_project_numbers(actor.organisation_id, sub_org_ids)

    async def trade_requirements(
        self, actor: Actor, project_id: uuid.UUID
    ) -> list[tuple[ProjectTrade, RequirementSet]]:
        require(actor, "project.read")
        return await self.repo.trade_requirements(actor.organisation_id, project_id)

    async def detail(self, actor: Actor, project: Project) -> ProjectDetail:
        """The project as the API shows one: with its trades and what each is held to."""
        trades = await self.trade_requirements(actor, project.id)
        return ProjectDetail(
            **msgspec.structs.asdict(project_view(project)),
            trades=[
                ProjectTradeView(
                    trade=trade.trade,
                    requirement_set_id=requirement_set.id,
                    requirement_set_name=requirement_set.name,
                )
                for trade, requirement_set in trades
            ],
        )

    async def create_over_api(self, actor: Actor, data: ProjectCreateInput) -> Project:
        """The API's project: without trades as before, or with them as the page makes it
        (each trade names one of the GC's requirement sets or a tier template, not both)."""
        if not data.trades:
            return await self.create_project(actor, data)
        rows = []
        for row, trade in enumerate(data.trades, start=1):
            if (trade.requirement_set_id is None) == (trade.template is None):
                raise BadInput(
                    "Give each trade a requirement_set_id or a template, not both.",
                    field=f"trades[{row - 1}]",
                )
            choice = (
                str(trade.requirement_set_id)
                if trade.requirement_set_id is not None
                else TEMPLATE_CHOICE + str(trade.template)
            )
            rows.append(TradeMapping(trade=trade.trade, requirements=choice))
        return await self.create_project_with_trades(actor, data, rows)

    async def create_project(self, actor: Actor, data: ProjectInput) -> Project:
        require(actor, "project.write")
        number = data.number.strip()
        if not number or len(number) > 40:
            raise BadInput("The project number needs 1 to 40 characters.", field="number")
        if not data.name.strip():
            raise BadInput("The project needs a name.", field="name")
        state = data.state.strip().upper()
        if state not in US_STATES:
            raise BadInput(f"{data.state!r} is not a US state code.", field="state")
        if data.end_date < data.start_date:
            raise BadInput("The project ends before it starts.", field="end_date")
        if not 0 <= data.closeout_days <= 3650:
            raise BadInput("Close-out days must be between 0 and 3650.", field="closeout_days")
        if not data.certificate_holder.strip():
            raise BadInput("Name the certificate holder.", field="certificate_holder")
        if await self.repo.project_number_taken(actor.organisation_id, number):
            raise Conflict(f"A project numbered {number} already exists.", field="number")
        project = Project(
            id=uuid.uuid4(),
            gc_org_id=actor.organisation_id,
            number=number,
            name=data.name.strip(),
            state=state,
            start_date=data.start_date,
            end_date=data.end_date,
            closeout_days=data.closeout_days,
            certificate_holder=data.certificate_holder.strip(),
            additional_insureds=[p.strip() for p in data.additional_insureds if p.strip()],
            flowdown_required=data.flowdown_required,
        )
        self.repo.add(project)
        await self.repo.flush()
        return project

    async def create_project_with_trades(
        self, actor: Actor, data: ProjectInput, trades: Sequence[TradeMapping]
    ) -> Project:
        """A project (create_project's rules) with its trades mapped to requirements: each
        trade once (case aside), at least one. `trades` are the rows as the caller shows
        them, numbered from 1, and a refusal names the row's field (trade_<n>, set_<n>).
        The caller holds the savepoint: a refusal leaves nothing written."""
        project = await self.create_project(actor, data)
        seen: set[str] = set()
        for row, mapping in enumerate(trades, start=1):
            trade = mapping.trade.strip()
            if not trade:
                continue
            if len(trade) > MAX_TRADE_CHARS:
                raise BadInput(
                    f"A trade's name has at most {MAX_TRADE_CHARS} characters.",
                    field=f"trade_{row}",
                )
            if trade.lower() in seen:
                raise BadInput(f"The trade {trade!r} is listed twice.", field=f"trade_{row}")
            seen.add(trade.lower())
            set_id = await self._set_for(actor, mapping.requirements.strip(), row)
            self.repo.add(
                ProjectTrade(
                    id=uuid.uuid4(), project_id=project.id, trade=trade, requirement_set_id=set_id
                )
            )
        if not seen:
            raise BadInput("Map at least one trade to its requirements.", field="trade_1")
        await self.repo.flush()
        return project

    async def add_trade(
        self, actor: Actor, project_id: uuid.UUID, mapping: TradeMapping
    ) -> ProjectTrade:
        """One more trade on a project of the actor's GC, held to the requirements chosen (as
        a new project's rows are: the GC's own set or its copy of a tier template). A trade
        the project has already (case aside) is refused; the caller holds the savepoint."""
        require(actor, "project.write")
        project = await self.project(actor, project_id)
        trade = mapping.trade.strip()
        if not trade or len(trade) > MAX_TRADE_CHARS:
            raise BadInput(f"Name the trade (1 to {MAX_TRADE_CHARS} characters).", field="trade_1")
        if (project.id, trade.lower()) in await self.trades_of(actor, [project.id]):
            raise Conflict(f"{project.number} has the trade {trade!r} already.", field="trade_1")
        set_id = await self._set_for(actor, mapping.requirements.strip(), 1)
        added = ProjectTrade(
            id=uuid.uuid4(), project_id=project.id, trade=trade, requirement_set_id=set_id
        )
        self.repo.add(added)
        await self.repo.flush()
        return added

    async def _set_for(self, actor: Actor, choice: str, row: int) -> uuid.UUID:
        """The requirement set a trade's choice names: the GC's own set, or its copy of a
        tier template (made now if it has none)."""
        if choice.startswith(TEMPLATE_CHOICE):
            made = await requirement_sets.from_template(
                self.session, actor, choice.removeprefix(TEMPLATE_CHOICE)
            )
            return made.requirement_set.id
        try:
            set_id = uuid.UUID(choice)
        except ValueError as exc:
            raise BadInput("Choose the requirements for the trade.", field=f"set_{row}") from exc
        return (await requirement_sets.set_of(self.session, actor, set_id)).requirement_set.id

    async def engagements(
        self,
        actor: Actor,
        today: date,
        project_id: uuid.UUID | None = None,
        status: str | None = None,
    ) -> list[EngagementRow]:
        if status is not None and status not in ENGAGEMENT_STATUSES:
            raise BadInput(f"Unknown status {status!r}.", field="status")
        rows = await self.repo.engagement_rows(engagement_scope(actor), project_id, status)
        return [engagement_row(e, p, s, today) for e, p, s in rows]

    async def engagements_with_parties(
        self, actor: Actor, project_id: uuid.UUID
    ) -> list[tuple[Engagement, Project, Organisation]]:
        """The active engagements of a project the actor may see, each with its project and
        sub, by sub name (the rows themselves, for a report that needs more than
        EngagementRow carries)."""
        return await self.repo.engagement_rows(engagement_scope(actor), project_id)

    async def reached_by_change(self, actor: Actor, sub_org_id: uuid.UUID) -> list[uuid.UUID]:
        """Every active engagement resting on this sub's record, each GC's, tier 2 included:
        what a change to the record reaches, asked by one who may change the record (the sub
        or its broker; the GCs behind those engagements are not the actor's to see)."""
        if not await can_write_record(self.session, actor, sub_org_id):
            raise NotFound("No such subcontractor record that you may change.")
        return await self.repo.active_engagement_ids_of_sub(sub_org_id)

    async def engagement(
        self, actor: Actor, engagement_id: uuid.UUID, today: date
    ) -> EngagementRow:
        found = await self.repo.engagement(engagement_scope(actor), engagement_id)
        if found is None:
            raise NotFound("No such engagement that you may see.")
        return engagement_row(*found, today)

    async def portfolio_rows(
        self,
        actor: Actor,
        project_id: uuid.UUID | None = None,
        statuses: Collection[str] | None = None,
    ) -> Sequence[Row[*tuple[Any, ...]]]:
        """The dashboard's columns of the engagements this actor may see (see the repository)."""
        require(actor, "project.read")
        return await self.repo.portfolio_rows(engagement_scope(actor), project_id, statuses)

    async def latest_decisions(
        self, actor: Actor, engagement_ids: Collection[uuid.UUID]
    ) -> Sequence[Row[*tuple[Any, ...]]]:
        if not engagement_ids:
            return []
        return await self.repo.latest_decisions(engagement_scope(actor), engagement_ids)

    async def engagement_parties(
        self, actor: Actor, engagement_id: uuid.UUID
    ) -> tuple[Engagement, Project, Organisation]:
        """An engagement the actor may see (active or not), its project and its sub."""
        found = await self.repo.engagement(engagement_scope(actor), engagement_id)
        if found is None:
            raise NotFound("No such engagement that you may see.")
        return found

    async def engagement_sides(self, actor: Actor, engagement_id: uuid.UUID) -> EngagementSides:
        """The project, GC, sub and pinned requirements of an engagement the actor may see
        (active or not)."""
        found = await self.repo.engagement_sides(engagement_scope(actor), engagement_id)
        if found is None:
            raise NotFound("No such engagement that you may see.")
        return EngagementSides(*found)

    async def newest_verdict(self, actor: Actor, engagement_id: uuid.UUID) -> Verdict | None:
        return await self.repo.newest_verdict(engagement_scope(actor), engagement_id)

    async def visible_engagement(self, actor: Actor, engagement_id: uuid.UUID) -> Engagement | None:
        """An engagement the actor may see, active or not; None otherwise."""
        return await self.repo.engagement_only(engagement_scope(actor), engagement_id)

    async def decisions_and_messages(
        self, actor: Actor, engagement_id: uuid.UUID, decisions_shown: int
    ) -> tuple[list[Decision], list[tuple[EngagementMessage, str, str]]]:
        """The newest decisions (at most `decisions_shown`) and every message, oldest first."""
        scope = engagement_scope(actor)
        return (
            await self.repo.newest_decisions(scope, engagement_id, decisions_shown),
            await self.repo.messages_with_authors(scope, engagement_id),
        )

    async def gc_engagement(self, actor: Actor, engagement_id: uuid.UUID) -> Engagement:
        """One of the actor's GC's own engagements (for its decisions, reminders, answers)."""
        found = await self.repo.engagement_only(
            Engagement.gc_org_id == actor.organisation_id, engagement_id
        )
        if found is None:
            raise NotFound("No such engagement in your organisation.")
        return found

    async def engagement_history(
        self, actor: Actor, engagement_id: uuid.UUID
    ) -> tuple[
        tuple[str, int] | None,
        list[tuple[Decision, str]],
        list[tuple[EngagementMessage, str, str]],
    ]:
        """What the engagement page lists: its requirement set's name and version, decisions
        (newest first, with names) and messages (oldest first, with authors)."""
        scope = engagement_scope(actor)
        return (
            await self.repo.requirement_label(scope, engagement_id),
            await self.repo.decisions_with_names(scope, engagement_id),
            await self.repo.messages_with_authors(scope, engagement_id),
        )

    async def engagements_of_sub(
        self, actor: Actor, sub_org_id: uuid.UUID
    ) -> list[tuple[Engagement, Project, str]]:
        """The sub's active engagements the actor may see, with project and GC name."""
        return await self.repo.engagements_of_sub(engagement_scope(actor), sub_org_id)

    async def statuses_on_revision(
        self, actor: Actor, engagement_ids: list[uuid.UUID], revision_id: uuid.UUID
    ) -> dict[uuid.UUID, str]:
        if not engagement_ids:
            return {}
        return await self.repo.statuses_on_revision(
            engagement_scope(actor), engagement_ids, revision_id
        )

    async def inbox(
        self, actor: Actor, limit: int
    ) -> tuple[
        list[tuple[Verdict, Engagement, Project, str, RecordRevision]],
        dict[uuid.UUID, Verdict],
    ]:
        """Engagements whose newest verdict came after the last approve or reject, oldest
        first, with the verdict before each. A GC's own engagements only."""
        if not actor.is_gc:
            return [], {}
        return await self.repo.changed_since_decision(engagement_scope(actor), limit)


def _one_of(value: str | None, allowed: Collection[str], field: str) -> str | None:
    if value is not None and value not in allowed:
        raise BadInput(f"Unknown {field} {value!r}: one of {', '.join(allowed)}.", field=field)
    return value


class ListingService:
    """The API's paged lists (projects, engagements, decisions, holds, requirement sets,
    documents, webhook deliveries): each scoped to the acting organisation, filters checked
    (an unknown value is a 422 naming the ones allowed), pages cut by backend/paging.py."""

    def __init__(self, session: AsyncSession) -> None:
        self.repo = ListingRepository(session)

    async def projects(
        self, actor: Actor, created_since: datetime | None, request: PageRequest
    ) -> ProjectPage:
        require(actor, "project.read")
        rows = await self.repo.projects(actor.organisation_id, since(created_since), request)
        shown, cursor = split(rows, request, lambda p: (p.created_at, p.id))
        return ProjectPage(data=[project_view(p) for p in shown], next_cursor=cursor)

    def engagement_filter(
        self,
        *,
        project_id: uuid.UUID | None = None,
        sub_org_id: uuid.UUID | None = None,
        engagement_id: uuid.UUID | None = None,
        status: str | None = None,
        contract_kind: str | None = None,
        updated_since: datetime | None = None,
        active: bool | None = None,
        held: bool = False,
    ) -> EngagementFilter:
        return EngagementFilter(
            project_id=project_id,
            sub_org_id=sub_org_id,
            engagement_id=engagement_id,
            status=_one_of(status, ENGAGEMENT_STATUSES, "status"),
            contract_kind=_one_of(contract_kind, CONTRACT_KINDS, "contract_kind"),
            updated_since=since(updated_since),
            active=active,
            held=held,
        )

    async def engagements(
        self, actor: Actor, wanted: EngagementFilter, request: PageRequest, today: date
    ) -> EngagementPage:
        rows = await self.repo.engagements(engagement_scope(actor), wanted, request)
        shown, cursor = split(rows, request, lambda r: (r[0].created_at, r[0].id))
        return EngagementPage(
            data=[engagement_row(e, p, s, today) for e, p, s in shown], next_cursor=cursor
        )

    async def decisions(
        self,
        actor: Actor,
        wanted: EngagementFilter,
        kind: str | None,
        created_since: datetime | None,
        request: PageRequest,
    ) -> DecisionPage:
        require(actor, "project.read")
        rows = await self.repo.decisions(
            engagement_scope(actor),
            wanted,
            _one_of(kind, DECISION_KINDS, "kind"),
            since(created_since),
            request,
        )
        shown, cursor = split(rows, request, lambda r: (r[0].created_at, r[0].id))
        return DecisionPage(
            data=[
                DecisionRow(
                    id=d.id,
                    engagement_id=e.id,
                    project_id=e.project_id,
                    sub_org_id=e.sub_org_id,
                    contract_ref=e.contract_ref,
                    kind=d.kind,
                    check_code=d.check_code,
                    reason=d.reason,
                    expires_on=d.expires_on,
                    decided_by_id=d.decided_by_id,
                    created_at=d.created_at,
                    details=dict(d.details or {}),
                )
                for d, e in shown
            ],
            next_cursor=cursor,
        )

    async def holds(self, actor: Actor, wanted: EngagementFilter, request: PageRequest) -> HoldPage:
        rows = await self.repo.engagements(engagement_scope(actor), wanted, request)
        shown, cursor = split(rows, request, lambda r: (r[0].created_at, r[0].id))
        decided = await self.repo.latest_decided(
            [e.id for e, _, _ in shown], ("pay_hold", "work_stop")
        )
        data = []
        for engagement, project, sub in shown:
            hold = decided.get((engagement.id, "pay_hold")) if engagement.pay_hold else None
            stop = decided.get((engagement.id, "work_stop")) if engagement.work_stopped else None
            data.append(
                HoldRow(
                    engagement_id=engagement.id,
                    project_id=project.id,
                    project_number=project.number,
                    sub_org_id=sub.id,
                    sub_name=sub.legal_name,
                    contract_ref=engagement.contract_ref,
                    contract_kind=engagement.contract_kind,
                    pay_hold=engagement.pay_hold,
                    pay_hold_since=hold[0] if hold else None,
                    pay_hold_reason=hold[1] if hold else "",
                    work_stopped=engagement.work_stopped,
                    work_stopped_since=stop[0] if stop else None,
                    work_stop_reason=stop[1] if stop else "",
                )
            )
        return HoldPage(data=data, next_cursor=cursor)

    async def requirement_sets(self, actor: Actor, request: PageRequest) -> RequirementSetPage:
        require(actor, "project.read")
        rows = await self.repo.requirement_sets(actor.organisation_id, request)
        shown, cursor = split(rows, request, lambda r: (r[0].created_at, r[0].id))
        return RequirementSetPage(
            data=[
                RequirementSetRow(
                    id=s.id,
                    name=s.name,
                    template=s.template,
                    latest_version=v.version if v else None,
                    latest_version_id=v.id if v else None,
                    created_at=s.created_at,
                )
                for s, v in shown
            ],
            next_cursor=cursor,
        )

    async def documents(
        self,
        actor: Actor,
        sub_org_id: uuid.UUID | None,
        created_since: datetime | None,
        request: PageRequest,
    ) -> DocumentPage:
        require(actor, "record.read")
        rows = await self.repo.documents(
            record_read_scope(actor, Document.sub_org_id),
            sub_org_id,
            since(created_since),
            request,
        )
        shown, cursor = split(rows, request, lambda d: (d.created_at, d.id))
        return DocumentPage(
            data=[
                DocumentRow(
                    id=d.id,
                    sub_org_id=d.sub_org_id,
                    filename=d.filename,
                    content_type=d.content_type,
                    size_bytes=d.size_bytes,
                    sha256=d.sha256,
                    read_state=d.read_state,
                    created_at=d.created_at,
                )
                for d in shown
            ],
            next_cursor=cursor,
        )

    async def webhook_deliveries(
        self,
        actor: Actor,
        endpoint_id: uuid.UUID | None,
        state: str | None,
        created_since: datetime | None,
        request: PageRequest,
    ) -> WebhookDeliveryPage:
        require(actor, "tokens.manage")
        rows = await self.repo.webhook_deliveries(
            actor.organisation_id,
            endpoint_id,
            _one_of(state, DELIVERY_STATES, "state"),
            since(created_since),
            request,
        )
        shown, cursor = split(rows, request, lambda d: (d.created_at, d.id))
        return WebhookDeliveryPage(
            data=[
                WebhookDeliveryRow(
                    id=d.id,
                    endpoint_id=d.endpoint_id,
                    message_id=d.message_id,
                    event_type=d.event_type,
                    state=d.state,
                    attempts=d.attempts,
                    last_status_code=d.last_status_code,
                    last_response_ms=d.last_response_ms,
                    delivered_at=d.delivered_at,
                    created_at=d.created_at,
                )
                for d in shown
            ],
            next_cursor=cursor,
        )
