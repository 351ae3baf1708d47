"""All SQL of the master record. Callers pass the scope filter from network.access, so a
query can only return rows the acting organisation may see."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, Final, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from backend.db.models import (
    Document,
    Endorsement,
    Organisation,
    OutboxEvent,
    Policy,
    PolicyTerm,
    RecordRevision,
)

# Uploads of the same bytes into one record wait for each other (a transaction-level advisory
# lock in the two-key space; this fixed first key, "upld", names it, the second is 32 bits of
# the record and the digest): the second sees the first's document instead of inserting the
# same (sub, sha256) again, which the unique constraint refused with a 500. Two uploads sharing
# those 32 bits only wait for each other.
UPLOAD_LOCK_SPACE: Final = 0x75706C64
UPLOAD_LOCK: Final = text("SELECT pg_advisory_xact_lock(:space, :key)")
# Changes confirmed into one record wait for each other (same lock statement; "rrev" names
# it, the second key is 32 bits of the record's id): each reads the last revision number
# after the one before it committed. Without it two confirms at once took the same number and
# the unique (sub_org_id, number) refused the second with a 500.
REVISION_LOCK_SPACE: Final = 0x72726576


_Row = TypeVarTuple("_Row")
_Replaceable = TypeVar("_Replaceable", PolicyTerm, Endorsement)


def _as_it_stood(
    query: Select[*_Row],
    model: type[_Replaceable],
    replaces: Callable[[Any], InstrumentedAttribute[uuid.UUID | None]],
    known_at: datetime | None,
) -> Select[*_Row]:
    """`query`, joined to RecordRevision on its `model` rows' revision, narrowed to the rows
    recorded by `known_at` (None: now) that no row recorded by then replaced (`replaces`: the
    replacing row's column naming the row it replaces): the record as it stood then."""
    replacing = aliased(model)
    replacing_revision = aliased(RecordRevision)
    replaced = (
        select(replacing.id)
        .join(replacing_revision, replacing_revision.id == replacing.revision_id)
        .where(replaces(replacing) == model.id)
    )
    if known_at is not None:
        query = query.where(RecordRevision.created_at <= known_at)
        replaced = replaced.where(replacing_revision.created_at <= known_at)
    return query.where(~replaced.exists())


class RecordRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def lock_document(self, document: Document) -> None:
        """The document row locked until the transaction ends, read afresh under the lock."""
        await self.session.refresh(document, with_for_update=True)

    async def record_owner(self, sub_org_id: uuid.UUID) -> Organisation | None:
        """The organisation a record belongs to (callers checked the actor may reach it)."""
        return await self.session.get(Organisation, sub_org_id)

    async def hold_upload_of(self, sub_org_id: uuid.UUID, sha256: str) -> None:
        """Wait for the lock of these bytes in this record, held until the transaction ends."""
        key = hashlib.sha256(f"{sub_org_id}:{sha256}".encode()).digest()[:4]
        await self.session.execute(
            UPLOAD_LOCK,
            {"space": UPLOAD_LOCK_SPACE, "key": int.from_bytes(key, "big", signed=True)},
        )

    async def document_by_digest(self, sub_org_id: uuid.UUID, sha256: str) -> Document | None:
        query = select(Document).where(Document.sub_org_id == sub_org_id, Document.sha256 == sha256)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def any_read_result(self, sha256: str) -> Document | None:
        """A document with the same bytes already read (for any sub): reading is costly and
        deterministic, so its result is reused instead of reading the bytes again."""
        query = (
            select(Document)
            .where(Document.sha256 == sha256, Document.read_state != "pending")
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def documents(self, scope: ColumnElement[bool], sub_org_id: uuid.UUID) -> list[Document]:
        query = (
            select(Document)
            .where(Document.sub_org_id == sub_org_id, scope)
            .order_by(Document.created_at.desc())
        )
        return list((await self.session.execute(query)).scalars())

    async def document(self, scope: ColumnElement[bool], document_id: uuid.UUID) -> Document | None:
        query = select(Document).where(Document.id == document_id, scope)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def standing_terms(
        self, sub_org_ids: Collection[uuid.UUID]
    ) -> list[tuple[Policy, PolicyTerm]]:
        """Every term of these subs' policies that no later term replaced."""
        replacing = aliased(PolicyTerm)
        replaced = select(replacing.id).where(replacing.replaces_term_id == PolicyTerm.id)
        query = (
            select(Policy, PolicyTerm)
            .join(PolicyTerm, PolicyTerm.policy_id == Policy.id)
            .join(RecordRevision, RecordRevision.id == PolicyTerm.revision_id)
            .where(Policy.sub_org_id.in_(list(sub_org_ids)), ~replaced.exists())
        )
        return [(p, t) for p, t in await self.session.execute(query)]

    async def documents_of_sub(
        self, sub_org_id: uuid.UUID, known_at: datetime | None
    ) -> list[Document]:
        """Every document of the sub (uploaded by `known_at` when given), newest first."""
        query = select(Document).where(Document.sub_org_id == sub_org_id)
        if known_at is not None:
            query = query.where(Document.created_at <= known_at)
        query = query.order_by(Document.created_at.desc())
        return list((await self.session.execute(query)).scalars())

    async def first_revision_from(
        self, scope: ColumnElement[bool], sub_org_id: uuid.UUID, document_id: uuid.UUID
    ) -> RecordRevision | None:
        """The first revision of the sub's record confirmed from this document, if any."""
        query = (
            select(RecordRevision)
            .where(
                scope,
                RecordRevision.sub_org_id == sub_org_id,
                RecordRevision.source_document_id == document_id,
            )
            .order_by(RecordRevision.number)
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def revision_numbers_from(
        self, scope: ColumnElement[bool], sub_org_id: uuid.UUID, document_ids: list[uuid.UUID]
    ) -> list[tuple[uuid.UUID | None, int]]:
        """(source document, revision number) of the sub's revisions confirmed from these."""
        query = select(RecordRevision.source_document_id, RecordRevision.number).where(
            scope,
            RecordRevision.sub_org_id == sub_org_id,
            RecordRevision.source_document_id.in_(document_ids),
        )
        return [(d, n) for d, n in await self.session.execute(query)]

    async def revision(
        self, scope: ColumnElement[bool], revision_id: uuid.UUID
    ) -> RecordRevision | None:
        query = select(RecordRevision).where(RecordRevision.id == revision_id, scope)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def documents_via_invitations(
        self,
        scope: ColumnElement[bool],
        sub_org_id: uuid.UUID,
        invitation_ids: Collection[uuid.UUID],
    ) -> list[Document]:
        """The sub's documents uploaded through these (broker) invitations, newest first."""
        query = (
            select(Document)
            .where(
                scope,
                Document.sub_org_id == sub_org_id,
                Document.via_invitation_id.in_(list(invitation_ids)),
            )
            .order_by(Document.created_at.desc())
        )
        return list((await self.session.execute(query)).scalars())

    async def documents_by_hash(
        self, scope: ColumnElement[bool], sub_org_id: uuid.UUID, hashes: Collection[str]
    ) -> dict[str, Document]:
        """The sub's documents with these content hashes, by hash."""
        query = select(Document).where(
            scope, Document.sub_org_id == sub_org_id, Document.sha256.in_(list(hashes))
        )
        return {d.sha256: d for d in (await self.session.execute(query)).scalars()}

    async def read_results(
        self, scope: ColumnElement[bool], sub_org_id: uuid.UUID
    ) -> list[dict[str, Any]]:
        """The stored read result of every document of the sub that has one."""
        query = select(Document.read_result).where(
            scope, Document.sub_org_id == sub_org_id, Document.read_result.is_not(None)
        )
        return [result for (result,) in await self.session.execute(query)]

    async def hold_record_changes(self, sub_org_id: uuid.UUID) -> None:
        """Wait for the record's revision lock, held until the transaction ends."""
        await self.session.execute(
            UPLOAD_LOCK,
            {
                "space": REVISION_LOCK_SPACE,
                "key": int.from_bytes(sub_org_id.bytes[:4], "big", signed=True),
            },
        )

    async def next_revision_number(self, sub_org_id: uuid.UUID) -> int:
        query = select(func.coalesce(func.max(RecordRevision.number), 0)).where(
            RecordRevision.sub_org_id == sub_org_id
        )
        return int((await self.session.execute(query)).scalar_one()) + 1

    async def revisions(
        self, scope: ColumnElement[bool], sub_org_id: uuid.UUID
    ) -> list[RecordRevision]:
        query = (
            select(RecordRevision)
            .where(RecordRevision.sub_org_id == sub_org_id, scope)
            .order_by(RecordRevision.number.desc())
        )
        return list((await self.session.execute(query)).scalars())

    async def latest_revision(self, sub_org_id: uuid.UUID) -> RecordRevision | None:
        query = (
            select(RecordRevision)
            .where(RecordRevision.sub_org_id == sub_org_id)
            .order_by(RecordRevision.number.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def policy(self, sub_org_id: uuid.UUID, policy_id: uuid.UUID) -> Policy | None:
        query = select(Policy).where(Policy.id == policy_id, Policy.sub_org_id == sub_org_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def term(self, sub_org_id: uuid.UUID, term_id: uuid.UUID) -> PolicyTerm | None:
        """One of the sub's policy terms (None: another record's, or none)."""
        query = select(PolicyTerm).where(
            PolicyTerm.id == term_id, PolicyTerm.sub_org_id == sub_org_id
        )
        return await self.session.scalar(query)

    async def endorsement(
        self, sub_org_id: uuid.UUID, endorsement_id: uuid.UUID
    ) -> Endorsement | None:
        """One of the sub's endorsements (None: another record's, or none)."""
        query = select(Endorsement).where(
            Endorsement.id == endorsement_id, Endorsement.sub_org_id == sub_org_id
        )
        return await self.session.scalar(query)

    async def subcontractor(self, sub_org_id: uuid.UUID) -> Organisation | None:
        """The sub whose record this is (None: no such organisation, or not a sub); callers
        have checked that the actor may read the record."""
        query = select(Organisation).where(
            Organisation.id == sub_org_id, Organisation.kind == "subcontractor"
        )
        return await self.session.scalar(query)

    async def find_policy(
        self, sub_org_id: uuid.UUID, line: str, insurer_naic: str, policy_number: str
    ) -> Policy | None:
        query = select(Policy).where(
            Policy.sub_org_id == sub_org_id,
            Policy.line == line,
            Policy.insurer_naic == insurer_naic,
            Policy.policy_number == policy_number,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def terms_in_effect(
        self, scope: ColumnElement[bool], sub_org_id: uuid.UUID, known_at: datetime | None = None
    ) -> list[tuple[Policy, PolicyTerm]]:
        """Every term recorded by `known_at` (default: now) that no later-recorded term
        replaced by then: the record as it stood at that moment, without reconstruction."""
        query = (
            select(Policy, PolicyTerm)
            .join(PolicyTerm, PolicyTerm.policy_id == Policy.id)
            .join(RecordRevision, RecordRevision.id == PolicyTerm.revision_id)
            .where(Policy.sub_org_id == sub_org_id, scope)
        )
        query = _as_it_stood(query, PolicyTerm, lambda row: row.replaces_term_id, known_at)
        query = query.order_by(Policy.line, PolicyTerm.effective)
        return [(p, t) for p, t in (await self.session.execute(query)).all()]

    async def endorsements_in_effect(
        self, scope: ColumnElement[bool], sub_org_id: uuid.UUID, known_at: datetime | None = None
    ) -> list[Endorsement]:
        query = (
            select(Endorsement)
            .join(RecordRevision, RecordRevision.id == Endorsement.revision_id)
            .where(Endorsement.sub_org_id == sub_org_id, scope)
        )
        query = _as_it_stood(
            query, Endorsement, lambda row: row.replaces_endorsement_id, known_at
        ).order_by(Endorsement.form_number)
        return list((await self.session.execute(query)).scalars())

    async def latest_term_of_policy(self, policy_id: uuid.UUID) -> PolicyTerm | None:
        query = (
            select(PolicyTerm)
            .where(PolicyTerm.policy_id == policy_id)
            .order_by(PolicyTerm.expiration.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    def add_outbox(self, event: OutboxEvent) -> None:
        self.session.add(event)

    # --- reading uploads (workers/read_job.py, workers/relay.py; no person acting) ----------

    async def queued_document(self, document_id: uuid.UUID) -> Document | None:
        """The document a read job was queued for. Scope: that one document, named by the
        upload's read request (or by the pending-reads cron)."""
        return await self.session.get(Document, document_id)

    async def pending_copies_locked(self, sha256: str) -> list[Document]:
        """Every document with these bytes still waiting to be read, in any sub's record,
        locked (copies another reader holds are skipped: it records the same result). Scope:
        the bytes themselves. Reading is deterministic, so each sub gets what reading its own
        upload would give it, and nothing of another record is read or shown (as
        `any_read_result`)."""
        query = (
            select(Document)
            .where(Document.sha256 == sha256, Document.read_state == "pending")
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).scalars())

    async def pending_documents(
        self, created_from: datetime, created_until: datetime, limit: int
    ) -> list[uuid.UUID]:
        """Ids of the documents uploaded in this window still waiting to be read, oldest
        first. Scope: every sub's (a system job that only queues each document's read, which
        then acts on that document alone)."""
        query = (
            select(Document.id)
            .where(
                Document.read_state == "pending",
                Document.created_at <= created_until,
                Document.created_at >= created_from,
            )
            .order_by(Document.created_at)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())
