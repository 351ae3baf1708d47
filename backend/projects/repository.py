"""All SQL of projects and engagements, filtered by the scope from network.access."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, TypeVar, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Subquery,
    Text,
    and_,
    cast,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from backend.db.arrays import one_of
from backend.db.models import (
    Decision,
    Engagement,
    EngagementMessage,
    InsurerRating,
    Organisation,
    OutboxEvent,
    Person,
    Project,
    ProjectTrade,
    RecordRevision,
    RequirementSet,
    RequirementSetVersion,
    Verdict,
)
from backend.db.models.document import Document
from backend.db.models.fan_out_failure import FanOutFailure
from backend.db.models.webhook_delivery import WebhookDelivery
from backend.paging import PageRequest, keyset


@dataclass(frozen=True)
class EngagementFilter:
    """The API's filters on engagements (and on what hangs off them: decisions, holds)."""

    project_id: uuid.UUID | None = None
    sub_org_id: uuid.UUID | None = None
    engagement_id: uuid.UUID | None = None
    status: str | None = None
    contract_kind: str | None = None
    updated_since: datetime | None = None
    active: bool | None = None
    held: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.project_id is not None:
            found.append(Engagement.project_id == self.project_id)
        if self.sub_org_id is not None:
            found.append(Engagement.sub_org_id == self.sub_org_id)
        if self.engagement_id is not None:
            found.append(Engagement.id == self.engagement_id)
        if self.status is not None:
            found.append(Engagement.status == self.status)
        if self.contract_kind is not None:
            found.append(Engagement.contract_kind == self.contract_kind)
        if self.updated_since is not None:
            found.append(Engagement.updated_at >= self.updated_since)
        if self.active is not None:
            found.append(Engagement.active.is_(self.active))
        if self.held:
            found.append(or_(Engagement.pay_hold.is_(True), Engagement.work_stopped.is_(True)))
        return found


def engagement_parties(
    *conditions: ColumnElement[bool],
) -> Select[Engagement, Project, Organisation, Organisation]:
    """The one join of an engagement with its project, its GC and its sub (in that order),
    for the fan-out, decisions and the sweep; callers add their own filters and locks."""
    gc = aliased(Organisation)
    sub = aliased(Organisation)
    return _parties_joined(select(Engagement, Project, gc, sub), gc, sub, conditions)


# What the fan-out reads of each engagement, its project, GC and sub, in this order.
ENGAGEMENT_FACTS: Final = (
    "id",
    "requirement_set_version_id",
    "status",
    "status_changed_at",
    "expires_on",
    "pay_hold",
    "parent_engagement_id",
    "trade",
    "work_start",
    "phase",
    "completed_operations_until",
    "contract_ref",
)
PROJECT_FACTS: Final = (
    "id",
    "number",
    "name",
    "start_date",
    "end_date",
    "closeout_days",
    "certificate_holder",
    "additional_insureds",
    "state",
    "flowdown_required",
)


def engagement_party_columns(*conditions: ColumnElement[bool]) -> Select[Any]:
    """The join of `engagement_parties` as plain columns (ENGAGEMENT_FACTS, PROJECT_FACTS,
    then the GC's id, name and settings and the sub's id and name): the fan-out reads a
    thousand rows at a time, and ORM objects cost it more than the query does."""
    gc = aliased(Organisation)
    sub = aliased(Organisation)
    columns = [
        *(getattr(Engagement, name) for name in ENGAGEMENT_FACTS),
        *(getattr(Project, name) for name in PROJECT_FACTS),
        gc.id,
        gc.legal_name,
        gc.settings,
        sub.id,
        sub.legal_name,
    ]
    return _parties_joined(select(*columns), gc, sub, conditions)


_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])
_Row = TypeVarTuple("_Row")


def _active_of(
    query: _Query,
    sub: Any,
    scope: ColumnElement[bool],
    project_id: uuid.UUID | None,
    statuses: Collection[str] | None,
) -> _Query:
    """The active engagements in scope, joined to their project and sub (`sub`: the alias of
    Organisation the query selects), of that project and those statuses when given."""
    query = (
        query.join(Project, Project.id == Engagement.project_id)
        .join(sub, sub.id == Engagement.sub_org_id)
        .where(scope, Engagement.active.is_(True))
    )
    if project_id is not None:
        query = query.where(Engagement.project_id == project_id)
    if statuses is not None:
        query = query.where(Engagement.status.in_(list(statuses)))
    return query


def _parties_joined(
    query: _Query, gc: Any, sub: Any, conditions: tuple[ColumnElement[bool], ...]
) -> _Query:
    return (
        query.join(Project, Project.id == Engagement.project_id)
        .join(gc, gc.id == Engagement.gc_org_id)
        .join(sub, sub.id == Engagement.sub_org_id)
        .where(*conditions)
    )


def _ranked_per_engagement(
    model: type[Decision] | type[Verdict],
    columns: tuple[InstrumentedAttribute[Any], ...],
    *conditions: ColumnElement[bool],
) -> Subquery:
    """`columns` of `model`'s rows on engagements meeting `conditions`, with `rank`: 1 for each
    engagement's newest row (by created_at), 2 for the one before ..."""
    return (
        select(
            *columns,
            func.row_number()
            .over(partition_by=model.engagement_id, order_by=model.created_at.desc())
            .label("rank"),
        )
        .join(Engagement, Engagement.id == model.engagement_id)
        .where(*conditions)
        .subquery()
    )


def newest_versions() -> Subquery:
    """Each requirement set's newest version number (columns requirement_set_id, version):
    join it to pick a set's version in force."""
    return (
        select(
            RequirementSetVersion.requirement_set_id,
            func.max(RequirementSetVersion.version).label("version"),
        )
        .group_by(RequirementSetVersion.requirement_set_id)
        .subquery()
    )


def sets_with_newest_version(
    gc_org_id: uuid.UUID, *, with_empty: bool
) -> Select[RequirementSet, RequirementSetVersion]:
    """The GC's requirement sets, each with its newest version; `with_empty`: a set with no
    version yet too (its version None)."""
    newest = newest_versions()
    query = select(RequirementSet, RequirementSetVersion)
    on_version = (RequirementSetVersion.requirement_set_id == RequirementSet.id) & (
        RequirementSetVersion.version == newest.c.version
    )
    if with_empty:
        query = query.outerjoin(newest, newest.c.requirement_set_id == RequirementSet.id).outerjoin(
            RequirementSetVersion, on_version
        )
    else:
        query = query.join(newest, newest.c.requirement_set_id == RequirementSet.id).join(
            RequirementSetVersion, on_version
        )
    return query.where(RequirementSet.gc_org_id == gc_org_id)


class ProjectRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def finish_completed_operations(self, today: date) -> int:
        """Engagements whose completed-operations phase ended before `today` finish (the sweep,
        across every GC: time passes for all). The number finished."""
        finished = await self.session.execute(
            update(Engagement)
            .where(
                Engagement.active.is_(True),
                Engagement.phase == "completed_operations",
                Engagement.completed_operations_until < today,
            )
            .values(phase="finished")
            .returning(Engagement.id)
            .execution_options(synchronize_session=False)
        )
        return len(finished.all())

    async def entering_completed_operations(
        self, today: date
    ) -> Sequence[Row[Engagement, Project, Organisation, Organisation]]:
        """Active engagements still in their work phase although their project closed out
        before `today` and their completed-operations phase has not ended: locked for the
        sweep, which judges them again for that phase."""
        query = (
            engagement_parties(
                Engagement.active.is_(True),
                Engagement.phase == "ongoing",
                Engagement.completed_operations_until.is_not(None),
                Engagement.completed_operations_until >= today,
                Project.end_date + Project.closeout_days < today,
            )
            .order_by(Engagement.id)
            .with_for_update(of=Engagement, skip_locked=True)
        )
        return (await self.session.execute(query)).all()

    async def near_expiry(
        self, until: date
    ) -> Sequence[Row[Engagement, Project, Organisation, Organisation]]:
        """Active engagements not finished whose coverage ends on or before `until`, with
        their parties, by expiry then id, locked for the sweep (rows another sweep holds are
        skipped). Across every GC: time passes for all."""
        query = (
            engagement_parties(
                Engagement.active.is_(True),
                Engagement.phase != "finished",
                Engagement.expires_on.is_not(None),
                Engagement.expires_on <= until,
            )
            .order_by(Engagement.expires_on, Engagement.id)
            .with_for_update(of=Engagement, skip_locked=True)
        )
        return (await self.session.execute(query)).all()

    async def waivers_ended(
        self, since: date, today: date
    ) -> list[tuple[Decision, Engagement, Project, Organisation, Organisation]]:
        """Waive decisions whose last day (expires_on) fell in [since, today), on active
        engagements, each with the engagement (locked: the sweep may set its status), project,
        GC and sub, oldest ending first. Across every GC: time passes for all."""
        query = (
            engagement_parties(
                Engagement.active.is_(True),
                Decision.kind == "waive",
                Decision.expires_on >= since,
                Decision.expires_on < today,
            )
            .add_columns(Decision)
            .join(Decision, Decision.engagement_id == Engagement.id)
            .order_by(Decision.expires_on, Decision.id)
            .with_for_update(of=Engagement, skip_locked=True)
        )
        rows = (await self.session.execute(query)).all()
        return [(r[4], r[0], r[1], r[2], r[3]) for r in rows]

    async def replaced_waivers(self, engagement_ids: Sequence[uuid.UUID]) -> set[str]:
        """Ids of the waive decisions on these engagements (the ended ones the daily run read)
        that a later waiver replaced (details.replaces.decision_id): their end is no news."""
        replaced = Decision.details["replaces"]["decision_id"].astext
        query = select(replaced).where(
            Decision.engagement_id.in_(engagement_ids),
            Decision.kind == "waive",
            replaced.is_not(None),
        )
        return {str(found) for found in (await self.session.execute(query)).scalars()}

    async def set_sweep_states(self, updates: Sequence[dict[str, Any]]) -> None:
        """The sweep's new status, status_changed_at and pay_hold of engagements it read
        locked (near_expiry), by primary key: one executemany for all of them."""
        if updates:
            await self.session.execute(update(Engagement), list(updates))

    async def projects_of(self, gc_org_id: uuid.UUID) -> list[Project]:
        query = select(Project).where(Project.gc_org_id == gc_org_id).order_by(Project.number)
        return list((await self.session.execute(query)).scalars())

    async def project_of(self, gc_org_id: uuid.UUID, project_id: uuid.UUID) -> Project | None:
        query = select(Project).where(Project.gc_org_id == gc_org_id, Project.id == project_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def active_engagement_ids_of_sub(self, sub_org_id: uuid.UUID) -> list[uuid.UUID]:
        """Every active engagement resting on this sub's record (each GC's, tier-2 included):
        the ones a change to the record reaches. The caller has checked the actor may read
        the record."""
        query = (
            select(Engagement.id)
            .where(Engagement.sub_org_id == sub_org_id, Engagement.active.is_(True))
            .order_by(Engagement.created_at, Engagement.id)
        )
        return list((await self.session.execute(query)).scalars())

    async def engaged_project_numbers(
        self, gc_org_id: uuid.UUID, sub_org_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[str]]:
        """sub id -> the numbers of this GC's projects it is actively engaged on (sorted)."""
        if not sub_org_ids:
            return {}
        query = (
            select(Engagement.sub_org_id, Project.number)
            .join(Project, Project.id == Engagement.project_id)
            .where(
                Engagement.gc_org_id == gc_org_id,
                Engagement.sub_org_id.in_(sub_org_ids),
                Engagement.active.is_(True),
            )
        )
        found: dict[uuid.UUID, list[str]] = {}
        for sub_id, number in (await self.session.execute(query)).all():
            found.setdefault(sub_id, []).append(number)
        return {sub_id: sorted(numbers) for sub_id, numbers in found.items()}

    async def trades_of(
        self, gc_org_id: uuid.UUID, project_ids: Collection[uuid.UUID]
    ) -> set[tuple[uuid.UUID, str]]:
        """(project id, trade in lower case) of these projects of this GC."""
        query = (
            select(ProjectTrade.project_id, func.lower(ProjectTrade.trade))
            .join(Project, Project.id == ProjectTrade.project_id)
            .where(Project.gc_org_id == gc_org_id, ProjectTrade.project_id.in_(list(project_ids)))
        )
        return {(project_id, trade) for project_id, trade in await self.session.execute(query)}

    async def project_trade_pairs(self, gc_org_id: uuid.UUID) -> list[tuple[Project, str]]:
        """Every (project, trade) of this GC, by project number then trade."""
        query = (
            select(Project, ProjectTrade.trade)
            .join(ProjectTrade, ProjectTrade.project_id == Project.id)
            .where(Project.gc_org_id == gc_org_id)
            .order_by(Project.number, ProjectTrade.trade)
        )
        return [(p, t) for p, t in await self.session.execute(query)]

    async def trade_requirements(
        self, gc_org_id: uuid.UUID, project_id: uuid.UUID
    ) -> list[tuple[ProjectTrade, RequirementSet]]:
        """A project's trades, each with the requirement set it maps to, by trade."""
        query = (
            select(ProjectTrade, RequirementSet)
            .join(RequirementSet, RequirementSet.id == ProjectTrade.requirement_set_id)
            .join(Project, Project.id == ProjectTrade.project_id)
            .where(Project.gc_org_id == gc_org_id, ProjectTrade.project_id == project_id)
            .order_by(ProjectTrade.trade)
        )
        return [(trade, rs) for trade, rs in await self.session.execute(query)]

    async def project_number_taken(self, gc_org_id: uuid.UUID, number: str) -> bool:
        query = select(Project.id).where(Project.gc_org_id == gc_org_id, Project.number == number)
        return (await self.session.execute(query)).first() is not None

    async def engagement_rows(
        self,
        scope: ColumnElement[bool],
        project_id: uuid.UUID | None = None,
        status: str | None = None,
        limit: int = 2000,
    ) -> list[tuple[Engagement, Project, Organisation]]:
        sub = aliased(Organisation)
        statuses = [status] if status is not None else None
        query = (
            _active_of(select(Engagement, Project, sub), sub, scope, project_id, statuses)
            .order_by(Project.number, sub.legal_name)
            .limit(limit)
        )
        return [(e, p, o) for e, p, o in (await self.session.execute(query)).all()]

    async def engagement(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> tuple[Engagement, Project, Organisation] | None:
        sub = aliased(Organisation)
        query = (
            select(Engagement, Project, sub)
            .join(Project, Project.id == Engagement.project_id)
            .join(sub, sub.id == Engagement.sub_org_id)
            .where(scope, Engagement.id == engagement_id)
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1], row[2]) if row else None

    async def portfolio_rows(
        self,
        scope: ColumnElement[bool],
        project_id: uuid.UUID | None,
        statuses: Collection[str] | None,
    ) -> Sequence[Row[*tuple[Any, ...]]]:
        """The dashboard's plain columns of every active engagement in scope: engagement id,
        project id, number, name, sub id, sub name, contract label (trade), parent engagement,
        status, expiry, pay hold, work stopped, phase, last day of the completed-operations
        phase. One query of plain columns keeps the page fast."""
        sub = aliased(Organisation)
        columns = select(
            Engagement.id,
            Project.id,
            Project.number,
            Project.name,
            sub.id,
            sub.legal_name,
            Engagement.contract_label,
            Engagement.parent_engagement_id,
            Engagement.status,
            Engagement.expires_on,
            Engagement.pay_hold,
            Engagement.work_stopped,
            Engagement.phase,
            Engagement.completed_operations_until,
        )
        query = _active_of(columns, sub, scope, project_id, statuses)
        return (await self.session.execute(query)).all()

    async def latest_decisions(
        self, scope: ColumnElement[bool], engagement_ids: Collection[uuid.UUID]
    ) -> Sequence[Row[*tuple[Any, ...]]]:
        """Each engagement's newest decision (engagement_id, kind, reason, created_at)."""
        ranked = _ranked_per_engagement(
            Decision,
            (Decision.engagement_id, Decision.kind, Decision.reason, Decision.created_at),
            scope,
            Decision.engagement_id.in_(list(engagement_ids)),
        )
        return (await self.session.execute(select(ranked).where(ranked.c.rank == 1))).all()

    async def changed_since_decision(
        self, scope: ColumnElement[bool], limit: int
    ) -> tuple[
        list[tuple[Verdict, Engagement, Project, str, RecordRevision]],
        dict[uuid.UUID, Verdict],
    ]:
        """The GC's inbox: active engagements in scope whose newest verdict came after the last
        approve or reject, oldest first, each with the verdict before it (by engagement)."""
        decided = (
            select(Decision.engagement_id, func.max(Decision.created_at).label("at"))
            .where(Decision.kind.in_(("approve", "reject")))
            .group_by(Decision.engagement_id)
            .subquery()
        )
        ranked = _ranked_per_engagement(
            Verdict, (Verdict.id, Verdict.engagement_id), scope, Engagement.active.is_(True)
        )
        newest = aliased(Verdict)
        sub = aliased(Organisation)
        query = (
            select(newest, Engagement, Project, sub.legal_name, RecordRevision)
            .join(ranked, (ranked.c.id == newest.id) & (ranked.c.rank == 1))
            .join(Engagement, Engagement.id == newest.engagement_id)
            .join(Project, Project.id == Engagement.project_id)
            .join(sub, sub.id == Engagement.sub_org_id)
            .join(RecordRevision, RecordRevision.id == newest.revision_id)
            .outerjoin(decided, decided.c.engagement_id == Engagement.id)
            .where(scope, (decided.c.at.is_(None)) | (decided.c.at < newest.created_at))
            .order_by(newest.created_at)
            .limit(limit)
        )
        rows = [(v, e, p, name, r) for v, e, p, name, r in (await self.session.execute(query))]
        previous: dict[uuid.UUID, Verdict] = {}
        if rows:
            second = (
                select(Verdict)
                .join(ranked, (ranked.c.id == Verdict.id) & (ranked.c.rank == 2))
                .where(Verdict.engagement_id.in_([r[1].id for r in rows]))
            )
            previous = {v.engagement_id: v for v in (await self.session.execute(second)).scalars()}
        return rows, previous

    # --- requirement sets (rules in projects/requirement_sets.py) ---------------------------

    async def sets_with_latest(
        self, gc_org_id: uuid.UUID
    ) -> list[tuple[RequirementSet, RequirementSetVersion]]:
        """The GC's requirement sets, each with its newest version, by name."""
        query = sets_with_newest_version(gc_org_id, with_empty=False).order_by(RequirementSet.name)
        return [(s, v) for s, v in await self.session.execute(query)]

    async def versions_of_set(
        self, gc_org_id: uuid.UUID, set_id: uuid.UUID
    ) -> list[RequirementSetVersion]:
        """Every version of one of the GC's sets, newest first."""
        query = (
            select(RequirementSetVersion)
            .join(RequirementSet, RequirementSet.id == RequirementSetVersion.requirement_set_id)
            .where(RequirementSet.gc_org_id == gc_org_id, RequirementSet.id == set_id)
            .order_by(RequirementSetVersion.version.desc())
        )
        return list((await self.session.execute(query)).scalars())

    async def set_named(self, gc_org_id: uuid.UUID, name: str) -> RequirementSet | None:
        query = select(RequirementSet).where(
            RequirementSet.gc_org_id == gc_org_id, RequirementSet.name == name
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def engagements_of_sub(
        self, scope: ColumnElement[bool], sub_org_id: uuid.UUID
    ) -> list[tuple[Engagement, Project, str]]:
        """Active engagements in scope of one sub, each with its project and GC's name, by GC
        name then project number."""
        gc = aliased(Organisation)
        query = (
            select(Engagement, Project, gc.legal_name)
            .join(Project, Project.id == Engagement.project_id)
            .join(gc, gc.id == Engagement.gc_org_id)
            .where(scope, Engagement.sub_org_id == sub_org_id, Engagement.active.is_(True))
            .order_by(gc.legal_name, Project.number)
        )
        return [(e, p, name) for e, p, name in await self.session.execute(query)]

    async def statuses_on_revision(
        self, scope: ColumnElement[bool], engagement_ids: list[uuid.UUID], revision_id: uuid.UUID
    ) -> dict[uuid.UUID, str]:
        """Engagement id -> the status its verdict on this record revision gave (if any yet)."""
        query = (
            select(Verdict.engagement_id, Verdict.status)
            .join(Engagement, Engagement.id == Verdict.engagement_id)
            .where(
                scope, Verdict.engagement_id.in_(engagement_ids), Verdict.revision_id == revision_id
            )
        )
        return {e: status for e, status in await self.session.execute(query)}

    # --- one engagement's page (every statement joined to the engagement in scope) ---------

    async def newest_verdict(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> Verdict | None:
        query = (
            select(Verdict)
            .join(Engagement, Engagement.id == Verdict.engagement_id)
            .where(scope, Verdict.engagement_id == engagement_id)
            .order_by(Verdict.created_at.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def engagement_only(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> Engagement | None:
        query = select(Engagement).where(scope, Engagement.id == engagement_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def requirement_label(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> tuple[str, int] | None:
        """The name and version of the requirement set the engagement is pinned to."""
        query = (
            select(RequirementSet.name, RequirementSetVersion.version)
            .join(RequirementSet, RequirementSet.id == RequirementSetVersion.requirement_set_id)
            .join(Engagement, Engagement.requirement_set_version_id == RequirementSetVersion.id)
            .where(scope, Engagement.id == engagement_id)
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row else None

    async def decisions_with_names(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> list[tuple[Decision, str]]:
        """The engagement's decisions, newest first, each with its decider's name."""
        query = (
            select(Decision, Person.full_name)
            .join(Person, Person.id == Decision.decided_by_id)
            .join(Engagement, Engagement.id == Decision.engagement_id)
            .where(scope, Decision.engagement_id == engagement_id)
            .order_by(Decision.created_at.desc())
        )
        return [(d, name) for d, name in await self.session.execute(query)]

    async def engaging_gc_settings(self, sub_org_id: uuid.UUID) -> list[tuple[str, Any]]:
        """(name, settings) of every GC with an active engagement of the sub."""
        query = (
            select(Organisation.legal_name, Organisation.settings)
            .join(Engagement, Engagement.gc_org_id == Organisation.id)
            .where(Engagement.sub_org_id == sub_org_id, Engagement.active.is_(True))
            .distinct()
        )
        return [(name, settings) for name, settings in await self.session.execute(query)]

    async def active_engagements_by_sub(
        self, scope: ColumnElement[bool], only_held: bool
    ) -> list[tuple[Engagement, Project, Organisation]]:
        """Active engagements in scope (only those on pay hold if asked) with project and sub,
        by sub name, project number, contract."""
        sub = aliased(Organisation)
        query = (
            select(Engagement, Project, sub)
            .join(Project, Project.id == Engagement.project_id)
            .join(sub, sub.id == Engagement.sub_org_id)
            .where(scope, Engagement.active.is_(True))
            .order_by(sub.legal_name, Project.number, Engagement.contract_ref, Engagement.id)
        )
        if only_held:
            query = query.where(Engagement.pay_hold.is_(True))
        return [(e, p, o) for e, p, o in await self.session.execute(query)]

    async def engagement_parties_for_update(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> tuple[Engagement, Project, Organisation, Organisation] | None:
        """The engagement (locked until the transaction ends), its project, GC and sub."""
        query = engagement_parties(scope, Engagement.id == engagement_id).with_for_update(
            of=Engagement
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1], row[2], row[3]) if row else None

    async def decisions_on(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> list[Decision]:
        """Every decision on the engagement, oldest first."""
        query = (
            select(Decision)
            .join(Engagement, Engagement.id == Decision.engagement_id)
            .where(scope, Engagement.id == engagement_id)
            .order_by(Decision.created_at, Decision.id)
        )
        return list((await self.session.execute(query)).scalars())

    async def last_decision_of_kind(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID, kind: str
    ) -> Decision | None:
        query = (
            select(Decision)
            .join(Engagement, Engagement.id == Decision.engagement_id)
            .where(scope, Decision.engagement_id == engagement_id, Decision.kind == kind)
            .order_by(Decision.created_at.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def decisions_of_kind(
        self, scope: ColumnElement[bool], engagement_ids: Sequence[uuid.UUID], kind: str
    ) -> list[Decision]:
        """Decisions of one kind on these engagements, by engagement then oldest first."""
        query = (
            select(Decision)
            .join(Engagement, Engagement.id == Decision.engagement_id)
            .where(scope, Decision.engagement_id.in_(engagement_ids), Decision.kind == kind)
            .order_by(Decision.engagement_id, Decision.created_at)
        )
        return list((await self.session.execute(query)).scalars())

    async def engagement_requirements(
        self, engagement_ids: Collection[uuid.UUID]
    ) -> list[tuple[uuid.UUID, uuid.UUID, str, dict[str, Any]]]:
        """(engagement, sub, status, pinned requirement body) of these engagements (callers
        pass ids read under the acting GC's scope)."""
        query = (
            select(
                Engagement.id, Engagement.sub_org_id, Engagement.status, RequirementSetVersion.body
            )
            .join(
                RequirementSetVersion,
                RequirementSetVersion.id == Engagement.requirement_set_version_id,
            )
            .where(Engagement.id.in_(list(engagement_ids)))
        )
        return [
            (e, sub, status, body) for e, sub, status, body in await self.session.execute(query)
        ]

    async def verdicts_with_sets(
        self, engagement_ids: Collection[uuid.UUID]
    ) -> list[tuple[Verdict, str, int, str]]:
        """Every verdict of these engagements, by engagement then oldest first, with the name,
        version and hash of the requirement set it judged against (callers pass ids read
        under the actor's scope, or a job's own)."""
        query = (
            select(
                Verdict,
                RequirementSet.name,
                RequirementSetVersion.version,
                RequirementSetVersion.body_sha256,
            )
            .join(
                RequirementSetVersion,
                RequirementSetVersion.id == Verdict.requirement_set_version_id,
            )
            .join(RequirementSet, RequirementSet.id == RequirementSetVersion.requirement_set_id)
            .where(Verdict.engagement_id.in_(list(engagement_ids)))
            .order_by(Verdict.engagement_id, Verdict.created_at)
        )
        rows = await self.session.execute(query)
        return [(verdict, name, version, sha) for verdict, name, version, sha in rows]

    async def insurer_ratings(self, gc_org_ids: Collection[uuid.UUID]) -> list[InsurerRating]:
        """The insurer ratings these GCs keep (each GC's own)."""
        query = select(InsurerRating).where(one_of(InsurerRating.gc_org_id, gc_org_ids))
        return list((await self.session.execute(query)).scalars())

    async def newest_decisions(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID, limit: int
    ) -> list[Decision]:
        query = (
            select(Decision)
            .join(Engagement, Engagement.id == Decision.engagement_id)
            .where(scope, Decision.engagement_id == engagement_id)
            .order_by(Decision.created_at.desc())
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def messages_with_authors(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> list[tuple[EngagementMessage, str, str]]:
        """The engagement's messages, oldest first, with author and author's company."""
        query = (
            select(EngagementMessage, Person.full_name, Organisation.legal_name)
            .join(Person, Person.id == EngagementMessage.author_id)
            .join(Organisation, Organisation.id == EngagementMessage.author_org_id)
            .join(Engagement, Engagement.id == EngagementMessage.engagement_id)
            .where(scope, EngagementMessage.engagement_id == engagement_id)
            .order_by(EngagementMessage.created_at)
        )
        return [(m, author, org) for m, author, org in await self.session.execute(query)]

    async def engagement_sides(
        self, scope: ColumnElement[bool], engagement_id: uuid.UUID
    ) -> tuple[Project, Organisation, Organisation, dict[str, Any]] | None:
        """The engagement's project, GC, sub and the requirement body it is pinned to."""
        gc = aliased(Organisation)
        sub = aliased(Organisation)
        query = (
            select(Project, gc, sub, RequirementSetVersion.body)
            .select_from(Engagement)
            .join(Project, Project.id == Engagement.project_id)
            .join(gc, gc.id == Engagement.gc_org_id)
            .join(sub, sub.id == Engagement.sub_org_id)
            .join(
                RequirementSetVersion,
                RequirementSetVersion.id == Engagement.requirement_set_version_id,
            )
            .where(scope, Engagement.id == engagement_id)
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1], row[2], dict(row[3] or {})) if row else None


def _created_page(
    query: Select[*_Row],
    model: type[Project] | type[Decision] | type[Document] | type[WebhookDelivery],
    created_since: datetime | None,
    request: PageRequest,
) -> Select[*_Row]:
    """`query`'s rows of `model` created from `created_since` on (None: all), ordered and cut
    for cursor paging by the model's (created_at, id)."""
    if created_since is not None:
        query = query.where(model.created_at >= created_since)
    return keyset(query, model.created_at, model.id, request)


class ListingRepository:
    """The API's paged lists: every statement takes the actor's scope from network.access and
    is ordered (created_at, id) for cursor paging (backend/paging.py)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def projects(
        self, gc_org_id: uuid.UUID, created_since: datetime | None, request: PageRequest
    ) -> list[Project]:
        query = select(Project).where(Project.gc_org_id == gc_org_id)
        query = _created_page(query, Project, created_since, request)
        return list((await self.session.execute(query)).scalars())

    async def engagements(
        self, scope: ColumnElement[bool], wanted: EngagementFilter, request: PageRequest
    ) -> list[tuple[Engagement, Project, Organisation]]:
        sub = aliased(Organisation)
        query = (
            select(Engagement, Project, sub)
            .join(Project, Project.id == Engagement.project_id)
            .join(sub, sub.id == Engagement.sub_org_id)
            .where(scope, *wanted.conditions())
        )
        query = keyset(query, Engagement.created_at, Engagement.id, request)
        return [(e, p, o) for e, p, o in (await self.session.execute(query)).all()]

    async def decisions(
        self,
        scope: ColumnElement[bool],
        wanted: EngagementFilter,
        kind: str | None,
        created_since: datetime | None,
        request: PageRequest,
    ) -> list[tuple[Decision, Engagement]]:
        query = (
            select(Decision, Engagement)
            .join(Engagement, Engagement.id == Decision.engagement_id)
            .where(scope, *wanted.conditions())
        )
        if kind is not None:
            query = query.where(Decision.kind == kind)
        query = _created_page(query, Decision, created_since, request)
        return [(d, e) for d, e in (await self.session.execute(query)).all()]

    async def latest_decided(
        self, engagement_ids: list[uuid.UUID], kinds: tuple[str, ...]
    ) -> dict[tuple[uuid.UUID, str], tuple[datetime, str]]:
        """(engagement, kind) -> when and why the newest decision of that kind was made."""
        if not engagement_ids:
            return {}
        query = (
            select(Decision.engagement_id, Decision.kind, Decision.created_at, Decision.reason)
            .where(Decision.engagement_id.in_(engagement_ids), Decision.kind.in_(kinds))
            .order_by(Decision.created_at)
        )
        return {(e, k): (c, r) for e, k, c, r in (await self.session.execute(query)).all()}

    async def requirement_sets(
        self, gc_org_id: uuid.UUID, request: PageRequest
    ) -> list[tuple[RequirementSet, RequirementSetVersion | None]]:
        query = keyset(
            sets_with_newest_version(gc_org_id, with_empty=True),
            RequirementSet.created_at,
            RequirementSet.id,
            request,
        )
        return [(s, v) for s, v in (await self.session.execute(query)).all()]

    async def documents(
        self,
        scope: ColumnElement[bool],
        sub_org_id: uuid.UUID | None,
        created_since: datetime | None,
        request: PageRequest,
    ) -> list[Document]:
        query = select(Document).where(scope)
        if sub_org_id is not None:
            query = query.where(Document.sub_org_id == sub_org_id)
        query = _created_page(query, Document, created_since, request)
        return list((await self.session.execute(query)).scalars())

    async def webhook_deliveries(
        self,
        organisation_id: uuid.UUID,
        endpoint_id: uuid.UUID | None,
        state: str | None,
        created_since: datetime | None,
        request: PageRequest,
    ) -> list[WebhookDelivery]:
        query = select(WebhookDelivery).where(WebhookDelivery.organisation_id == organisation_id)
        if endpoint_id is not None:
            query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
        if state is not None:
            query = query.where(WebhookDelivery.state == state)
        query = _created_page(query, WebhookDelivery, created_since, request)
        return list((await self.session.execute(query)).scalars())


# The fan-out's bulk writes, one statement per batch whatever its size. A renewal re-verifies
# every engagement of a sub, and its verdicts share most of their checks word for word: about
# 75 checks, 30 KB of JSON, per verdict. Each distinct checks array is stored once in
# verdict_checks (addressed by the SHA-256 of its jsonb text) and each verdict names it, so a
# fan-out writes a verdict row of ~150 bytes per engagement instead of 8.4 KB (lz4) and
# PostgreSQL builds, compresses and stores each array once instead of once per verdict.
# Storing arrays, one round trip: :elements holds the distinct checks, sent and parsed once;
# the pairs (:spec_layouts[i], :spec_elements[i]), in order, list each array's checks by their
# 1-based place in :elements; :layouts lists every array (an empty one has no pairs). Returns
# each array's address. Arrays are inserted in address order, so two batches storing the same
# new arrays wait for each other in one order (the second waits for the first's commit, then
# inserts nothing).
STORE_CHECKS: Final = text(
    """
    WITH elements AS (
        SELECT ordinality AS element, value
        FROM jsonb_array_elements(CAST(:elements AS jsonb)) WITH ORDINALITY
    ),
    built AS (
        SELECT spec.layout, jsonb_agg(elements.value ORDER BY spec.position) AS checks
        FROM unnest(CAST(:spec_layouts AS bigint[]), CAST(:spec_elements AS bigint[]))
             WITH ORDINALITY AS spec(layout, element, position)
        JOIN elements ON elements.element = spec.element
        GROUP BY spec.layout
    ),
    arrays AS (
        SELECT wanted.layout, COALESCE(built.checks, CAST('[]' AS jsonb)) AS checks
        FROM unnest(CAST(:layouts AS bigint[])) AS wanted(layout)
        LEFT JOIN built ON built.layout = wanted.layout
    ),
    addressed AS (
        SELECT layout, checks, sha256(convert_to(CAST(checks AS text), 'UTF8')) AS sha256
        FROM arrays
    ),
    stored AS (
        INSERT INTO verdict_checks (sha256, checks)
        SELECT DISTINCT ON (sha256) sha256, checks FROM addressed ORDER BY sha256
        ON CONFLICT (sha256) DO NOTHING
    )
    SELECT layout, sha256 FROM addressed
    """
)

# One round trip for the whole batch; each verdict row names its array's address. ON CONFLICT
# keeps exactly-once: a row whose (engagement, revision) already has a verdict is skipped
# (after the other writer commits, when two race) and is absent from RETURNING. Rows are
# inserted in the order given (the caller's engagement order, so racing writers take their
# locks in one order).
INSERT_VERDICTS: Final = text(
    """
    INSERT INTO verdicts (id, engagement_id, revision_id, requirement_set_version_id, status,
                          phase, as_of, engine_version, checks_sha256, created_at)
    SELECT row.id, row.engagement_id, CAST(:revision_id AS uuid), row.version_id, row.status,
           row.phase, CAST(:as_of AS date), row.engine_version, row.checks_sha256,
           CAST(:created_at AS timestamptz)
    FROM unnest(CAST(:ids AS uuid[]), CAST(:engagement_ids AS uuid[]),
                CAST(:version_ids AS uuid[]), CAST(:statuses AS text[]),
                CAST(:phases AS text[]), CAST(:engine_versions AS text[]),
                CAST(:addresses AS bytea[]))
         AS row(id, engagement_id, version_id, status, phase, engine_version, checks_sha256)
    ON CONFLICT (engagement_id, revision_id, phase) DO NOTHING
    RETURNING id, engagement_id
    """
)

# Only the engagements whose status, expiry, pay hold or phase really moved are written; the
# others' rows stay untouched (no dead tuple, no index churn, and their updated_at, the API's
# "updated since", stays where it was: nothing an integrator reads changed).
UPDATE_ENGAGEMENTS: Final = text(
    """
    UPDATE engagements AS e
    SET status = row.status, expires_on = row.expires_on,
        status_changed_at = row.status_changed_at, pay_hold = row.pay_hold,
        phase = row.phase, completed_operations_until = row.completed_operations_until,
        updated_at = now()
    FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:expires AS date[]),
                CAST(:changed_at AS timestamptz[]), CAST(:pay_holds AS boolean[]),
                CAST(:phases AS text[]), CAST(:completed_until AS date[]))
         AS row(id, status, expires_on, status_changed_at, pay_hold, phase,
                completed_operations_until)
    WHERE e.id = row.id
    """
)


@dataclass(frozen=True)
class VerdictRow:
    id: uuid.UUID
    engagement_id: uuid.UUID
    requirement_set_version_id: uuid.UUID
    status: str
    phase: str
    engine_version: str
    layout: int  # 0-based index into the batch's distinct checks arrays


async def store_checks(
    session: AsyncSession, elements: Sequence[str], layouts: Sequence[Sequence[int]]
) -> list[bytes]:
    """Store these checks arrays in verdict_checks (those already there are left alone), each
    given as 0-based indexes into `elements` (each one check's JSON text); returns each
    array's address, in the order given. Content-addressed rows hold no tenant's key: they are
    reached only through a verdict, read in its engagement's scope."""
    if not layouts:
        return []
    params: dict[str, Any] = {
        "elements": "[" + ",".join(elements) + "]",
        "spec_layouts": [n + 1 for n, layout in enumerate(layouts) for _ in layout],
        "spec_elements": [element + 1 for layout in layouts for element in layout],
        "layouts": list(range(1, len(layouts) + 1)),
    }
    addresses: dict[int, bytes] = dict((await session.execute(STORE_CHECKS, params)).all())
    return [bytes(addresses[n]) for n in range(1, len(layouts) + 1)]


async def insert_verdicts(
    session: AsyncSession,
    rows: Sequence[VerdictRow],
    addresses: Sequence[bytes],
    revision_id: uuid.UUID | None,
    as_of: date,
    created_at: datetime,
) -> dict[uuid.UUID, uuid.UUID]:
    """Insert these verdicts, each naming the stored checks array `addresses[row.layout]`;
    returns {engagement id: verdict id} of the rows really inserted."""
    if not rows:
        return {}
    params: dict[str, Any] = {
        "revision_id": revision_id,
        "as_of": as_of,
        "created_at": created_at,
        "ids": [row.id for row in rows],
        "engagement_ids": [row.engagement_id for row in rows],
        "version_ids": [row.requirement_set_version_id for row in rows],
        "statuses": [row.status for row in rows],
        "phases": [row.phase for row in rows],
        "engine_versions": [row.engine_version for row in rows],
        "addresses": [addresses[row.layout] for row in rows],
    }
    result = await session.execute(INSERT_VERDICTS, params)
    return {engagement_id: verdict_id for verdict_id, engagement_id in result.all()}


@dataclass(frozen=True)
class EngagementUpdate:
    id: uuid.UUID
    status: str
    expires_on: date | None
    status_changed_at: datetime | None
    pay_hold: bool
    phase: str
    completed_operations_until: date | None

    def changes(self, engagement: Any) -> bool:
        """Whether writing this changes the engagement as it was read."""
        return (
            self.status,
            self.expires_on,
            self.pay_hold,
            self.phase,
            self.completed_operations_until,
        ) != (
            engagement.status,
            engagement.expires_on,
            engagement.pay_hold,
            engagement.phase,
            engagement.completed_operations_until,
        )


async def update_engagements(session: AsyncSession, updates: Sequence[EngagementUpdate]) -> None:
    if not updates:
        return
    await session.execute(
        UPDATE_ENGAGEMENTS,
        {
            "ids": [u.id for u in updates],
            "statuses": [u.status for u in updates],
            "expires": [u.expires_on for u in updates],
            "changed_at": [u.status_changed_at for u in updates],
            "pay_holds": [u.pay_hold for u in updates],
            "phases": [u.phase for u in updates],
            "completed_until": [u.completed_operations_until for u in updates],
        },
    )


class VerificationRepository:
    """The statements of verification run as a system job, with no person acting: the fan-out
    of a record change, a single verification, the review page's preview and the sweep's holds
    and releases. Engagements are read under `network.access.record_reach_scope` (the sub
    whose record is judged), or by the sweep across every GC; every other statement here takes
    engagement ids read under one of those (or under a page's actor scope, for waivers), so it
    reaches nothing beyond them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def targets(
        self, scope: ColumnElement[bool], engagement_ids: Sequence[uuid.UUID]
    ) -> Sequence[Row[*tuple[Any, ...]]]:
        """The active engagements among these ids in scope, by id: `engagement_party_columns`'
        columns, then the name of the sub of the parent engagement (a tier-2 contract's)."""
        parent = aliased(Engagement)
        parent_sub = aliased(Organisation)
        query = (
            engagement_party_columns(
                scope, one_of(Engagement.id, engagement_ids), Engagement.active.is_(True)
            )
            .add_columns(parent_sub.legal_name)
            .outerjoin(parent, parent.id == Engagement.parent_engagement_id)
            .outerjoin(parent_sub, parent_sub.id == parent.sub_org_id)
            .order_by(Engagement.id)
        )
        return (await self.session.execute(query)).all()

    async def parties(
        self, scope: ColumnElement[bool], engagement_ids: Sequence[uuid.UUID]
    ) -> list[tuple[Engagement, Project, Organisation]]:
        """These engagements in scope as ORM rows, each with its project and GC."""
        query = engagement_parties(scope, Engagement.id.in_(engagement_ids))
        return [(e, p, gc) for e, p, gc, _ in (await self.session.execute(query)).all()]

    async def requirement_versions(
        self, version_ids: Collection[uuid.UUID]
    ) -> list[tuple[RequirementSetVersion, str]]:
        """These requirement set versions (those the engagements in scope are pinned to),
        each with its set's name."""
        query = (
            select(RequirementSetVersion, RequirementSet.name)
            .join(RequirementSet, RequirementSet.id == RequirementSetVersion.requirement_set_id)
            .where(one_of(RequirementSetVersion.id, version_ids))
        )
        return [(version, name) for version, name in await self.session.execute(query)]

    async def waivers_in_force(
        self, engagement_ids: Sequence[uuid.UUID], today: date
    ) -> list[tuple[Decision, str | None, str]]:
        """The waive decisions on these engagements not expired before `today` nor replaced
        by a later waiver (which ended them when it was granted), oldest first, each with its
        decider's name and e-mail address."""
        later = aliased(Decision)
        replaced = exists().where(
            later.engagement_id == Decision.engagement_id,
            later.kind == "waive",
            later.details["replaces"]["decision_id"].astext == cast(Decision.id, Text),
        )
        query = (
            select(Decision, Person.full_name, Person.email)
            .join(Person, Person.id == Decision.decided_by_id)
            .where(
                one_of(Decision.engagement_id, engagement_ids),
                Decision.kind == "waive",
                Decision.expires_on >= today,
                ~replaced,
            )
            .order_by(Decision.created_at)
        )
        return [(d, name, email) for d, name, email in await self.session.execute(query)]

    async def verified_on_revision(
        self, revision_id: uuid.UUID, engagement_ids: Sequence[uuid.UUID]
    ) -> set[tuple[uuid.UUID, str]]:
        """(engagement, phase) of the verdicts these engagements already have on the revision."""
        query = select(Verdict.engagement_id, Verdict.phase).where(
            Verdict.revision_id == revision_id, one_of(Verdict.engagement_id, engagement_ids)
        )
        return {(engagement, phase) for engagement, phase in await self.session.execute(query)}

    async def hold_decisions(
        self, engagement_ids: Sequence[uuid.UUID]
    ) -> list[tuple[uuid.UUID, str, dict[str, Any] | None]]:
        """(engagement, kind, details) of the pay-hold and release decisions on those of these
        engagements now on pay hold, by engagement then oldest first."""
        query = (
            select(Decision.engagement_id, Decision.kind, Decision.details)
            .join(Engagement, Engagement.id == Decision.engagement_id)
            .where(
                one_of(Decision.engagement_id, engagement_ids),
                Engagement.pay_hold.is_(True),
                Decision.kind.in_(("pay_hold", "release")),
            )
            .order_by(Decision.engagement_id, Decision.created_at)
        )
        return [(e, kind, details) for e, kind, details in await self.session.execute(query)]

    async def add_decisions(self, rows: Sequence[dict[str, Any]]) -> None:
        """Automatic decisions (holds, releases) on engagements read in scope: one INSERT."""
        if rows:
            await self.session.execute(pg_insert(Decision).values(list(rows)))

    async def system_person(self, email: str, full_name: str) -> uuid.UUID:
        """The id of the person with this address, created (no password, no membership) if
        missing; two writers racing create one."""
        statement = (
            pg_insert(Person)
            .values(
                id=uuid.uuid4(),
                email=email,
                full_name=full_name,
                password_hash="",
                failed_sign_ins=0,
            )
            .on_conflict_do_nothing(index_elements=["email"])
        )
        await self.session.execute(statement)
        person_id = await self.session.scalar(select(Person.id).where(Person.email == email))
        assert person_id is not None
        return person_id

    async def sub_of_engagement(self, engagement_id: uuid.UUID) -> uuid.UUID | None:
        """The sub whose record judges this engagement (a single verification, asked for by
        the engagement's id; its facts are then read under that record's reach)."""
        return await self.session.scalar(
            select(Engagement.sub_org_id).where(Engagement.id == engagement_id)
        )

    async def record_change(
        self, event_id: uuid.UUID, kind: str
    ) -> tuple[OutboxEvent, RecordRevision] | None:
        """A fan-out job's record-change event of this kind (the job's argument, read by its
        own id) with the revision it names, read within the sub the event is about (scope:
        that sub's own record); None when either is missing."""
        query = (
            select(OutboxEvent, RecordRevision)
            .join(
                RecordRevision,
                (RecordRevision.id == OutboxEvent.revision_id)
                & (RecordRevision.sub_org_id == OutboxEvent.sub_org_id),
            )
            .where(OutboxEvent.id == event_id, OutboxEvent.kind == kind)
        )
        found = (await self.session.execute(query)).first()
        return (found[0], found[1]) if found is not None else None

    async def latest_revision_number(self, sub_org_id: uuid.UUID) -> int | None:
        """The number of the sub's latest record revision (scope: that sub's own record, the
        one whose change is fanned out)."""
        query = (
            select(RecordRevision.number)
            .where(RecordRevision.sub_org_id == sub_org_id)
            .order_by(RecordRevision.number.desc())
            .limit(1)
        )
        return await self.session.scalar(query)

    @staticmethod
    def _pending(scope: ColumnElement[bool], revision: RecordRevision) -> Select[uuid.UUID]:
        """Active engagements in scope (`record_reach_scope` of the revision's sub) not yet
        verified against this revision, and not already verified against a later one of the
        same sub (an older revision must not overwrite a newer verdict)."""
        newer = aliased(RecordRevision)
        newer_verdict = aliased(Verdict)
        return (
            select(Engagement.id)
            .where(
                scope,
                Engagement.active.is_(True),
                ~exists().where(
                    Verdict.engagement_id == Engagement.id, Verdict.revision_id == revision.id
                ),
                ~exists().where(
                    and_(
                        newer_verdict.engagement_id == Engagement.id,
                        newer.id == newer_verdict.revision_id,
                        newer.sub_org_id == revision.sub_org_id,
                        newer.number > revision.number,
                    )
                ),
            )
            .order_by(Engagement.id)
        )

    async def pending_engagement_ids(
        self,
        scope: ColumnElement[bool],
        revision: RecordRevision,
        *,
        within: tuple[uuid.UUID, uuid.UUID] | None = None,
        created_by: datetime | None = None,
    ) -> list[uuid.UUID]:
        """The ids, in order, of the engagements in scope (`record_reach_scope` of the
        revision's sub) still to verify against the revision (see `_pending`): one statement.
        `within`: only ids in that closed range (a chunk job's); `created_by`: only engagements
        created by then (those the event announcing the revision reaches)."""
        query = self._pending(scope, revision)
        if within is not None:
            query = query.where(Engagement.id.between(*within))
        if created_by is not None:
            query = query.where(Engagement.created_at <= created_by)
        return list((await self.session.execute(query)).scalars())

    async def any_pending(
        self,
        scope: ColumnElement[bool],
        revision: RecordRevision,
        *,
        created_by: datetime | None = None,
    ) -> bool:
        """Whether any engagement in scope (`record_reach_scope` of the revision's sub) is still
        to verify against the revision (`created_by` as in `pending_engagement_ids`)."""
        query = self._pending(scope, revision)
        if created_by is not None:
            query = query.where(Engagement.created_at <= created_by)
        return (await self.session.execute(query.limit(1))).first() is not None

    async def recent_latest_changes(
        self, kind: str, since: datetime
    ) -> list[tuple[uuid.UUID, datetime, RecordRevision]]:
        """(event id, event time, revision) of the published outbox events of this kind created
        since then whose revision is its sub's latest. Scope: every sub's (the resume cron, a
        system job, serves the whole deployment); each revision is then judged within its own
        sub's record (`pending_engagement_ids` under `record_reach_scope`)."""
        newest = aliased(RecordRevision)
        query = (
            select(OutboxEvent.id, OutboxEvent.created_at, RecordRevision)
            .join(RecordRevision, RecordRevision.id == OutboxEvent.revision_id)
            .where(
                OutboxEvent.kind == kind,
                OutboxEvent.published_at.is_not(None),
                OutboxEvent.created_at >= since,
                ~exists().where(
                    newest.sub_org_id == RecordRevision.sub_org_id,
                    newest.number > RecordRevision.number,
                ),
            )
        )
        return [
            (event_id, created_at, revision)
            for event_id, created_at, revision in (await self.session.execute(query)).all()
        ]


class FanOutFailureRepository:
    """Fan-outs that failed (workers/dead_letter.py): statements of a system job and of the
    operator's command, with no organisation acting. The fan-out's own failure is found by its
    outbox event (the job's argument; the event names the sub whose record changed), and the
    revision it names is read within that sub's record; the resume cron asks about the events
    it was about to resume; the operator's list and re-queue read every sub's dead letters,
    as the operator's command serves the whole deployment."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, failure: FanOutFailure) -> None:
        self.session.add(failure)

    async def of_event_locked(self, event_id: uuid.UUID) -> FanOutFailure | None:
        """The event's failure row, locked (two failures of one fan-out count one after the
        other)."""
        query = select(FanOutFailure).where(FanOutFailure.event_id == event_id).with_for_update()
        return await self.session.scalar(query)

    async def revision_number(self, sub_org_id: uuid.UUID, revision_id: uuid.UUID) -> int | None:
        """The number of one of the sub's revisions (the one whose fan-out failed)."""
        query = select(RecordRevision.number).where(
            RecordRevision.id == revision_id, RecordRevision.sub_org_id == sub_org_id
        )
        return await self.session.scalar(query)

    async def dead_among(self, event_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of these events given up and not since re-queued."""
        query = select(FanOutFailure.event_id).where(
            FanOutFailure.event_id.in_(list(event_ids)),
            FanOutFailure.dead_at.is_not(None),
            FanOutFailure.resolved_at.is_(None),
        )
        return set((await self.session.execute(query)).scalars())

    async def dead_letters(self) -> list[tuple[FanOutFailure, str | None, int | None]]:
        """Every dead letter not resolved, longest dead first, with its sub's name and its
        revision's number (None when either was removed)."""
        query = (
            select(FanOutFailure, Organisation.legal_name, RecordRevision.number)
            .outerjoin(Organisation, Organisation.id == FanOutFailure.sub_org_id)
            .outerjoin(RecordRevision, RecordRevision.id == FanOutFailure.revision_id)
            .where(FanOutFailure.dead_at.is_not(None), FanOutFailure.resolved_at.is_(None))
            .order_by(FanOutFailure.dead_at)
        )
        return [
            (failure, name, number) for failure, name, number in await self.session.execute(query)
        ]
