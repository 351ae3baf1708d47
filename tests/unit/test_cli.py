"""`coinet` imports a command's module only when that command runs, and a command whose module
is gone is an error, not a command silently missing from the list."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import defaultdict

import pytest

from backend import cli


def test_the_table_names_exactly_what_each_module_registers() -> None:
    promised: dict[str, set[str]] = defaultdict(set)
    for command, (module, _help) in cli.COMMANDS.items():
        promised[module].add(command)
    for module, commands in promised.items():
        subparsers = argparse.ArgumentParser().add_subparsers()
        __import__(module, fromlist=["register"]).register(subparsers)
        assert set(subparsers.choices) == commands, module


def test_help_imports_no_command_module() -> None:
    modules = sorted({module for module, _ in cli.COMMANDS.values()})
    probe = (
        "import sys; from backend.cli import build_parser; build_parser(['--help']); "
        f"print([m for m in {modules!r} if m in sys.modules] + "
        "[m for m in ('sqlalchemy', 'litestar') if m in sys.modules])"
    )
    out = subprocess.run(  # noqa: S603 (this interpreter, a fixed probe)
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_command_runs_with_only_its_module_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["sweep", "--help"])
    assert exit_info.value.code == 0
    assert "--today" in capsys.readouterr().out


def test_a_missing_command_module_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = dict(cli.COMMANDS, sweep=("backend.projects.renamed_cli", "run the expiry sweep now"))
    monkeypatch.setattr(cli, "COMMANDS", table)
    assert cli.main(["sweep"]) == 2
    assert "backend.projects.renamed_cli cannot be imported" in capsys.readouterr().err
    table["sweep"] = ("backend.audit.cli", "a module that does not register it")
    assert cli.main(["sweep"]) == 2
    assert "no longer registers the command 'sweep'" in capsys.readouterr().err
