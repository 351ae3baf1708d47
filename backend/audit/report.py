"""The readable side of a snapshot: a one- or two-page PDF report rendered with WeasyPrint and
signed with pyHanko (PAdES; B-T, with a signature time-stamp, when an authority is configured).

The report carries the snapshot's SHA-256 in its metadata keywords and on every page, so the
verifier can tell that the signed PDF speaks about exactly the snapshot in the bundle.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any, Final

import jinja2
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from backend.audit.keys import PdfSigningIdentity

HASH_KEYWORD_PREFIX: Final = "coinet-snapshot-sha256="
SIGNATURE_FIELD: Final = "CoinetAuditSignature"
_HASH_KEYWORD = re.compile(re.escape(HASH_KEYWORD_PREFIX) + r"([0-9a-f]{64})")

KIND_LABELS: Final = {
    "verdict": "Verification verdict",
    "approve": "Approval",
    "reject": "Rejection",
    "waive": "Waiver",
    "pay_hold": "Pay hold",
    "release": "Pay hold released",
    "work_stop": "Work-stop order",
    "resume": "Work resumed",
}


class ReportError(RuntimeError):
    """The report could not be rendered or signed."""


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    source = files("backend.audit").joinpath("report_template.html").read_text(encoding="utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.ChainableUndefined)
    return environment.from_string(source)


def _money(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"${value:,.0f}"


def _limits_text(limits: Any) -> str:
    if isinstance(limits, Mapping):
        return "; ".join(f"{key.replace('_', ' ')} {_money(v)}" for key, v in limits.items())
    return "" if limits is None else str(limits)


def _coverage_rows(coverages: Sequence[Any]) -> list[dict[str, str]]:
    rows = []
    for coverage in coverages:
        if not isinstance(coverage, Mapping):
            continue
        rows.append(
            {
                "line": str(coverage.get("line", "")).replace("_", " "),
                "policy_number": str(coverage.get("policy_number", "") or "(none)"),
                "insurer": str(coverage.get("insurer", "")),
                "effective": str(coverage.get("effective", "")),
                "expires": str(coverage.get("expires", "")),
                "limits": _limits_text(coverage.get("limits")),
                "typed": _typed_text(coverage.get("typed_by_hand")),
            }
        )
    return rows


def _typed_text(typed: Any) -> str:
    """field -> what was read, as "each occurrence (read 1000000)"; "" when nothing was typed."""
    if not isinstance(typed, Mapping) or not typed:
        return ""
    parts = []
    for field, read in typed.items():
        label = str(field).replace("limits.", "").replace("_", " ")
        parts.append(f"{label} (read {read})" if read else f"{label} (nothing read)")
    return "; ".join(parts)


# How a check's outcome reads in the report, as the engagement page says it: an unknown check
# (a value missing, or only claimed by a certificate) is not a failure, and the page counts the
# two apart, so the signed report handed to an owner must not call all eighteen "FAIL".
OUTCOME_WORDS: Final = {"pass": "pass", "fail": "FAIL", "unknown": "UNKNOWN", "waived": "waived"}


def check_outcome(check: Mapping[str, Any]) -> str:
    """pass, fail, unknown or waived; a snapshot written before outcomes were kept has only
    `passed`, which is read as pass or fail."""
    outcome = check.get("outcome")
    if outcome in OUTCOME_WORDS:
        return str(outcome)
    return "pass" if check.get("passed") else "fail"


def checks_summary(checks: list[Mapping[str, Any]]) -> str:
    """ "13 failed, 5 unknown, 17 passed of 35": the engagement page's own counts."""
    counts = {outcome: 0 for outcome in OUTCOME_WORDS}
    for check in checks:
        counts[check_outcome(check)] += 1
    parts = [f"{counts['fail']} failed"]
    parts += [f"{counts[o]} {o}" for o in ("unknown", "waived") if counts[o]]
    parts.append(f"{counts['pass']} passed")
    return f"{', '.join(parts)} of {len(checks)}"


def render_html(
    snapshot: Mapping[str, Any], snapshot_sha256: str, leaf_index: int | None = None
) -> str:
    checks = [c for c in snapshot.get("checks", []) if isinstance(c, Mapping)]
    kind = str(snapshot.get("kind", ""))
    status = str(snapshot.get("status", ""))
    return _template().render(
        short_hash=snapshot_sha256[:12],
        snapshot_sha256=snapshot_sha256,
        hash_keyword=f"{HASH_KEYWORD_PREFIX}{snapshot_sha256}",
        leaf_index=leaf_index,
        status=status,
        status_label=status.replace("_", " ") or "unknown",
        kind_label=KIND_LABELS.get(kind, kind),
        as_of=snapshot.get("as_of", ""),
        project=snapshot.get("project", {}),
        gc=snapshot.get("gc", {}),
        sub=snapshot.get("sub", {}),
        engagement_id=snapshot.get("engagement_id", ""),
        decision=snapshot.get("decision", {}),
        coverages=_coverage_rows(snapshot.get("coverages", [])),
        checks=checks,
        checks_summary=checks_summary(checks),
        check_outcome=check_outcome,
        outcome_words=OUTCOME_WORDS,
        record_revision=snapshot.get("record", {}).get("revision", ""),
        documents=snapshot.get("record", {}).get("documents", []),
        requirements_version=snapshot.get("requirements", {}).get("version", ""),
        requirements_sha256=snapshot.get("requirements", {}).get("sha256", ""),
        engine_version=snapshot.get("engine_version", ""),
        previous=snapshot.get("previous_snapshot_sha256"),
        holder_typed=(snapshot.get("extra") or {}).get("holder_typed_by_hand"),
        endorsements_typed=[
            f"{e.get('form_number', '')} {e.get('edition', '')}".strip()
            + f": {_typed_text(e.get('typed_by_hand'))}"
            for e in (snapshot.get("extra") or {}).get("endorsements_typed_by_hand") or []
            if isinstance(e, Mapping)
        ],
    )


def render_pdf(
    snapshot: Mapping[str, Any], snapshot_sha256: str, leaf_index: int | None = None
) -> bytes:
    # WeasyPrint is imported here: it loads Pango on import, which only report makers need.
    import weasyprint

    html = render_html(snapshot, snapshot_sha256, leaf_index)
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def _signer_for(identity: PdfSigningIdentity) -> signers.SimpleSigner:
    key = serialization.load_pem_private_key(identity.key_pem, password=None)
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    certificate = asn1_x509.Certificate.load(
        identity.certificate.public_bytes(serialization.Encoding.DER)
    )
    chain = [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in (x509.load_pem_x509_certificates(identity.chain_pem) if identity.chain_pem else [])
    ]
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [certificate, *chain]
        ),
    )


async def sign_pdf(
    pdf: bytes, identity: PdfSigningIdentity, timestamper: TimeStamper | None = None
) -> bytes:
    """PAdES-sign the PDF; with a time-stamper the signature is time-stamped (B-T)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Audit snapshot of the COI network",
    )
    pdf_signer = signers.PdfSigner(metadata, signer=_signer_for(identity), timestamper=timestamper)
    output = await pdf_signer.async_sign_pdf(writer)
    signed: bytes = output.getvalue()
    return signed


async def render_signed_report(
    snapshot: Mapping[str, Any],
    snapshot_sha256: str,
    identity: PdfSigningIdentity,
    *,
    leaf_index: int | None = None,
    timestamper: TimeStamper | None = None,
) -> bytes:
    try:
        pdf = render_pdf(snapshot, snapshot_sha256, leaf_index)
        return await sign_pdf(pdf, identity, timestamper)
    except (OSError, ValueError) as exc:
        raise ReportError(f"report could not be produced: {exc}") from exc


@dataclass(frozen=True)
class ReportCheck:
    signature_intact: bool
    signer_trusted: bool
    covers_whole_file: bool
    timestamped: bool
    timestamp_valid: bool
    snapshot_sha256: str | None
    signer_subject: str
    page_count: int


def _snapshot_hash_in_metadata(reader: PdfFileReader) -> str | None:
    info = reader.trailer_view.get("/Info")
    if info is None:
        return None
    keywords = str(info.get_object().get("/Keywords", ""))
    match = _HASH_KEYWORD.search(keywords)
    return match.group(1) if match else None


async def check_signed_report(
    pdf: bytes, trusted_certificates: Sequence[x509.Certificate]
) -> ReportCheck:
    """Validate the report's signature offline against the given certificates.

    Raises ReportError when the file is not a PDF or holds no signature at all.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko raises many types on malformed input
        raise ReportError(f"report is not a readable PDF: {exc}") from exc
    if len(signatures) != 1:
        raise ReportError(f"report holds {len(signatures)} signatures, expected one")
    roots = [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in trusted_certificates
    ]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        status = await async_validate_pdf_signature(
            signatures[0], signer_validation_context=context, ts_validation_context=context
        )
    except Exception as exc:  # a corrupted CMS blob surfaces as assorted exceptions
        raise ReportError(f"report signature cannot be checked: {exc}") from exc
    timestamp = status.timestamp_validity
    return ReportCheck(
        signature_intact=bool(status.intact and status.valid),
        signer_trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        timestamped=timestamp is not None,
        timestamp_valid=bool(timestamp is not None and timestamp.valid and timestamp.trusted),
        snapshot_sha256=_snapshot_hash_in_metadata(reader),
        signer_subject=status.signing_cert.subject.human_friendly,
        page_count=int(reader.root["/Pages"]["/Count"]),
    )


# --- The project report: every sub of one project on one page set, for owners and lenders ---

PROJECT_REPORT_KEYWORD_PREFIX: Final = "coinet-project-report-sha256="
# The report's facts ride inside the PDF as this attachment (canonical JSON, RFC 8785): the
# signature covers it, and its SHA-256 is the one in the keywords and on every page, so the
# printed table can be checked against data a program reads.
PROJECT_REPORT_ATTACHMENT: Final = "project-report.json"
_PROJECT_KEYWORD = re.compile(re.escape(PROJECT_REPORT_KEYWORD_PREFIX) + r"([0-9a-f]{64})")


@lru_cache(maxsize=1)
def _project_template() -> jinja2.Template:
    source = (
        files("backend.audit").joinpath("project_report_template.html").read_text(encoding="utf-8")
    )
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.ChainableUndefined)
    environment.filters["money"] = _money
    return environment.from_string(source)


def project_report_bytes(facts: Mapping[str, Any]) -> bytes:
    """The report's facts as canonical JSON: the bytes the signed PDF carries and names."""
    import rfc8785

    return rfc8785.dumps(dict(facts))


def render_project_report_pdf(facts: Mapping[str, Any]) -> tuple[bytes, str]:
    """(unsigned PDF, SHA-256 of the facts) of a project report."""
    import hashlib

    import weasyprint

    data = project_report_bytes(facts)
    digest = hashlib.sha256(data).hexdigest()
    html = _project_template().render(
        facts=facts,
        sha256=digest,
        keyword=f"{PROJECT_REPORT_KEYWORD_PREFIX}{digest}",
        rows=facts.get("rows", []),
    )
    attachment = weasyprint.Attachment(
        string=data.decode("utf-8"),
        name=PROJECT_REPORT_ATTACHMENT,
        description="The report's facts (canonical JSON); their SHA-256 is in the keywords",
    )
    pdf: bytes = weasyprint.HTML(string=html).write_pdf(attachments=[attachment])
    return pdf, digest


async def render_signed_project_report(
    facts: Mapping[str, Any],
    identity: PdfSigningIdentity,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The project report, PAdES-signed with the audit reports' identity (time-stamped when an
    authority is configured), as every snapshot report is."""
    import asyncio

    try:
        # WeasyPrint is CPU-bound: off the event loop, as the snapshot reports are.
        pdf, _ = await asyncio.to_thread(render_project_report_pdf, facts)
        return await sign_pdf(pdf, identity, timestamper)
    except (OSError, ValueError) as exc:
        raise ReportError(f"project report could not be produced: {exc}") from exc


@dataclass(frozen=True)
class ProjectReportCheck:
    signature: ReportCheck
    facts_sha256: str | None  # the SHA-256 the keywords name
    facts_match: bool  # the attached facts hash to exactly that
    facts: dict[str, Any] | None


def _attached_facts(reader: PdfFileReader) -> bytes | None:
    names = reader.root.get("/Names")
    embedded = names.get_object().get("/EmbeddedFiles") if names is not None else None
    if embedded is None:
        return None
    listing = embedded.get_object().get("/Names")
    if listing is None:
        return None
    items = list(listing)
    for name, spec in zip(items[::2], items[1::2], strict=False):
        if str(name) == PROJECT_REPORT_ATTACHMENT:
            stream = spec.get_object()["/EF"]["/F"].get_object()
            return bytes(stream.data)
    return None


async def check_project_report(
    pdf: bytes, trusted_certificates: Sequence[x509.Certificate]
) -> ProjectReportCheck:
    """Offline: the signature (as for a snapshot report) and that the attached facts are the
    ones the keywords name. Raises ReportError for a file that is not a signed PDF."""
    import hashlib
    import json

    signature = await check_signed_report(pdf, trusted_certificates)
    reader = PdfFileReader(io.BytesIO(pdf))
    info = reader.trailer_view.get("/Info")
    keywords = str(info.get_object().get("/Keywords", "")) if info is not None else ""
    match = _PROJECT_KEYWORD.search(keywords)
    named = match.group(1) if match else None
    data = _attached_facts(reader)
    facts_match = data is not None and named == hashlib.sha256(data).hexdigest()
    facts = json.loads(data) if data is not None and facts_match else None
    return ProjectReportCheck(signature, named, facts_match, facts)
