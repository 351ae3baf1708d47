"""The public /verify page (no sign-in) against hostile zips built here: a 1 MB zip that
inflates to 1 GB, a member packed like a bomb, too many files, an upload over the size limit,
a check that runs past its time. Each is refused with a message saying which bound it broke,
nothing is inflated in the web process, and a genuine bundle still verifies in the sandbox."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest
from httpx import AsyncClient

from backend.audit import public_verify
from backend.audit.bundle import TrustAnchors
from backend.audit.context import AuditContext
from backend.audit.public_verify import BundleRefused, verify_upload
from tests.integration.audit.conftest import (  # noqa: F401 (fixtures are found by name)
    AuditDatabase,
    audit_context,
    audit_db,
    audit_template,
    stored_documents,
)
from tests.integration.audit.test_audit_bundle_flow import CERTIFICATE, append, bundle_of

MEGABYTE = 1024 * 1024
# What one hostile request may cost the process serving /verify.
MAX_WEB_GROWTH_BYTES = 50 * MEGABYTE


def zeros_member(name: str, megabytes: int) -> tuple[bytes, bytes]:
    """A zip local header plus data, and its central directory entry, for `megabytes` MB of
    zeros; built from one deflated megabyte repeated (each ends on a full flush, so copies chain
    into one valid stream) without ever holding the expanded bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * MEGABYTE) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    data = block * megabytes + final
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(b"\0" * MEGABYTE, crc)
    size = megabytes * MEGABYTE
    encoded = name.encode()
    fields = struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
    local = b"PK\x03\x04" + fields + encoded + data
    central = (
        b"PK\x01\x02"
        + struct.pack("<H", 20)
        + fields
        + struct.pack("<HHHII", 0, 0, 0, 0, 0)  # comment, disk, attributes, offset (patched)
        + encoded
    )
    return local, central


def zip_of(members: list[tuple[bytes, bytes]]) -> bytes:
    body, directory = b"", b""
    for local, central in members:
        offset = struct.pack("<I", len(body))
        directory += central[:42] + offset + central[46:]
        body += local
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(body), 0
    )
    return body + directory + end


def _reset_peak() -> None:
    """Start this process's VmHWM afresh (Linux's clear_refs "5"): the app runs in-process."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_since_reset() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def _post(client: AsyncClient, data: bytes) -> tuple[int, str]:
    form = await client.get("/verify")
    token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
    assert token
    response = await client.post(
        "/verify",
        data={"_csrf": token.group(1)},
        files={"bundle": ("bundle.zip", data, "application/zip")},
    )
    return response.status_code, response.text


def test_the_bomb_is_what_it_claims() -> None:
    bomb = zip_of([zeros_member("snapshot.json", 1024)])
    assert len(bomb) < 2 * MEGABYTE
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        [info] = archive.infolist()
        assert info.file_size == 1024 * MEGABYTE
        with archive.open(info) as member:
            assert member.read(MEGABYTE) == b"\0" * MEGABYTE  # a real deflate stream


async def test_a_zip_that_inflates_to_a_gigabyte_is_refused_without_inflating(
    client: AsyncClient,
) -> None:
    bomb = zip_of([zeros_member("snapshot.json", 1024)])
    _reset_peak()
    before = _rss()
    status, page = await _post(client, bomb)
    assert _peak_since_reset() - before < MAX_WEB_GROWTH_BYTES
    assert status == 422
    assert "expands to 1024 MB" in page and "at most 128 MB" in page


async def test_a_member_packed_like_a_bomb_is_refused(client: AsyncClient) -> None:
    status, page = await _post(client, zip_of([zeros_member("report.pdf", 8)]))
    assert status == 422
    assert "compressed" in page and "zip bomb" in page


async def test_too_many_files_are_refused(client: AsyncClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(public_verify.MAX_FILES + 1):
            archive.writestr(f"documents/{index:04d}", b"x")
    status, page = await _post(client, buffer.getvalue())
    assert status == 422
    assert f"holds {public_verify.MAX_FILES + 1} files" in page


async def test_an_upload_over_the_size_limit_is_refused(client: AsyncClient) -> None:
    status, page = await _post(client, b"PK" + b"\0" * public_verify.MAX_UPLOAD_BYTES)
    assert status == 413
    assert "checks bundles up to 32 MB" in page


async def test_a_check_past_its_time_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(public_verify, "TIMEOUT_S", 0.001)
    with pytest.raises(BundleRefused, match="took longer than"):
        await verify_upload(zip_of([zeros_member("snapshot.json", 1)]), TrustAnchors())


async def test_a_genuine_bundle_verifies_in_the_sandbox(
    audit_db: AuditDatabase,  # noqa: F811
    audit_context: AuditContext,  # noqa: F811
    stored_documents: dict[str, bytes],  # noqa: F811
) -> None:
    stored_documents[hashlib.sha256(CERTIFICATE).hexdigest()] = CERTIFICATE
    await append(audit_db, 3, uuid.uuid4())
    data = await bundle_of(audit_db, audit_context, "2")
    report = await verify_upload(data, TrustAnchors(checkpoint_keys=audit_context.keyring))
    assert report.ok, report.to_text()
    assert "1 of 1 documents included" in report.to_text()
