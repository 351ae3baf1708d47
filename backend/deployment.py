"""What a deployment must configure, and the secrets derived from that configuration.

Production (COINET_ENV=production) refuses to start unless every replica is given the same
server secret and the same audit signing key: a key generated on each server would sign
checkpoints no other replica, and no outsider pinning the published keyring, can tie together.
Development keeps working with nothing configured: the missing secrets are made once under
KEYS_DIR (never committed).
"""

from __future__ import annotations

from typing import Final

from backend.config import Settings, is_loopback_host

# 32 characters of a random token carry well over 128 bits; shorter secrets are refused in
# production because every derived key is only as strong as this one.
MIN_SECRET_KEY_CHARS: Final = 32
SMTP_SECURITY_MODES: Final = ("auto", "starttls", "tls", "none")
# The environments a process may run as. Any other name (a typo like "prod", or "staging") was
# run as development: the /dev/mail page on (every invitation and reset link caught by a local
# relay, to anyone) and the production checks skipped. It is refused instead.
ENVIRONMENTS: Final = ("development", "production")


class DeploymentError(RuntimeError):
    """The configuration cannot run this deployment safely; the message says what to set."""


def configuration_problems(settings: Settings) -> list[str]:
    """Every reason this configuration must not run; production adds its own requirements."""
    problems: list[str] = []
    if settings.environment not in ENVIRONMENTS:
        problems.append(
            f"COINET_ENV must be one of {', '.join(ENVIRONMENTS)}, not {settings.environment!r}"
        )
    if settings.smtp_tls not in SMTP_SECURITY_MODES:
        problems.append(f"SMTP_TLS must be one of {', '.join(SMTP_SECURITY_MODES)}")
    elif (
        settings.smtp_username
        and settings.smtp_security == "none"
        and not is_loopback_host(settings.smtp_host)
    ):
        problems.append(
            "SMTP_USERNAME is set but SMTP_TLS is none: the password would travel in clear"
        )
    if not settings.is_production:
        return problems
    if len(settings.secret_key) < MIN_SECRET_KEY_CHARS:
        problems.append(
            f"SECRET_KEY must be set to at least {MIN_SECRET_KEY_CHARS} random characters"
        )
    if settings.webhooks_allow_private:
        problems.append(
            "WEBHOOKS_ALLOW_PRIVATE is for development: in production it would let any "
            "customer's webhook reach this network's private addresses"
        )
    if not (settings.audit_signing_key or settings.audit_signing_key_file):
        problems.append(
            "no audit signing key: set AUDIT_SIGNING_KEY_FILE (a PEM file) or AUDIT_SIGNING_KEY, "
            "the same on every replica"
        )
    return problems


def require_deployable(settings: Settings) -> None:
    """Stop a process from starting with a configuration listed as unsafe above."""
    problems = configuration_problems(settings)
    if settings.is_production and not problems:
        from backend.audit.keys import KeyFileError, configured_signing_key

        try:
            configured_signing_key(settings)
        except KeyFileError as exc:
            problems.append(str(exc))
    if problems:
        raise DeploymentError("cannot start: " + "; ".join(problems))
