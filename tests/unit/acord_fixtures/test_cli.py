"""The module entry point writes a corpus, and refuses bad input with a message, not a trace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixturegen.generate import main


def test_entry_point_writes_documents_and_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "corpus"
    code = main(
        [
            "--out",
            str(out),
            "--seed",
            "4",
            "--count",
            "3",
            "--kinds",
            "text,endorsement",
            "--workers",
            "1",
        ]
    )
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [d["kind"] for d in manifest["documents"]].count("text") == 2
    assert all((out / d["file"]).is_file() for d in manifest["documents"])
    captured = capsys.readouterr()
    assert "wrote 3 documents" in captured.out
    assert "generated 3/3 documents" in captured.err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--count", "0"], "--count must be at least 1"),
        (["--kinds", "text,fax"], "unknown kind(s): fax"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert main(["--out", str(tmp_path), *arguments]) == 2
    error = capsys.readouterr().err
    assert message in error
    assert "Traceback" not in error


def test_unwritable_output_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["--out", str(blocker / "corpus"), "--count", "1", "--workers", "1"]) == 2
    assert capsys.readouterr().err.startswith("error:")
