"""The audit log's keys on disk, under `settings.keys_dir`.

- `audit-signing.key`: the active Ed25519 checkpoint key (PKCS#8 PEM, mode 0600).
- `audit-keyring.txt`: every checkpoint verifier key ever used, "vkey active|retired"; this is
  public and is what an operator publishes so that outsiders can pin it.
- `pdf-signing.key` / `pdf-signing.crt` (+ optional `pdf-signing-chain.pem`): the identity that
  signs the PDF reports. The operator provides a real one; when none exists a self-signed
  certificate is made so that development works out of the box.

Private keys are created with O_EXCL and mode 0600 so two processes starting together never
overwrite each other's key, and keys never live in the repository (`var/` is ignored).
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from backend.audit.checkpoint import Keyring, NoteSigner
from backend.config import Settings

SIGNING_KEY_FILE: Final = "audit-signing.key"
KEYRING_FILE: Final = "audit-keyring.txt"
PDF_KEY_FILE: Final = "pdf-signing.key"
PDF_CERT_FILE: Final = "pdf-signing.crt"
PDF_CHAIN_FILE: Final = "pdf-signing-chain.pem"
PRIVATE_MODE: Final = 0o600


class KeyFileError(RuntimeError):
    """A key file exists but cannot be used (wrong type, unreadable, corrupt)."""


def log_origin(settings: Settings) -> str:
    """The checkpoint origin line: this deployment's host, then the log's name."""
    configured = settings.extra.get("audit_origin", "")
    if configured:
        return configured
    host = urlsplit(settings.base_url).netloc or "coinet.local"
    return f"{host}/coinet-audit-log"


def signer_name(origin: str) -> str:
    # Key names may not hold spaces or '+'; the origin is the name C2SP recommends.
    return origin.replace(" ", "_").replace("+", "_")


def write_private_file(path: Path, data: bytes) -> bool:
    """Create `path` with mode 0600 unless it exists; True when this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return True


def _replace_file(path: Path, data: bytes, mode: int) -> None:
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _ed25519_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_ed25519(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path} is not a readable private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} does not hold an Ed25519 key")
    return key


def load_keyring(keys_dir: Path) -> Keyring:
    path = keys_dir / KEYRING_FILE
    if not path.exists():
        return Keyring()
    return Keyring.from_text(path.read_text(encoding="utf-8"))


def _record_in_keyring(keys_dir: Path, signer: NoteSigner) -> Keyring:
    keyring = load_keyring(keys_dir)
    if keyring.find(signer.name, signer.verifier.key_id) is None:
        keyring.add(signer.verifier)
        _replace_file(keys_dir / KEYRING_FILE, keyring.to_text().encode("utf-8"), 0o644)
    return keyring


def _parse_configured_key(text: str, where: str) -> Ed25519PrivateKey:
    """A PEM private key, or base64 of the 32-byte Ed25519 seed (easier to keep in a secret
    store); a PEM pasted into one environment line may carry literal "\\n" for its breaks."""
    text = text.strip().replace("\\n", "\n")
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        else:
            seed = base64.b64decode(text, validate=True)
            key = Ed25519PrivateKey.from_private_bytes(seed)
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
        raise KeyFileError(f"{where} is not a usable Ed25519 private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{where} does not hold an Ed25519 key")
    return key


def configured_signing_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The checkpoint key every replica shares, from configuration; None when none is set."""
    if settings.audit_signing_key:
        return _parse_configured_key(settings.audit_signing_key, "AUDIT_SIGNING_KEY")
    if settings.audit_signing_key_file:
        path = Path(settings.audit_signing_key_file)
        try:
            text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyFileError(f"AUDIT_SIGNING_KEY_FILE {path} cannot be read: {exc}") from exc
        return _parse_configured_key(text, f"AUDIT_SIGNING_KEY_FILE {path}")
    return None


def settings_signer(settings: Settings, origin: str) -> tuple[NoteSigner, Keyring]:
    """The signer and keyring for these settings: the configured key when there is one (the
    keyring file, when present, still lists the retired keys), else the local key made on
    first use, which production refuses."""
    key = configured_signing_key(settings)
    if key is None:
        if settings.is_production:
            raise KeyFileError(
                "production needs AUDIT_SIGNING_KEY_FILE or AUDIT_SIGNING_KEY (one key for all "
                "replicas); a key generated per server is refused"
            )
        signer = load_or_create_signer(settings.keys_dir, origin)
        return signer, load_keyring(settings.keys_dir)
    signer = NoteSigner(name=signer_name(origin), private_key=key)
    keyring = load_keyring(settings.keys_dir)
    if keyring.find(signer.name, signer.verifier.key_id) is None:
        keyring.add(signer.verifier)
    return signer, keyring


def load_or_create_signer(keys_dir: Path, origin: str) -> NoteSigner:
    """The active checkpoint signer, generated on first use and listed in the keyring."""
    path = keys_dir / SIGNING_KEY_FILE
    write_private_file(path, _ed25519_pem(Ed25519PrivateKey.generate()))
    signer = NoteSigner(name=signer_name(origin), private_key=_load_ed25519(path))
    _record_in_keyring(keys_dir, signer)
    return signer


def rotate_signing_key(keys_dir: Path, origin: str) -> NoteSigner:
    """Retire the active key (its public half stays in the keyring) and start a new one."""
    old = load_or_create_signer(keys_dir, origin)
    keyring = load_keyring(keys_dir)
    keyring.add(old.verifier, retired=True)
    new_key = Ed25519PrivateKey.generate()
    _replace_file(keys_dir / SIGNING_KEY_FILE, _ed25519_pem(new_key), PRIVATE_MODE)
    signer = NoteSigner(name=signer_name(origin), private_key=new_key)
    keyring.add(signer.verifier)
    _replace_file(keys_dir / KEYRING_FILE, keyring.to_text().encode("utf-8"), 0o644)
    return signer


@dataclass(frozen=True)
class PdfSigningIdentity:
    key_pem: bytes
    certificate_pem: bytes
    chain_pem: bytes  # intermediates and root, possibly empty

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem)


def self_signed_certificate(
    common_name: str, key: ec.EllipticCurvePrivateKey, *, days: int = 3650
) -> x509.Certificate:
    now = datetime.now(UTC)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "COI network (development)"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def load_or_create_pdf_identity(keys_dir: Path, common_name: str) -> PdfSigningIdentity:
    """The operator's PDF signing certificate, or a self-signed development one."""
    key_path, cert_path = keys_dir / PDF_KEY_FILE, keys_dir / PDF_CERT_FILE
    if not key_path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        if write_private_file(key_path, key_pem):
            certificate = self_signed_certificate(common_name, key)
            _replace_file(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    try:
        key_pem = key_path.read_bytes()
        certificate_pem = cert_path.read_bytes()
        x509.load_pem_x509_certificate(certificate_pem)
        serialization.load_pem_private_key(key_pem, password=None)
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"PDF signing identity in {keys_dir} is unusable: {exc}") from exc
    chain_path = keys_dir / PDF_CHAIN_FILE
    chain_pem = chain_path.read_bytes() if chain_path.exists() else b""
    return PdfSigningIdentity(key_pem=key_pem, certificate_pem=certificate_pem, chain_pem=chain_pem)
