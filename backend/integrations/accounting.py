"""What a GC's accounting system needs from us: the pay holds in force (for accounts payable)
and a compliance-code feed per vendor and subcontract in the shape Viewpoint Vista imports
(code, description, expiry, verify flag), both as CSV files and as JSON over the API.

A "subcontract" is the engagement's contract (a subcontract or purchase order, imported from
Procore or labelled by its trade): it is named "<project number>/<contract label>" and keyed by
the engagement id. When the GC is connected to Procore, `procore_vendor_id` (the vendor a
person confirmed the sub is) and `procore_commitment_id` (the imported commitment) name the
same vendor and contract as Procore and the accounting system it syncs with; empty otherwise.

Compliance codes, one row per required coverage line plus one HOLD row per pay hold in force:
- `code`: the line's short code (GL, AUTO, UMB, WC), or HOLD;
- `expiry`: the policy term's expiration date, empty when no policy is on record;
- `verify`: always "Y": accounting checks the code at each payment (Vista holds the payment when
  the code has expired or is not complied with);
- `complied`: "Y" only when the latest verdict finds the line met; a line not yet judged, open,
  unmet, expired or missing is "N". A HOLD row is never complied with while the hold stands.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Decision, Engagement, Organisation, Project
from backend.integrations.coverage_lines import coverage_lines
from backend.integrations.procore.repository import CommitmentRepository
from backend.network.access import engagement_scope, require
from backend.network.actor import Actor
from backend.projects.repository import ProjectRepository

HOLD_COLUMNS: Final = (
    "vendor",
    "vendor_id",
    "project_number",
    "project_name",
    "subcontract",
    "engagement_id",
    "hold_since",
    "reason",
    "automatic",
    "evidence_link",
    "procore_vendor_id",
    "procore_commitment_id",
)
CODE_COLUMNS: Final = (
    "vendor",
    "vendor_id",
    "subcontract",
    "engagement_id",
    "code",
    "description",
    "expiry",
    "verify",
    "complied",
    "procore_vendor_id",
    "procore_commitment_id",
)


@dataclass(frozen=True)
class HoldRow:
    vendor: str
    vendor_id: str
    project_number: str
    project_name: str
    subcontract: str
    engagement_id: str
    hold_since: str
    reason: str
    automatic: bool
    evidence_link: str
    procore_vendor_id: str
    procore_commitment_id: str


@dataclass(frozen=True)
class CodeRow:
    vendor: str
    vendor_id: str
    subcontract: str
    engagement_id: str
    code: str
    description: str
    expiry: str
    verify: str
    complied: str
    procore_vendor_id: str
    procore_commitment_id: str


async def _procore_vendors(session: AsyncSession, actor: Actor) -> dict[uuid.UUID, str]:
    """sub -> the Procore vendor id a person of the actor's GC confirmed it is."""
    if not actor.is_gc:
        return {}
    confirmed = await CommitmentRepository(session, actor.organisation_id).confirmed_vendors()
    return {sub: str(vendor) for vendor, sub in confirmed.items()}


def _procore_ids(vendors: dict[uuid.UUID, str], engagement: Engagement) -> dict[str, str]:
    commitment = engagement.procore_commitment_id
    return {
        "procore_vendor_id": vendors.get(engagement.sub_org_id, ""),
        "procore_commitment_id": str(commitment) if commitment is not None else "",
    }


def evidence_link(settings: Settings, engagement_id: uuid.UUID) -> str:
    return f"{settings.base_url.rstrip('/')}/engagements/{engagement_id}"


async def _engagements(
    session: AsyncSession, actor: Actor, only_held: bool
) -> list[tuple[Engagement, Project, Organisation]]:
    require(actor, "project.read")
    return await ProjectRepository(session).active_engagements_by_sub(
        engagement_scope(actor), only_held
    )


async def _latest_holds(
    session: AsyncSession, actor: Actor, engagement_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Decision]:
    if not engagement_ids:
        return {}
    holds = await ProjectRepository(session).decisions_of_kind(
        engagement_scope(actor), engagement_ids, "pay_hold"
    )
    return {d.engagement_id: d for d in holds}


def subcontract_name(project: Project, engagement: Engagement) -> str:
    return f"{project.number}/{engagement.contract_ref}"


async def holds(session: AsyncSession, settings: Settings, actor: Actor) -> list[HoldRow]:
    held = await _engagements(session, actor, only_held=True)
    decisions = await _latest_holds(session, actor, [e.id for e, _, _ in held])
    vendors = await _procore_vendors(session, actor)
    rows = []
    for engagement, project, sub in held:
        decision = decisions.get(engagement.id)
        since: datetime | None = decision.created_at if decision is not None else None
        rows.append(
            HoldRow(
                vendor=sub.legal_name,
                vendor_id=str(sub.id),
                project_number=project.number,
                project_name=project.name,
                subcontract=subcontract_name(project, engagement),
                engagement_id=str(engagement.id),
                hold_since=since.isoformat() if since is not None else "",
                reason=decision.reason if decision is not None else "",
                automatic=bool(decision is not None and (decision.details or {}).get("automatic")),
                evidence_link=evidence_link(settings, engagement.id),
                **_procore_ids(vendors, engagement),
            )
        )
    return rows


async def compliance_codes(session: AsyncSession, actor: Actor, today: date) -> list[CodeRow]:
    engaged = await _engagements(session, actor, only_held=False)
    lines = await coverage_lines(session, [e.id for e, _, _ in engaged], today)
    decisions = await _latest_holds(session, actor, [e.id for e, _, _ in engaged if e.pay_hold])
    vendors = await _procore_vendors(session, actor)
    rows = []
    for engagement, project, sub in engaged:
        base = {
            "vendor": sub.legal_name,
            "vendor_id": str(sub.id),
            "subcontract": subcontract_name(project, engagement),
            "engagement_id": str(engagement.id),
            **_procore_ids(vendors, engagement),
        }
        for line in lines.get(engagement.id, []):
            policy = f", policy {line.policy_number}" if line.policy_number else ""
            rows.append(
                CodeRow(
                    **base,
                    code=line.code,
                    description=f"{line.label} insurance{policy} ({line.state})",
                    expiry=line.expiration.isoformat() if line.expiration else "",
                    verify="Y",
                    complied="Y" if line.state == "met" else "N",
                )
            )
        if engagement.pay_hold:
            decision = decisions.get(engagement.id)
            reason = decision.reason if decision is not None else ""
            rows.append(
                CodeRow(
                    **base,
                    code="HOLD",
                    description=f"Pay hold (COI network): {reason}"[:200],
                    expiry="",
                    verify="Y",
                    complied="N",
                )
            )
    return rows


def to_csv(columns: Sequence[str], rows: Sequence[HoldRow] | Sequence[CodeRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        values = asdict(row)
        # A cell starting with = + - @ is a formula to a spreadsheet: quote it as text.
        writer.writerow(
            {k: f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for k, v in values.items()}
        )
    return out.getvalue()
