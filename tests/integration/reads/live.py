"""A live stack for read tests and the upload benchmark: a throw-away database, a Redis database
of its own, the web app served by uvicorn (`coinet serve`) and, when asked, a real worker
(`coinet worker`), each a separate process, as in production."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backend.config import PROJECT_ROOT, Settings
from backend.db.models import Document
from tests.integration.conftest import create_database, drop_database, migrate
from tests.integration.factories import Org, make_org, sign_in

# Redis databases a live stack may claim (the worker-process tests claim 15 down to 4 too; the
# claim key makes each database one stack's at a time).
REDIS_DATABASES = range(15, 3, -1)
CLAIM_KEY = "coinet:live-stack-claim"
CLAIM_SECONDS = 1800
# Polling the database for a read's end: short against a read's few hundred milliseconds.
POLL_SECONDS = 0.01


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def claim_redis(base_url: str) -> str:
    root = base_url.rsplit("/", 1)[0]
    for number in REDIS_DATABASES:
        url = f"{root}/{number}"
        client = redis.Redis.from_url(url)
        try:
            if client.dbsize() == 0 and client.set(CLAIM_KEY, "1", nx=True, ex=CLAIM_SECONDS):
                if client.dbsize() == 1:
                    return url
                client.delete(CLAIM_KEY)
        finally:
            client.close()
    raise RuntimeError("no free Redis database for a live stack")


def release_redis(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass
class LiveStack:
    base_url: str
    settings: Settings
    factory: async_sessionmaker[AsyncSession]
    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def web_pid(self) -> int:
        return self.processes["web"].pid

    def start(self, name: str, command: list[str]) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own command
            command, env=self.env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
        )

    def start_worker(self) -> None:
        self.start("worker", [sys.executable, "-m", "backend.cli", "worker"])

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-4000:]

    async def wait_ready(self, attempts: int = 600) -> None:
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            for _ in range(attempts):
                if self.processes["web"].poll() is not None:
                    raise RuntimeError(f"the web app exited:\n{self.log('web')}")
                try:
                    if (await http.get("/health/ready", timeout=2)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the web app did not become ready:\n{self.log('web')}")

    async def new_sub(self) -> Org:
        async with self.factory() as db, db.begin():
            return await make_org(db, "subcontractor")

    @asynccontextmanager
    async def signed_in(self, email: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=120) as http:
            csrf = await sign_in(http, email)
            yield http, csrf

    async def read_state(self, document_id: str) -> str:
        async with self.factory() as db:
            state = await db.scalar(
                select(Document.read_state).where(Document.id == uuid.UUID(document_id))
            )
        return str(state)

    async def wait_read(self, document_id: str, polls: int = 12_000) -> str:
        """The document's read state once it is no longer pending (or 'pending' after about
        two minutes of polling, which a test reports with the worker's log)."""
        for _ in range(polls):
            state = await self.read_state(document_id)
            if state != "pending":
                return state
            await asyncio.sleep(POLL_SECONDS)
        return "pending"

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@asynccontextmanager
async def live_stack(
    tmp: Path, *, worker: bool = True, extra_env: dict[str, str] | None = None
) -> AsyncIterator[LiveStack]:
    """`extra_env`: settings of the app and worker besides the stack's (e.g. where Procore is)."""
    base = Settings.from_env()
    name = f"coinet_live_{uuid.uuid4().hex[:10]}"
    database_url = await create_database(base.database_url, name)
    await migrate(database_url)
    redis_url = claim_redis(base.redis_url)
    port = _free_port()
    logs = tmp / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "COINET_DATA_DIR": str(tmp),
        "DOCUMENT_ROOT": str(tmp / "documents"),
        "KEYS_DIR": str(tmp / "keys"),
        "BASE_URL": f"http://127.0.0.1:{port}",
        "SMTP_PORT": "9",  # nothing listens there: mail stays queued, which is fine here
        "OMP_THREAD_LIMIT": "1",
        **(extra_env or {}),
    }
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        data_dir=tmp,
        document_root=tmp / "documents",
        keys_dir=tmp / "keys",
    )
    engine = create_async_engine(database_url, pool_size=2)
    stack = LiveStack(
        f"http://127.0.0.1:{port}",
        settings,
        async_sessionmaker(engine, expire_on_commit=False),
        env,
        logs,
    )
    try:
        stack.start(
            "web",
            [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)],
        )
        if worker:
            stack.start_worker()
        await stack.wait_ready()
        yield stack
    finally:
        stack.stop()
        await engine.dispose()
        await drop_database(base.database_url, name)
        release_redis(redis_url)
