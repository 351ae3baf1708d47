"""Evidence bundles, written and verified offline, and `coinet audit verify` on good and bad
input: every failure is named, the exit status is 1, and nothing crashes."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import rfc3161_client
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend import cli
from backend.audit import bundle, canonical, keys, merkle
from backend.audit.checkpoint import Checkpoint, Keyring, NoteSigner, sign_checkpoint
from backend.audit.local_tsa import LocalAuthority
from backend.audit.report import render_pdf, sign_pdf
from backend.audit.samples import sample_facts

ORIGIN = "unit.coinet.test/audit"


@dataclass
class Evidence:
    bundle: bytes
    keyring: Keyring
    authority: LocalAuthority
    directory: Path
    document: bytes


def snapshots(count: int) -> list[bytes]:
    engagement = uuid.UUID(int=10)
    previous = None
    result = []
    for serial in range(count):
        facts = sample_facts(
            engagement_id=engagement,
            project_id=uuid.UUID(int=11),
            sub_id=uuid.UUID(int=12),
            gc_id=uuid.UUID(int=13),
            as_of=date(2026, 2, 1 + serial),
            serial=serial,
            document=b"%PDF-1.7 certificate of insurance " + bytes([serial]),
        )
        data = canonical.canonical_bytes(canonical.build_snapshot(facts, previous))
        previous = canonical.sha256_hex(data)
        result.append(data)
    return result


def stamp(authority: LocalAuthority, data: bytes) -> bytes:
    request = (
        rfc3161_client.TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .build()
    )
    return authority.answer(request.as_bytes())


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Evidence:
    directory = tmp_path_factory.mktemp("bundle")
    signer = keys.load_or_create_signer(directory, ORIGIN)
    identity = keys.load_or_create_pdf_identity(directory, "unit test reports")
    authority = LocalAuthority.create()
    entries = snapshots(7)
    leaves = [merkle.leaf_hash(entry) for entry in entries]
    index = 4
    note = sign_checkpoint(Checkpoint(ORIGIN, len(leaves), merkle.root_hash(leaves)), [signer])
    snapshot = canonical.parse_snapshot(entries[index])
    digest = canonical.sha256_hex(entries[index])
    pdf = asyncio.run(sign_pdf(render_pdf(snapshot, digest, index), identity, authority.stamper()))
    document = b"%PDF-1.7 certificate of insurance " + bytes([index])
    parts = bundle.BundleParts(
        snapshot=entries[index],
        leaf_index=index,
        tree_size=len(leaves),
        inclusion_path=merkle.inclusion_proof(index, leaves),
        checkpoint_note=note,
        checkpoint_keys=keys.load_keyring(directory).to_text(),
        report_pdf=pdf,
        pdf_certificates_pem=identity.certificate_pem,
        timestamp_token=stamp(authority, note.encode()),
        tsa_roots_pem=authority.root_pem,
        documents={hashlib.sha256(document).hexdigest(): document},
    )
    return Evidence(
        bundle.write_bundle(parts), keys.load_keyring(directory), authority, directory, document
    )


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def repack(members: dict[str, bytes], *, fix_manifest: bool = True) -> bytes:
    """Rewrite a bundle, re-hashing the manifest as a careful forger would."""
    if fix_manifest:
        manifest = json.loads(members[bundle.MANIFEST])
        manifest["files"] = {
            name: hashlib.sha256(content).hexdigest()
            for name, content in members.items()
            if name != bundle.MANIFEST
        }
        manifest["snapshot_sha256"] = hashlib.sha256(members[bundle.SNAPSHOT]).hexdigest()
        members = {**members, bundle.MANIFEST: json.dumps(manifest).encode()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def verify(data: bytes, anchors: bundle.TrustAnchors | None = None) -> bundle.BundleReport:
    return asyncio.run(bundle.verify_bundle(data, anchors))


def verdicts(report: bundle.BundleReport) -> dict[str, bundle.Verdict]:
    return {result.name: result.verdict for result in report.results}


def failed(report: bundle.BundleReport) -> set[str]:
    return {result.name for result in report.failed()}


def test_a_sound_bundle_verifies_in_every_part(evidence: Evidence) -> None:
    report = verify(evidence.bundle)
    assert report.ok, report.to_text()
    holds = {name for name, v in verdicts(report).items() if v is bundle.Verdict.HOLDS}
    assert holds == {
        "bundle",
        "manifest",
        "snapshot",
        "leaf hash",
        "checkpoint signature",
        "inclusion proof",
        "checkpoint time-stamp",
        "report signature",
        "report matches snapshot",
        "documents",
    }
    text = report.to_text()
    assert "PAdES B-T" in text and "not pinned" in text and "all checks hold" in text


def test_pinned_anchors_are_used_and_reported(evidence: Evidence) -> None:
    identity = keys.load_or_create_pdf_identity(evidence.directory, "unit test reports")
    anchors = bundle.TrustAnchors(
        checkpoint_keys=evidence.keyring,
        pdf_certificates=[identity.certificate],
        tsa_roots=[evidence.authority.root_certificate],
    )
    report = verify(evidence.bundle, anchors)
    assert report.ok, report.to_text()
    assert "not pinned" not in report.to_text()


def test_a_bundle_signed_by_an_unknown_key_fails(evidence: Evidence) -> None:
    stranger = NoteSigner(name=ORIGIN, private_key=Ed25519PrivateKey.generate())
    report = verify(
        evidence.bundle, bundle.TrustAnchors(checkpoint_keys=Keyring.of([stranger.verifier]))
    )
    assert "checkpoint signature" in failed(report)
    assert "not signed by a known key" in report.to_text()

    # A forger who re-signs with their own key and ships it still fails against the pinned key.
    members = members_of(evidence.bundle)
    checkpoint_body = members[bundle.CHECKPOINT].decode().partition("\n\n")[0] + "\n"
    forged_note = checkpoint_body + "\n" + stranger.signature_line(checkpoint_body)
    members[bundle.CHECKPOINT] = forged_note.encode()
    members[bundle.CHECKPOINT_KEYS] = (stranger.verifier.vkey() + "\n").encode()
    forged = repack(members)
    assert "checkpoint signature" in failed(
        verify(forged, bundle.TrustAnchors(checkpoint_keys=evidence.keyring))
    )


def test_an_altered_snapshot_fails_even_with_a_fixed_manifest(evidence: Evidence) -> None:
    members = members_of(evidence.bundle)
    snapshot = json.loads(members[bundle.SNAPSHOT])
    snapshot["status"] = "compliant"
    members[bundle.SNAPSHOT] = canonical.canonical_bytes(snapshot)
    report = verify(repack(members))
    assert {"leaf hash", "inclusion proof", "report matches snapshot"} <= failed(report)
    assert verdicts(report)["manifest"] is bundle.Verdict.HOLDS


def test_a_proof_for_another_tree_fails(evidence: Evidence) -> None:
    members = members_of(evidence.bundle)
    proof = json.loads(members[bundle.PROOF])
    proof["tree_size"] = 9
    members[bundle.PROOF] = json.dumps(proof).encode()
    report = verify(repack(members))
    assert "inclusion proof" in failed(report)
    assert "tree of 9" in report.to_text()


def test_a_proof_with_a_wrong_path_fails(evidence: Evidence) -> None:
    members = members_of(evidence.bundle)
    proof = json.loads(members[bundle.PROOF])
    proof["inclusion_path"][0] = "00" * 32
    members[bundle.PROOF] = json.dumps(proof).encode()
    assert "inclusion proof" in failed(verify(repack(members)))


@pytest.mark.parametrize(
    "proof",
    [
        b"not json",
        b"[]",
        b'{"leaf_index": "4", "tree_size": 7, "leaf_hash": "", "inclusion_path": []}',
        b'{"leaf_index": 4, "tree_size": 7, "leaf_hash": "zz", "inclusion_path": []}',
        b'{"leaf_index": 4, "tree_size": 7, "leaf_hash": "00", "inclusion_path": [5]}',
    ],
)
def test_a_malformed_proof_is_named_not_crashed_on(evidence: Evidence, proof: bytes) -> None:
    members = members_of(evidence.bundle)
    members[bundle.PROOF] = proof
    report = verify(repack(members))
    assert "inclusion proof" in failed(report)


def test_altered_or_missing_files_fail_the_manifest(evidence: Evidence) -> None:
    members = members_of(evidence.bundle)
    altered = dict(members)
    altered[bundle.CHECKPOINT_KEYS] = altered[bundle.CHECKPOINT_KEYS] + b"\n"
    assert "manifest" in failed(verify(repack(altered, fix_manifest=False)))
    missing = {k: v for k, v in members.items() if k != bundle.REPORT}
    report = verify(repack(missing, fix_manifest=False))
    assert {"manifest", "report signature"} <= failed(report)
    no_snapshot = {k: v for k, v in members.items() if k != bundle.SNAPSHOT}
    assert "snapshot" in failed(verify(repack(no_snapshot, fix_manifest=False)))
    no_manifest = {k: v for k, v in members.items() if k != bundle.MANIFEST}
    assert "manifest" in failed(verify(repack(no_manifest, fix_manifest=False)))


def test_an_altered_pdf_fails_its_signature(evidence: Evidence) -> None:
    members = members_of(evidence.bundle)
    pdf = bytearray(members[bundle.REPORT])
    position = pdf.find(b"/Type /Page")
    pdf[position + 1 : position + 5] = b"TYPE"
    members[bundle.REPORT] = bytes(pdf)
    assert "report signature" in failed(verify(repack(members)))
    members[bundle.REPORT] = b"%PDF-1.7 nothing here"
    assert "report signature" in failed(verify(repack(members)))


def test_a_document_that_does_not_match_its_hash_fails(evidence: Evidence) -> None:
    members = members_of(evidence.bundle)
    name = next(n for n in members if n.startswith(bundle.DOCUMENTS_DIR))
    members[name] = b"a different certificate"
    report = verify(repack(members))
    assert "documents" in failed(report)


def test_a_time_stamp_over_other_data_fails(evidence: Evidence) -> None:
    members = members_of(evidence.bundle)
    members[bundle.TIMESTAMP_MEMBER] = stamp(evidence.authority, b"some other checkpoint")
    assert "checkpoint time-stamp" in failed(verify(repack(members)))
    members[bundle.TIMESTAMP_MEMBER] = b"\x30\x03garbage"
    assert "checkpoint time-stamp" in failed(verify(repack(members)))


@pytest.mark.parametrize("cut", [0, 10, 200, -30])
def test_truncated_or_garbage_files_fail_cleanly(evidence: Evidence, cut: int) -> None:
    report = verify(evidence.bundle[:cut])
    assert not report.ok and "bundle" in failed(report)


def test_a_zip_of_the_wrong_things_fails_cleanly() -> None:
    report = verify(repack({"hello.txt": b"hi"}, fix_manifest=False))
    assert "manifest" in failed(report)
    report = verify(repack({bundle.MANIFEST: b'{"format": 3, "files": []}'}, fix_manifest=False))
    assert "manifest" in failed(report)


def test_coinet_audit_verify_exit_codes(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.zip"
    good.write_bytes(evidence.bundle)
    keyring = tmp_path / "keyring.txt"
    keyring.write_text(evidence.keyring.to_text())
    assert cli.main(["audit", "verify", str(good), "--trusted-keys", str(keyring)]) == 0
    assert "all checks hold" in capsys.readouterr().out

    bad = tmp_path / "bad.zip"
    bad.write_bytes(evidence.bundle[: len(evidence.bundle) // 2])
    assert cli.main(["audit", "verify", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "FAILS" in captured.out and "Traceback" not in captured.out + captured.err

    stranger = tmp_path / "stranger.txt"
    other = NoteSigner(name=ORIGIN, private_key=Ed25519PrivateKey.generate())
    stranger.write_text(other.verifier.vkey() + "\n")
    assert cli.main(["audit", "verify", str(good), "--trusted-keys", str(stranger)]) == 1
    assert "not signed by a known key" in capsys.readouterr().out

    assert cli.main(["audit", "verify", str(tmp_path / "absent.zip")]) == 2
    keyring.write_text("this is not a keyring line at all\n")
    assert cli.main(["audit", "verify", str(good), "--trusted-keys", str(keyring)]) == 2
    assert "Traceback" not in capsys.readouterr().err
