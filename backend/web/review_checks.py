"""Where each of a sub's documents stands on the upload and record pages (reading, manual
entry, awaiting review, confirmed as revision N). The review's rules live in
backend/projects/certificate_review.py."""

from __future__ import annotations

import uuid

from backend.db.models import Document
from backend.network.actor import Actor
from backend.records.service import RecordService


async def revisions_of_documents(
    records: RecordService, actor: Actor, sub_org_id: uuid.UUID, document_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """document id -> the number of the first revision confirmed from it."""
    if not document_ids:
        return {}
    found: dict[uuid.UUID, int] = {}
    for document_id, number in await records.revision_numbers_from(actor, sub_org_id, document_ids):
        if document_id is not None and (document_id not in found or number < found[document_id]):
            found[document_id] = number
    return found


def document_state(document: Document, revision_number: int | None) -> tuple[str, str]:
    """(code, words) of where a document stands: reading, needs manual entry, awaiting
    review, confirmed as revision N."""
    if revision_number is not None:
        return "confirmed", f"Confirmed as revision {revision_number}"
    if document.read_state == "pending":
        return "reading", "Being read"
    result = document.read_result if isinstance(document.read_result, dict) else {}
    nothing_read = not result.get("coverages") and not result.get("endorsements")
    if document.read_state == "needs_manual_entry" or nothing_read:
        return "manual", "Needs manual entry"
    return "awaiting", "Read, awaiting review"
