"""The master record's rules: uploads are stored before they are acknowledged, and every
confirmed change becomes a new revision plus an outbox event, in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Document,
    Endorsement,
    Organisation,
    OutboxEvent,
    Policy,
    PolicyTerm,
    RecordRevision,
)
from backend.db.models.vocab import (
    AGGREGATE_PER,
    BASES,
    COVERED_AUTOS,
    ENDORSEMENT_KINDS,
    LIMIT_KINDS,
    LINES,
    REVISION_KINDS,
)
from backend.errors import BadInput, Forbidden, NotFound, TooLarge
from backend.network.access import can_read_record, can_write_record, record_read_scope
from backend.network.actor import Actor
from backend.notify import webhooks as integration_events
from backend.records.repository import RecordRepository
from backend.records.schemas import (
    EndorsementInput,
    EndorsementView,
    MasterRecordView,
    RecordChange,
    RevisionView,
    TermInput,
    TermView,
)
from backend.records.store import DocumentStore, sha256_hex
from backend.web_security.bounds import MAX_POLICY_LIMIT_DOLLARS

# Notice of cancellation is a matter of days to a year (the column's CHECK says the same).
MIN_NOTICE_DAYS: Final = 1
MAX_NOTICE_DAYS: Final = 365

RECORD_CHANGED = "record.changed"
# Announces a stored upload that waits for the reader; the relay queues its read.
DOCUMENT_UPLOADED = "document.uploaded"


@dataclass(frozen=True)
class StoredUpload:
    document: Document
    duplicate: bool


class RecordService:
    def __init__(self, session: AsyncSession, store: DocumentStore, max_upload_bytes: int) -> None:
        self.session = session
        self.repo = RecordRepository(session)
        self.store = store
        self.max_upload_bytes = max_upload_bytes

    async def _writable(self, actor: Actor, sub_org_id: uuid.UUID) -> None:
        if not await can_write_record(self.session, actor, sub_org_id):
            # Not found rather than forbidden: do not reveal which subs exist.
            raise NotFound("No such subcontractor record that you may change.")

    async def upload(
        self, actor: Actor, sub_org_id: uuid.UUID, filename: str, content_type: str, data: bytes
    ) -> StoredUpload:
        await self._writable(actor, sub_org_id)
        if len(data) > self.max_upload_bytes:
            limit_mb = self.max_upload_bytes // (1024 * 1024)
            raise TooLarge(f"The file is larger than the {limit_mb} MB upload limit.")
        if not data:
            raise BadInput("The file is empty.", field="file")
        digest = sha256_hex(data)
        # The same file sent twice at once (a double click) is one document, not a 500.
        await self.repo.hold_upload_of(sub_org_id, digest)
        existing = await self.repo.document_by_digest(sub_org_id, digest)
        if existing is not None:
            return StoredUpload(existing, duplicate=True)
        # Bytes first: once the row exists, the file it names must already be durable.
        self.store.put(data)
        document = Document(
            id=uuid.uuid4(),
            sub_org_id=sub_org_id,
            sha256=digest,
            size_bytes=len(data),
            content_type=(content_type or "application/octet-stream")[:120],
            filename=(filename or "upload")[:300],
            uploaded_by_id=actor.person_id,
            via_invitation_id=actor.invitation_id,
            read_state="pending",
        )
        previously_read = await self.repo.any_read_result(digest)
        if previously_read is not None:
            document.read_state = previously_read.read_state
            document.read_result = as_read(previously_read.read_result)
        self.repo.add(document)
        await self.repo.flush()
        if document.read_state == "pending":
            # In the upload's transaction: every path that stores a file gets it read.
            self.repo.add_outbox(read_request(document))
            await self.repo.flush()
        return StoredUpload(document, duplicate=False)

    async def confirm_change(
        self, actor: Actor, sub_org_id: uuid.UUID, change: RecordChange
    ) -> RecordRevision:
        await self._writable(actor, sub_org_id)
        if change.kind not in REVISION_KINDS:
            raise BadInput(
                f"Unknown change kind {change.kind!r}; use one of {', '.join(REVISION_KINDS)}.",
                field="kind",
            )
        if not change.terms and not change.endorsements:
            raise BadInput("A change must add at least one policy term or endorsement.")
        for index, term in enumerate(change.terms):
            _validate_term(term, f"terms[{index}]")
        for index, endorsement in enumerate(change.endorsements):
            _validate_endorsement(endorsement, f"endorsements[{index}]")
        # Changes to one record confirmed at once are numbered in turn, not a 500.
        await self.repo.hold_record_changes(sub_org_id)
        revision = RecordRevision(
            id=uuid.uuid4(),
            sub_org_id=sub_org_id,
            number=await self.repo.next_revision_number(sub_org_id),
            kind=change.kind,
            summary=change.summary[:2000],
            created_by_id=actor.person_id,
            source_document_id=await self._own_document(sub_org_id, change.source_document_id),
        )
        self.repo.add(revision)
        await self.repo.flush()
        for index, term in enumerate(change.terms):
            await self._add_term(sub_org_id, revision, term, f"terms[{index}]")
        for index, endorsement in enumerate(change.endorsements):
            await self._add_endorsement(sub_org_id, revision, endorsement, f"endorsements[{index}]")
        self.repo.add_outbox(
            OutboxEvent(
                id=uuid.uuid4(),
                kind=RECORD_CHANGED,
                sub_org_id=sub_org_id,
                revision_id=revision.id,
                payload={"revision_number": revision.number, "change": change.kind},
            )
        )
        await integration_events.revision_confirmed(self.repo.session, revision)
        await self.repo.flush()
        return revision

    async def draft_rows(
        self, actor: Actor, sub_org_id: uuid.UUID, change: RecordChange
    ) -> tuple[list[tuple[Policy, PolicyTerm]], list[Endorsement]]:
        """The policy terms and endorsements confirming `change` would add to the record, as
        rows built in memory and never added to the session: what a person sees before it
        confirms. Refuses what confirm_change would refuse, with the same messages."""
        await self._writable(actor, sub_org_id)
        if not change.terms and not change.endorsements:
            raise BadInput("A change must add at least one policy term or endorsement.")
        terms: list[tuple[Policy, PolicyTerm]] = []
        new_policies: dict[tuple[str, str, str], Policy] = {}
        for index, term in enumerate(change.terms):
            _validate_term(term, f"terms[{index}]")
            key = _policy_key(term)
            policy = new_policies.get(key) or await self.repo.find_policy(sub_org_id, *key)
            if policy is None:
                policy = new_policies[key] = _new_policy(sub_org_id, term)
            draft = _term_row(sub_org_id, policy, None, term, term.source_document_id)
            terms.append((policy, draft))
        endorsements = []
        for index, endorsement in enumerate(change.endorsements):
            _validate_endorsement(endorsement, f"endorsements[{index}]")
            endorsements.append(
                _endorsement_row(sub_org_id, None, endorsement, endorsement.source_document_id)
            )
        return terms, endorsements

    async def _own_document(
        self, sub_org_id: uuid.UUID, document_id: uuid.UUID | None
    ) -> uuid.UUID | None:
        if document_id is None:
            return None
        document = await self.repo.document(Document.sub_org_id == sub_org_id, document_id)
        if document is None:
            raise BadInput("The source document is not in this record.", field="source_document_id")
        return document.id

    async def _in_record(
        self,
        sub_org_id: uuid.UUID,
        row_id: uuid.UUID | None,
        read: Callable[[uuid.UUID, uuid.UUID], Awaitable[object | None]],
        field: str,
        message: str,
    ) -> None:
        """A change points only at rows of the same sub's record: the row it names at `field`
        (`row_id`; None: it names none) must be one `read` finds in the sub's record; another
        record's, or nobody's, is refused with `message`."""
        if row_id is not None and await read(sub_org_id, row_id) is None:
            raise BadInput(message, field=field)

    async def _add_term(
        self, sub_org_id: uuid.UUID, revision: RecordRevision, term: TermInput, where: str
    ) -> None:
        policy = await self.repo.find_policy(sub_org_id, *_policy_key(term))
        if policy is None:
            policy = _new_policy(sub_org_id, term)
            self.repo.add(policy)
            await self.repo.flush()
        else:
            previous = await self.repo.latest_term_of_policy(policy.id)
            if (
                previous is not None
                and term.replaces_term_id is None
                and term.effective < previous.effective
            ):
                raise BadInput(
                    f"{where}: the renewal starts {term.effective.isoformat()}, before the term "
                    f"already on record ({previous.effective.isoformat()}); dates cannot go "
                    "backwards.",
                    field=f"{where}.effective",
                )
        await self._in_record(
            sub_org_id,
            term.replaces_term_id,
            self.repo.term,
            f"{where}.replaces_term_id",
            f"{where}: the term to replace belongs to another record or does not exist.",
        )
        source = await self._own_document(sub_org_id, term.source_document_id)
        self.repo.add(_term_row(sub_org_id, policy, revision.id, term, source))

    async def _add_endorsement(
        self,
        sub_org_id: uuid.UUID,
        revision: RecordRevision,
        endorsement: EndorsementInput,
        where: str,
    ) -> None:
        await self._in_record(
            sub_org_id,
            endorsement.policy_id,
            self.repo.policy,
            f"{where}.policy_id",
            f"{where}: the policy belongs to another record or does not exist.",
        )
        await self._in_record(
            sub_org_id,
            endorsement.replaces_endorsement_id,
            self.repo.endorsement,
            f"{where}.replaces_endorsement_id",
            f"{where}: the endorsement to replace is not in this record.",
        )
        source = await self._own_document(sub_org_id, endorsement.source_document_id)
        self.repo.add(_endorsement_row(sub_org_id, revision.id, endorsement, source))

    async def master_record(self, actor: Actor, sub_org_id: uuid.UUID) -> MasterRecordView:
        if not await can_read_record(self.session, actor, sub_org_id):
            raise NotFound("No such subcontractor record that you may read.")
        organisation = await self.repo.subcontractor(sub_org_id)
        if organisation is None:
            raise NotFound("No such subcontractor record that you may read.")
        terms, endorsements = await self._in_effect(actor, sub_org_id)
        revisions = await self.repo.revisions(
            record_read_scope(actor, RecordRevision.sub_org_id), sub_org_id
        )
        return MasterRecordView(
            sub_org_id=sub_org_id,
            legal_name=organisation.legal_name,
            terms=[_term_view(p, t) for p, t in terms],
            endorsements=[_endorsement_view(e) for e in endorsements],
            revisions=[
                RevisionView(
                    id=r.id,
                    number=r.number,
                    kind=r.kind,
                    summary=r.summary,
                    created_at=r.created_at,
                )
                for r in revisions
            ],
        )

    async def documents(self, actor: Actor, sub_org_id: uuid.UUID) -> list[Document]:
        if not await can_read_record(self.session, actor, sub_org_id):
            raise Forbidden("You may not read this subcontractor's documents.")
        return await self.repo.documents(record_read_scope(actor, Document.sub_org_id), sub_org_id)

    async def readable_document(self, actor: Actor, document_id: uuid.UUID) -> Document:
        document = await self.repo.document(
            record_read_scope(actor, Document.sub_org_id), document_id
        )
        if document is None:
            raise NotFound("No such document that you may read.")
        return document

    async def may_change_record(self, actor: Actor, sub_org_id: uuid.UUID) -> bool:
        """Whether the actor may change this sub's record (its own, or one it was invited to
        as broker): what a page asks to offer a confirm at all."""
        return await can_write_record(self.session, actor, sub_org_id)

    async def document_to_confirm(self, actor: Actor, document_id: uuid.UUID) -> Document:
        """A document the actor may read and whose record it may change."""
        document = await self.readable_document(actor, document_id)
        if not await self.may_change_record(actor, document.sub_org_id):
            raise NotFound("No such document that you may confirm.")
        return document

    async def lock_document(self, document: Document) -> None:
        """Locks a document the actor read (readable_document) until the transaction ends, so
        two confirms of it (a double click) are judged one after the other."""
        await self.repo.lock_document(document)

    async def writable_record_owner(self, actor: Actor, sub_org_id: uuid.UUID) -> Organisation:
        """The sub whose record the actor may change (its own, or one it was invited to)."""
        await self._writable(actor, sub_org_id)
        organisation = await self.repo.record_owner(sub_org_id)
        assert organisation is not None, "a record the actor may reach has its organisation"
        return organisation

    async def confirmed_as(self, actor: Actor, document: Document) -> RecordRevision | None:
        """The revision a document the actor may read was first confirmed as, if any."""
        return await self.repo.first_revision_from(
            record_read_scope(actor, RecordRevision.sub_org_id), document.sub_org_id, document.id
        )

    async def revision_numbers_from(
        self, actor: Actor, sub_org_id: uuid.UUID, document_ids: list[uuid.UUID]
    ) -> list[tuple[uuid.UUID | None, int]]:
        """(source document, revision number) of the sub's revisions confirmed from these
        documents, of a record the actor may read."""
        return await self.repo.revision_numbers_from(
            record_read_scope(actor, RecordRevision.sub_org_id), sub_org_id, document_ids
        )

    async def _in_effect(
        self, actor: Actor, sub_org_id: uuid.UUID
    ) -> tuple[list[tuple[Policy, PolicyTerm]], list[Endorsement]]:
        """The policy terms and endorsements of a sub's record as it stands now (none a later
        one replaced), under the actor's read scope (nothing of a record it may not read)."""
        terms = await self.repo.terms_in_effect(
            record_read_scope(actor, Policy.sub_org_id), sub_org_id
        )
        endorsements = await self.repo.endorsements_in_effect(
            record_read_scope(actor, Endorsement.sub_org_id), sub_org_id
        )
        return terms, endorsements

    async def typed_by_hand_sources(
        self, actor: Actor, sub_org_id: uuid.UUID
    ) -> tuple[list[tuple[Policy, PolicyTerm]], list[Endorsement], list[dict[str, Any]]]:
        """What values typed by hand are found in, of a record the actor may read: the terms
        and endorsements in effect, and every stored read (its corrections)."""
        terms, endorsements = await self._in_effect(actor, sub_org_id)
        reads = await self.repo.read_results(
            record_read_scope(actor, Document.sub_org_id), sub_org_id
        )
        return terms, endorsements, reads

    async def revision(self, actor: Actor, revision_id: uuid.UUID) -> RecordRevision:
        """A revision of a record the actor may read (its reach page), or NotFound."""
        revision = await self.repo.revision(
            record_read_scope(actor, RecordRevision.sub_org_id), revision_id
        )
        if revision is None:
            raise NotFound("No such change to this record.")
        return revision

    async def documents_via_invitations(
        self, actor: Actor, invitation_ids: Collection[uuid.UUID]
    ) -> list[Document]:
        """The acting sub's documents uploaded through these (broker) invitations of its own,
        newest first."""
        if not actor.is_sub or not invitation_ids:
            return []
        return await self.repo.documents_via_invitations(
            record_read_scope(actor, Document.sub_org_id), actor.organisation_id, invitation_ids
        )

    async def documents_by_hash(
        self, actor: Actor, sub_org_id: uuid.UUID, hashes: Collection[str]
    ) -> dict[str, Document]:
        """The documents with these content hashes (a verdict's evidence) of a sub's record
        the actor may read, by hash."""
        if not hashes:
            return {}
        return await self.repo.documents_by_hash(
            record_read_scope(actor, Document.sub_org_id), sub_org_id, hashes
        )

    async def document_bytes(self, actor: Actor, document_id: uuid.UUID) -> tuple[Document, bytes]:
        document = await self.readable_document(actor, document_id)
        return document, self.store.get(document.sha256)


# Keys a person adds to a read at review (web/review.py): they belong to that record only.
REVIEW_KEYS = ("review", "corrections")
HOLDER_CORRECTION = "/certificate_holder/name"


def as_read(result: Any) -> Any:
    """The reader's own output of a read another record may have reviewed: without the review
    (a reason, who gave it) and with the certificate holder as printed, not as corrected."""
    if not isinstance(result, dict):
        return result
    clean = {k: v for k, v in result.items() if k not in REVIEW_KEYS}
    corrections = result.get("corrections")
    fix = corrections.get(HOLDER_CORRECTION) if isinstance(corrections, dict) else None
    holder = result.get("certificate_holder")
    if isinstance(fix, dict) and isinstance(holder, dict):
        clean["certificate_holder"] = {**holder, "name": fix.get("read")}
    return clean


async def document_to_read(session: AsyncSession, document_id: uuid.UUID) -> Document | None:
    """The document a read job was queued for; None if its upload has not committed yet."""
    return await RecordRepository(session).queued_document(document_id)


async def record_read(
    session: AsyncSession, sha256: str, state: str, result: dict[str, Any]
) -> int:
    """The reader's result for these bytes, saved on every copy still pending (in other subs'
    records too) and announced to those listening; returns how many documents it reached."""
    documents = await RecordRepository(session).pending_copies_locked(sha256)
    for document in documents:
        document.read_state = state
        document.read_result = result
    await integration_events.documents_read(session, documents)
    return len(documents)


async def pending_reads(
    session: AsyncSession, created_from: datetime, created_until: datetime, limit: int
) -> list[uuid.UUID]:
    """The documents uploaded in this window still waiting to be read, oldest first."""
    return await RecordRepository(session).pending_documents(created_from, created_until, limit)


def read_request(document: Document) -> OutboxEvent:
    return OutboxEvent(
        id=uuid.uuid4(),
        kind=DOCUMENT_UPLOADED,
        sub_org_id=document.sub_org_id,
        payload={"document_id": str(document.id)},
    )


def _term_row(
    sub_org_id: uuid.UUID,
    policy: Policy,
    revision_id: uuid.UUID | None,
    term: TermInput,
    source_document_id: uuid.UUID | None,
) -> PolicyTerm:
    return PolicyTerm(
        id=uuid.uuid4(),
        policy_id=policy.id,
        sub_org_id=sub_org_id,
        revision_id=revision_id,
        replaces_term_id=term.replaces_term_id,
        effective=term.effective,
        expiration=term.expiration,
        cancelled_on=term.cancelled_on,
        basis=term.basis,
        retro_date=term.retro_date,
        aggregate_applies_per=term.aggregate_applies_per,
        limits=dict(term.limits),
        covered_autos=list(term.covered_autos),
        follows_form=term.follows_form,
        wc_states=[s.upper() for s in term.wc_states],
        wc_statutory=term.wc_statutory,
        additional_insured=term.additional_insured,
        subrogation_waived=term.subrogation_waived,
        source_document_id=source_document_id,
        entered_by_hand=dict(term.entered_by_hand),
    )


def _endorsement_row(
    sub_org_id: uuid.UUID,
    revision_id: uuid.UUID | None,
    endorsement: EndorsementInput,
    source_document_id: uuid.UUID | None,
) -> Endorsement:
    return Endorsement(
        id=uuid.uuid4(),
        sub_org_id=sub_org_id,
        policy_id=endorsement.policy_id,
        revision_id=revision_id,
        replaces_endorsement_id=endorsement.replaces_endorsement_id,
        form_number=endorsement.form_number.strip().upper(),
        edition=endorsement.edition.strip(),
        kind=endorsement.kind,
        blanket=endorsement.blanket,
        named_parties=[p.strip() for p in endorsement.named_parties if p.strip()],
        notice_days=endorsement.notice_days,
        effective=endorsement.effective,
        expiration=endorsement.expiration,
        source_document_id=source_document_id,
        entered_by_hand=dict(endorsement.entered_by_hand),
    )


def _term_view(policy: Policy, term: PolicyTerm) -> TermView:
    return TermView(
        policy_id=policy.id,
        term_id=term.id,
        line=policy.line,
        insurer_name=policy.insurer_name,
        insurer_naic=policy.insurer_naic,
        policy_number=policy.policy_number,
        effective=term.effective,
        expiration=term.expiration,
        cancelled_on=term.cancelled_on,
        basis=term.basis,
        limits={k: int(v) for k, v in term.limits.items()},
        covered_autos=list(term.covered_autos),
        wc_states=list(term.wc_states),
        additional_insured=term.additional_insured,
        subrogation_waived=term.subrogation_waived,
        entered_by_hand=dict(term.entered_by_hand or {}),
    )


def _endorsement_view(endorsement: Endorsement) -> EndorsementView:
    return EndorsementView(
        id=endorsement.id,
        form_number=endorsement.form_number,
        edition=endorsement.edition,
        kind=endorsement.kind,
        blanket=endorsement.blanket,
        named_parties=list(endorsement.named_parties),
        effective=endorsement.effective,
        expiration=endorsement.expiration,
        notice_days=endorsement.notice_days,
    )


def _policy_key(term: TermInput) -> tuple[str, str, str]:
    """What names a policy in a sub's record: its line, insurer NAIC and policy number."""
    return (term.line, term.insurer_naic.strip(), term.policy_number.strip())


def _new_policy(sub_org_id: uuid.UUID, term: TermInput) -> Policy:
    """The policy a term names when the sub's record has none under its _policy_key."""
    line, naic, number = _policy_key(term)
    return Policy(
        id=uuid.uuid4(),
        sub_org_id=sub_org_id,
        line=line,
        insurer_name=term.insurer_name.strip(),
        insurer_naic=naic,
        policy_number=number,
    )


def _validate_term(term: TermInput, where: str) -> None:
    if term.line not in LINES:
        raise BadInput(f"{where}.line: unknown line {term.line!r}.", field=f"{where}.line")
    if not term.insurer_name.strip():
        raise BadInput(
            f"{where}.insurer_name: the insurer is missing.", field=f"{where}.insurer_name"
        )
    if term.expiration <= term.effective:
        raise BadInput(
            f"{where}: the policy expires ({term.expiration.isoformat()}) on or before it "
            f"starts ({term.effective.isoformat()}).",
            field=f"{where}.expiration",
        )
    if term.basis not in BASES:
        raise BadInput(f"{where}.basis must be occurrence or claims_made.", field=f"{where}.basis")
    if term.aggregate_applies_per not in AGGREGATE_PER:
        raise BadInput(
            f"{where}.aggregate_applies_per must be policy, project or location.",
            field=f"{where}.aggregate_applies_per",
        )
    allowed = LIMIT_KINDS[term.line]
    for kind, amount in term.limits.items():
        if kind not in allowed:
            raise BadInput(
                f"{where}.limits: {kind!r} is not a limit of {term.line.replace('_', ' ')} "
                f"(known: {', '.join(allowed)}).",
                field=f"{where}.limits.{kind}",
            )
        if amount < 0:
            raise BadInput(
                f"{where}.limits.{kind} cannot be negative.", field=f"{where}.limits.{kind}"
            )
        if amount > MAX_POLICY_LIMIT_DOLLARS:
            raise BadInput(
                f"{where}.limits.{kind}: ${amount:,} is more than any policy limit "
                f"(at most ${MAX_POLICY_LIMIT_DOLLARS:,}).",
                field=f"{where}.limits.{kind}",
            )
    for auto in term.covered_autos:
        if auto not in COVERED_AUTOS:
            raise BadInput(
                f"{where}.covered_autos: unknown kind {auto!r}.", field=f"{where}.covered_autos"
            )
    for state in term.wc_states:
        if len(state) != 2 or not state.isalpha():
            raise BadInput(
                f"{where}.wc_states: {state!r} is not a two-letter state.",
                field=f"{where}.wc_states",
            )


def _validate_endorsement(endorsement: EndorsementInput, where: str) -> None:
    if not endorsement.form_number.strip():
        raise BadInput(f"{where}.form_number is missing.", field=f"{where}.form_number")
    if endorsement.kind not in ENDORSEMENT_KINDS:
        raise BadInput(
            f"{where}.kind: unknown endorsement kind {endorsement.kind!r}.", field=f"{where}.kind"
        )
    days = endorsement.notice_days
    if days is not None and not MIN_NOTICE_DAYS <= days <= MAX_NOTICE_DAYS:
        raise BadInput(
            f"{where}.notice_days: days of notice are a whole number from {MIN_NOTICE_DAYS} to "
            f"{MAX_NOTICE_DAYS}; {days} is not.",
            field=f"{where}.notice_days",
        )
    if not endorsement.blanket and not any(p.strip() for p in endorsement.named_parties):
        if endorsement.kind.startswith("additional_insured"):
            raise BadInput(
                f"{where}: a scheduled additional-insured endorsement must name its parties.",
                field=f"{where}.named_parties",
            )
    if (
        endorsement.effective is not None
        and endorsement.expiration is not None
        and endorsement.expiration <= endorsement.effective
    ):
        raise BadInput(
            f"{where}: the endorsement ends on or before it starts.", field=f"{where}.expiration"
        )
