"""Canonical snapshots, signed-note checkpoints, the keyring and the key files."""

from __future__ import annotations

import base64
import stat
import uuid
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.audit import canonical, keys
from backend.audit.checkpoint import (
    Checkpoint,
    Keyring,
    NoteError,
    NoteSigner,
    VerifierKey,
    ed25519_key_id,
    open_checkpoint,
    sign_checkpoint,
)
from backend.audit.samples import sample_facts


def facts(**overrides: object) -> canonical.SnapshotFacts:
    base = sample_facts(
        engagement_id=uuid.UUID(int=1),
        project_id=uuid.UUID(int=2),
        sub_id=uuid.UUID(int=3),
        gc_id=uuid.UUID(int=4),
        as_of=date(2026, 5, 1),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_snapshot_holds_every_required_fact_and_canonical_bytes_are_stable() -> None:
    snapshot = canonical.build_snapshot(facts(), previous_snapshot_sha256="ab" * 32)
    assert snapshot["schema"] == canonical.SNAPSHOT_SCHEMA
    assert snapshot["engagement_id"] == str(uuid.UUID(int=1))
    assert snapshot["project"]["id"] == str(uuid.UUID(int=2))
    assert snapshot["record"]["documents"][0]["sha256"]
    assert snapshot["requirements"]["version"] == "elevated/2"
    assert snapshot["checks"][0]["code"] == "GL_EACH_OCCURRENCE_MIN"
    assert snapshot["decision"]["by"]["name"] == "verification engine"
    assert snapshot["as_of"] == "2026-05-01"
    assert snapshot["engine_version"] == "verification/1.0"
    assert snapshot["previous_snapshot_sha256"] == "ab" * 32
    data = canonical.canonical_bytes(snapshot)
    # Sorted keys, no whitespace: the RFC 8785 form.
    assert data.startswith(b'{"as_of":"2026-05-01","checks":[')
    assert b": " not in data and b", " not in data
    assert canonical.parse_snapshot(data) == snapshot
    # Same facts, same bytes; a changed fact, different bytes.
    assert canonical.canonical_bytes(canonical.build_snapshot(facts(), "ab" * 32)) == data
    changed = canonical.build_snapshot(facts(status="compliant"), "ab" * 32)
    assert canonical.canonical_bytes(changed) != data


def test_values_from_the_domain_are_normalised() -> None:
    value = canonical.to_json_value(
        {"limit": Decimal("1000000"), "rate": Decimal("0.25"), "id": uuid.UUID(int=7)}
    )
    assert value == {"limit": 1000000, "rate": "0.25", "id": str(uuid.UUID(int=7))}
    with pytest.raises(canonical.SnapshotError, match="finite"):
        canonical.to_json_value({"x": float("nan")})
    with pytest.raises(canonical.SnapshotError, match="type"):
        canonical.to_json_value({"x": object()})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "shrug"}, "unknown snapshot kind"),
        ({"requirement_set_sha256": "xyz"}, "requirement set hash"),
        ({"documents": [canonical.DocumentRef(sha256="ABC", name="a.pdf")]}, "document a.pdf"),
    ],
)
def test_bad_facts_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(canonical.SnapshotError, match=message):
        canonical.build_snapshot(facts(**change), None)


def test_a_decision_needs_an_aware_time_and_a_matching_action() -> None:
    naive = canonical.Decision("verdict", canonical.Party("p", "P"), datetime(2026, 1, 1))
    with pytest.raises(canonical.SnapshotError, match="time zone"):
        canonical.build_snapshot(facts(decision=naive), None)
    with pytest.raises(canonical.SnapshotError, match="differs"):
        canonical.build_snapshot(facts(kind="approve"), None)


def test_non_canonical_bytes_are_refused() -> None:
    data = canonical.canonical_bytes(canonical.build_snapshot(facts(), None))
    with pytest.raises(canonical.SnapshotError, match="canonical"):
        canonical.parse_snapshot(data.replace(b'{"as_of"', b'{ "as_of"', 1))
    with pytest.raises(canonical.SnapshotError, match="not JSON"):
        canonical.parse_snapshot(data[:-5])


def signer(name: str = "example.com/log") -> NoteSigner:
    return NoteSigner(name=name, private_key=Ed25519PrivateKey.generate())


def test_note_body_and_signature_line_follow_c2sp() -> None:
    key = signer()
    root = bytes(range(32))
    note = sign_checkpoint(Checkpoint("example.com/log", 42, root), [key])
    body, _, signatures = note.partition("\n\n")
    assert body == f"example.com/log\n42\n{base64.b64encode(root).decode()}"
    assert signatures.startswith("— example.com/log ")
    blob = base64.b64decode(signatures.split(" ")[2])
    assert blob[:4] == key.verifier.key_id and len(blob) == 68
    opened = open_checkpoint(note, Keyring.of([key.verifier]))
    assert opened.checkpoint == Checkpoint("example.com/log", 42, root)


def test_key_id_is_the_c2sp_ed25519_key_hash() -> None:
    import hashlib

    key = signer("log.example")
    raw = key.verifier.vkey().split("+", 2)[2]
    public = base64.b64decode(raw)[1:]
    expected = hashlib.sha256(b"log.example\n\x01" + public).digest()[:4]
    assert ed25519_key_id("log.example", key.private_key.public_key()) == expected
    assert VerifierKey.from_vkey(key.verifier.vkey()).key_id == expected


def test_vkeys_round_trip_whatever_characters_base64_uses() -> None:
    for _ in range(20):
        key = signer().verifier
        assert VerifierKey.from_vkey(key.vkey()).vkey() == key.vkey()


def test_checkpoint_signatures_are_checked() -> None:
    key, stranger = signer(), signer()
    note = sign_checkpoint(Checkpoint("example.com/log", 3, b"\x01" * 32), [key])
    with pytest.raises(NoteError, match="not signed by a known key"):
        open_checkpoint(note, Keyring.of([stranger.verifier]))
    altered = note.replace("\n3\n", "\n4\n")
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(altered, Keyring.of([key.verifier]))
    with pytest.raises(NoteError):
        open_checkpoint("garbage", Keyring.of([key.verifier]))
    with pytest.raises(NoteError, match="root hash"):
        open_checkpoint(note.replace("AQEB", "!!!!", 1), Keyring.of([key.verifier]))


def test_a_note_signed_by_two_keys_opens_with_either() -> None:
    first, second = signer(), signer("witness.example")
    note = sign_checkpoint(Checkpoint("example.com/log", 1, b"\x02" * 32), [first, second])
    assert open_checkpoint(note, Keyring.of([second.verifier])).verified_by == (second.verifier,)


def test_key_files_are_private_and_rotation_keeps_old_checkpoints_verifiable(
    tmp_path: Path,
) -> None:
    origin = "coinet.test/audit"
    old = keys.load_or_create_signer(tmp_path, origin)
    assert keys.load_or_create_signer(tmp_path, origin).verifier == old.verifier
    mode = stat.S_IMODE((tmp_path / keys.SIGNING_KEY_FILE).stat().st_mode)
    assert mode == 0o600
    old_note = sign_checkpoint(Checkpoint(origin, 5, b"\x03" * 32), [old])

    new = keys.rotate_signing_key(tmp_path, origin)
    assert new.verifier.key_id != old.verifier.key_id
    assert keys.load_or_create_signer(tmp_path, origin).verifier == new.verifier
    keyring = keys.load_keyring(tmp_path)
    opened = open_checkpoint(old_note, keyring)
    assert keyring.is_retired(opened.verified_by[0])
    new_note = sign_checkpoint(Checkpoint(origin, 6, b"\x04" * 32), [new])
    assert not keyring.is_retired(open_checkpoint(new_note, keyring).verified_by[0])
    assert "retired" in (tmp_path / keys.KEYRING_FILE).read_text()


def test_pdf_identity_is_generated_once_with_a_private_key_file(tmp_path: Path) -> None:
    identity = keys.load_or_create_pdf_identity(tmp_path, "coinet dev")
    again = keys.load_or_create_pdf_identity(tmp_path, "coinet dev")
    assert identity.certificate_pem == again.certificate_pem
    assert stat.S_IMODE((tmp_path / keys.PDF_KEY_FILE).stat().st_mode) == 0o600
    assert "coinet dev" in identity.certificate.subject.rfc4514_string()


def test_unusable_key_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / keys.SIGNING_KEY_FILE).write_text("not a key")
    with pytest.raises(keys.KeyFileError):
        keys.load_or_create_signer(tmp_path, "o")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_canonical_bytes_are_exactly_what_rfc8785_produces(value: dict[str, object]) -> None:
    # The append path takes a faster route when it is provably equivalent; it must never differ.
    assert canonical.canonical_bytes(value) == rfc8785.dumps(value)


def test_the_fast_route_is_taken_only_when_it_is_exact() -> None:
    assert canonical.canonical_bytes({"b": 1, "a": "é\n\u001f"}) == rfc8785.dumps(
        {"b": 1, "a": "é\n\u001f"}
    )
    assert canonical.canonical_bytes({"x": 1.0, "y": 1e21}) == b'{"x":1,"y":1e+21}'
    assert canonical.canonical_bytes({"\U0001f600": 1, "\ufb01": 2}) == rfc8785.dumps(
        {"\U0001f600": 1, "\ufb01": 2}
    )
    with pytest.raises(canonical.SnapshotError):
        canonical.canonical_bytes({"big": 2**60})
