"""Fixtures for the integrations tests: real HTTP processes (a webhook receiver), settings that
allow delivering to this machine, and the app over ASGI with those settings."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.app import create_app
from backend.config import PROJECT_ROOT, Settings


class Receiver:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    def secrets(self, *secrets: str) -> None:
        httpx.post(f"{self.base}/_control/secrets", json={"secrets": list(secrets)})

    def script(self, *answers: tuple[int, str | None] | tuple[int, str | None, str]) -> None:
        httpx.post(f"{self.base}/_control/script", json={"answers": [list(a) for a in answers]})

    def log(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.base}/_control/log").json())


def start_process(module: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    """Start `python -m module`; it prints "port N" once it listens."""
    process = subprocess.Popen(  # noqa: S603 - our own module, run with our interpreter
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("port "):
        process.kill()
        raise RuntimeError(f"{module} did not start: {line!r}")
    return process, int(line.split()[1])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    process, port = start_process("tests.integration.integrations.receiver")
    try:
        yield Receiver(process, port)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def local_settings(settings: Settings) -> Settings:
    """Delivery to this machine allowed, as the development setting does."""
    return dataclasses.replace(settings, webhooks_allow_private=True)


@asynccontextmanager
async def app_client(
    settings: Settings, engine: AsyncEngine, session_factory: Any, redis: ArqRedis
) -> AsyncIterator[AsyncClient]:
    """The app over ASGI with these settings, sharing the test's transaction and Redis."""
    app = create_app(settings)
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.redis = redis
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def local_client(
    local_settings: Settings, engine: AsyncEngine, session_factory: Any, redis: ArqRedis
) -> AsyncIterator[AsyncClient]:
    async with app_client(local_settings, engine, session_factory, redis) as http:
        yield http


class ProcoreServer:
    """The local Procore (tests/procore_server), a separate process spoken to over HTTP."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.base = f"http://127.0.0.1:{port}"

    def control(self, command: str, body: dict[str, Any] | None = None) -> Any:
        answer = httpx.post(f"{self.base}/_control/{command}", json=body or {})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def stats(self) -> dict[str, Any]:
        return dict(self.control("stats"))


@pytest.fixture
def procore() -> Iterator[ProcoreServer]:
    process, port = start_process("tests.procore_server")
    try:
        yield ProcoreServer(process, port)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def procore_settings(local_settings: Settings, procore: ProcoreServer) -> Settings:
    return dataclasses.replace(
        local_settings, procore_api_url=procore.base, procore_login_url=procore.base
    )


@pytest.fixture
async def procore_client(
    procore_settings: Settings, engine: AsyncEngine, session_factory: Any, redis: ArqRedis
) -> AsyncIterator[AsyncClient]:
    async with app_client(procore_settings, engine, session_factory, redis) as http:
        yield http
