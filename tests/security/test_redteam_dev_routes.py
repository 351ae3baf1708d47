"""Red team: the development mail page (/dev/mail) lists every message the local SMTP sink
caught, invitation and password-reset links included, to anyone, signed in or not. It must not
exist where the product runs for customers. A production server often relays mail through an
SMTP server on the same machine (SMTP_HOST=localhost), so the page's "local sink" test alone
does not keep it off: the environment must say production, and a deployment that names its
environment anything else (a typo like "prod", or "staging") was served as development, the
page on, the production checks (server secret, audit signing key) skipped. Such a setting is
refused at start-up now; only "development" offers the page."""

from __future__ import annotations

import base64
import dataclasses
import secrets
from email.message import EmailMessage
from pathlib import Path

import pytest
from arq.connections import ArqRedis
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.app import create_app
from backend.config import Settings
from backend.deployment import DeploymentError

pytestmark = pytest.mark.integration

RESET_LINK = "http://testserver/password/reset?token=pwr_secret-in-the-sink"


def _caught_mail(settings: Settings) -> None:
    """A password-reset message as the local sink stores one."""
    folder = settings.data_dir / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    message = EmailMessage()
    message["To"] = "victim@example.test"
    message["Subject"] = "Set a new password on the COI network"
    message.set_content(f"Open this link to choose one:\n\n{RESET_LINK}\n")
    (folder / "0001.eml").write_bytes(bytes(message))


def _deployed(settings: Settings, environment: str, tmp_path: Path) -> Settings:
    return dataclasses.replace(
        settings,
        environment=environment,
        smtp_host="localhost",  # the machine's own relay, as many servers have
        secret_key=secrets.token_urlsafe(48),
        audit_signing_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        data_dir=tmp_path,
        keys_dir=tmp_path / "keys",
    )


async def _dev_pages(
    settings: Settings, engine: AsyncEngine, session_factory: object, redis: ArqRedis
) -> list[tuple[int, str]]:
    app = create_app(settings)
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.redis = redis
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        answers = [
            await http.get("/dev/mail/", headers={"accept": "text/html"}),
            await http.get("/dev/mail/messages"),
        ]
    return [(a.status_code, a.text) for a in answers]


async def test_production_has_no_dev_mail_page_even_with_a_local_relay(
    settings: Settings,
    engine: AsyncEngine,
    session_factory: object,
    redis: ArqRedis,
    tmp_path: Path,
) -> None:
    production = _deployed(settings, "production", tmp_path)
    _caught_mail(production)
    for status, body in await _dev_pages(production, engine, session_factory, redis):
        assert status == 404
        assert RESET_LINK not in body
    # The same server in development shows the page (the test would pass vacuously else).
    development = dataclasses.replace(production, environment="development")
    shown = await _dev_pages(development, engine, session_factory, redis)
    assert shown[1][0] == 200 and RESET_LINK in shown[1][1]


@pytest.mark.parametrize("environment", ["prod", "staging", "production-eu", "live"])
async def test_an_environment_named_otherwise_does_not_start_as_development(
    settings: Settings,
    engine: AsyncEngine,
    session_factory: object,
    redis: ArqRedis,
    tmp_path: Path,
    environment: str,
) -> None:
    deployed = _deployed(settings, environment, tmp_path)
    _caught_mail(deployed)
    with pytest.raises(DeploymentError, match="COINET_ENV"):
        await _dev_pages(deployed, engine, session_factory, redis)


async def test_production_refuses_webhooks_to_private_addresses_being_allowed(
    settings: Settings, tmp_path: Path
) -> None:
    deployed = dataclasses.replace(
        _deployed(settings, "production", tmp_path), webhooks_allow_private=True
    )
    with pytest.raises(DeploymentError, match="WEBHOOKS_ALLOW_PRIVATE"):
        create_app(deployed)
