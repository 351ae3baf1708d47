"""Procore's webhooks, inbound. They carry no signature: the request is authenticated by the
static Authorization value set when the hook was registered (only its hash is kept), and the
event is only a hint (late, repeated or lost): we read the resource through the API and act on
what Procore says now, never on the event's body. The nightly reconciliation covers lost ones.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.integrations.procore.client import ProcoreError
from backend.integrations.procore.connection import hook_connection, open_client
from backend.integrations.procore.repository import ProcoreRepository
from backend.integrations.procore.writeback import as_sent, digest

EVENT_TYPES: Final = ("create", "update", "delete")
# Procore's resource names are a few words ("Work Order Contracts"); longer is not one.
MAX_RESOURCE_NAME: Final = 100
# Procore's ids are positive and we keep them in bigint columns: anything else is not an id.
ProcoreId = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]


class ProcoreEvent(msgspec.Struct, kw_only=True):
    """The documented body; fields we do not use are accepted and ignored."""

    api_version: str | None = None
    company_id: ProcoreId | None = None
    project_id: ProcoreId | None = None
    event_type: str
    resource_name: Annotated[str, msgspec.Meta(max_length=MAX_RESOURCE_NAME)]
    resource_id: ProcoreId
    timestamp: str | None = None
    user_id: int | None = None
    id: int | None = None
    metadata: dict[str, Any] | None = None


async def reread(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    connection_id: uuid.UUID,
    event: dict[str, Any],
) -> tuple[str, uuid.UUID | None, list[uuid.UUID]]:
    """What the event is about, read again: the engagements whose Procore records no longer
    say what we last wrote (to be written again)."""
    parsed = msgspec.convert(event, ProcoreEvent)
    async with factory() as session, session.begin():
        connection = await hook_connection(session, connection_id)
        if connection is None or connection.revoked_at is not None:
            return "ignored: no active connection", None, []
        if "insurance" not in parsed.resource_name.lower():
            return f"ignored: {parsed.resource_name} is not written by us", None, []
        rows = await ProcoreRepository(
            session, connection.organisation_id
        ).insurance_syncs_of_record(parsed.resource_id)
        if not rows:
            return "ignored: not one of our records", connection.organisation_id, []
        client = open_client(settings, connection)
        drifted: list[uuid.UUID] = []
        try:
            for row in rows:
                current = await client.insurance(row.procore_vendor_id, parsed.resource_id)
                if (
                    current is None
                    or digest(as_sent(current, row.procore_vendor_id)) != row.sent_digest
                ):
                    drifted.append(row.engagement_id)
        except ProcoreError as exc:
            return f"re-read failed: {exc}", connection.organisation_id, []
        finally:
            await client.aclose()
    outcome = "drift: written again" if drifted else "unchanged"
    return outcome, connection.organisation_id, drifted
