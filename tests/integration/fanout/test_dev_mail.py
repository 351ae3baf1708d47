"""The development SMTP sink stores what the app sends, and /dev/mail shows it."""

from __future__ import annotations

import dataclasses
import importlib.util
import socket
import sys
from pathlib import Path
from types import ModuleType

import pytest
from httpx import AsyncClient

from backend.config import PROJECT_ROOT, Settings
from backend.db.models import Notice, Person
from backend.notify.controllers import dev_mail_enabled
from backend.notify.mail import compose_digest, send_message


def _sink_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "smtp_sink", PROJECT_ROOT / "infra" / "smtp_sink.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["smtp_sink"] = module
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_sink_stores_mail_and_the_dev_page_lists_it(
    settings: Settings, client: AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = tmp_path / "mail"
    monkeypatch.setenv("MAIL_SINK_DIR", str(mailbox))
    port = _free_port()
    controller = _sink_module().start_sink(mailbox, "127.0.0.1", port)
    try:
        person = Person(email="reader@example.test", full_name="Rae Reader")
        notice = Notice(subject="Keel Drywall on P-7: expiring soon", body="Renew by <Friday>.")
        local = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port)
        await send_message(local, compose_digest(local, person, [notice]))
    finally:
        controller.stop()
    stored = list(mailbox.glob("*.eml"))
    assert len(stored) == 1
    assert b"X-Envelope-To: reader@example.test" in stored[0].read_bytes()

    page = await client.get("/dev/mail/")
    assert page.status_code == 200
    assert "Keel Drywall on P-7: expiring soon" in page.text
    assert "Renew by &lt;Friday&gt;." in page.text  # escaped, never rendered as markup
    listed = (await client.get("/dev/mail/messages")).json()
    assert [m["to"] for m in listed] == ["reader@example.test"]


def test_the_dev_page_is_off_in_production_or_with_a_real_mail_server(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = dataclasses.replace(settings, smtp_host="127.0.0.1", environment="development")
    assert dev_mail_enabled(local)
    assert not dev_mail_enabled(dataclasses.replace(local, smtp_host="smtp.example.com"))
    assert not dev_mail_enabled(dataclasses.replace(local, environment="production"))
    monkeypatch.setenv("COINET_ENV", " Production ")
    assert Settings.from_env().environment == "production"
