"""Stored requirement-set versions: the one builder of a version row (its digest computed
from its body, so the two never disagree), used by the GC's sets (`projects/requirement_sets`),
the demo and the tier-2 sets derived here: the first tier-2 engagement under a parent's
requirement version derives a set from it (never less restrictive) and later ones reuse that
set, so a GC can tighten one set for all the sub-subs under it.

In `network` because accepting a tier-2 invitation (`network/invitations.py`) derives the set,
and network imports nothing of `projects` (import contract acyclic-backend)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import RequirementSet, RequirementSetVersion
from backend.errors import Conflict
from backend.network.repository import NetworkRepository
from backend.requirements.codec import requirements_to_json
from backend.requirements.flowdown import derive_tier2
from backend.requirements.versions import requirement_digest, requirement_set_from_body

TIER2_TEMPLATE = "tier2"


def version_row(
    set_id: uuid.UUID, number: int, body: dict[str, Any], created_by_id: uuid.UUID | None = None
) -> RequirementSetVersion:
    """A new, immutable version of a requirement set (not yet added to the session)."""
    return RequirementSetVersion(
        id=uuid.uuid4(),
        requirement_set_id=set_id,
        version=number,
        body=body,
        body_sha256=requirement_digest(body),
        created_by_id=created_by_id,
    )


def _tier2_name(parent_set: RequirementSet, parent_version: RequirementSetVersion) -> str:
    return f"{parent_set.name} v{parent_version.version} (tier 2)"[:120]


async def tier2_version_for(session: AsyncSession, parent_version_id: uuid.UUID) -> uuid.UUID:
    """The newest version of the tier-2 set derived from this parent version, made on first use."""
    found = await NetworkRepository(session).version_with_set(parent_version_id)
    if found is None:
        raise Conflict("The parent engagement's requirements no longer exist.")
    parent_version, parent_set = found
    name = _tier2_name(parent_set, parent_version)
    existing = await NetworkRepository(session).newest_version_of_set_named(
        parent_set.gc_org_id, name
    )
    if existing is not None:
        return existing
    derived = derive_tier2(requirement_set_from_body(parent_version.body), name=name)
    body = requirements_to_json(derived)
    derived_set = RequirementSet(
        id=uuid.uuid4(), gc_org_id=parent_set.gc_org_id, name=name, template=TIER2_TEMPLATE
    )
    session.add(derived_set)
    await session.flush()
    version = version_row(derived_set.id, 1, body)
    session.add(version)
    await session.flush()
    return version.id
