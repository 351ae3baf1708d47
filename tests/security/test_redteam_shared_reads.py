"""Red team: one file's read is reused for any record that uploads the same bytes (reading is
costly and deterministic). What a person added to it at review (a corrected certificate holder,
the reason given for confirming despite warnings, who did it) belongs to that person's record
and must not travel to another organisation that uploads the same file."""

from __future__ import annotations

import uuid

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Document, Person
from tests.integration.factories import make_org, sign_in

SECRET_REASON = "Holder differs: our side deal with the owner, do not tell the GC"


async def test_a_read_reused_across_records_carries_nothing_another_record_added_at_review(
    client: AsyncClient, db: AsyncSession
) -> None:
    victim = await make_org(db, "subcontractor")
    attacker = await make_org(db, "subcontractor")
    content = b"%PDF-1.4 certificate issued to both " + uuid.uuid4().hex.encode()

    csrf = await sign_in(client, victim.emails["sub_admin"])
    uploaded = await client.post(
        f"/api/v1/subs/{victim.id}/documents",
        files={"file": ("cert.pdf", content, "application/pdf")},
        headers={"x-csrf-token": csrf},
    )
    assert uploaded.status_code == 201, uploaded.text
    reviewer = await db.scalar(select(Person.id).where(Person.email == victim.emails["sub_admin"]))
    # The victim's document as it is after a read and a confirm with a corrected holder and
    # warnings overridden (the shape review.corrected_read_result and the confirm write).
    document = await db.get(Document, uuid.UUID(uploaded.json()["id"]))
    assert document is not None
    document.read_state = "read"
    document.read_result = {
        "insured": {"name": victim.organisation.legal_name},
        "certificate_holder": {"name": "Victim's Secret Holder LLC"},
        "corrections": {
            "/certificate_holder/name": {
                "read": "Holder As Printed LLC",
                "confirmed": "Victim's Secret Holder LLC",
                "by": str(reviewer),
            }
        },
        "review": {"warnings": [], "reason": SECRET_REASON, "by": str(reviewer), "revision": 3},
    }
    await db.flush()
    client.cookies.clear()

    csrf = await sign_in(client, attacker.emails["sub_admin"])
    copied = await client.post(
        f"/api/v1/subs/{attacker.id}/documents",
        files={"file": ("same.pdf", content, "application/pdf")},
        headers={"x-csrf-token": csrf},
    )
    assert copied.status_code == 201, copied.text
    own = await db.get(Document, uuid.UUID(copied.json()["id"]))
    assert own is not None and own.sub_org_id == attacker.id
    seen = str(own.read_result)
    assert SECRET_REASON not in seen
    assert str(reviewer) not in seen
    assert "Victim's Secret Holder LLC" not in seen
    # The reader's own output is still reused: the holder as printed, the insured as read.
    assert isinstance(own.read_result, dict)
    assert own.read_result["certificate_holder"]["name"] == "Holder As Printed LLC"
    assert own.read_result["insured"] == {"name": victim.organisation.legal_name}
    review = await client.get(f"/documents/{own.id}/review", headers={"accept": "text/html"})
    assert review.status_code == 200
    assert SECRET_REASON not in review.text and "Victim&#39;s Secret Holder" not in review.text
