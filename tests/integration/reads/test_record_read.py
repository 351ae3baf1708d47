"""Saving what the reader made of some bytes (records.service.record_read, the read job's last
step): every copy of those bytes still pending, in any sub's record, gets the result; a copy
already read keeps its own (perhaps reviewed) result; a sub listening for integration events
hears document.read for its own copy, so does a listening GC engaging the sub (it may read the
document through the API), and neither a sub nor a GC not concerned hears anything."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Document, OutboxEvent, Person
from backend.db.models.webhook_endpoint import WebhookEndpoint
from backend.notify.webhooks import INTEGRATION_EVENT
from backend.records.service import record_read
from tests.integration.factories import Org, engage, make_org


async def _person(db: AsyncSession, org: Org, role: str) -> uuid.UUID:
    person_id = await db.scalar(select(Person.id).where(Person.email == org.emails[role]))
    assert person_id is not None
    return person_id


async def test_a_read_reaches_every_pending_copy_and_only_listeners_hear_of_it(
    db: AsyncSession,
) -> None:
    listening, quiet, reviewed = [await make_org(db, "subcontractor") for _ in range(3)]
    sha256 = uuid.uuid4().hex * 2  # bytes no other test holds
    earlier = {"review": {"reason": "checked by hand"}}
    copies: dict[uuid.UUID, Document] = {}
    for sub, state, result in (
        (listening, "pending", None),
        (quiet, "pending", None),
        (reviewed, "read", earlier),
    ):
        copy = Document(
            id=uuid.uuid4(),
            sub_org_id=sub.id,
            sha256=sha256,
            size_bytes=1024,
            content_type="application/pdf",
            filename="certificate.pdf",
            uploaded_by_id=await _person(db, sub, "sub_bookkeeper"),
            read_state=state,
            read_result=result,
        )
        db.add(copy)
        copies[sub.id] = copy
    # A GC engaging the quiet sub listens; another listening GC engages nobody here.
    engaging, stranger = [await make_org(db, "general_contractor") for _ in range(2)]
    await engage(db, engaging, quiet)
    for org, role in ((listening, "sub_admin"), (engaging, "gc_admin"), (stranger, "gc_admin")):
        db.add(
            WebhookEndpoint(
                id=uuid.uuid4(),
                organisation_id=org.id,
                created_by_id=await _person(db, org, role),
                url="https://hooks.listening.example/coi",
                event_types=[],
                secret_encrypted=b"not-a-real-secret",
            )
        )
    await db.flush()

    result = {"insured": {"name": "Made-up Framing LLC"}}
    assert await record_read(db, sha256, "read", result) == 2
    await db.flush()
    for copy in copies.values():
        await db.refresh(copy)
    for sub in (listening, quiet):
        assert copies[sub.id].read_state == "read" and copies[sub.id].read_result == result
    assert copies[reviewed.id].read_result == earlier

    outbox = (
        await db.execute(select(OutboxEvent).where(OutboxEvent.kind == INTEGRATION_EVENT))
    ).scalars()
    heard = [
        event
        for row in outbox
        for event in row.payload["events"]
        if event["type"] == "document.read"
        and event["data"]["document_id"] in {str(copy.id) for copy in copies.values()}
    ]
    assert {event["data"]["document_id"]: event["organisations"] for event in heard} == {
        str(copies[listening.id].id): [str(listening.id)],
        str(copies[quiet.id].id): [str(engaging.id)],
    }
