"""Secrets derived from the server secret (SECRET_KEY), and the development stand-in for it.

Kept apart from `backend.deployment` so that `backend.config` can derive its keys without
importing anything else of the backend.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Final

DEVELOPMENT_SECRET_FILE: Final = "development-secret.txt"  # noqa: S105 (a file name)
# Binds the derived key to its one use; a new use derives its own key with another label.
ENCRYPTION_KEY_LABEL: Final = b"coinet stored-secret encryption key v1"


class MissingSecretError(RuntimeError):
    """Production runs without SECRET_KEY."""


def derive_encryption_key(secret: str) -> bytes:
    """A Fernet key (url-safe base64 of 32 bytes) derived from the server secret."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=ENCRYPTION_KEY_LABEL
    ).derive(secret.encode("utf-8"))
    return base64.urlsafe_b64encode(derived)


def development_secret(keys_dir: Path, production: bool) -> str:
    """The secret a development machine uses when SECRET_KEY is not set, made on first use."""
    if production:
        raise MissingSecretError("SECRET_KEY is not set; production needs it on every replica")
    path = keys_dir / DEVELOPMENT_SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    token = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token)
    return token
