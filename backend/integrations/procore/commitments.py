"""Importing a GC's Procore commitments (subcontracts and purchase orders) as engagements.

For each of the GC's projects linked to a Procore project, both commitment lists are read
(paged) and each commitment becomes one engagement, so one sub can hold several contracts on
one project, each with its own requirement set, dates, verdicts and decisions. Its vendor must
be a vendor a person confirmed as a network sub; other vendors are reported, never guessed.

A commitment already imported is matched by its Procore id and its label, title and dates are
brought up to date (its trade and requirement set are the GC's to change, not Procore's). The
first commitment of a sub that was already engaged on the project without one takes over that
engagement, so its history (verdicts, decisions, snapshots) carries on under the contract. A new
engagement is held to the project trade its title names (or the default trade given, or the
project's only trade) and is judged at once against the sub's record.

Commitments Procore shows as void or terminated are not imported (an engagement already made
for one is left as it is, and reported).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Engagement, Project
from backend.errors import BadInput, Conflict, NotFound
from backend.integrations.procore.client import ProcoreClient, ProcoreError
from backend.integrations.procore.connection import connection_in_use, manage, open_client
from backend.integrations.procore.repository import CommitmentRepository
from backend.network.actor import Actor
from backend.projects.verify_service import verify_engagement

# Procore's list endpoint of each commitment kind -> our contract kind.
KINDS: Final = {
    "work_order_contracts": "subcontract",
    "purchase_order_contracts": "purchase_order",
}
# Short names used in a label made unique ("SC-1 (purchase order 41)").
KIND_WORDS: Final = {"subcontract": "subcontract", "purchase_order": "purchase order"}
# Procore statuses of a commitment that no longer binds anybody.
ENDED_STATUSES: Final = frozenset({"void", "terminated"})
REF_LENGTH: Final = 80  # engagements.contract_ref
# Procore's resource names of commitments in webhook events ("Work Order Contracts", "Purchase
# Order Contracts", "Commitments" ...): any of these words marks one.
COMMITMENT_WORDS: Final = ("contract", "commitment")
TITLE_LENGTH: Final = 300  # engagements.contract_title
# Why a vendor link is confirmed when its invitation was accepted.
INVITED_MATCH: Final = "accepted your invitation"


class Skipped(msgspec.Struct, kw_only=True):
    procore_project_id: int
    kind: str
    commitment_id: int | None
    number: str
    reason: str


class ImportReport(msgspec.Struct, kw_only=True):
    projects: int = 0
    read: int = 0
    created: int = 0
    attached: int = 0
    updated: int = 0
    unchanged: int = 0
    engagement_ids: list[uuid.UUID] = msgspec.field(default_factory=list)
    skipped: list[Skipped] = msgspec.field(default_factory=list)


@dataclass(frozen=True)
class Commitment:
    """The fields of a Procore commitment the import uses, checked."""

    kind: str
    id: int
    number: str
    title: str
    status: str
    vendor_id: int | None
    start: date | None
    end: date | None

    @property
    def label(self) -> str:
        return (self.number or self.title or f"{KIND_WORDS[self.kind]} {self.id}")[:REF_LENGTH]


def is_commitment(resource_name: str) -> bool:
    name = resource_name.lower()
    return any(word in name for word in COMMITMENT_WORDS)


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_commitment(kind: str, raw: dict[str, Any]) -> Commitment | None:
    """None when the row has no usable id (nothing could key it)."""
    commitment_id = raw.get("id")
    if not isinstance(commitment_id, int) or isinstance(commitment_id, bool) or commitment_id <= 0:
        return None
    vendor = raw.get("vendor")
    vendor_id = vendor.get("id") if isinstance(vendor, dict) else None
    return Commitment(
        kind=KINDS[kind],
        id=commitment_id,
        number=" ".join(str(raw.get("number") or "").split())[:REF_LENGTH],
        title=" ".join(str(raw.get("title") or "").split())[:TITLE_LENGTH],
        status=str(raw.get("status") or ""),
        vendor_id=vendor_id if isinstance(vendor_id, int) else None,
        start=_date(raw.get("contract_start_date")),
        end=_date(raw.get("contract_estimated_completion_date")),
    )


def choose_trade(
    commitment: Commitment, trades: dict[str, uuid.UUID], default_trade: str | None
) -> str | None:
    """The project trade the commitment's title names (the longest such name, so "Electrical
    Low Voltage" wins over "Electrical"), else the default trade, else the only trade."""
    title = commitment.title.casefold()
    named = [t for t in trades if t.casefold() in title]
    if named:
        return max(named, key=len)
    if default_trade is not None:
        return next((t for t in trades if t.casefold() == default_trade.casefold()), None)
    if len(trades) == 1:
        return next(iter(trades))
    return None


def _unique_ref(commitment: Commitment, taken: set[str]) -> str:
    ref = commitment.label
    if ref.casefold() in taken:
        suffix = f" ({KIND_WORDS[commitment.kind]} {commitment.id})"
        ref = ref[: REF_LENGTH - len(suffix)] + suffix
    return ref


def _apply(engagement: Engagement, commitment: Commitment, ref: str) -> bool:
    """Bring the engagement's contract up to the commitment; whether anything changed."""
    wanted = {
        "contract_ref": ref,
        "contract_kind": commitment.kind,
        "procore_commitment_id": commitment.id,
        "contract_title": commitment.title,
        "contract_start": commitment.start,
        "contract_end": commitment.end,
    }
    changed = {k: v for k, v in wanted.items() if getattr(engagement, k) != v}
    for key, value in changed.items():
        setattr(engagement, key, value)
    return bool(changed)


async def import_commitments(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    project_id: uuid.UUID | None = None,
    default_trade: str | None = None,
    *,
    client: ProcoreClient | None = None,
    today: date | None = None,
) -> ImportReport:
    """A GC admin's import (the API and the Procore page)."""
    manage(actor)
    return await import_for(
        session,
        settings,
        actor.organisation_id,
        project_id,
        default_trade,
        client=client,
        today=today,
    )


async def import_by_procore_project(
    session: AsyncSession, settings: Settings, organisation_id: uuid.UUID, procore_project_id: int
) -> ImportReport | None:
    """The import of one Procore project (a commitment webhook's hint); None when that
    project is not linked to one of the GC's."""
    repo = CommitmentRepository(session, organisation_id)
    project_id = await repo.project_linked_to(procore_project_id)
    if project_id is None:
        return None
    return await import_for(session, settings, organisation_id, project_id)


async def import_for(
    session: AsyncSession,
    settings: Settings,
    organisation_id: uuid.UUID,
    project_id: uuid.UUID | None = None,
    default_trade: str | None = None,
    *,
    client: ProcoreClient | None = None,
    today: date | None = None,
) -> ImportReport:
    """Import for one GC (its admin's request, a webhook's hint or the nightly job)."""
    if default_trade is not None:
        default_trade = " ".join(default_trade.split()) or None
    connection = await connection_in_use(session, organisation_id)
    repo = CommitmentRepository(session, organisation_id)
    projects = await repo.linked_projects(project_id)
    if project_id is not None and not projects:
        raise NotFound("No such project linked to Procore in your organisation.")
    await confirm_invited_vendors(repo)
    confirmed = await repo.confirmed_vendors()
    # A vendor confirmed as a network sub the GC does not engage yet: no engagement is made
    # until the sub accepts an invitation (its consent is not the GC's Procore's to give).
    engaged = await repo.engaged_sub_ids()
    vendors = {v: s for v, s in confirmed.items() if s in engaged}
    awaiting = set(confirmed) - set(vendors)
    report = ImportReport(projects=len(projects))
    procore = client or open_client(settings, connection)
    try:
        for project, procore_project_id in projects:
            listed: list[Commitment] = []
            for kind in KINDS:
                try:
                    rows = await procore.commitments(kind, procore_project_id)
                except ProcoreError as exc:
                    raise Conflict(
                        f"Procore's {kind} of project {procore_project_id} could not be read: {exc}"
                    ) from exc
                for raw in rows:
                    report.read += 1
                    commitment = parse_commitment(kind, raw)
                    if commitment is None:
                        report.skipped.append(
                            Skipped(
                                procore_project_id=procore_project_id,
                                kind=KINDS[kind],
                                commitment_id=None,
                                number=str(raw.get("number") or "")[:REF_LENGTH],
                                reason="the commitment has no id",
                            )
                        )
                        continue
                    listed.append(commitment)
            await _import_project(
                repo, project, procore_project_id, listed, vendors, awaiting, default_trade, report
            )
    finally:
        if client is None:
            await procore.aclose()
    await session.flush()
    judged_on = today or datetime.now(UTC).date()
    for engagement_id in report.engagement_ids:
        await verify_engagement(session, engagement_id, None, judged_on)
    return report


async def confirm_invited_vendors(repo: CommitmentRepository) -> int:
    """Vendors invited from the Procore page ("invite this vendor") whose invitation a sub has
    accepted: confirmed as that sub, by the person who sent the invitation's choice."""
    accepted = await repo.accepted_vendor_invitations()
    for link, sub_org_id, sent_by in accepted:
        link.sub_org_id = sub_org_id
        link.confirmed_by_id = sent_by
        link.state = "confirmed"
        link.match_reason = INVITED_MATCH
        link.confirmed_at = datetime.now(UTC)
    await repo.session.flush()
    return len(accepted)


async def _import_project(
    repo: CommitmentRepository,
    project: Project,
    procore_project_id: int,
    commitments: list[Commitment],
    vendors: dict[int, uuid.UUID],
    awaiting: set[int],
    default_trade: str | None,
    report: ImportReport,
) -> None:
    engagements = await repo.tier1_engagements(project.id)
    by_commitment = {
        (e.contract_kind, e.procore_commitment_id): e
        for e in engagements
        if e.procore_commitment_id is not None
    }
    trades: dict[str, uuid.UUID] | None = None

    def skip(commitment: Commitment, reason: str) -> None:
        report.skipped.append(
            Skipped(
                procore_project_id=procore_project_id,
                kind=commitment.kind,
                commitment_id=commitment.id,
                number=commitment.number,
                reason=reason,
            )
        )

    for commitment in commitments:
        engagement = by_commitment.get((commitment.kind, commitment.id))
        ended = commitment.status.casefold() in ENDED_STATUSES
        if engagement is None and ended:
            skip(commitment, f"Procore shows it {commitment.status.lower()}")
            continue
        sub_org_id = vendors.get(commitment.vendor_id) if commitment.vendor_id else None
        if engagement is None and sub_org_id is None:
            if commitment.vendor_id in awaiting:
                reason = "its vendor's sub has not accepted an invitation from you yet"
            elif commitment.vendor_id:
                reason = (
                    "its vendor is not confirmed as a network sub: confirm the vendor, then import"
                )
            else:
                reason = "it names no vendor"
            skip(commitment, reason)
            continue
        owner = engagement.sub_org_id if engagement is not None else sub_org_id
        taken = {
            e.contract_ref.casefold()
            for e in engagements
            if e.sub_org_id == owner and e is not engagement
        }
        ref = _unique_ref(commitment, taken)
        if engagement is not None:
            if ended:
                skip(commitment, f"Procore shows it {commitment.status.lower()}; left as it is")
            if _apply(engagement, commitment, ref):
                report.updated += 1
            else:
                report.unchanged += 1
            continue
        assert sub_org_id is not None
        unlinked = next(
            (
                e
                for e in engagements
                if e.sub_org_id == sub_org_id and e.procore_commitment_id is None and e.active
            ),
            None,
        )
        if unlinked is not None:
            # The sub was engaged before its contract was known: the contract is that engagement.
            _apply(
                unlinked,
                commitment,
                _unique_ref(commitment, taken - {unlinked.contract_ref.casefold()}),
            )
            by_commitment[(commitment.kind, commitment.id)] = unlinked
            report.attached += 1
            continue
        if trades is None:
            trades = await repo.trades(project.id)
        trade = choose_trade(commitment, trades, default_trade)
        if trade is None:
            skip(
                commitment,
                "its title names none of the project's trades: give a default trade"
                if default_trade is None
                else f"the project has no trade {default_trade!r}",
            )
            continue
        created = Engagement(
            id=uuid.uuid4(),
            project_id=project.id,
            gc_org_id=project.gc_org_id,
            sub_org_id=sub_org_id,
            trade=trade,
            requirement_set_version_id=trades[trade],
            status="pending",
            status_changed_at=datetime.now(UTC),
            work_start=commitment.start or project.start_date,
            contract_ref=ref,
            contract_kind=commitment.kind,
            contract_title=commitment.title,
            procore_commitment_id=commitment.id,
            contract_start=commitment.start,
            contract_end=commitment.end,
        )
        repo.session.add(created)
        engagements.append(created)
        by_commitment[(commitment.kind, commitment.id)] = created
        report.created += 1
        report.engagement_ids.append(created.id)


def check_default_trade(value: str | None) -> str | None:
    if value is not None and len(value) > REF_LENGTH:
        raise BadInput("A trade has at most 80 characters.", field="default_trade")
    return value
