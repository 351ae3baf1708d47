"""Evidence bundles: one zip per snapshot that anyone can check offline, years later.

A bundle holds the snapshot, the documents it rests on (or only their hashes), the inclusion
proof of the snapshot in the log, a signed checkpoint covering it, the RFC 3161 token over that
checkpoint, the signed PDF report, and the public keys and certificates needed to check it all.
`verify_bundle` checks every part and reports each as holding, failing, or not applicable; it
never raises on bad input, however truncated or malformed the zip.
"""

from __future__ import annotations

import enum
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography import x509

from backend.audit import merkle
from backend.audit.canonical import SnapshotError, parse_snapshot
from backend.audit.checkpoint import Keyring, NoteError, open_checkpoint
from backend.audit.report import ReportError, check_signed_report
from backend.audit.timestamp import TimestampError, embedded_certificates, verify_timestamp

BUNDLE_FORMAT: Final = "coinet.audit.bundle/1"
MANIFEST: Final = "manifest.json"
SNAPSHOT: Final = "snapshot.json"
PROOF: Final = "proof.json"
CHECKPOINT: Final = "checkpoint.txt"
TIMESTAMP_MEMBER: Final = "checkpoint.tsr"
REPORT: Final = "report.pdf"
CHECKPOINT_KEYS: Final = "keys/checkpoint-keys.txt"
PDF_CERTIFICATES: Final = "keys/pdf-signing.pem"
TSA_ROOTS: Final = "keys/tsa-roots.pem"
README: Final = "README.txt"
DOCUMENTS_DIR: Final = "documents/"

MAX_BUNDLE_BYTES: Final = 1024 * 1024 * 1024
MAX_MEMBER_BYTES: Final = 256 * 1024 * 1024
MAX_MEMBERS: Final = 5000
_FIXED_ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)

README_TEXT: Final = """\
Evidence bundle of the COI network audit log.

snapshot.json        the audit snapshot, canonical JSON (RFC 8785)
proof.json           its leaf index and RFC 6962 inclusion proof in the log
checkpoint.txt       a signed checkpoint of the log (C2SP signed note, Ed25519)
checkpoint.tsr       an RFC 3161 time-stamp over checkpoint.txt, when the operator has an authority
report.pdf           the snapshot as a readable report, PAdES-signed
keys/                the public keys and certificates that sign the above
documents/           the source documents, named by SHA-256 (or only listed in snapshot.json)
manifest.json        the SHA-256 of every other file

Check it offline with:  coinet audit verify THIS_FILE.zip
Pin the operator's published keys with --trusted-keys, --pdf-cert and --tsa-root.
"""


class Verdict(enum.Enum):
    HOLDS = "holds"
    FAILS = "FAILS"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class CheckResult:
    name: str
    verdict: Verdict
    detail: str


@dataclass
class BundleReport:
    results: list[CheckResult] = field(default_factory=list)

    def add(self, name: str, verdict: Verdict, detail: str) -> None:
        self.results.append(CheckResult(name=name, verdict=verdict, detail=detail))

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.verdict != Verdict.FAILS for r in self.results)

    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.verdict == Verdict.FAILS]

    def to_text(self) -> str:
        lines = [f"{r.verdict.value:>6}  {r.name}: {r.detail}" for r in self.results]
        lines.append("all checks hold" if self.ok else f"{len(self.failed())} check(s) FAIL")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class BundleParts:
    snapshot: bytes
    leaf_index: int
    tree_size: int
    inclusion_path: Sequence[bytes]
    checkpoint_note: str
    checkpoint_keys: str
    report_pdf: bytes
    pdf_certificates_pem: bytes
    timestamp_token: bytes | None = None
    tsa_roots_pem: bytes | None = None
    documents: Mapping[str, bytes] = field(default_factory=dict)
    documents_included: bool = True


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_bundle(parts: BundleParts) -> bytes:
    """The zip bytes; member order and times are fixed so equal parts give equal bytes."""
    members: dict[str, bytes] = {
        SNAPSHOT: parts.snapshot,
        PROOF: json.dumps(
            {
                "leaf_index": parts.leaf_index,
                "tree_size": parts.tree_size,
                "leaf_hash": merkle.leaf_hash(parts.snapshot).hex(),
                "inclusion_path": [node.hex() for node in parts.inclusion_path],
            },
            indent=2,
        ).encode("utf-8"),
        CHECKPOINT: parts.checkpoint_note.encode("utf-8"),
        CHECKPOINT_KEYS: parts.checkpoint_keys.encode("utf-8"),
        PDF_CERTIFICATES: parts.pdf_certificates_pem,
        REPORT: parts.report_pdf,
        README: README_TEXT.encode("utf-8"),
    }
    if parts.timestamp_token is not None:
        members[TIMESTAMP_MEMBER] = parts.timestamp_token
    if parts.tsa_roots_pem:
        members[TSA_ROOTS] = parts.tsa_roots_pem
    if parts.documents_included:
        for sha256_hex, content in sorted(parts.documents.items()):
            members[f"{DOCUMENTS_DIR}{sha256_hex}"] = content
    manifest = {
        "format": BUNDLE_FORMAT,
        "snapshot_sha256": _sha256(parts.snapshot),
        "documents": "included" if parts.documents_included else "hashes only",
        "files": {name: _sha256(content) for name, content in sorted(members.items())},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in [
            (MANIFEST, json.dumps(manifest, indent=2).encode()),
            *members.items(),
        ]:
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


@dataclass(frozen=True)
class TrustAnchors:
    """What the verifier trusts beyond the bundle itself; empty means "take the bundle's word"."""

    checkpoint_keys: Keyring | None = None
    pdf_certificates: Sequence[x509.Certificate] = ()
    tsa_roots: Sequence[x509.Certificate] = ()


class _Unusable(Exception):
    """The bundle cannot be checked any further; the report already says why."""


def _read_members(data: bytes, report: BundleReport) -> dict[str, bytes]:
    if len(data) > MAX_BUNDLE_BYTES:
        report.add("bundle", Verdict.FAILS, "file is larger than any bundle this tool writes")
        raise _Unusable
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                report.add("bundle", Verdict.FAILS, f"zip holds {len(infos)} files; too many")
                raise _Unusable
            total = sum(info.file_size for info in infos)
            if total > MAX_BUNDLE_BYTES or any(i.file_size > MAX_MEMBER_BYTES for i in infos):
                report.add("bundle", Verdict.FAILS, "zip expands to more than a bundle can hold")
                raise _Unusable
            members: dict[str, bytes] = {}
            for info in infos:
                if info.is_dir():
                    continue
                if info.filename in members:
                    report.add("bundle", Verdict.FAILS, f"zip holds {info.filename} twice")
                    raise _Unusable
                members[info.filename] = archive.read(info)
    except _Unusable:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        report.add("bundle", Verdict.FAILS, f"not a readable zip file ({exc})")
        raise _Unusable from exc
    except Exception as exc:  # zlib and zipfile raise assorted errors on crafted input
        report.add("bundle", Verdict.FAILS, f"zip file is damaged ({type(exc).__name__}: {exc})")
        raise _Unusable from exc
    report.add("bundle", Verdict.HOLDS, f"zip readable, {len(members)} files")
    return members


def _check_manifest(members: dict[str, bytes], report: BundleReport) -> dict[str, Any]:
    raw = members.get(MANIFEST)
    if raw is None:
        report.add("manifest", Verdict.FAILS, "manifest.json is missing")
        raise _Unusable
    try:
        manifest = json.loads(raw)
        files = manifest["files"]
        if manifest.get("format") != BUNDLE_FORMAT or not isinstance(files, dict):
            raise ValueError(f"unknown bundle format {manifest.get('format')!r}")
    except (ValueError, KeyError, TypeError) as exc:
        report.add("manifest", Verdict.FAILS, f"manifest.json is unusable ({exc})")
        raise _Unusable from exc
    problems = []
    for name, expected in sorted(files.items()):
        if name not in members:
            problems.append(f"{name} is missing")
        elif _sha256(members[name]) != expected:
            problems.append(f"{name} was altered")
    problems.extend(
        f"{name} is not listed" for name in sorted(set(members) - set(files) - {MANIFEST})
    )
    if problems:
        report.add("manifest", Verdict.FAILS, "; ".join(problems))
    else:
        report.add("manifest", Verdict.HOLDS, f"all {len(files)} listed files match their hashes")
    return dict(manifest)


def _require(members: dict[str, bytes], name: str, report: BundleReport, check: str) -> bytes:
    content = members.get(name)
    if content is None:
        report.add(check, Verdict.FAILS, f"{name} is missing from the bundle")
        raise _Unusable
    return content


def _load_pem_certificates(data: bytes, what: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ValueError(f"{what} is not a PEM certificate list") from exc


def _pinned_or_shipped(
    pinned: Sequence[x509.Certificate], members: dict[str, bytes], member: str
) -> list[x509.Certificate]:
    """The verifier's own (pinned) certificates; without any, those the bundle ships as
    `member` (or none). Shipped ones only show the bundle is consistent with itself, so each
    caller reports which of the two it judged by."""
    if pinned:
        return list(pinned)
    if member in members:
        return _load_pem_certificates(members[member], member)
    return []


def _parse_proof(raw: bytes) -> tuple[int, int, bytes, list[bytes]]:
    proof = json.loads(raw)
    leaf_index, tree_size = proof["leaf_index"], proof["tree_size"]
    if not isinstance(leaf_index, int) or not isinstance(tree_size, int):
        raise ValueError("leaf_index and tree_size must be whole numbers")
    path = [bytes.fromhex(node) for node in proof["inclusion_path"]]
    return leaf_index, tree_size, bytes.fromhex(proof["leaf_hash"]), path


async def verify_bundle(data: bytes, anchors: TrustAnchors | None = None) -> BundleReport:
    """Check everything in the bundle offline. Never raises on bad input."""
    report = BundleReport()
    try:
        await _verify(data, anchors or TrustAnchors(), report)
    except _Unusable:
        pass
    except Exception as exc:  # the last line of defence: name the failure, never crash
        report.add("bundle", Verdict.FAILS, f"could not be checked ({type(exc).__name__}: {exc})")
    return report


async def _verify(data: bytes, anchors: TrustAnchors, report: BundleReport) -> None:
    members = _read_members(data, report)
    manifest = _check_manifest(members, report)

    snapshot_bytes = _require(members, SNAPSHOT, report, "snapshot")
    snapshot_sha256 = _sha256(snapshot_bytes)
    snapshot: dict[str, Any] | None = None
    try:
        snapshot = parse_snapshot(snapshot_bytes)
        if manifest.get("snapshot_sha256") != snapshot_sha256:
            report.add("snapshot", Verdict.FAILS, "hash differs from the one the manifest names")
        else:
            report.add("snapshot", Verdict.HOLDS, f"canonical JSON, SHA-256 {snapshot_sha256}")
    except SnapshotError as exc:
        report.add("snapshot", Verdict.FAILS, str(exc))

    _check_log_membership(members, snapshot_bytes, anchors, report)
    await _check_report(members, snapshot_sha256, anchors, report)
    _check_documents(members, manifest, snapshot, report)


def _check_log_membership(
    members: dict[str, bytes], snapshot_bytes: bytes, anchors: TrustAnchors, report: BundleReport
) -> None:
    note_bytes = _require(members, CHECKPOINT, report, "checkpoint signature")
    bundled_keys = Keyring()
    if CHECKPOINT_KEYS in members:
        try:
            bundled_keys = Keyring.from_text(members[CHECKPOINT_KEYS].decode("utf-8"))
        except (NoteError, UnicodeDecodeError) as exc:
            report.add("checkpoint keys", Verdict.FAILS, f"bundled key list is unusable ({exc})")
    keyring = anchors.checkpoint_keys if anchors.checkpoint_keys is not None else bundled_keys
    pinned = anchors.checkpoint_keys is not None
    checkpoint = None
    try:
        opened = open_checkpoint(note_bytes.decode("utf-8"), keyring)
        checkpoint = opened.checkpoint
        signers = ", ".join(
            f"{key.name}+{key.key_id.hex()}{' (retired key)' if keyring.is_retired(key) else ''}"
            for key in opened.verified_by
        )
        source = "pinned key" if pinned else "key shipped in the bundle (not pinned)"
        report.add(
            "checkpoint signature",
            Verdict.HOLDS,
            f"tree size {checkpoint.size} signed by {signers}, {source}",
        )
    except (NoteError, UnicodeDecodeError) as exc:
        report.add("checkpoint signature", Verdict.FAILS, str(exc))

    try:
        leaf_index, tree_size, leaf, path = _parse_proof(
            _require(members, PROOF, report, "inclusion proof")
        )
    except (ValueError, KeyError, TypeError) as exc:
        report.add("inclusion proof", Verdict.FAILS, f"proof.json is unusable ({exc})")
        leaf_index = tree_size = -1
        leaf, path = b"", []
    else:
        if leaf != merkle.leaf_hash(snapshot_bytes):
            report.add("leaf hash", Verdict.FAILS, "proof's leaf hash is not the snapshot's")
        else:
            report.add("leaf hash", Verdict.HOLDS, f"leaf {leaf_index} is this snapshot")
        if checkpoint is None:
            report.add("inclusion proof", Verdict.FAILS, "no verified checkpoint to prove against")
        elif tree_size != checkpoint.size:
            report.add(
                "inclusion proof",
                Verdict.FAILS,
                f"proof is for a tree of {tree_size}, the checkpoint is of {checkpoint.size}",
            )
        elif merkle.verify_inclusion(
            leaf_index, tree_size, merkle.leaf_hash(snapshot_bytes), path, checkpoint.root
        ):
            report.add(
                "inclusion proof",
                Verdict.HOLDS,
                f"leaf {leaf_index} is in the checkpointed tree of {tree_size}",
            )
        else:
            report.add("inclusion proof", Verdict.FAILS, "proof does not lead to the signed root")

    _check_timestamp(members, note_bytes, anchors, report)


def _check_timestamp(
    members: dict[str, bytes], note_bytes: bytes, anchors: TrustAnchors, report: BundleReport
) -> None:
    token = members.get(TIMESTAMP_MEMBER)
    if token is None:
        report.add("checkpoint time-stamp", Verdict.NOT_APPLICABLE, "no time-stamp authority")
        return
    try:
        pinned = bool(anchors.tsa_roots)
        roots = _pinned_or_shipped(anchors.tsa_roots, members, TSA_ROOTS)
        if not roots:
            roots = [c for c in embedded_certificates(token) if c.issuer == c.subject]
        info = verify_timestamp(token, note_bytes, roots)
    except (TimestampError, ValueError) as exc:
        report.add("checkpoint time-stamp", Verdict.FAILS, str(exc))
        return
    source = "pinned root" if pinned else "root shipped in the bundle (not pinned)"
    report.add(
        "checkpoint time-stamp",
        Verdict.HOLDS,
        f"checkpoint existed at {info.generated_at.isoformat()} ({source})",
    )


async def _check_report(
    members: dict[str, bytes], snapshot_sha256: str, anchors: TrustAnchors, report: BundleReport
) -> None:
    pdf = members.get(REPORT)
    if pdf is None:
        report.add("report signature", Verdict.FAILS, "report.pdf is missing from the bundle")
        return
    try:
        pinned = bool(anchors.pdf_certificates)
        certificates = _pinned_or_shipped(anchors.pdf_certificates, members, PDF_CERTIFICATES)
        tsa_roots = _pinned_or_shipped(anchors.tsa_roots, members, TSA_ROOTS)
        result = await check_signed_report(pdf, [*certificates, *tsa_roots])
    except (ReportError, ValueError) as exc:
        report.add("report signature", Verdict.FAILS, str(exc))
        return
    problems = []
    if not result.signature_intact:
        problems.append("the signed bytes were altered")
    if not result.covers_whole_file:
        problems.append("content was added after signing")
    if not result.signer_trusted:
        problems.append(f"signer {result.signer_subject} is not a trusted certificate")
    if result.timestamped and not result.timestamp_valid:
        problems.append("its signature time-stamp does not verify")
    if problems:
        report.add("report signature", Verdict.FAILS, "; ".join(problems))
    else:
        level = "PAdES B-T" if result.timestamped else "PAdES B-B"
        source = "pinned" if pinned else "shipped in the bundle, not pinned"
        report.add(
            "report signature",
            Verdict.HOLDS,
            f"{level}, {result.page_count} page(s), signed by {result.signer_subject} ({source})",
        )
    if result.snapshot_sha256 == snapshot_sha256:
        report.add("report matches snapshot", Verdict.HOLDS, "report names this snapshot's hash")
    else:
        report.add(
            "report matches snapshot",
            Verdict.FAILS,
            f"report names snapshot {result.snapshot_sha256 or 'none'}",
        )


def _check_documents(
    members: dict[str, bytes],
    manifest: dict[str, Any],
    snapshot: dict[str, Any] | None,
    report: BundleReport,
) -> None:
    if snapshot is None:
        report.add("documents", Verdict.FAILS, "no usable snapshot lists the documents")
        return
    listed = snapshot.get("record", {}).get("documents", [])
    included = manifest.get("documents") == "included"
    problems, matched, hash_only = [], 0, 0
    for document in listed:
        sha = str(document.get("sha256", ""))
        content = members.get(f"{DOCUMENTS_DIR}{sha}")
        if content is None:
            if included:
                problems.append(f"{document.get('name') or sha} is missing")
            else:
                hash_only += 1
        elif _sha256(content) != sha:
            problems.append(f"{document.get('name') or sha} does not match its hash")
        else:
            matched += 1
    if problems:
        report.add("documents", Verdict.FAILS, "; ".join(problems))
    elif not listed:
        report.add("documents", Verdict.NOT_APPLICABLE, "snapshot rests on no document")
    else:
        detail = f"{matched} of {len(listed)} documents included and matching"
        if hash_only:
            detail += f"; {hash_only} listed by hash only, as the operator chose"
        report.add("documents", Verdict.HOLDS, detail)
