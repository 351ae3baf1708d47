"""Which Procore vendor is which network sub, and which Procore project is which project.

Vendors are read from the GC's Procore directory and matched against the subs the GC engages:
a match on the exact legal name (case and spacing aside) or on the tax id is only a suggestion;
a person confirms it, rejects it or picks the sub by hand. Nothing is written for unconfirmed
vendors.

A vendor matching none of them may be a sub on the network the GC has not engaged yet: it is
suggested only when the sub holds exactly the vendor's tax id AND its legal name is the
vendor's (as above), the pair the GC already has from its own Procore, so a suggestion tells
the GC nothing it did not know. Each such look-up is counted against the organisation's hourly
budget of tax id look-ups (web_security.rate_limits), so a directory cannot be used to list the
network; vendors past the budget are looked up on a later refresh. A confirmed link to a sub
the GC does not engage yet imports no contract until the sub has accepted an invitation
(commitments.py): the GC's Procore says nothing of the sub's consent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import (
    Organisation,
    ProcoreProjectLink,
    ProcoreVendorLink,
    Project,
)
from backend.errors import BadInput, Conflict, NotFound
from backend.integrations.procore.client import ProcoreError
from backend.integrations.procore.commitments import (
    ENDED_STATUSES,
    KINDS,
    choose_trade,
    parse_commitment,
)
from backend.integrations.procore.connection import (
    MAX_PROCORE_ID,
    connection_in_use,
    manage,
    open_client,
)
from backend.integrations.procore.repository import CommitmentRepository, LinkRepository
from backend.network.actor import Actor
from backend.network.invitations import InvitationService, Issued
from backend.web_security.rate_limits import tax_id_lookups_granted

# Why a vendor was suggested as a network sub the GC does not engage yet: both, never one.
NETWORK_MATCH: Final = "legal name and tax id, on the network"
# A federal tax id (EIN) is nine digits; anything else cannot name a company on the network.
EIN_DIGITS: Final = 9
# The longest vendor name kept (procore_vendor_links.vendor_name).
VENDOR_NAME_CHARS: Final = 300


@dataclass(frozen=True)
class VendorRefresh:
    read: int  # vendors in the GC's Procore directory
    deferred: int  # vendors not looked up on the network: the hourly budget ran out


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _tax_id(value: Any) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


async def engaged_subs(session: AsyncSession, gc_org_id: uuid.UUID) -> list[Organisation]:
    return await LinkRepository(session, gc_org_id).engaged_subs()


def suggest(vendor: dict[str, Any], subs: list[Organisation]) -> tuple[Organisation | None, str]:
    tax = _tax_id(vendor.get("tax_id"))
    if tax:
        # The organisation's own tax id (EIN, entered at sign-up or in settings); older
        # organisations may still carry one only in their settings.
        by_tax = [s for s in subs if _tax_id(s.tax_id or (s.settings or {}).get("tax_id")) == tax]
        if len(by_tax) == 1:
            return by_tax[0], "tax id"
    by_name = [s for s in subs if name_key(s.legal_name) == name_key(str(vendor.get("name", "")))]
    if len(by_name) == 1:
        return by_name[0], "legal name"
    return None, ""


async def refresh_vendors(session: AsyncSession, settings: Settings, actor: Actor) -> VendorRefresh:
    """Read the Procore directory again and (re)suggest links; confirmed and rejected links
    are left as a person set them."""
    manage(actor)
    client = open_client(settings, await connection_in_use(session, actor.organisation_id))
    try:
        vendors = await client.vendors()
    except ProcoreError as exc:
        raise Conflict(f"Procore's vendor list could not be read: {exc}") from exc
    finally:
        await client.aclose()
    links = LinkRepository(session, actor.organisation_id)
    subs = await links.engaged_subs()
    existing = {link.procore_vendor_id: link for link in await links.vendor_links()}
    on_network: list[tuple[int, str, str]] = []  # vendor id, name, tax id: to look up
    for vendor in vendors:
        vendor_id = int(vendor["id"])
        name = str(vendor.get("name", ""))[:VENDOR_NAME_CHARS]
        link = existing.get(vendor_id)
        if link is not None and link.state in ("confirmed", "rejected"):
            link.vendor_name = name
            continue
        sub, reason = suggest(vendor, subs)
        tax = _tax_id(vendor.get("tax_id"))
        if sub is None and len(tax) == EIN_DIGITS and name_key(name):
            on_network.append((vendor_id, name, tax))
            if link is not None:
                continue  # kept as it is until looked up again
        await links.save_vendor_suggestion(
            vendor_id,
            {
                "vendor_name": name,
                "sub_org_id": sub.id if sub else None,
                "state": "suggested" if sub else "unmatched",
                "match_reason": reason,
            },
        )
    granted = await tax_id_lookups_granted(settings, actor.organisation_id, len(on_network))
    network = InvitationService(session)
    for vendor_id, name, tax in on_network[:granted]:
        found = await network.sub_with_tax_id(tax)
        matched = found is not None and name_key(found.legal_name) == name_key(name)
        await links.save_vendor_suggestion(
            vendor_id,
            {
                "vendor_name": name,
                "sub_org_id": found.id if found is not None and matched else None,
                "state": "suggested" if matched else "unmatched",
                "match_reason": NETWORK_MATCH if matched else "",
            },
        )
    for vendor_id, name, _ in on_network[granted:]:
        if vendor_id not in existing:
            await links.save_vendor_suggestion(
                vendor_id,
                {"vendor_name": name, "sub_org_id": None, "state": "unmatched", "match_reason": ""},
            )
    await session.flush()
    return VendorRefresh(read=len(vendors), deferred=len(on_network) - granted)


async def vendor_links(session: AsyncSession, actor: Actor) -> list[ProcoreVendorLink]:
    manage(actor)
    return await LinkRepository(session, actor.organisation_id).vendor_links()


async def _link(session: AsyncSession, actor: Actor, vendor_id: int) -> ProcoreVendorLink:
    manage(actor)
    link = await LinkRepository(session, actor.organisation_id).vendor_link(vendor_id)
    if link is None:
        raise NotFound("No such Procore vendor: refresh the vendor list first.")
    return link


async def confirm_vendor(
    session: AsyncSession, actor: Actor, vendor_id: int, sub_org_id: uuid.UUID | None
) -> ProcoreVendorLink:
    """Confirm the suggestion, or link the vendor to another sub the GC engages."""
    link = await _link(session, actor, vendor_id)
    chosen = sub_org_id or link.sub_org_id
    if chosen is None:
        raise BadInput("Choose the sub this vendor is.", field="sub_org_id")
    # A sub the GC does not engage yet only as suggested (its exact legal name and tax id).
    from_network = (
        link.state == "suggested"
        and link.match_reason == NETWORK_MATCH
        and chosen == link.sub_org_id
    )
    engaged = {s.id for s in await engaged_subs(session, actor.organisation_id)}
    if chosen not in engaged and not from_network:
        raise BadInput("That sub is not engaged on any of your projects.", field="sub_org_id")
    taken = await LinkRepository(session, actor.organisation_id).vendor_confirmed_as(
        chosen, other_than=vendor_id
    )
    if taken is not None:
        raise Conflict(f"That sub is already linked to Procore vendor {taken}.")
    link.sub_org_id = chosen
    link.state = "confirmed"
    link.match_reason = link.match_reason if sub_org_id in (None, link.sub_org_id) else "by hand"
    link.confirmed_by_id = actor.person_id
    link.confirmed_at = datetime.now(UTC)
    await session.flush()
    return link


async def reject_vendor(session: AsyncSession, actor: Actor, vendor_id: int) -> ProcoreVendorLink:
    link = await _link(session, actor, vendor_id)
    link.state = "rejected"
    link.sub_org_id = None
    link.confirmed_by_id = actor.person_id
    link.confirmed_at = datetime.now(UTC)
    await session.flush()
    return link


async def link_project(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    project_id: uuid.UUID,
    procore_project_id: int,
) -> ProcoreProjectLink:
    manage(actor)
    links = LinkRepository(session, actor.organisation_id)
    project = await links.own_project(project_id)
    if project is None:
        raise NotFound("No such project in your organisation.")
    if not 0 < procore_project_id <= MAX_PROCORE_ID:
        raise BadInput("Give the Procore project id.", field="procore_project_id")
    client = open_client(settings, await connection_in_use(session, actor.organisation_id))
    try:
        exists = await client.commitments_exist(procore_project_id)
    except ProcoreError as exc:
        raise Conflict(f"Procore could not be asked about the project: {exc}") from exc
    finally:
        await client.aclose()
    if not exists:
        raise BadInput(
            f"Procore project {procore_project_id} is not one of your company's.",
            field="procore_project_id",
        )
    other = await links.project_linked_to(procore_project_id, other_than=project_id)
    if other is not None:
        raise Conflict("That Procore project is already linked to another of your projects.")
    link = await links.link_project(project_id, procore_project_id)
    assert link is not None
    return link


async def project_links(session: AsyncSession, actor: Actor) -> list[ProcoreProjectLink]:
    manage(actor)
    return await LinkRepository(session, actor.organisation_id).project_links()


async def invite_vendor(
    session: AsyncSession, settings: Settings, actor: Actor, vendor_id: int, project_id: uuid.UUID
) -> tuple[Project, Issued]:
    """ "Invite this vendor": the product's project invitation (InvitationService.invite_sub:
    its rules, the typed-mail limit of the route, its e-mail) to the vendor's e-mail address
    as the GC's Procore has it, onto the linked project, for the vendor's first open
    commitment there (its label; the trade its title names, else the project's only trade).
    Once a sub accepts, the next import confirms the link and the contract is that engagement."""
    link = await _link(session, actor, vendor_id)
    if link.state in ("confirmed", "rejected"):
        raise Conflict("This vendor is decided already.")
    links = LinkRepository(session, actor.organisation_id)
    project = await links.own_project(project_id)
    procore_project = next(
        (p.procore_project_id for p in await links.project_links() if p.project_id == project_id),
        None,
    )
    if project is None or procore_project is None:
        raise NotFound("No such project of yours linked to Procore.")
    client = open_client(settings, await connection_in_use(session, actor.organisation_id))
    try:
        vendor = await client.vendor(vendor_id)
        commitments = [
            c
            for kind in KINDS
            for raw in await client.commitments(kind, procore_project)
            if (c := parse_commitment(kind, raw)) is not None
            and c.vendor_id == vendor_id
            and c.status.casefold() not in ENDED_STATUSES
        ]
    except ProcoreError as exc:
        raise Conflict(f"Procore could not be asked about the vendor: {exc}") from exc
    finally:
        await client.aclose()
    email = str(vendor.get("email_address") or "").strip()
    if not email:
        raise BadInput("Procore has no e-mail address for this vendor.", field="vendor")
    if not commitments:
        raise BadInput(
            "This vendor holds no open commitment on that Procore project.", field="project_id"
        )
    commitment = commitments[0]
    trades = await CommitmentRepository(session, actor.organisation_id).trades(project.id)
    trade = choose_trade(commitment, trades, None)
    if trade is None:
        raise BadInput(
            "The commitment's title names none of the project's trades.", field="project_id"
        )
    issued = await InvitationService(session).invite_sub(
        actor, project, email, trade, commitment.label
    )
    link.invitation_id = issued.invitation.id
    await session.flush()
    return project, issued
