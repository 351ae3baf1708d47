"""Passwords and bearer secrets: argon2id for passwords, SHA-256 for random tokens
(they carry 256 bits of entropy, so a slow hash adds nothing but latency)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash computed once so that a sign-in for an unknown e-mail costs as much as a real one.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


def burn_password_check(password: str) -> None:
    password_matches(_DUMMY_HASH, password)


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
