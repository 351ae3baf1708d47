"""Optional second factor for GC admins: time-based one-time codes (RFC 6238, with pyotp),
the kind any authenticator app makes. The secret is stored encrypted with the deployment's key
(derived from SECRET_KEY); a code is accepted once (the time-step it belongs to is kept)."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Final

import pyotp
from cryptography.fernet import Fernet, InvalidToken

from backend.config import Settings

# Who may turn it on: the role that holds a GC's decisions, requirements and tokens.
TOTP_ROLES: Final = frozenset({"gc_admin"})
STEP_SECONDS: Final = 30  # RFC 6238's default, what every authenticator app uses
# One step either side: a phone's clock a little off, or a code typed as it turned over.
DRIFT_STEPS: Final = 1
ISSUER: Final = "COI network"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=ISSUER
    )


def seal(settings: Settings, secret: str) -> bytes:
    return Fernet(settings.encryption_key).encrypt(secret.encode())


def unseal(settings: Settings, stored: bytes) -> str | None:
    """The secret, or None when it cannot be read (the deployment's key changed)."""
    try:
        return Fernet(settings.encryption_key).decrypt(stored).decode()
    except InvalidToken:
        return None


def accepted_step(secret: str, code: str, last_step: int, now: datetime) -> int | None:
    """The time-step the code belongs to, if it is right and newer than the last one used."""
    code = "".join(code.split())
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > last_step and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None
