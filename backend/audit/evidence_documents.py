"""The documents an audit snapshot names, served by their hashes under the audit scope.

A GC reads a sub's live record only while an engagement with it is active and unfinished
(network.access.record_read_scope). What each verdict and decision rested on is frozen in its
snapshot, which lists the record's documents by SHA-256; the snapshot's parties (its GC and its
sub) may read the snapshot (access.audit_entry_scope), and so the bytes it names: the bundle
carries them already. Here they are one at a time, for the evidence viewer of an engagement that
has ended: only a hash the snapshot names, so never a document the sub added later.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit import repository
from backend.audit.service import readable_entry
from backend.errors import NotFound
from backend.network.access import audit_entry_scope
from backend.network.actor import Actor

SHA256_HEX: Final = re.compile(r"[0-9a-f]{64}")
NOT_NAMED: Final = "No such document in this snapshot."


@dataclass(frozen=True)
class SnapshotDocument:
    """One document a snapshot names: where its bytes and page images are served."""

    entry_id: uuid.UUID
    sha256: str
    filename: str

    @property
    def download_url(self) -> str:
        return f"/snapshots/{self.entry_id}/documents/{self.sha256}"

    @property
    def page_base(self) -> str:
        return f"{self.download_url}/pages/"


def named_documents(snapshot: bytes) -> dict[str, str]:
    """SHA-256 -> file name of each document the snapshot's record lists."""
    try:
        body: Any = json.loads(snapshot)
        listed = body["record"]["documents"]
    except (ValueError, KeyError, TypeError):
        return {}
    found: dict[str, str] = {}
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, dict) and isinstance(item.get("sha256"), str):
            found[item["sha256"]] = str(item.get("name") or "document")
    return found


async def engagement_documents(
    session: AsyncSession, actor: Actor, engagement_id: uuid.UUID, hashes: Collection[str]
) -> dict[str, SnapshotDocument]:
    """Of these hashes, those a snapshot of the engagement the actor may read names, each
    served under the newest such snapshot."""
    wanted = set(hashes)
    if not wanted:
        return {}
    entries = await repository.AuditRepository(session).engagement_entries(
        audit_entry_scope(actor), engagement_id
    )
    found: dict[str, SnapshotDocument] = {}
    for entry in entries:  # newest first
        for sha256, name in named_documents(entry.snapshot).items():
            if sha256 in wanted and sha256 not in found:
                found[sha256] = SnapshotDocument(entry.id, sha256, name)
        if len(found) == len(wanted):
            break
    return found


async def snapshot_document(
    session: AsyncSession, actor: Actor, reference: str, sha256: str
) -> SnapshotDocument:
    """A document the snapshot (any reference readable_entry takes) names, when the actor may
    read the snapshot; NotFound for a hash it does not name, however well formed."""
    entry = await readable_entry(session, actor, reference)
    if not SHA256_HEX.fullmatch(sha256):
        raise NotFound(NOT_NAMED)
    name = named_documents(entry.snapshot).get(sha256)
    if name is None:
        raise NotFound(NOT_NAMED)
    return SnapshotDocument(entry.id, sha256, name)
