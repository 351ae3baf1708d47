"""Settings from the environment, with defaults that work on a developer machine.

Every setting is read once per process through `get_settings()`; tests build their own
`Settings` instead of mutating the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"setting {name} must be a whole number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/coinet"
    # Migrations need the owner; the app and workers can run as the restricted `coinet_app`
    # role that migration 0004 creates. Empty: migrate through DATABASE_URL.
    migration_database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Where state that is not in PostgreSQL lives locally: documents, keys, private servers.
    data_dir: Path = PROJECT_ROOT / "var"
    document_store: str = "filesystem"  # "filesystem" or "s3"
    document_root: Path = PROJECT_ROOT / "var" / "documents"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    max_upload_bytes: int = 25 * 1024 * 1024
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "COI network <notices@coinet.local>"
    # SMTP_TLS: "starttls", "tls" (implicit, usually port 465) or "none"; "auto" is "none" for a
    # server on this machine (the development sink) and "starttls" for any other.
    smtp_tls: str = "auto"
    smtp_username: str = ""
    smtp_password: str = ""
    # The server secret (SECRET_KEY): the stored-secret encryption key is derived from it.
    secret_key: str = ""
    # The audit log's checkpoint key, the same on every replica: a PEM file's path, or the key
    # itself (PEM, or base64 of the 32-byte Ed25519 seed) in the environment. Neither: a local
    # key under KEYS_DIR is made on first use (development only; production refuses to start).
    audit_signing_key_file: str = ""
    audit_signing_key: str = ""
    session_days: int = 14
    base_url: str = "http://127.0.0.1:8000"
    keys_dir: Path = PROJECT_ROOT / "var" / "keys"
    timestamp_url: str = ""
    # "production" turns off what only a developer's machine should offer (the /dev/mail page).
    environment: str = "development"
    # How often an open portfolio page asks again for its rows (0: never).
    dashboard_refresh_seconds: int = 60
    # Fernet keys (comma-separated, the first encrypts) for integration secrets kept at rest;
    # empty: a key generated on first use in KEYS_DIR.
    integrations_key: str = ""
    # Development only: let webhooks reach private and loopback addresses (a local receiver).
    webhooks_allow_private: bool = False
    # Rate limits on sign-in, sign-up, password reset, uploads and /verify (counted in Redis).
    # Off only for test suites that sign in hundreds of times from one address.
    rate_limits: bool = True
    procore_api_url: str = "https://api.procore.com"
    procore_login_url: str = "https://login.procore.com"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def owner_database_url(self) -> str:
        return self.migration_database_url or self.database_url

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def smtp_security(self) -> str:
        """ "starttls", "tls" or "none", with "auto" resolved by where the server is."""
        if self.smtp_tls != "auto":
            return self.smtp_tls
        return "none" if is_loopback_host(self.smtp_host) else "starttls"

    @cached_property
    def encryption_key(self) -> bytes:
        """The key that encrypts secrets stored in the database (webhook secrets, third-party
        tokens): 32 random-looking bytes, url-safe base64 encoded, so `Fernet(key)` takes it as
        it is. Derived from SECRET_KEY with HKDF-SHA256, so every replica derives the same one;
        in development without SECRET_KEY, from a secret made once under KEYS_DIR."""
        from backend.secret_keys import derive_encryption_key, development_secret

        secret = self.secret_key or development_secret(self.keys_dir, self.is_production)
        return derive_encryption_key(secret)

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(_env("COINET_DATA_DIR", str(PROJECT_ROOT / "var")))
        return cls(
            database_url=_env("DATABASE_URL", cls.database_url),
            migration_database_url=_env("MIGRATION_DATABASE_URL", ""),
            redis_url=_env("REDIS_URL", cls.redis_url),
            data_dir=data_dir,
            document_store=_env("DOCUMENT_STORE", "filesystem"),
            document_root=Path(_env("DOCUMENT_ROOT", str(data_dir / "documents"))),
            s3_endpoint_url=_env("S3_ENDPOINT_URL", ""),
            s3_bucket=_env("S3_BUCKET", ""),
            s3_access_key=_env("S3_ACCESS_KEY", ""),
            s3_secret_key=_env("S3_SECRET_KEY", ""),
            max_upload_bytes=_env_int("MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            smtp_host=_env("SMTP_HOST", cls.smtp_host),
            smtp_port=_env_int("SMTP_PORT", cls.smtp_port),
            smtp_sender=_env("SMTP_SENDER", cls.smtp_sender),
            smtp_tls=_env("SMTP_TLS", cls.smtp_tls).strip().lower(),
            smtp_username=_env("SMTP_USERNAME", ""),
            smtp_password=_env("SMTP_PASSWORD", ""),
            secret_key=_env("SECRET_KEY", ""),
            audit_signing_key_file=_env("AUDIT_SIGNING_KEY_FILE", ""),
            audit_signing_key=_env("AUDIT_SIGNING_KEY", ""),
            session_days=_env_int("SESSION_DAYS", cls.session_days),
            base_url=_env("BASE_URL", cls.base_url),
            keys_dir=Path(_env("KEYS_DIR", str(data_dir / "keys"))),
            timestamp_url=_env("TIMESTAMP_URL", ""),
            environment=_env("COINET_ENV", cls.environment).strip().lower(),
            dashboard_refresh_seconds=_env_int(
                "DASHBOARD_REFRESH_SECONDS", cls.dashboard_refresh_seconds
            ),
            integrations_key=_env("INTEGRATIONS_KEY", ""),
            webhooks_allow_private=_env("WEBHOOKS_ALLOW_PRIVATE", "0").lower() in ("1", "true"),
            rate_limits=_env("RATE_LIMITS", "1").lower() not in ("0", "false", "off"),
            procore_api_url=_env("PROCORE_API_URL", cls.procore_api_url),
            procore_login_url=_env("PROCORE_LOGIN_URL", cls.procore_login_url),
        )


def is_loopback_host(host: str) -> bool:
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
