"""Secrets an integration must use again (webhook signing secrets, Procore client secrets and
tokens) are encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

The keys come from `INTEGRATIONS_KEY` (comma-separated Fernet keys: the first encrypts, every
one decrypts, so a key can be rotated by putting the new one first). Without it, the
application's own encryption key is used (`settings.encryption_key`: derived from SECRET_KEY,
which production requires, so every replica and worker shares it; in development from a secret
made once under KEYS_DIR).

A module of its own at the top of the backend: webhooks (`notify`) and Procore
(`integrations`) both keep secrets with it, and neither may import the other."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from backend.config import Settings


class SecretUnreadable(RuntimeError):
    """A stored secret cannot be decrypted with the configured keys (key lost or changed)."""


@lru_cache(maxsize=8)
def _keys(configured: str, fallback: bytes) -> MultiFernet:
    keys = [k.strip().encode() for k in configured.split(",") if k.strip()] or [fallback]
    return MultiFernet([Fernet(k) for k in keys])


def _cipher(settings: Settings) -> MultiFernet:
    if settings.integrations_key.strip():
        return _keys(settings.integrations_key, b"")
    return _keys("", settings.encryption_key)


def encrypt(settings: Settings, secret: str) -> bytes:
    return _cipher(settings).encrypt(secret.encode())


def decrypt(settings: Settings, stored: bytes) -> str:
    try:
        return _cipher(settings).decrypt(stored).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("a stored integration secret cannot be decrypted") from exc
