"""Operator commands: serve, worker, migrate, demo."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any, Final

from backend.config import PROJECT_ROOT, get_settings

# The worker process: arq's Worker over workers.settings.WorkerSettings (its jobs and crons).
WORKER_MAIN: Final = "workers.settings.run_worker"


def alembic_config(database_url: str | None = None) -> Any:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


async def ensure_database(database_url: str) -> None:
    """Create the configured database when the server answers but the database is new."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    name = url.database or "coinet"
    admin_dsn = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    connection = await asyncpg.connect(admin_dsn)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def migrate(args: argparse.Namespace) -> int:
    from alembic import command

    settings = get_settings()
    asyncio.run(ensure_database(settings.owner_database_url))
    config = alembic_config(settings.owner_database_url)
    if args.direction == "down":
        command.downgrade(config, args.revision or "-1")
    else:
        command.upgrade(config, args.revision or "head")
    return 0


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_level="info",
    )
    return 0


def worker(args: argparse.Namespace) -> int:
    from arq.utils import import_string

    # By name, as arq's own command line does: the backend never imports the workers
    # (import contract backend-not-workers); the workers import the backend.
    import_string(WORKER_MAIN)(burst=args.burst)
    return 0


def demo_load(args: argparse.Namespace) -> int:
    from backend.demo.loader import load_demo

    summary = asyncio.run(load_demo(get_settings(), today=None))
    print(summary.render())
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("serve", help="serve the web app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(handler=serve)

    p = subparsers.add_parser("worker", help="run a background worker (arq)")
    p.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    p.set_defaults(handler=worker)

    p = subparsers.add_parser("migrate", help="apply (or undo) database migrations")
    p.add_argument("direction", nargs="?", choices=["up", "down"], default="up")
    p.add_argument("--revision", default=None)
    p.set_defaults(handler=migrate)

    p = subparsers.add_parser("demo", help="demo network")
    demo_sub = p.add_subparsers(dest="demo_command", required=True)
    load = demo_sub.add_parser("load", help="load the demo network (idempotent)")
    load.set_defaults(handler=demo_load)


__all__ = ["register"]
