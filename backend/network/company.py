"""A company's identity on the network: its legal name and federal tax id (EIN).

The rule against sign-up abuse: an EIN belongs to one organisation, and a new sub whose legal
name reads as one already on the network (case, punctuation, LLC/Inc. aside) may join only by
giving an EIN of its own, so the two stay told apart; GCs see such a sub flagged where they
find it. No HTTP here and no commit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Organisation
from backend.errors import BadInput, Conflict
from backend.network.actor import Actor
from backend.network.repository import NetworkRepository
from backend.network.tax_ids import TAX_ID_FIELD, normalise_ein


async def check_tax_id_free(
    repo: NetworkRepository, tax_id: str, organisation: Organisation | None = None
) -> None:
    holder = await repo.organisation_with_tax_id(tax_id)
    if holder is not None and (organisation is None or holder.id != organisation.id):
        raise Conflict(
            "Another company on the network already gave this tax id. If it is your company, "
            "ask its administrator to add you; otherwise check the number.",
            field=TAX_ID_FIELD,
        )


async def check_new_sub_identity(
    repo: NetworkRepository, legal_name: str, raw_tax_id: str
) -> str | None:
    """The EIN (nine digits, or None) a new sub may join with under `legal_name`; raises a
    DomainError naming the field when the pair would pass for another company."""
    tax_id = normalise_ein(raw_tax_id)
    if tax_id is not None:
        await check_tax_id_free(repo, tax_id)
    if tax_id is None and await repo.subs_looking_like(legal_name):
        raise Conflict(
            f"A company named “{legal_name}” is already on the network. If yours is a "
            "different company of the same name, give your federal tax id (EIN) so the two "
            "are told apart; if it is the same company, ask its administrator to add you.",
            field=TAX_ID_FIELD,
        )
    return tax_id


async def set_tax_id(repo: NetworkRepository, organisation: Organisation, raw: str) -> None:
    """Sets (or, when a sub has no other company of its name, clears) the EIN. The caller
    runs this in a savepoint: a refusal leaves nothing changed."""
    tax_id = normalise_ein(raw)
    if tax_id == organisation.tax_id:
        return
    if tax_id is None:
        # Without its EIN a sub sharing its name with another could no longer be told apart.
        if len(await repo.subs_looking_like(organisation.legal_name)) > 1:
            raise BadInput(
                "Another company on the network has your legal name: your tax id is what tells "
                "the two apart, so it cannot be removed. Correct it instead.",
                field=TAX_ID_FIELD,
            )
    else:
        await check_tax_id_free(repo, tax_id, organisation)
    organisation.tax_id = tax_id
    await flush_identity(repo)


async def flush_identity(repo: NetworkRepository) -> None:
    """Writes the organisation now, so that two people taking one EIN at the same moment get
    a refusal with a reason rather than an error page (the unique index decides)."""
    try:
        await repo.flush()
    except IntegrityError as exc:
        raise Conflict(
            "Another company on the network already gave this tax id.", field=TAX_ID_FIELD
        ) from exc


class CompanyService:
    """What pages ask of a company's identity: the acting organisation's own row, its EIN,
    and whether a sub shares its name with another."""

    def __init__(self, session: AsyncSession) -> None:
        self.repo = NetworkRepository(session)

    async def own(self, actor: Actor) -> Organisation:
        """The acting organisation (it exists while the actor's session or token does)."""
        organisation = await self.repo.organisation(actor.organisation_id)
        assert organisation is not None, "an actor's organisation outlives its sessions"
        return organisation

    async def own_as_stored(self, actor: Actor) -> Organisation:
        """The acting organisation read again from the database: what a page shows after a
        refused change to it was rolled back."""
        organisation = await self.repo.organisation(actor.organisation_id, fresh=True)
        assert organisation is not None, "an actor's organisation outlives its sessions"
        return organisation

    async def save_settings(self, actor: Actor, values: Mapping[str, Any]) -> None:
        """Merges `values` into the acting organisation's settings, the row locked first, so
        two admins saving different settings at once each keep the other's."""
        organisation = await self.repo.organisation(actor.organisation_id, for_update=True)
        assert organisation is not None, "an actor's organisation outlives its sessions"
        # A new dict, so SQLAlchemy sees the JSONB column change.
        organisation.settings = {**(organisation.settings or {}), **values}

    async def set_own_tax_id(self, actor: Actor, raw: str) -> Organisation:
        """Sets the acting organisation's EIN (see set_tax_id; the caller holds the
        savepoint)."""
        organisation = await self.own(actor)
        await set_tax_id(self.repo, organisation, raw)
        return organisation

    async def sub_has_namesake(self, sub_org_id: uuid.UUID) -> bool:
        """Another sub on the network has a legal name that reads as this one's: the GC is
        told, so it checks (by tax id) that it engaged the company it meant."""
        sub = await self.repo.organisation(sub_org_id)
        return sub is not None and bool(await self.repo.with_namesakes([sub]))
