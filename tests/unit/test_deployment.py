"""Keys and secrets from configuration: one signing key for every replica, production refuses
to start without it, and the stored-secret encryption key is derived from SECRET_KEY."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.audit.context import AuditContext
from backend.audit.keys import KeyFileError, settings_signer
from backend.config import Settings
from backend.deployment import DeploymentError, configuration_problems, require_deployable
from backend.secret_keys import MissingSecretError

SECRET = "s" * 48


def _settings(tmp_path: Path, **changes: object) -> Settings:
    base = Settings(data_dir=tmp_path, keys_dir=tmp_path / "keys")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_production_refuses_to_start_without_a_shared_key_or_secret(tmp_path: Path) -> None:
    production = _settings(tmp_path, environment="production")
    problems = " ".join(configuration_problems(production))
    assert "SECRET_KEY" in problems and "AUDIT_SIGNING_KEY" in problems
    with pytest.raises(DeploymentError):
        require_deployable(production)
    with pytest.raises(KeyFileError):
        settings_signer(production, "example.test/log")
    assert not (tmp_path / "keys" / "audit-signing.key").exists()  # no per-server key made


def test_production_refuses_a_configured_key_it_cannot_read(tmp_path: Path) -> None:
    broken = _settings(
        tmp_path,
        environment="production",
        secret_key=SECRET,
        audit_signing_key_file=str(tmp_path / "missing.pem"),
    )
    with pytest.raises(DeploymentError, match="cannot be read"):
        require_deployable(broken)
    with pytest.raises(DeploymentError, match="Ed25519"):
        require_deployable(dataclasses.replace(broken, audit_signing_key="not a key"))


def test_every_replica_signs_with_the_configured_key(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    key_file = tmp_path / "audit.pem"
    key_file.write_text(_pem(key))
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    replicas = [
        _settings(
            tmp_path / "a",
            environment="production",
            secret_key=SECRET,
            audit_signing_key_file=str(key_file),
        ),
        _settings(
            tmp_path / "b",
            environment="production",
            secret_key=SECRET,
            audit_signing_key=base64.b64encode(seed).decode(),
        ),
        _settings(
            tmp_path / "c",
            environment="production",
            secret_key=SECRET,
            audit_signing_key=_pem(key).replace("\n", "\\n"),
        ),
    ]
    vkeys = set()
    for replica in replicas:
        require_deployable(replica)
        context = AuditContext.from_settings(replica)
        vkeys.add(context.signer.verifier.vkey())
        assert context.keyring.find(context.signer.name, context.signer.verifier.key_id)
        assert not (replica.keys_dir / "audit-signing.key").exists()
    assert len(vkeys) == 1


def test_development_makes_its_local_key_once(tmp_path: Path) -> None:
    development = _settings(tmp_path)
    require_deployable(development)
    first, _ = settings_signer(development, "example.test/log")
    again, keyring = settings_signer(development, "example.test/log")
    assert (tmp_path / "keys" / "audit-signing.key").exists()
    assert first.verifier.vkey() == again.verifier.vkey()
    assert keyring.find(first.name, first.verifier.key_id) is not None


def test_encryption_key_is_derived_from_secret_key(tmp_path: Path) -> None:
    one = _settings(tmp_path / "one", secret_key=SECRET).encryption_key
    same = _settings(tmp_path / "two", secret_key=SECRET).encryption_key
    other = _settings(tmp_path, secret_key="t" * 48).encryption_key
    assert one == same != other
    token = Fernet(one).encrypt(b"webhook secret")
    assert Fernet(same).decrypt(token) == b"webhook secret"
    assert SECRET.encode() not in base64.urlsafe_b64decode(one)


def test_development_encryption_key_is_stable_without_secret_key(tmp_path: Path) -> None:
    first = _settings(tmp_path).encryption_key
    assert _settings(tmp_path).encryption_key == first
    with pytest.raises(MissingSecretError):
        _ = _settings(tmp_path / "prod", environment="production").encryption_key
