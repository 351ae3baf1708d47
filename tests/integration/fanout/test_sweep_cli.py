"""`coinet sweep` on demand: runs against the configured database, refuses bad input cleanly."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from backend.config import PROJECT_ROOT, Settings, get_settings
from backend.projects import cli


def test_sweep_runs_on_demand_as_a_command(settings: Settings) -> None:
    env = dict(os.environ, DATABASE_URL=settings.database_url)
    done = subprocess.run(
        [sys.executable, "-m", "backend.cli", "sweep", "--today", "2031-01-15"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("sweep: ")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coinet")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_a_bad_date_is_refused_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(["sweep", "--today", "15/01/2031"])
    assert exit_info.value.code == 2
    assert "is not a date like" in capsys.readouterr().err


def test_an_unusable_database_is_reported_without_a_traceback(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = settings.database_url.rsplit("/", 1)[0] + "/coinet_no_such_database_here"
    monkeypatch.setenv("DATABASE_URL", gone)
    get_settings.cache_clear()
    try:
        args = _parser().parse_args(["sweep"])
        assert args.handler(args) == 1
    finally:
        get_settings.cache_clear()
    assert "database cannot be used" in capsys.readouterr().err
