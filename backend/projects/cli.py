"""`coinet sweep`: run the expiry sweep now (the workers also run it daily)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime
from typing import Any

from backend.config import get_settings


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-01-31") from exc


async def _sweep(today: date) -> str:
    from backend.db.session import make_engine, make_session_factory, transaction
    from backend.projects.sweep import run_sweep
    from backend.projects.waiver_end import end_waivers

    engine = make_engine(get_settings())
    try:
        async with transaction(make_session_factory(engine)) as session:
            report = await run_sweep(session, today)
            report.waiver_notices = await end_waivers(session, today)
    finally:
        await engine.dispose()
    return report.render()


def sweep(args: argparse.Namespace) -> int:
    today: date = args.today or datetime.now(UTC).date()
    from sqlalchemy.exc import SQLAlchemyError

    try:
        print(asyncio.run(_sweep(today)))
    except (OSError, SQLAlchemyError) as exc:
        print(f"coinet sweep: the database cannot be used: {exc}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="run the expiry sweep now",
        description="Turn engagements expiring/expired at each GC's thresholds, queue notices "
        "and place pay holds on lapses. Safe to run more than once a day.",
    )
    parser.add_argument(
        "--today", type=_parse_day, default=None, help="the day to sweep as (default: today, UTC)"
    )
    parser.set_defaults(handler=sweep)


__all__ = ["register"]
