"""From the database to an auditor's desk: bundles made by the service (and by `coinet audit
bundle` / `in-effect`) verify offline, with or without documents and a time-stamp authority,
and across a key rotation."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import uuid
from datetime import date
from pathlib import Path

import pytest

from backend import cli
from backend.audit.bundle import TrustAnchors, Verdict, verify_bundle
from backend.audit.context import AuditContext
from backend.audit.keys import rotate_signing_key
from backend.audit.local_tsa import LocalAuthority
from backend.audit.samples import sample_facts
from backend.audit.service import append_snapshots, bundle_for, find_entry, make_checkpoint
from backend.config import get_settings
from tests.integration.audit.conftest import AuditDatabase

pytestmark = pytest.mark.integration

GC, SUB, PROJECT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
CERTIFICATE = b"%PDF-1.7 an ACORD 25 certificate of insurance"


async def append(db: AuditDatabase, count: int, engagement: uuid.UUID) -> None:
    async with db.sessions() as session, session.begin():
        await append_snapshots(
            session,
            [
                sample_facts(
                    engagement_id=engagement,
                    project_id=PROJECT,
                    sub_id=SUB,
                    gc_id=GC,
                    as_of=date(2026, 7, 1 + i),
                    serial=i,
                    document=CERTIFICATE,
                )
                for i in range(count)
            ],
        )


async def bundle_of(
    db: AuditDatabase, context: AuditContext, reference: str, *, documents: bool = True
) -> bytes:
    async with db.sessions() as session, session.begin():
        entry = await find_entry(session, reference)
        assert entry is not None
        return await bundle_for(session, entry, context, include_documents=documents)


async def test_a_bundle_from_the_log_verifies_with_its_documents(
    audit_db: AuditDatabase, audit_context: AuditContext, stored_documents: dict[str, bytes]
) -> None:
    stored_documents[hashlib.sha256(CERTIFICATE).hexdigest()] = CERTIFICATE
    await append(audit_db, 5, uuid.uuid4())
    data = await bundle_of(audit_db, audit_context, "3")  # no checkpoint yet: one is made
    report = await verify_bundle(data, TrustAnchors(checkpoint_keys=audit_context.keyring))
    assert report.ok, report.to_text()
    text = report.to_text()
    assert "leaf 3 is in the checkpointed tree of 5" in text
    assert "1 of 1 documents included" in text
    assert "PAdES B-B" in text
    assert {r.name: r.verdict for r in report.results}["checkpoint time-stamp"] is (
        Verdict.NOT_APPLICABLE
    )


async def test_a_hashes_only_bundle_says_so_and_verifies(
    audit_db: AuditDatabase, audit_context: AuditContext
) -> None:
    await append(audit_db, 2, uuid.uuid4())
    data = await bundle_of(audit_db, audit_context, "0", documents=False)
    report = await verify_bundle(data)
    assert report.ok, report.to_text()
    assert "listed by hash only" in report.to_text()


async def test_with_an_authority_the_checkpoint_and_the_pdf_are_time_stamped(
    audit_db: AuditDatabase,
    timestamped_context: AuditContext,
    local_authority: LocalAuthority,
) -> None:
    await append(audit_db, 3, uuid.uuid4())
    data = await bundle_of(audit_db, timestamped_context, "2", documents=False)
    anchors = TrustAnchors(
        checkpoint_keys=timestamped_context.keyring,
        pdf_certificates=[timestamped_context.pdf_identity.certificate],
        tsa_roots=[local_authority.root_certificate],
    )
    report = await verify_bundle(data, anchors)
    assert report.ok, report.to_text()
    assert "PAdES B-T" in report.to_text()
    assert {r.name: r.verdict for r in report.results}["checkpoint time-stamp"] is Verdict.HOLDS


async def test_checkpoints_signed_before_a_key_rotation_still_verify(
    audit_db: AuditDatabase, audit_context: AuditContext, tmp_path: Path
) -> None:
    await append(audit_db, 4, uuid.uuid4())
    async with audit_db.sessions() as session, session.begin():
        old = await make_checkpoint(session, audit_context)
    assert old is not None
    rotate_signing_key(tmp_path / "keys", audit_context.origin)
    rotated = AuditContext.from_keys_dir(tmp_path / "keys", audit_context.origin)
    assert rotated.signer.verifier.key_id != audit_context.signer.verifier.key_id

    data = await bundle_of(audit_db, rotated, "1", documents=False)  # uses the old checkpoint
    report = await verify_bundle(data, TrustAnchors(checkpoint_keys=rotated.keyring))
    assert report.ok, report.to_text()
    assert "(retired key)" in report.to_text()

    await append(audit_db, 1, uuid.uuid4())
    data = await bundle_of(audit_db, rotated, "4", documents=False)  # a new checkpoint, new key
    report = await verify_bundle(data, TrustAnchors(checkpoint_keys=rotated.keyring))
    assert report.ok, report.to_text()
    assert "(retired key)" not in report.to_text()


async def test_cli_exports_the_bundle_in_effect_on_a_date_and_it_verifies(
    audit_db: AuditDatabase,
    audit_context: AuditContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await append(audit_db, 4, uuid.uuid4())  # as-of dates July 1..4
    settings = dataclasses.replace(
        get_settings(),
        database_url=audit_db.url,
        keys_dir=tmp_path / "keys",
        extra={"audit_origin": audit_context.origin},
    )
    monkeypatch.setattr("backend.audit.cli.get_settings", lambda: settings)
    output = tmp_path / "in-effect.zip"
    arguments = ["audit", "in-effect", "--project", str(PROJECT), "--sub", str(SUB)]
    code = await asyncio.to_thread(
        cli.main, [*arguments, "--on", "2026-07-03", "-o", str(output), "--hashes-only"]
    )
    assert code == 0, capsys.readouterr().err
    assert await asyncio.to_thread(cli.main, ["audit", "verify", str(output)]) == 0
    assert "leaf 2 is in the checkpointed tree" in capsys.readouterr().out

    none_then = await asyncio.to_thread(
        cli.main, [*arguments, "--on", "2026-06-30", "-o", str(tmp_path / "x.zip")]
    )
    assert none_then == 1 and "no such snapshot" in capsys.readouterr().err
    bad_date = await asyncio.to_thread(
        cli.main, [*arguments, "--on", "yesterday", "-o", str(tmp_path / "x.zip")]
    )
    assert bad_date == 2

    by_id = tmp_path / "by-id.zip"
    assert (
        await asyncio.to_thread(cli.main, ["audit", "bundle", "--snapshot", "0", "-o", str(by_id)])
        == 0
    )
    assert await asyncio.to_thread(cli.main, ["audit", "checkpoint", "--force"]) == 0
    assert "test.coinet.local/audit\n4\n" in capsys.readouterr().out
