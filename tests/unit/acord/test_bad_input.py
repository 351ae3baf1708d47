"""Every kind of bad input gives the error JSON (exit 2 in the CLI), never a traceback."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from backend.acord import read_document, read_document_isolated
from tests.unit.acord.conftest import certificate_pdf


def _encrypted(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _with_javascript(data: bytes) -> bytes:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _with_attachment(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.add_attachment("notes.txt", b"an attached file")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png_bomb() -> bytes:
    width = height = 40_000

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width // 8 + 1) * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def _many_pages(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


CASES: dict[str, Callable[[], bytes]] = {
    "empty_file": lambda: b"",
    "not_a_document": lambda: os.urandom(4096),
    "encrypted": lambda: _encrypted(certificate_pdf()),
    "truncated": lambda: certificate_pdf()[:1500],
    "too_many_pages": lambda: _many_pages(200),
    "too_large": lambda: b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024),
    "decompression_bomb": _png_bomb,
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_bad_input_gives_its_error_code(code: str) -> None:
    result = read_document(CASES[code]())
    assert result["error"]["code"] == code
    assert result["error"]["message"]


@pytest.mark.parametrize("build", [_with_javascript, _with_attachment])
def test_active_content_is_read_with_a_warning(build: Callable[[bytes], bytes]) -> None:
    result = read_document(build(certificate_pdf()))
    assert "error" not in result
    assert result["form"] == "ACORD 25"
    assert any("none of it was run" in warning for warning in result["warnings"])


def test_isolated_reader_returns_errors_from_the_child() -> None:
    result = read_document_isolated(_encrypted(certificate_pdf()), timeout_s=30)
    assert result["error"]["code"] == "encrypted"


def test_isolated_reader_times_out() -> None:
    result = read_document_isolated(certificate_pdf(), timeout_s=0.01)
    assert result["error"]["code"] == "timeout"


def test_cli_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.pdf"
    good.write_bytes(certificate_pdf())
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(certificate_pdf()[:1500])
    for path, status in ((good, 0), (bad, 2)):
        completed = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "backend.cli", "acord", "read", str(path), "--json"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        assert completed.returncode == status
        assert "Traceback" not in completed.stderr.decode()
        payload = json.loads(completed.stdout)
        assert ("error" in payload) == (status == 2)
