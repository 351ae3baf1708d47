"""Log checkpoints as C2SP signed notes, signed with Ed25519.

A checkpoint body is three lines, "<origin>\\n<tree size>\\n<base64 root hash>\\n"; the note
appends a blank line and one line per signature, "— <key name> <base64(key id || signature)>".
The key id of an Ed25519 key is the first four bytes of SHA-256(name || "\\n" || 0x01 || public
key), so a verifier can tell which key signed without trying them all. A `Keyring` keeps the
retired keys beside the active one: a checkpoint signed years ago still verifies after rotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backend.audit.merkle import HASH_SIZE

ED25519_ALGORITHM: Final = b"\x01"
SIGNATURE_PREFIX: Final = "— "
KEY_ID_SIZE: Final = 4
ED25519_SIGNATURE_SIZE: Final = 64
MAX_NOTE_BYTES: Final = 64 * 1024


class NoteError(ValueError):
    """A note that is malformed, unsigned by any key we know, or whose signature fails."""


def _raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _check_key_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def ed25519_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    _check_key_name(name)
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + ED25519_ALGORITHM + _raw_public_key(public_key)
    ).digest()
    return digest[:KEY_ID_SIZE]


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode('ascii')}\n"

    @classmethod
    def parse_body(cls, body: str) -> Checkpoint:
        lines = body.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("checkpoint body needs origin, size and root hash lines")
        origin, size_text, root_text = lines[0], lines[1], lines[2]
        if not origin:
            raise NoteError("checkpoint origin is empty")
        if not size_text.isdigit() or (len(size_text) > 1 and size_text.startswith("0")):
            raise NoteError(f"checkpoint tree size {size_text!r} is not a decimal number")
        try:
            root = base64.b64decode(root_text, validate=True)
        except binascii.Error as exc:
            raise NoteError("checkpoint root hash is not base64") from exc
        if len(root) != HASH_SIZE:
            raise NoteError(f"checkpoint root hash has {len(root)} bytes, not {HASH_SIZE}")
        return cls(origin=origin, size=int(size_text), root=root)


@dataclass(frozen=True)
class VerifierKey:
    """A public key under a name, in the note verifier-key form "name+keyid+base64(0x01||key)"."""

    name: str
    public_key: Ed25519PublicKey

    @property
    def key_id(self) -> bytes:
        return ed25519_key_id(self.name, self.public_key)

    def vkey(self) -> str:
        encoded = base64.b64encode(ED25519_ALGORITHM + _raw_public_key(self.public_key))
        return f"{self.name}+{self.key_id.hex()}+{encoded.decode('ascii')}"

    @classmethod
    def from_vkey(cls, text: str) -> VerifierKey:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError(f"verifier key {text.strip()!r} is not name+keyid+key")
        name, key_id_hex, key_b64 = parts
        try:
            key_bytes = base64.b64decode(key_b64, validate=True)
            declared_id = bytes.fromhex(key_id_hex)
        except (binascii.Error, ValueError) as exc:
            raise NoteError(f"verifier key {name!r} is not encoded correctly") from exc
        if len(key_bytes) != 33 or key_bytes[:1] != ED25519_ALGORITHM:
            raise NoteError(f"verifier key {name!r} is not an Ed25519 key")
        key = cls(name=name, public_key=Ed25519PublicKey.from_public_bytes(key_bytes[1:]))
        if key.key_id != declared_id:
            raise NoteError(f"verifier key {name!r} declares a key id that does not match")
        return key


@dataclass(frozen=True)
class NoteSigner:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> VerifierKey:
        return VerifierKey(name=self.name, public_key=self.private_key.public_key())

    def signature_line(self, body: str) -> str:
        signature = self.private_key.sign(body.encode("utf-8"))
        blob = base64.b64encode(self.verifier.key_id + signature).decode("ascii")
        return f"{SIGNATURE_PREFIX}{self.name} {blob}\n"


@dataclass
class Keyring:
    """Public keys a verifier trusts, the active one and every retired one."""

    keys: list[VerifierKey] = field(default_factory=list)
    retired: set[str] = field(default_factory=set)

    def add(self, key: VerifierKey, *, retired: bool = False) -> None:
        if all(existing.vkey() != key.vkey() for existing in self.keys):
            self.keys.append(key)
        if retired:
            self.retired.add(key.vkey())

    def find(self, name: str, key_id: bytes) -> VerifierKey | None:
        for key in self.keys:
            if key.name == name and key.key_id == key_id:
                return key
        return None

    def is_retired(self, key: VerifierKey) -> bool:
        return key.vkey() in self.retired

    def to_text(self) -> str:
        lines = [
            f"{key.vkey()} {'retired' if self.is_retired(key) else 'active'}\n" for key in self.keys
        ]
        return "".join(lines)

    @classmethod
    def from_text(cls, text: str) -> Keyring:
        """Read "vkey [active|retired]" lines; blank lines and # comments are skipped."""
        keyring = cls()
        for line in text.splitlines():
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            fields = stripped.split()
            status = fields[1] if len(fields) > 1 else "active"
            if len(fields) > 2 or status not in ("active", "retired"):
                raise NoteError(f"keyring line {stripped!r} is not 'vkey [active|retired]'")
            keyring.add(VerifierKey.from_vkey(fields[0]), retired=status == "retired")
        return keyring

    @classmethod
    def of(cls, keys: Iterable[VerifierKey]) -> Keyring:
        keyring = cls()
        for key in keys:
            keyring.add(key)
        return keyring


def sign_checkpoint(checkpoint: Checkpoint, signers: Iterable[NoteSigner]) -> str:
    body = checkpoint.body()
    lines = [signer.signature_line(body) for signer in signers]
    if not lines:
        raise NoteError("a checkpoint needs at least one signer")
    return body + "\n" + "".join(lines)


@dataclass(frozen=True)
class OpenedNote:
    checkpoint: Checkpoint
    body: str
    verified_by: tuple[VerifierKey, ...]


def open_checkpoint(note: str, keyring: Keyring) -> OpenedNote:
    """Parse a signed checkpoint and check its signatures against the keyring.

    Signatures by keys the keyring does not hold are skipped, as C2SP asks; at least one must
    come from a known key, and a known key's signature that does not verify is an error.
    """
    if len(note.encode("utf-8")) > MAX_NOTE_BYTES:
        raise NoteError("checkpoint note is too large")
    separator = note.rfind("\n\n")
    if separator < 0 or not note.endswith("\n"):
        raise NoteError("checkpoint note has no signature block")
    body = note[: separator + 1]
    signature_lines = note[separator + 2 :].removesuffix("\n").split("\n")
    checkpoint = Checkpoint.parse_body(body)
    verified: list[VerifierKey] = []
    unknown: list[str] = []
    for line in signature_lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"signature line {line[:40]!r} does not start with an em dash")
        name, _, blob_text = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            blob = base64.b64decode(blob_text, validate=True)
        except binascii.Error as exc:
            raise NoteError(f"signature by {name!r} is not base64") from exc
        if len(blob) < KEY_ID_SIZE:
            raise NoteError(f"signature by {name!r} is too short")
        key = keyring.find(name, blob[:KEY_ID_SIZE])
        if key is None:
            unknown.append(f"{name}+{blob[:KEY_ID_SIZE].hex()}")
            continue
        signature = blob[KEY_ID_SIZE:]
        if len(signature) != ED25519_SIGNATURE_SIZE:
            raise NoteError(f"signature by {key.vkey()} has the wrong length")
        try:
            key.public_key.verify(signature, body.encode("utf-8"))
        except InvalidSignature as exc:
            raise NoteError(f"signature by {name}+{key.key_id.hex()} does not verify") from exc
        verified.append(key)
    if not verified:
        who = ", ".join(unknown) or "nobody"
        raise NoteError(f"checkpoint is not signed by a known key (signed by {who})")
    return OpenedNote(checkpoint=checkpoint, body=body, verified_by=tuple(verified))
