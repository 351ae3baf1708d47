from __future__ import annotations

import hashlib

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Document, OutboxEvent, PolicyTerm, RecordRevision
from backend.records.store import FilesystemStore
from tests.integration.factories import make_org, sign_in, term_payload


async def test_upload_is_stored_by_sha256_before_it_is_acknowledged_and_deduplicated(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    content = b"%PDF-1.4 renewal certificate " + sub.organisation.legal_name.encode()
    digest = hashlib.sha256(content).hexdigest()
    first = await client.post(
        f"/api/v1/subs/{sub.id}/documents",
        files={"file": ("renewal.pdf", content, "application/pdf")},
        headers={"x-csrf-token": csrf},
    )
    assert first.status_code == 201, first.text
    assert first.json()["sha256"] == digest
    assert FilesystemStore(settings.document_root).get(digest) == content
    again = await client.post(
        f"/api/v1/subs/{sub.id}/documents",
        files={"file": ("copy.pdf", content, "application/pdf")},
        headers={"x-csrf-token": csrf},
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["duplicate"] is True
    count = await db.execute(
        select(func.count()).select_from(Document).where(Document.sub_org_id == sub.id)
    )
    assert count.scalar_one() == 1
    download = await client.get(f"/api/v1/documents/{first.json()['id']}")
    assert download.content == content


async def test_too_large_upload_gets_413_with_a_message_and_nothing_is_kept(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    big = b"0" * (settings.max_upload_bytes + 200 * 1024)
    response = await client.post(
        f"/api/v1/subs/{sub.id}/documents",
        files={"file": ("huge.pdf", big, "application/pdf")},
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 413
    assert "larger" in response.json()["error"]["message"]
    count = await db.execute(
        select(func.count()).select_from(Document).where(Document.sub_org_id == sub.id)
    )
    assert count.scalar_one() == 0


async def test_confirmed_change_writes_revision_terms_and_outbox_event_together(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    response = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "initial", "summary": "first", "terms": [term_payload()]},
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 201, response.text
    revision_id = response.json()["id"]
    events = (
        (await db.execute(select(OutboxEvent).where(OutboxEvent.sub_org_id == sub.id)))
        .scalars()
        .all()
    )
    assert [str(e.revision_id) for e in events] == [revision_id]
    record = (await client.get(f"/api/v1/subs/{sub.id}/record")).json()
    assert record["terms"][0]["limits"]["each_occurrence"] == 1_000_000
    assert record["revisions"][0]["number"] == 1


async def test_history_is_never_overwritten_a_correction_adds_a_revision(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    headers = {"x-csrf-token": csrf}
    await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "initial", "terms": [term_payload()]},
        headers=headers,
    )
    record = (await client.get(f"/api/v1/subs/{sub.id}/record")).json()
    old_term = record["terms"][0]["term_id"]
    corrected = term_payload(limits={"each_occurrence": 2_000_000}, replaces_term_id=old_term)
    response = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "correction", "terms": [corrected]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    record = (await client.get(f"/api/v1/subs/{sub.id}/record")).json()
    assert [t["limits"]["each_occurrence"] for t in record["terms"]] == [2_000_000]
    all_terms = (
        (await db.execute(select(PolicyTerm).where(PolicyTerm.sub_org_id == sub.id)))
        .scalars()
        .all()
    )
    assert sorted(int(t.limits["each_occurrence"]) for t in all_terms) == [1_000_000, 2_000_000]
    revisions = (
        (await db.execute(select(RecordRevision.number).where(RecordRevision.sub_org_id == sub.id)))
        .scalars()
        .all()
    )
    assert sorted(revisions) == [1, 2]


async def test_renewal_going_backwards_or_naming_another_subs_term_is_refused(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    other = await make_org(db, "subcontractor")
    headers = {"x-csrf-token": await sign_in(client, other.emails["sub_admin"])}
    await client.post(
        f"/api/v1/subs/{other.id}/revisions",
        json={"kind": "initial", "terms": [term_payload()]},
        headers=headers,
    )
    foreign_term = (await client.get(f"/api/v1/subs/{other.id}/record")).json()["terms"][0][
        "term_id"
    ]

    client.cookies.clear()
    headers = {"x-csrf-token": await sign_in(client, sub.emails["sub_admin"])}
    await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "initial", "terms": [term_payload()]},
        headers=headers,
    )
    backwards = term_payload(effective="2020-01-01", expiration="2021-01-01")
    response = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "renewal", "terms": [backwards]},
        headers=headers,
    )
    assert response.status_code == 422
    assert "backwards" in response.json()["error"]["message"]
    stolen = term_payload(replaces_term_id=foreign_term)
    response = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "correction", "terms": [stolen]},
        headers=headers,
    )
    assert response.status_code == 422
    assert "another record" in response.json()["error"]["message"]
    revisions = await db.execute(
        select(func.count()).select_from(RecordRevision).where(RecordRevision.sub_org_id == sub.id)
    )
    assert revisions.scalar_one() == 1


async def test_an_endorsement_naming_another_subs_policy_or_endorsement_is_refused(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    other = await make_org(db, "subcontractor")
    endorsement = {"form_number": "CG 20 01", "kind": "primary_noncontributory", "blanket": True}
    headers = {"x-csrf-token": await sign_in(client, other.emails["sub_admin"])}
    made = await client.post(
        f"/api/v1/subs/{other.id}/revisions",
        json={"kind": "initial", "terms": [term_payload()], "endorsements": [endorsement]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    foreign = (await client.get(f"/api/v1/subs/{other.id}/record")).json()
    foreign_policy = foreign["terms"][0]["policy_id"]
    foreign_endorsement = foreign["endorsements"][0]["id"]

    client.cookies.clear()
    headers = {"x-csrf-token": await sign_in(client, sub.emails["sub_admin"])}
    for field, value, said in (
        ("policy_id", foreign_policy, "the policy belongs to another record"),
        ("replaces_endorsement_id", foreign_endorsement, "is not in this record"),
    ):
        response = await client.post(
            f"/api/v1/subs/{sub.id}/revisions",
            json={"kind": "correction", "endorsements": [{**endorsement, field: value}]},
            headers=headers,
        )
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["field"] == f"endorsements[0].{field}"
        assert said in error["message"]
    revisions = await db.execute(
        select(func.count()).select_from(RecordRevision).where(RecordRevision.sub_org_id == sub.id)
    )
    assert revisions.scalar_one() == 0
