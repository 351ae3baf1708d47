"""From database rows to what the engine reads: RecordAsOf, VerificationContext, requirements.

The master record is shared by every GC that engages the sub, so it is loaded once per fan-out
(`load_record_rows`) and turned into one RecordAsOf per certificate holder (`record_as_of`).

Mapping rules worth knowing:
- A term cancelled on day C covers up to C (its expiration becomes min(expiration, C)).
- Endorsement rows are endorsements on file. Their lines are the line of their policy; an
  endorsement not tied to a policy amends the line its form family names (CG: general
  liability, CA: auto, WC: workers' compensation, CU: umbrella), general liability otherwise.
- An umbrella that follows form extends the general liability's additional insureds: an
  additional-insured endorsement on general liability then also counts for the umbrella.
- Notice-of-cancellation days: the endorsement's own `notice_days` (typed or read at review from
  IL 70 21, CG 02 24 or a state form); else the wording of its source document, else the sub's
  newest certificate ("30 days notice of cancellation"); when none says, the days are unknown.
- Stop-gap employer's liability (monopolistic states) counts only on the general liability
  policy (DOMAIN.md): filed on the WC policy, the engine reports it as not found there.
- The INSD and SUBR WVD flags of a term are a certificate's claims (additional insured for
  ongoing operations, waiver of subrogation on that line), never endorsements on file.
- Evidence: the SHA-256 of the document a term or endorsement came from, and, when that
  document was read as a certificate, the page and box of the value in the reader's result.
- Certificate holder: a certificate names one holder, and the sub keeps one certificate per
  holder. The holder used for an engagement is the holder named by the newest read certificate
  of the sub whose holder is the engagement's expected holder; failing that, the holder named by
  the sub's newest certificate (the check then fails, showing whom the certificate names).
  With no read certificate at all the holder is unknown and the check is reported as not
  evaluable (`holder_not_evaluable`), never as passed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Final, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Document, InsurerRating
from backend.db.models import Endorsement as EndorsementRow
from backend.db.models import Policy as PolicyRow
from backend.db.models import PolicyTerm as TermRow
from backend.projects.repository import ProjectRepository
from backend.records.repository import RecordRepository
from backend.requirements.names import normalise_entity_name, same_entity
from backend.requirements.ratings import EMPTY_RATINGS, RatingError, RatingTable
from backend.requirements.ratings import InsurerRating as Rating
from backend.verification.checks import FAIL, UNKNOWN, Check
from backend.verification.context import ContextError, VerificationContext
from backend.verification.description import NOTICE_WORDING, notice_days
from backend.verification.record import (
    AI_ONGOING,
    SOURCE_CERTIFICATE,
    SOURCE_ENDORSEMENT,
    WAIVER_OF_SUBROGATION,
    Endorsement,
    Evidence,
    Policy,
    RecordAsOf,
    Term,
)
from backend.verification.verdict import Verdict, with_checks

HOLDER_CHECK: Final = "CERTIFICATE_HOLDER_NAME"
_FORM_FAMILY_LINES: Final = {
    "CG": "general_liability",
    "CA": "auto_liability",
    "WC": "workers_compensation",
    "CU": "umbrella",
}
_TERM_FIELDS: Final = (
    "effective",
    "expiration",
    "policy_number",
    "basis",
    "covered_autos",
    "statutory",
    "aggregate_applies_per",
)


@dataclass(frozen=True)
class Certificate:
    """A read ACORD 25 of the sub: whom it names as holder, and where that was read."""

    document_sha256: str
    holder_name: str
    description: str | None
    holder_evidence: Evidence


@dataclass(frozen=True)
class RecordRows:
    """The sub's master record as it stood at `known_at`, straight from the tables."""

    sub_org_id: uuid.UUID
    sub_name: str
    known_at: datetime | None
    terms: Sequence[tuple[PolicyRow, TermRow]]
    endorsements: Sequence[EndorsementRow]
    documents: Mapping[uuid.UUID, Document]
    certificates: Sequence[Certificate]  # newest first
    policies_engine: tuple[Policy, ...] = field(default=())
    endorsements_engine: tuple[Endorsement, ...] = field(default=())
    # Built with the engine values; empty on rows built straight from the tables.
    certificate_of_holder: Mapping[str, Certificate] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.terms and not self.endorsements

    @cached_property
    def documents_by_sha256(self) -> Mapping[str, Sequence[Document]]:
        """The documents with each content hash, in `documents` order (made once per rows:
        a fan-out looks up the certificate of each of its holders)."""
        found: dict[str, list[Document]] = {}
        for document in self.documents.values():
            found.setdefault(document.sha256, []).append(document)
        return found

    def document_hashes(self) -> list[tuple[str, str]]:
        """(sha256, filename) of every document the record rests on, without repeats."""
        used: dict[str, str] = {}
        ids = [t.source_document_id for _, t in self.terms]
        ids += [e.source_document_id for e in self.endorsements]
        for document_id in ids:
            document = self.documents.get(document_id) if document_id else None
            if document is not None:
                used.setdefault(document.sha256, document.filename)
        return sorted(used.items())


async def load_record_rows(
    session: AsyncSession, sub_org_id: uuid.UUID, known_at: datetime | None = None
) -> RecordRows:
    """Read the record once; callers reuse it for every engagement of the sub."""
    repo = RecordRepository(session)
    terms = await repo.terms_in_effect(PolicyRow.sub_org_id == sub_org_id, sub_org_id, known_at)
    endorsements = await repo.endorsements_in_effect(
        EndorsementRow.sub_org_id == sub_org_id, sub_org_id, known_at
    )
    sub = await repo.record_owner(sub_org_id)
    documents = await repo.documents_of_sub(sub_org_id, known_at)
    by_id = {document.id: document for document in documents}
    certificates = [c for c in (_certificate(d) for d in documents) if c is not None]
    rows = RecordRows(
        sub_org_id=sub_org_id,
        sub_name=sub.legal_name if sub is not None else "",
        known_at=known_at,
        terms=terms,
        endorsements=endorsements,
        documents=by_id,
        certificates=certificates,
    )
    return _with_engine_values(rows)


def with_change(
    rows: RecordRows,
    terms: Sequence[tuple[PolicyRow, TermRow]],
    endorsements: Sequence[EndorsementRow],
    document: Document | None,
) -> RecordRows:
    """The record as it would stand once these rows were confirmed from `document` (its read
    result as the person would confirm it): for a look before confirming, nothing written."""
    documents = dict(rows.documents)
    certificates = list(rows.certificates)
    if document is not None:
        documents[document.id] = document
        certificates = [c for c in certificates if c.document_sha256 != document.sha256]
        certificate = _certificate(document)
        if certificate is not None:
            certificates.insert(0, certificate)  # the newest certificate of the sub
    combined = sorted([*rows.terms, *terms], key=lambda pair: (pair[0].line, pair[1].effective))
    return _with_engine_values(
        RecordRows(
            sub_org_id=rows.sub_org_id,
            sub_name=rows.sub_name,
            known_at=rows.known_at,
            terms=combined,
            endorsements=sorted(
                [*rows.endorsements, *endorsements], key=lambda row: row.form_number
            ),
            documents=documents,
            certificates=certificates,
        )
    )


def _certificate(document: Document) -> Certificate | None:
    result = document.read_result
    if document.read_state != "read" or not isinstance(result, dict):
        return None
    holder = result.get("certificate_holder")
    name = holder.get("name") if isinstance(holder, dict) else None
    if not isinstance(name, str) or not name.strip():
        return None
    description = result.get("description_of_operations")
    return Certificate(
        document_sha256=document.sha256,
        holder_name=name.strip(),
        description=description if isinstance(description, str) else None,
        holder_evidence=_evidence_at(document, "/certificate_holder/name"),
    )


def _evidence_at(document: Document | None, pointer: str | None) -> Evidence:
    if document is None:
        return Evidence()
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    result = document.read_result
    fields = result.get("fields") if isinstance(result, dict) else None
    info = fields.get(pointer) if isinstance(fields, dict) and pointer else None
    if isinstance(info, dict):
        raw_page = info.get("page")
        page = raw_page if isinstance(raw_page, int) else None
        box = info.get("bbox")
        if isinstance(box, list) and len(box) == 4 and all(isinstance(v, int | float) for v in box):
            bbox = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
    return Evidence(
        document=document.sha256, page=page, pointer=pointer if info else None, bbox=bbox
    )


def _coverage_index(document: Document | None, line: str, policy_number: str) -> int | None:
    """Which coverage row of a read certificate a term was confirmed from."""
    result = document.read_result if document is not None else None
    coverages = result.get("coverages") if isinstance(result, dict) else None
    if not isinstance(coverages, list):
        return None
    fallback = None
    for index, coverage in enumerate(coverages):
        if not isinstance(coverage, dict) or coverage.get("line") != line:
            continue
        if (coverage.get("policy_number") or "").strip() == policy_number:
            return index
        fallback = index if fallback is None else fallback
    return fallback


def _term(policy: PolicyRow, row: TermRow, document: Document | None) -> Term:
    expiration = row.expiration
    if row.cancelled_on is not None and row.cancelled_on < expiration:
        expiration = max(row.cancelled_on, row.effective)
    index = _coverage_index(document, policy.line, policy.policy_number)
    base = f"/coverages/{index}" if index is not None else None
    evidence = {
        name: _evidence_at(document, f"{base}/{name}" if base else None) for name in _TERM_FIELDS
    }
    limits = {str(kind): int(amount) for kind, amount in row.limits.items() if amount is not None}
    for kind in limits:
        evidence[f"limits.{kind}"] = _evidence_at(
            document, f"{base}/limits/{kind}" if base else None
        )
    evidence["wc_states"] = evidence["statutory"]
    is_wc = policy.line == "workers_compensation"
    return Term(
        effective=row.effective,
        expiration=expiration,
        policy_number=policy.policy_number or None,
        basis=row.basis,
        retro_date=row.retro_date,
        limits=limits,
        covered_autos=tuple(row.covered_autos) if policy.line == "auto_liability" else None,
        follows_form=row.follows_form if policy.line in ("umbrella", "excess") else None,
        statutory=row.wc_statutory if is_wc else None,
        wc_states=tuple(row.wc_states) if is_wc else None,
        aggregate_applies_per=row.aggregate_applies_per,
        additional_insured_flag=row.additional_insured,
        subrogation_waived_flag=row.subrogation_waived,
        evidence=evidence,
    )


def _with_engine_values(rows: RecordRows) -> RecordRows:
    """Build the engine's policies and endorsements once for the whole fan-out."""
    grouped: dict[uuid.UUID, tuple[PolicyRow, list[Term]]] = {}
    claims: list[Endorsement] = []
    for policy, row in rows.terms:
        document = rows.documents.get(row.source_document_id) if row.source_document_id else None
        term = _term(policy, row, document)
        grouped.setdefault(policy.id, (policy, []))[1].append(term)
        line = "umbrella" if policy.line == "excess" else policy.line
        # A ticked ADDL INSD or SUBR WVD box claims that endorsement on this line, for the
        # term's dates, and only claims it: the certificate is not the endorsement.
        for ticked, kind in (
            (row.additional_insured, AI_ONGOING),
            (row.subrogation_waived, WAIVER_OF_SUBROGATION),
        ):
            if ticked:
                claims.append(
                    Endorsement(
                        kind=kind,
                        lines=(line,),
                        source=SOURCE_CERTIFICATE,
                        effective=row.effective,
                        expiration=term.expiration,
                        evidence=term.evidence.get("policy_number"),
                    )
                )
    policies = tuple(
        Policy(
            line=policy.line,
            terms=tuple(terms),
            insurer_name=policy.insurer_name or None,
            insurer_naic=policy.insurer_naic or None,
        )
        for policy, terms in grouped.values()
        if policy.line != "other"
    )
    lines_of_policy = {policy.id: policy.line for policy, _ in rows.terms}
    umbrella_follows = any(
        row.follows_form for policy, row in rows.terms if policy.line in ("umbrella", "excess")
    )
    fallback_days = _notice_days(rows.certificates[0].description) if rows.certificates else None
    endorsements = [
        _endorsement(row, lines_of_policy, rows.documents, umbrella_follows, fallback_days)
        for row in rows.endorsements
    ]
    return RecordRows(
        sub_org_id=rows.sub_org_id,
        sub_name=rows.sub_name,
        known_at=rows.known_at,
        terms=rows.terms,
        endorsements=rows.endorsements,
        documents=rows.documents,
        certificates=rows.certificates,
        policies_engine=policies,
        endorsements_engine=tuple(endorsements + claims),
        certificate_of_holder=_newest_per_holder(rows.certificates),
    )


def _newest_per_holder(certificates: Sequence[Certificate]) -> dict[str, Certificate]:
    """The newest certificate per holder name as `same_entity` compares names (folded), so
    that a fan-out over hundreds of GCs finds each GC's certificate without reading all of
    them for every holder."""
    found: dict[str, Certificate] = {}
    for certificate in certificates:  # newest first: the first one of a name stands
        found.setdefault(normalise_entity_name(certificate.holder_name), certificate)
    return found


def _notice_days(text: str | None) -> int | None:
    # The certificate reader's wording: days in figures or words, "NOC" for the notice.
    match = NOTICE_WORDING.search(text or "")
    if match is None:
        return None
    # "30 days, 10 for non-payment" in either order: the days not tied to non-payment.
    return notice_days(text or "", match)


def _endorsement(
    row: EndorsementRow,
    lines_of_policy: Mapping[uuid.UUID, str],
    documents: Mapping[uuid.UUID, Document],
    umbrella_follows: bool,
    fallback_days: int | None,
) -> Endorsement:
    line = lines_of_policy.get(row.policy_id) if row.policy_id else None
    if line is None:
        line = _FORM_FAMILY_LINES.get(row.form_number[:2].upper(), "general_liability")
    if line == "excess":
        line = "umbrella"
    lines: tuple[str, ...] = (line,)
    if umbrella_follows and line == "general_liability" and row.kind.startswith("additional_"):
        lines = (line, "umbrella")
    document = documents.get(row.source_document_id) if row.source_document_id else None
    notice_days = row.notice_days
    if row.kind == "notice_of_cancellation" and notice_days is None:
        result = document.read_result if document is not None else None
        wording = result.get("description_of_operations") if isinstance(result, dict) else None
        notice_days = _notice_days(wording if isinstance(wording, str) else None)
        notice_days = notice_days if notice_days is not None else fallback_days
    return Endorsement(
        kind=row.kind,
        lines=lines,
        notice_days=notice_days,
        source=SOURCE_ENDORSEMENT,
        form_number=row.form_number or None,
        edition=row.edition or None,
        blanket=row.blanket,
        named_parties=tuple(row.named_parties),
        effective=row.effective,
        expiration=row.expiration,
        evidence=_evidence_at(document, None) if document is not None else None,
    )


def choose_certificate(rows: RecordRows, expected_holder: str | None) -> Certificate | None:
    """The certificate of this holder if the sub has one, else its newest certificate."""
    if expected_holder:
        if rows.certificate_of_holder:
            found = rows.certificate_of_holder.get(normalise_entity_name(expected_holder))
            if found is not None:
                return found
        else:
            for certificate in rows.certificates:
                if same_entity(certificate.holder_name, expected_holder):
                    return certificate
    return rows.certificates[0] if rows.certificates else None


HOLDER_POINTER: Final = "/certificate_holder/name"


def holder_typed_by_hand(rows: RecordRows, expected_holder: str | None) -> dict[str, Any] | None:
    """Where the holder judged for this holder's engagements was typed at review rather than
    read: what was read, what the person typed, and the certificate's SHA-256. None when the
    holder was taken as read (or there is no certificate)."""
    certificate = choose_certificate(rows, expected_holder)
    if certificate is None:
        return None
    for document in rows.documents_by_sha256.get(certificate.document_sha256, ()):
        result = document.read_result if isinstance(document.read_result, dict) else {}
        corrections = result.get("corrections")
        typed = corrections.get(HOLDER_POINTER) if isinstance(corrections, dict) else None
        if isinstance(typed, dict):
            return {
                "field": "certificate_holder",
                "read": typed.get("read"),
                "typed": typed.get("confirmed"),
                "document": document.sha256,
            }
    return None


def record_as_of(rows: RecordRows, as_of: date, expected_holder: str | None) -> RecordAsOf | None:
    """The record as the engine reads it for one certificate holder; None without a record."""
    if rows.empty:
        return None
    certificate = choose_certificate(rows, expected_holder)
    evidence: dict[str, Evidence] = {}
    if certificate is not None:
        evidence["certificate_holder_name"] = certificate.holder_evidence
    return RecordAsOf(
        as_of=as_of,
        policies=rows.policies_engine,
        endorsements=rows.endorsements_engine,
        insured_name=rows.sub_name or None,
        certificate_holder_name=certificate.holder_name if certificate else None,
        description_of_operations=certificate.description if certificate else None,
        evidence=evidence,
    )


def holder_not_evaluable(verdict: Verdict, record: RecordAsOf | None, window_days: int) -> Verdict:
    """With no certificate naming any holder, the holder check cannot be judged: unknown."""
    if record is None or record.certificate_holder_name is not None:
        return verdict
    changed = False
    checks: list[Check] = []
    for check in verdict.checks:
        if check.code == HOLDER_CHECK and check.outcome == FAIL:
            check = check.with_outcome(UNKNOWN, check.waiver)
            changed = True
        checks.append(check)
    if not changed:
        return verdict
    return with_checks(verdict, checks, window_days)


def ratings_table(rows: Iterable[InsurerRating]) -> RatingTable:
    """A GC's ratings rows as the engine's table; a malformed row is left out, not guessed."""
    ratings: list[Rating] = []
    for row in rows:
        try:
            ratings.append(
                Rating(
                    naic=row.naic,
                    name=row.insurer_name,
                    rating=row.rating,
                    size_class=row.size_class,
                    surplus_lines=row.surplus_lines,
                )
            )
        except RatingError:
            continue
    return RatingTable.of(ratings) if ratings else EMPTY_RATINGS


async def load_ratings(
    session: AsyncSession, gc_org_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, RatingTable]:
    ids = set(gc_org_ids)
    if not ids:
        return {}
    grouped: dict[uuid.UUID, list[InsurerRating]] = {gc: [] for gc in ids}
    for row in await ProjectRepository(session).insurer_ratings(ids):
        grouped[row.gc_org_id].append(row)
    return {gc: ratings_table(rows) for gc, rows in grouped.items()}


def expiring_window_days(gc_settings: Mapping[str, Any] | None) -> int:
    """The GC's "expiring soon" window: its largest alert threshold (default 60 days)."""
    thresholds = alert_thresholds(gc_settings)
    return max(thresholds) if thresholds else 30


DEFAULT_THRESHOLDS: Final = (60, 30, 7, 0)


def alert_thresholds(gc_settings: Mapping[str, Any] | None) -> tuple[int, ...]:
    """A GC's alert thresholds in days before expiry, largest first (default 60/30/7/0)."""
    raw = (gc_settings or {}).get("alert_thresholds")
    if isinstance(raw, list):
        days = sorted({int(d) for d in raw if isinstance(d, int) and 0 <= d <= 3650}, reverse=True)
        if days:
            return tuple(days)
    return DEFAULT_THRESHOLDS


class ProjectFacts(Protocol):
    """What an engagement's context reads of its project (a Project row, or its columns)."""

    @property
    def start_date(self) -> date | None: ...
    @property
    def end_date(self) -> date | None: ...
    @property
    def closeout_days(self) -> int: ...
    @property
    def certificate_holder(self) -> str: ...
    @property
    def additional_insureds(self) -> list[str]: ...
    @property
    def state(self) -> str: ...


class EngagementFacts(Protocol):
    """What an engagement's context reads of the engagement itself."""

    @property
    def trade(self) -> str: ...
    @property
    def work_start(self) -> date | None: ...


def context_for(
    project: ProjectFacts,
    engagement: EngagementFacts,
    *,
    parent_sub_name: str | None = None,
    ratings: RatingTable = EMPTY_RATINGS,
    window_days: int = 30,
) -> VerificationContext:
    """The engagement's facts; a tier-2 sub must also name its tier-1 sub as additional
    insured. A fact that contradicts the others is dropped (left unknown), not trusted."""
    parties = [p for p in project.additional_insureds if p.strip()]
    if parent_sub_name and parent_sub_name.strip():
        parties.append(parent_sub_name)
    values: dict[str, Any] = {
        "project_start": project.start_date,
        "project_end": project.end_date,
        "closeout_days": project.closeout_days,
        "certificate_holder": project.certificate_holder or None,
        "additional_insured_parties": tuple(parties),
        "state": project.state or None,
        "trade": engagement.trade or None,
        "work_start": engagement.work_start,
        "expiring_window_days": window_days,
        "insurer_ratings": ratings,
    }
    for _ in range(len(values)):
        try:
            return VerificationContext(**values)
        except ContextError as exc:
            culprit = exc.field
            if culprit not in values or values[culprit] is None:
                break
            values[culprit] = {"additional_insured_parties": (), "closeout_days": 0}.get(culprit)
    return VerificationContext(insurer_ratings=ratings)
