"""The public /verify page's check of an uploaded bundle, bounded: anyone may post a zip there,
signed in or not, so the zip is opened only in a limited child process (the reader's sandbox
limits: memory, CPU time, a wall-clock deadline) and only after its central directory passed
the bounds below. The web process reads the upload's bytes and nothing else.

The bounds are for bundles this network writes: a dozen fixed files plus the documents a
snapshot rests on. `coinet audit verify` checks larger bundles offline, with the tool's own
(much wider) limits.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import struct
import sys
import zipfile
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from backend.acord.sandbox import limit_child
from backend.audit.bundle import BundleReport, CheckResult, TrustAnchors, Verdict

# A bundle holds its snapshot, proofs, keys and report (well under 1 MB) and the certificates it
# rests on (a few hundred KB each, 25 MB at the very most as uploads): 32 MB covers any bundle a
# real snapshot gives, and bounds what one anonymous request may make the web process hold.
MAX_UPLOAD_BYTES: Final = 32 * 1024 * 1024
# Ten fixed members plus one per document: no snapshot rests on nearly this many documents.
MAX_FILES: Final = 200
# What the members may expand to in all: PDFs and JSON barely shrink in a zip, so a genuine
# bundle expands to little more than its own size.
MAX_EXPANDED_BYTES: Final = 128 * 1024 * 1024
# Deflate gives JSON about 10:1 and PDFs about 1:1; a member packed tighter than this is a bomb.
MAX_COMPRESSION_RATIO: Final = 100
# Below this a member's ratio is not judged: a few KB of repetitive text compress far, harmlessly.
RATIO_FLOOR_BYTES: Final = 1024 * 1024
# CPU seconds one check may use: a real bundle takes about three (most of it imports).
CPU_SECONDS: Final = 20
# Wall-clock limit of one check: generous against CPU_SECONDS, so that a busy machine (start-up
# alone took 25 s at a load of 14 on two cores) does not refuse genuine bundles.
TIMEOUT_S: Final = 90.0
# The checker's address space: the bundle, its members once each, and the PDF report's parse.
MEMORY_MB: Final = 1024
_LENGTH: Final = struct.Struct(">Q")
_CHILD_ENTRY: Final = "import sys; from backend.audit.public_verify import main; sys.exit(main())"


class BundleRefused(Exception):
    """The upload is not checked at all; `message` tells the visitor why."""

    def __init__(self, message: str, status_code: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.0f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} KB"


def check_upload_size(size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise BundleRefused(
            f"The file is {_megabytes(size)}; this page checks bundles up to "
            f"{_megabytes(MAX_UPLOAD_BYTES)}. Check larger ones offline with "
            "`coinet audit verify`.",
            status_code=413,
        )


def check_zip_bounds(data: bytes) -> None:
    """Refuse a zip whose central directory says it is no bundle of ours: too many files, too
    much once expanded, or packed like a bomb. Reads the directory only; nothing is inflated.
    (Inflating later cannot pass these sizes: zipfile stops a member at its declared size.)"""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        return  # the verifier itself reports an unreadable zip, check by check
    if len(infos) > MAX_FILES:
        raise BundleRefused(
            f"The zip holds {len(infos)} files; a bundle holds at most {MAX_FILES}."
        )
    expanded = sum(info.file_size for info in infos)
    if expanded > MAX_EXPANDED_BYTES:
        raise BundleRefused(
            f"The zip expands to {_megabytes(expanded)}; a bundle checked here expands to at "
            f"most {_megabytes(MAX_EXPANDED_BYTES)}."
        )
    for info in infos:
        if info.file_size < RATIO_FLOOR_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise BundleRefused(
                f"{info.filename[:80]} in the zip is compressed {ratio:.0f} to 1; a bundle's "
                f"files never are beyond {MAX_COMPRESSION_RATIO} to 1, so the zip is refused "
                "as a zip bomb."
            )


def _pem(certificates: Any) -> str:
    return "".join(c.public_bytes(Encoding.PEM).decode() for c in certificates)


def _anchors_json(anchors: TrustAnchors) -> dict[str, str]:
    keys = anchors.checkpoint_keys
    return {
        "checkpoint_keys": keys.to_text() if keys is not None else "",
        "pdf_certificates": _pem(anchors.pdf_certificates),
        "tsa_roots": _pem(anchors.tsa_roots),
    }


def _anchors_from_json(raw: dict[str, str]) -> TrustAnchors:
    from backend.audit.checkpoint import Keyring

    def certificates(pem: str) -> list[x509.Certificate]:
        return x509.load_pem_x509_certificates(pem.encode()) if pem.strip() else []

    keys = raw.get("checkpoint_keys") or ""
    return TrustAnchors(
        checkpoint_keys=Keyring.from_text(keys) if keys.strip() else None,
        pdf_certificates=certificates(raw.get("pdf_certificates") or ""),
        tsa_roots=certificates(raw.get("tsa_roots") or ""),
    )


async def verify_upload(data: bytes, anchors: TrustAnchors) -> BundleReport:
    """Check an uploaded bundle in a limited child process; BundleRefused says why it was not
    checked at all (too big, a bomb, too slow, too hungry)."""
    check_upload_size(len(data))
    header = json.dumps(_anchors_json(anchors)).encode()
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CHILD_ENTRY,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
        preexec_fn=lambda: limit_child(MEMORY_MB, CPU_SECONDS),
    )
    try:
        stdout, _ = await asyncio.wait_for(
            process.communicate(_LENGTH.pack(len(header)) + header + data), TIMEOUT_S
        )
    except TimeoutError:
        process.kill()
        await process.wait()
        raise BundleRefused(
            f"Checking the bundle took longer than {TIMEOUT_S:.0f} s; it was stopped."
        ) from None
    try:
        answer = json.loads(stdout)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BundleRefused(
            f"Checking the bundle needed more than {MEMORY_MB} MB or its CPU time; it was stopped."
        ) from None
    if "refused" in answer:
        raise BundleRefused(str(answer["refused"]))
    report = BundleReport()
    for name, verdict, detail in answer["results"]:
        report.results.append(CheckResult(str(name), Verdict(verdict), str(detail)))
    return report


def main() -> int:
    """The child: anchors and bundle on standard input, the report as JSON on standard output."""
    from backend.audit.bundle import verify_bundle

    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # nothing a library prints can mix with the answer
    raw = sys.stdin.buffer.read()
    (length,) = _LENGTH.unpack(raw[: _LENGTH.size])
    anchors = _anchors_from_json(json.loads(raw[_LENGTH.size : _LENGTH.size + length]))
    data = raw[_LENGTH.size + length :]
    try:
        check_zip_bounds(data)
    except BundleRefused as refused:
        answers.write(json.dumps({"refused": refused.message}))
        return 0
    report = asyncio.run(verify_bundle(data, anchors))
    results = [[r.name, r.verdict.value, r.detail] for r in report.results]
    answers.write(json.dumps({"results": results}))
    answers.flush()
    return 0
