"""The audit log's rules: append snapshots, checkpoint the tree, hand out evidence bundles, find
the snapshot in effect on a date, and walk the whole log looking for tampering.

Functions take the caller's session and never commit: the request or job owns the transaction.
Appends take a transaction-level advisory lock (repository.lock_appends), so leaf indexes are
gap-free and in commit order even with many appenders on many replicas; the committed rows are
therefore always a prefix 0..n-1 of the tree, which is what lets checkpoints be made without
that lock.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final, cast

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from backend.audit import merkle, repository
from backend.audit.bundle import BundleParts, write_bundle
from backend.audit.canonical import (
    SnapshotError,
    SnapshotFacts,
    parse_snapshot,
    sha256_hex,
)
from backend.audit.checkpoint import Checkpoint, NoteError, open_checkpoint, sign_checkpoint
from backend.audit.context import AuditContext
from backend.audit.encoding import CheckFragments, snapshot_bytes
from backend.audit.report import render_pdf, sign_pdf
from backend.audit.timestamp import HttpTimeStamper, fetch_timestamp
from backend.db.models.audit_checkpoint import AuditCheckpoint
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.errors import NotFound
from backend.network.access import audit_entry_scope, engagement_scope
from backend.network.actor import Actor

# The session-info key telling backend.audit.tail that this transaction appended.
APPENDED_MARK: Final = "coinet_audit_appended"


class AuditError(RuntimeError):
    """The log cannot do what was asked (an unknown snapshot, a damaged log)."""


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise SnapshotError(f"{what} {value!r} is not a UUID") from exc


class UnsealedAppends:
    """Raised (per process) when a transaction that appended has committed; whoever seals the
    log next (backend/audit/tail.py) clears it first. Every process that appends gets it, the
    web app, the workers and `coinet` commands alike, with nothing to install."""

    committed = False


def _note_commit(session: Session) -> None:
    if session.info.pop(APPENDED_MARK, False):
        UnsealedAppends.committed = True


def _mark_appending(session: AsyncSession) -> None:
    sync = session.sync_session
    sync.info[APPENDED_MARK] = True
    if not event.contains(sync, "after_commit", _note_commit):
        event.listen(sync, "after_commit", _note_commit)


async def prepare_entries(
    session: AsyncSession, facts: Sequence[SnapshotFacts], fragments: CheckFragments
) -> list[dict[str, object]]:
    """The log rows for these snapshots, in order: takes the log's append lock (held until the
    transaction ends), numbers them gap-free after the last entry and chains each to its
    engagement's previous snapshot. Each snapshot is `canonical_bytes(build_snapshot(...))`,
    produced with the checks' bytes shared through `fragments`."""
    await repository.lock_appends(session)
    _mark_appending(session)
    last_seq = await repository.last_seq(session)
    next_seq = 0 if last_seq is None else last_seq + 1
    # Each id read once per call: a batch's snapshots name a few GCs, one sub, and their
    # engagements and projects (uuid.UUID(str) costs more than the dict look-up).
    known: dict[str, uuid.UUID] = {}

    def as_uuid(value: str, what: str) -> uuid.UUID:
        found = known.get(value)
        if found is None:
            found = known[value] = _uuid(value, what)
        return found

    engagement_ids = [as_uuid(f.engagement_id, "engagement id") for f in facts]
    previous = await repository.latest_snapshot_hashes(session, set(engagement_ids))
    rows: list[dict[str, object]] = []
    for offset, (fact, engagement_id) in enumerate(zip(facts, engagement_ids, strict=True)):
        previous_hash = previous.get(engagement_id)
        data = snapshot_bytes(fact, previous_hash.hex() if previous_hash else None, fragments)
        digest, leaf = fragments.digests(data, fact.checks)
        rows.append(
            {
                "id": uuid.uuid4(),
                "seq": next_seq + offset,
                "engagement_id": engagement_id,
                "project_id": as_uuid(fact.project.id, "project id"),
                "gc_org_id": as_uuid(fact.gc.id, "general contractor id"),
                "sub_org_id": as_uuid(fact.sub.id, "subcontractor id"),
                "kind": fact.kind,
                "as_of": fact.as_of,
                "snapshot": data,
                "snapshot_sha256": digest,
                "leaf_hash": leaf,
                "previous_snapshot_sha256": previous_hash,
            }
        )
        previous[engagement_id] = digest
    return rows


async def append_snapshots(
    session: AsyncSession, facts: Sequence[SnapshotFacts], fragments: CheckFragments | None = None
) -> list[AuditLogEntry]:
    """Append one snapshot per fact set, chained to each engagement's previous snapshot, and
    return the new entries."""
    if not facts:
        return []
    rows = await prepare_entries(session, facts, fragments or CheckFragments())
    # The cached Core executemany of the fan-out, then the new entries read back by their
    # leaf indexes: the ORM's bulk INSERT ... RETURNING compiled a new multi-row statement
    # for every call, which cost more than the insert itself.
    await repository.insert_entries(session, rows)
    return await repository.entries_between(
        session, cast(int, rows[0]["seq"]), cast(int, rows[-1]["seq"])
    )


async def append_snapshot_batch(
    session: AsyncSession, facts: Sequence[SnapshotFacts], fragments: CheckFragments
) -> int:
    """`append_snapshots` for a fan-out batch: the same rows, inserted as one executemany of a
    cached Core statement without reading them back (the hot path of a renewal); returns how
    many were appended. Keep `fragments` for the whole fan-out: its checks repeat."""
    if not facts:
        return 0
    rows = await prepare_entries(session, facts, fragments)
    await repository.insert_entries(session, rows)
    return len(rows)


async def _leaf_hashes(session: AsyncSession, start: int, end: int | None = None) -> list[bytes]:
    rows = await repository.AuditRepository(session).leaf_hashes(start, end)
    for expected, (seq, _) in enumerate(rows, start=start):
        if seq != expected:
            raise AuditError(f"the log has no entry {expected}: run `coinet audit check`")
    return [leaf for _, leaf in rows]


async def latest_checkpoint(session: AsyncSession) -> AuditCheckpoint | None:
    return await repository.AuditRepository(session).latest_checkpoint()


async def make_checkpoint(
    session: AsyncSession, context: AuditContext, *, force: bool = False
) -> AuditCheckpoint | None:
    """Sign the current tree head; None when nothing was appended since the last checkpoint.

    Only committed entries are visible here, and they always form a prefix of the tree, so no
    lock is needed. Two checkpointers racing both produce valid checkpoints.
    """
    previous = await latest_checkpoint(session)
    tree = merkle.CompactTree()
    if previous is not None:
        try:
            tree = merkle.CompactTree.from_bytes(previous.tree_size, previous.compact_tree)
        except ValueError as exc:
            message = f"the last checkpoint is damaged ({exc}): run `coinet audit check`"
            raise AuditError(message) from exc
        if tree.root() != previous.root_hash:
            # Never extend a tree edge that does not lead to the root that was signed.
            raise AuditError("the last checkpoint is damaged: run `coinet audit check`")
    completed: list[merkle.Node] = []
    tree.extend(await _leaf_hashes(session, tree.size), completed)
    if previous is not None and previous.tree_size == tree.size and not force:
        return None
    await repository.store_nodes(session, completed)
    root = tree.root()
    signer = context.signer
    note = sign_checkpoint(Checkpoint(origin=context.origin, size=tree.size, root=root), [signer])
    token = None
    if context.timestamp_url:
        token = await asyncio.to_thread(
            fetch_timestamp, note.encode("utf-8"), context.timestamp_url
        )
    checkpoint = AuditCheckpoint(
        id=uuid.uuid4(),
        tree_size=tree.size,
        root_hash=root,
        note=note,
        key_name=signer.name,
        key_id=signer.verifier.key_id.hex(),
        compact_tree=tree.to_bytes(),
        timestamp_token=token,
        timestamp_url=context.timestamp_url or None,
    )
    session.add(checkpoint)
    await session.flush()
    return checkpoint


async def _subtree_hashes(
    session: AsyncSession, keys: set[merkle.NodeKey]
) -> dict[merkle.NodeKey, bytes]:
    """The hashes of these perfect subtrees: leaves from the log, larger ones from the stored
    nodes; a node not stored (never expected) is computed from its leaves."""
    found: dict[merkle.NodeKey, bytes] = {}
    log = repository.AuditRepository(session)
    leaves = [index for level, index in keys if level == 0]
    if leaves:
        found.update({(0, seq): leaf for seq, leaf in (await log.leaf_hashes_at(leaves)).items()})
    inner = [key for key in keys if key[0] > 0]
    if inner:
        found.update(await log.stored_nodes(inner))
    for level, index in keys - found.keys():
        start = index << level
        subtree = await _leaf_hashes(session, start, start + (1 << level))
        if len(subtree) != 1 << level:
            raise AuditError(f"the log has no entries {start}.. : run `coinet audit check`")
        found[(level, index)] = merkle.root_hash(subtree)
    return found


async def inclusion_path(session: AsyncSession, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) from O(log size) stored nodes, whatever the size of the log."""
    ranges = merkle.proof_ranges(index, size)
    parts = [merkle.subtree_parts(start, end) for start, end in ranges]
    known = await _subtree_hashes(session, {key for each in parts for key in each})
    return [merkle.hash_of_parts(each, known) for each in parts]


async def find_entry(session: AsyncSession, reference: str) -> AuditLogEntry | None:
    """An entry by its id (UUID), its leaf index (a number) or its snapshot SHA-256 (hex)."""
    reference = reference.strip().lower()
    log = repository.AuditRepository(session)
    if reference.isdigit():
        return await log.entry_by(seq=int(reference))
    if len(reference) == 64 and all(c in "0123456789abcdef" for c in reference):
        return await log.entry_by(sha256=bytes.fromhex(reference))
    try:
        entry_id = uuid.UUID(reference)
    except ValueError:
        return None
    return await log.entry_by(entry_id=entry_id)


def may_read_entry(actor: Actor, entry: AuditLogEntry) -> bool:
    """Whether the actor's organisation is the GC or the sub of the entry's snapshot (what
    audit_entry_scope says of a list)."""
    return actor.organisation_id in (entry.gc_org_id, entry.sub_org_id)


async def readable_entry(session: AsyncSession, actor: Actor, reference: str) -> AuditLogEntry:
    """An entry the actor may read, by any reference find_entry takes; NotFound when it is
    another's or does not exist (the two are not told apart)."""
    entry = await find_entry(session, reference)
    if entry is None or not may_read_entry(actor, entry):
        raise NotFound("No such snapshot in the audit log.")
    return entry


async def readable_in_effect(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, sub_org_id: uuid.UUID, on: date
) -> AuditLogEntry | None:
    """The snapshot in force on `on` (in_effect_on) when the actor may read it, else None."""
    entry = await in_effect_on(session, project_id, sub_org_id, on)
    return entry if entry is not None and may_read_entry(actor, entry) else None


async def latest_entries(
    session: AsyncSession, engagement_ids: Sequence[uuid.UUID], kind: str | None = None
) -> dict[uuid.UUID, AuditLogEntry]:
    """Each engagement's newest snapshot in the log (of `kind`, when given). The caller has
    scoped the engagement ids to the acting organisation."""
    if not engagement_ids:
        return {}
    return await repository.AuditRepository(session).latest_entries(engagement_ids, kind)


async def in_effect_on(
    session: AsyncSession, project_id: uuid.UUID, sub_org_id: uuid.UUID, on: date
) -> AuditLogEntry | None:
    """The snapshot in force on `on` for a sub on a project: of those whose as-of date is on or
    before that day, the one with the latest as-of date, and of those the last logged."""
    return await repository.AuditRepository(session).in_effect_on(project_id, sub_org_id, on)


async def engagement_snapshots(
    session: AsyncSession, actor: Actor, engagement_id: uuid.UUID
) -> list[AuditLogEntry]:
    """An engagement's snapshots the actor may read (it is the GC or the sub of each), newest
    first; NotFound when there are none and the engagement is not one the actor may see,
    whether it is another's or does not exist."""
    log = repository.AuditRepository(session)
    entries = await log.engagement_entries(audit_entry_scope(actor), engagement_id)
    if not entries and not await log.engagement_visible(engagement_scope(actor), engagement_id):
        raise NotFound("No such engagement that you may see.")
    return entries


async def bundle_for(
    session: AsyncSession,
    entry: AuditLogEntry,
    context: AuditContext,
    *,
    include_documents: bool = True,
) -> bytes:
    """The evidence bundle of one entry, checkpointing the log first if no checkpoint covers it."""
    checkpoint = await repository.AuditRepository(session).latest_checkpoint(covering=entry.seq)
    if checkpoint is None:
        checkpoint = await make_checkpoint(session, context, force=True)
        if checkpoint is None or checkpoint.tree_size <= entry.seq:
            raise AuditError("the entry is not yet committed to the log")
    if merkle.leaf_hash(entry.snapshot) != entry.leaf_hash:
        raise AuditError(f"entry {entry.seq} was altered: run `coinet audit check`")
    path = await inclusion_path(session, entry.seq, checkpoint.tree_size)
    if not merkle.verify_inclusion(
        entry.seq, checkpoint.tree_size, entry.leaf_hash, path, checkpoint.root_hash
    ):
        raise AuditError("the log no longer matches its checkpoint: run `coinet audit check`")
    snapshot = parse_snapshot(entry.snapshot)
    documents: dict[str, bytes] = {}
    if include_documents:
        # File or S3 reads: in a thread, never on the event loop.
        for document in snapshot["record"]["documents"]:
            content = await asyncio.to_thread(context.read_document, document["sha256"])
            if content is not None:
                documents[document["sha256"]] = content
    pdf = await asyncio.to_thread(render_pdf, snapshot, entry.snapshot_sha256.hex(), entry.seq)
    timestamper = HttpTimeStamper(context.timestamp_url) if context.timestamp_url else None
    signed_pdf = await sign_pdf(pdf, context.pdf_identity, timestamper)
    parts = BundleParts(
        snapshot=entry.snapshot,
        leaf_index=entry.seq,
        tree_size=checkpoint.tree_size,
        inclusion_path=path,
        checkpoint_note=checkpoint.note,
        checkpoint_keys=context.keyring.to_text(),
        report_pdf=signed_pdf,
        pdf_certificates_pem=context.pdf_identity.certificate_pem + context.pdf_identity.chain_pem,
        timestamp_token=checkpoint.timestamp_token,
        tsa_roots_pem=context.tsa_roots_pem or None,
        documents=documents,
        documents_included=include_documents,
    )
    return await asyncio.to_thread(write_bundle, parts)


# Appends are sealed as they commit and a backstop cron seals every few seconds, so entries
# older than this without a checkpoint mean sealing fails or a checkpoint was deleted.
UNSIGNED_TAIL_GRACE: Final = timedelta(seconds=60)


@dataclass(frozen=True)
class Finding:
    kind: str  # "altered", "removed", "reordered", "checkpoint", "unsigned"
    seq: int | None
    detail: str


@dataclass
class LogCheck:
    entries: int = 0
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _entry_findings(entry: AuditLogEntry, expected_seq: int) -> list[Finding]:
    found: list[Finding] = []
    if entry.seq != expected_seq:
        missing = (
            f"{expected_seq}"
            if entry.seq == expected_seq + 1
            else (f"{expected_seq}..{entry.seq - 1}")
        )
        found.append(Finding("removed", expected_seq, f"entries {missing} are missing"))
    recomputed = bytes.fromhex(sha256_hex(entry.snapshot))
    if entry.snapshot_sha256 != recomputed or entry.leaf_hash != merkle.leaf_hash(entry.snapshot):
        found.append(Finding("altered", entry.seq, "snapshot bytes no longer match their hashes"))
    try:
        snapshot = parse_snapshot(entry.snapshot)
    except SnapshotError as exc:
        found.append(Finding("altered", entry.seq, f"snapshot is unreadable: {exc}"))
        return found
    columns = {
        "engagement": (str(entry.engagement_id), snapshot.get("engagement_id")),
        "project": (str(entry.project_id), snapshot.get("project", {}).get("id")),
        "sub": (str(entry.sub_org_id), snapshot.get("sub", {}).get("id")),
        "gc": (str(entry.gc_org_id), snapshot.get("gc", {}).get("id")),
        "kind": (entry.kind, snapshot.get("kind")),
        "as-of date": (entry.as_of.isoformat(), snapshot.get("as_of")),
    }
    for column, (stored, said) in columns.items():
        if stored != said:
            found.append(Finding("altered", entry.seq, f"{column} column differs from snapshot"))
    return found


async def check_log(session: AsyncSession, context: AuditContext) -> LogCheck:
    """Recompute every leaf and the tree, compare with every signed checkpoint, and report each
    altered, removed or reordered entry found."""
    result = LogCheck()
    now = datetime.now(UTC)
    log = repository.AuditRepository(session)
    checkpoints = await log.checkpoints()
    result.checkpoints = len(checkpoints)
    signed_roots: list[tuple[int, bytes, AuditCheckpoint]] = []
    for checkpoint in checkpoints:
        try:
            opened = open_checkpoint(checkpoint.note, context.keyring).checkpoint
        except NoteError as exc:
            result.findings.append(
                Finding("checkpoint", None, f"checkpoint {checkpoint.id} is not valid: {exc}")
            )
            continue
        if (opened.size, opened.root) != (checkpoint.tree_size, checkpoint.root_hash):
            result.findings.append(
                Finding("checkpoint", None, f"checkpoint {checkpoint.id} columns differ from note")
            )
        if opened.origin != context.origin:
            result.findings.append(
                Finding("checkpoint", None, f"checkpoint {checkpoint.id} is for {opened.origin}")
            )
        signed_roots.append((opened.size, opened.root, checkpoint))
    signed_roots.sort(key=lambda item: item[0])
    signed_size = signed_roots[-1][0] if signed_roots else 0
    first_unsigned: AuditLogEntry | None = None

    tree = merkle.CompactTree()
    last_good_size = 0
    expected_seq = 0
    previous_by_engagement: dict[uuid.UUID, bytes] = {}
    pending = list(signed_roots)

    def compare_roots() -> None:
        nonlocal last_good_size
        while pending and pending[0][0] <= tree.size:
            size, root, checkpoint = pending.pop(0)
            if size < tree.size:
                continue  # handled when the tree had exactly that size
            if tree.root() == root:
                last_good_size = size
                continue
            result.findings.append(
                Finding(
                    "checkpoint",
                    None,
                    f"the first {size} entries no longer match the checkpoint signed at "
                    f"{checkpoint.created_at.isoformat()}: an entry in {last_good_size}.."
                    f"{size - 1} was altered, removed or reordered",
                )
            )

    compare_roots()
    async for entry in log.walk():
        result.entries += 1
        result.findings.extend(_entry_findings(entry, expected_seq))
        expected_seq = entry.seq + 1
        said_previous = _said_previous(entry)
        chained = previous_by_engagement.get(entry.engagement_id)
        if said_previous != chained:
            result.findings.append(
                Finding(
                    "reordered",
                    entry.seq,
                    "does not follow its engagement's previous snapshot in the log "
                    "(an entry of that engagement was removed, moved or altered)",
                )
            )
        previous_by_engagement[entry.engagement_id] = bytes.fromhex(sha256_hex(entry.snapshot))
        tree.append(merkle.leaf_hash(entry.snapshot))
        compare_roots()
        if entry.seq == signed_size:
            first_unsigned = entry
        session.expunge(entry)
    for size, _, _ in pending:
        result.findings.append(
            Finding(
                "removed",
                tree.size,
                f"a checkpoint covers {size} entries but the log holds {tree.size}",
            )
        )
    if first_unsigned is not None and first_unsigned.created_at < now - UNSIGNED_TAIL_GRACE:
        result.findings.append(
            Finding(
                "unsigned",
                first_unsigned.seq,
                f"entries {first_unsigned.seq}..{tree.size - 1} are covered by no signed "
                f"checkpoint although appended since {first_unsigned.created_at.isoformat()}: "
                "sealing fails, or the checkpoints covering them were removed",
            )
        )
    return result


def _said_previous(entry: AuditLogEntry) -> bytes | None:
    try:
        said = parse_snapshot(entry.snapshot).get("previous_snapshot_sha256")
        return bytes.fromhex(said) if isinstance(said, str) else None
    except (SnapshotError, ValueError):
        return entry.previous_snapshot_sha256
