"""Secrets an integration must use again (webhook signing secrets, Procore client secrets and
tokens) are encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

The keys come from `INTEGRATIONS_KEY` (comma-separated Fernet keys: the first encrypts, every
one decrypts, so a key can be rotated by putting the new one first). Without it a key is made on
first use in `KEYS_DIR/integrations.fernet` (mode 0600), as the audit keys are, so development
works out of the box; production sets the variable so every process shares the key."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from backend.audit.keys import write_private_file
from backend.config import Settings

KEY_FILE: Final = "integrations.fernet"


class SecretUnreadable(RuntimeError):
    """A stored secret cannot be decrypted with the configured keys (key lost or changed)."""


@lru_cache(maxsize=8)
def _cipher(configured: str, keys_dir: Path) -> MultiFernet:
    keys = [k.strip() for k in configured.split(",") if k.strip()]
    if not keys:
        path = keys_dir / KEY_FILE
        write_private_file(path, Fernet.generate_key())
        keys = [path.read_bytes().decode().strip()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(settings: Settings, secret: str) -> bytes:
    return _cipher(settings.integrations_key, settings.keys_dir).encrypt(secret.encode())


def decrypt(settings: Settings, stored: bytes) -> str:
    try:
        return _cipher(settings.integrations_key, settings.keys_dir).decrypt(stored).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("a stored integration secret cannot be decrypted") from exc
