"""A GC's requirement sets in the database: copy a tier template, write a set anew (the API),
list sets with their latest version, save an edit as a new immutable version (the page's
editor and the API, through the same save_version). The rules of a set live in
backend.requirements; this module only stores what they accept, through ProjectRepository
(every statement limited to the acting GC's sets)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import RequirementSet, RequirementSetVersion
from backend.errors import BadInput, Conflict, NotFound
from backend.network.access import require
from backend.network.actor import Actor
from backend.network.requirement_store import version_row
from backend.projects.repository import ProjectRepository
from backend.requirements.codec import requirements_from_json, requirements_to_json
from backend.requirements.model import TIERS, RequirementError
from backend.requirements.versions import requirement_body, requirement_digest

# A set's name: the column's width (RequirementSet.name is String(120)).
MAX_SET_NAME_CHARS = 120


@dataclass(frozen=True)
class SetWithVersion:
    requirement_set: RequirementSet
    latest: RequirementSetVersion


async def sets_of(session: AsyncSession, actor: Actor) -> list[SetWithVersion]:
    require(actor, "project.read")
    rows = await ProjectRepository(session).sets_with_latest(actor.organisation_id)
    return [SetWithVersion(s, v) for s, v in rows]


async def set_of(session: AsyncSession, actor: Actor, set_id: uuid.UUID) -> SetWithVersion:
    for item in await sets_of(session, actor):
        if item.requirement_set.id == set_id:
            return item
    raise NotFound("No such requirement set in your organisation.")


async def versions_of(
    session: AsyncSession, actor: Actor, set_id: uuid.UUID
) -> list[RequirementSetVersion]:
    await set_of(session, actor, set_id)
    return await ProjectRepository(session).versions_of_set(actor.organisation_id, set_id)


async def from_template(session: AsyncSession, actor: Actor, tier: str) -> SetWithVersion:
    """The GC's copy of a tier template, made on first use and reused afterwards."""
    require(actor, "requirements.write")
    if tier not in TIERS:
        raise BadInput(f"Unknown template {tier!r}.", field="template")
    name = f"{tier.capitalize()} risk trades"
    found = await ProjectRepository(session).set_named(actor.organisation_id, name)
    if found is not None:
        return await set_of(session, actor, found.id)
    requirement_set = RequirementSet(
        id=uuid.uuid4(), gc_org_id=actor.organisation_id, name=name, template=tier
    )
    session.add(requirement_set)
    await session.flush()
    body = requirement_body(tier)
    body["name"] = name
    body["owner"] = str(actor.organisation_id)
    version = version_row(requirement_set.id, 1, body, actor.person_id)
    session.add(version)
    await session.flush()
    return SetWithVersion(requirement_set, version)


async def create_set(
    session: AsyncSession, actor: Actor, name: str, body: dict[str, Any]
) -> SetWithVersion:
    """A new set of the GC's, written anew (no template): its first version is `body`, judged
    by the same rules as an edit (backend.requirements). A name the GC uses already is a
    conflict; nothing is stored unless the body is accepted."""
    require(actor, "requirements.write")
    name = name.strip()
    if not name or len(name) > MAX_SET_NAME_CHARS:
        raise BadInput(f"Name the set (1 to {MAX_SET_NAME_CHARS} characters).", field="name")
    if await ProjectRepository(session).set_named(actor.organisation_id, name) is not None:
        raise Conflict(f"You have a requirement set named {name!r} already.", field="name")
    normalised = _accepted(body, name, 1, str(actor.organisation_id))
    requirement_set = RequirementSet(
        id=uuid.uuid4(), gc_org_id=actor.organisation_id, name=name, template=""
    )
    session.add(requirement_set)
    await session.flush()
    version = version_row(requirement_set.id, 1, normalised, actor.person_id)
    session.add(version)
    await session.flush()
    return SetWithVersion(requirement_set, version)


def _accepted(body: dict[str, Any], name: str, number: int, owner: Any) -> dict[str, Any]:
    """The body as stored: the set's own name, version number and owner (never the caller's),
    normalised through the requirement rules; a refusal names the field at fault."""
    body = {**body, "name": name, "version": number, "owner": owner}
    try:
        return requirements_to_json(requirements_from_json(body))
    except RequirementError as exc:
        raise BadInput(str(exc), field=exc.field) from exc


async def save_version(
    session: AsyncSession, actor: Actor, set_id: uuid.UUID, body: dict[str, Any]
) -> RequirementSetVersion:
    """Validate an edited body and store it as the next version. Engagements keep the
    version they pinned; new engagements take this one."""
    require(actor, "requirements.write")
    current = await set_of(session, actor, set_id)
    normalised = _accepted(
        body,
        current.requirement_set.name,
        current.latest.version + 1,
        current.latest.body.get("owner"),
    )
    if requirement_digest(normalised) == requirement_digest(
        {**current.latest.body, "version": normalised["version"]}
    ):
        raise BadInput("Nothing changed: the requirements are the same as the last version.")
    version = version_row(set_id, normalised["version"], normalised, actor.person_id)
    session.add(version)
    await session.flush()
    return version
