"""The real stack for browser journeys: a throw-away PostgreSQL database (created, migrated,
seeded), the web app (`coinet serve`) and a worker (`coinet worker`) as subprocesses on a
Redis database of their own, and Debian's Chromium driven by Playwright.

Never a downloaded browser: Chromium is the system package installed by infra/setup-system.sh.
Screenshots go to artifacts/e2e/<journey>/ (gitignored)."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy.engine import make_url

from backend.config import PROJECT_ROOT, Settings
from backend.db.session import make_engine, make_session_factory
from backend.records.store import make_store
from tests.e2e.seed import PASSWORD, SeedInfo, seed
from tests.integration.conftest import create_database, drop_database, migrate

T = TypeVar("T")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "artifacts" / "e2e"
# `coinet worker` with its log lines written out, so a failed journey shows what the jobs did.
WORKER_WITH_LOGS = (
    "import logging, sys; "
    "logging.basicConfig(level=logging.INFO, format='%(asctime)s %(name)s %(message)s'); "
    "from backend.cli import main; sys.exit(main(['worker']))"
)
# The stack takes an empty Redis database of its own, so no other worker takes its jobs. The
# claim key is the one the fan-out worker tests use, so parallel runs never share a database.
REDIS_DATABASES = range(4, 16)
CLAIM_KEY = "coinet:fanout-test-claim"


@dataclass
class Stack:
    base_url: str
    settings: Settings
    info: SeedInfo
    password: str
    log_dir: Path


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a loop of its own in another thread: pytest-asyncio's session loop
    belongs to the main thread and must not be replaced or closed by these sync fixtures."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def as_application_role(database_url: str) -> str:
    url = make_url(database_url).set(username="coinet_app", password=None)
    return url.render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _coinet() -> str:
    beside = Path(sys.executable).parent / "coinet"
    return str(beside) if beside.exists() else shutil.which("coinet") or "coinet"


async def _prepare(settings: Settings, name: str) -> tuple[str, SeedInfo]:
    url = await create_database(settings.database_url, name)
    await migrate(url)
    engine = make_engine(dataclasses.replace(settings, database_url=url))
    try:
        factory = make_session_factory(engine)
        async with factory() as session, session.begin():
            info = await seed(session, make_store(settings), date.today())
    finally:
        await engine.dispose()
    return url, info


async def _claim_redis(base_url: str) -> str:
    root = base_url.rsplit("/", 1)[0]
    for number in REDIS_DATABASES:
        url = f"{root}/{number}"
        pool = await create_pool(RedisSettings.from_dsn(url))
        try:
            if await pool.dbsize() == 0 and await pool.set(CLAIM_KEY, "e2e", nx=True, ex=1800):
                if await pool.dbsize() == 1:
                    return url
                await pool.delete(CLAIM_KEY)
        finally:
            await pool.aclose()
    pytest.skip("no free Redis database for the end-to-end stack")


async def _release_redis(url: str) -> None:
    pool = await create_pool(RedisSettings.from_dsn(url))
    try:
        await pool.flushdb()
    finally:
        await pool.aclose()


async def _connected_roles(database_url: str) -> set[str]:
    """Who the running app is connected to its database as (the owner asks)."""
    url = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        rows = await connection.fetch(
            "SELECT DISTINCT usename FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return {row["usename"] for row in rows}


# How long the web app may take to answer ready: on the shared two-core machine under a load
# of 10-15 (other suites, benchmarks) importing the app alone took 18-25 s, and the worker's
# warm reader processes start beside it.
READY_SECONDS = 180


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the web app exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the web app did not become ready:\n{log.read_text()[-3000:]}")


def _smtp_sink() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "smtp_sink", PROJECT_ROOT / "infra" / "smtp_sink.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (infra/setup-system.sh installs it)")
    env_settings = Settings.from_env()
    data_dir = tmp_path_factory.mktemp("e2e-data")
    redis_url_text = run_async(_claim_redis(env_settings.redis_url))
    settings = dataclasses.replace(
        env_settings,
        data_dir=data_dir,
        document_root=data_dir / "documents",
        keys_dir=data_dir / "keys",
        redis_url=redis_url_text,
    )
    name = f"coinet_e2e_{uuid.uuid4().hex[:10]}"
    database_url, info = run_async(_prepare(settings, name))
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    # Mail goes to the development sink, as on a developer's machine: a journey reads the
    # links people are e-mailed at /dev/mail, as those people would in their mailbox.
    mail_port = _free_port()
    sink = _smtp_sink().start_sink(data_dir / "mail", "127.0.0.1", mail_port)
    env = {
        **os.environ,
        # As in production: the app and the worker connect as the restricted application role
        # (migration 0004), which may only append to the audit log; the owner only migrates.
        "DATABASE_URL": as_application_role(database_url),
        "MIGRATION_DATABASE_URL": database_url,
        "REDIS_URL": redis_url_text,
        "COINET_DATA_DIR": str(data_dir),
        "DOCUMENT_ROOT": str(data_dir / "documents"),
        "KEYS_DIR": str(data_dir / "keys"),
        "BASE_URL": base_url,
        "OMP_THREAD_LIMIT": "1",
        # An open portfolio refreshes itself; the journeys wait for that, not for a minute.
        "DASHBOARD_REFRESH_SECONDS": "2",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail_port),
        "MAIL_SINK_DIR": str(data_dir / "mail"),
    }
    logs = data_dir / "logs"
    logs.mkdir()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with open(logs / "web.log", "wb") as web_log, open(logs / "worker.log", "wb") as worker_log:
            web = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
                [_coinet(), "serve", "--port", str(port)],
                env=env,
                stdout=web_log,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_ROOT,
            )
            processes.append(web)
            worker = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
                [sys.executable, "-c", WORKER_WITH_LOGS],
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_ROOT,
            )
            processes.append(worker)
            _wait_ready(base_url, web, logs / "web.log")
            assert run_async(_connected_roles(database_url)) == {"coinet_app"}
            yield Stack(base_url, settings, info, PASSWORD, logs)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        sink.stop()
        run_async(drop_database(env_settings.database_url, name))
        run_async(_release_redis(redis_url_text))


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Any]:
    # Per module, not per session: Playwright's sync API keeps an event loop running on the
    # main thread while it is open, and the async tests after these need that thread back.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


class Shots:
    """Numbered screenshots of one journey."""

    def __init__(self, journey: str) -> None:
        self.folder = ARTIFACTS / journey
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page: Any, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def sign_in(context: Any, base_url: str, email: str, password: str) -> Any:
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    return page


UNLABELLED = """() => Array.from(document.querySelectorAll("input, select, textarea, img"))
  .filter((el) => el.type !== "hidden")
  .filter((el) => el.tagName === "IMG"
    ? !el.getAttribute("alt")
    : !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
      && !el.getAttribute("aria-labelledby"))
  .map((el) => el.outerHTML.slice(0, 120))"""


def assert_labelled(page: Any) -> None:
    """Every form control has a label and every image a text alternative."""
    missing = page.evaluate(UNLABELLED)
    assert missing == [], f"controls without a label on {page.url}: {missing}"
