"""Writing compliance into Procore: per engagement, one insurance record per coverage line,
through the company batch sync, keyed by an origin_id of ours so every write is idempotent.

Which engagements: those of the GC's linked Procore projects whose sub is a confirmed vendor.
A line whose fields are unchanged since Procore last accepted them is not sent again (unless
`force`, as reconciliation does). A batch that partly fails is retried item by item; an item
Procore refuses because an accounting sync (Sage 300 CRE) locked a field is marked "locked" and
reported, never retried in a loop: it is sent once more without the locked fields, so its
status still reaches Procore. Our line states map onto Procore's seven statuses.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.db.models import (
    Engagement,
    Project,
)
from backend.integrations.coverage_lines import CoverageLine, coverage_lines
from backend.integrations.procore.client import ProcoreClient, ProcoreError
from backend.integrations.procore.connection import active_connection, open_client
from backend.integrations.procore.repository import ProcoreRepository

log = logging.getLogger("coinet.procore")

# Items per sync request: 1,000 engagements of four lines fit in 40 requests, well inside an
# hourly budget in the low thousands, while one bad request never holds more than 100 items.
SYNC_BATCH: Final = 100
# Item-by-item retries of items a batch refused for a reason other than a locked field.
ITEM_RETRIES: Final = 2
# Fields Procore locks on insurances when the GC syncs them with Sage 300 CRE.
LOCKABLE: Final = frozenset(
    {"insurance_type", "effective_date", "expiration_date", "limit", "name", "policy_number"}
)
# Our line state -> Procore's status.
PROCORE_STATUS: Final = {
    "met": "compliant",
    "open": "non_compliant_in_progress",
    "unmet": "non_compliant",
    "expired": "expired",
    "missing": "non_compliant",
    "undecided": "undecided",
}
ORIGIN_CODE: Final = "coinet"


@dataclass
class SyncReport:
    considered: int = 0
    sent: int = 0
    synced: int = 0
    unchanged: int = 0
    failed: int = 0
    locked: int = 0
    requests: int = 0
    throttled: int = 0
    errors: list[str] = field(default_factory=list)


def origin_id(engagement_id: uuid.UUID, line: str) -> str:
    return f"coinet:{engagement_id}:{line}"


def insurance_item(
    settings: Settings, vendor_id: int, line: CoverageLine, project: Project, contract: str
) -> dict[str, Any]:
    """The record as Procore takes it; values we have not read are left out, not guessed."""
    item: dict[str, Any] = {
        "vendor_id": vendor_id,
        "origin_id": origin_id(line.engagement_id, line.line),
        "origin_code": ORIGIN_CODE,
        "origin_data": f"{settings.base_url.rstrip('/')}/engagements/{line.engagement_id}",
        "insurance_type": line.label,
        "status": PROCORE_STATUS[line.state],
        "info_received": line.state not in ("missing", "undecided"),
        # The contract's label names which of the vendor's commitments the record is for (the
        # origin_id keys it; Procore's company insurances have no commitment field).
        "notes": f"{project.number} {project.name} / {contract}: {line.state}"[:500],
    }
    if line.policy_number:
        item["policy_number"] = line.policy_number
    if line.insurer:
        item["name"] = line.insurer
    if line.effective:
        item["effective_date"] = line.effective.isoformat()
    if line.expiration:
        item["expiration_date"] = line.expiration.isoformat()
    if line.key_limit is not None:
        item["limit"] = f"{line.key_limit}.00"
    return item


def _contract_label(engagement: Engagement) -> str:
    kind = "purchase order" if engagement.contract_kind == "purchase_order" else "subcontract"
    return f"{kind} {engagement.contract_ref} ({engagement.trade})"


# What we send, as Procore shows it back (it answers the insurer as `insurance_provider`).
SENT_FIELDS: Final = (
    "origin_id",
    "origin_code",
    "origin_data",
    "insurance_type",
    "status",
    "info_received",
    "notes",
    "policy_number",
    "effective_date",
    "expiration_date",
    "limit",
)


def as_sent(record: dict[str, Any], vendor_id: int) -> dict[str, Any]:
    item: dict[str, Any] = {"vendor_id": vendor_id}
    for key in SENT_FIELDS:
        if record.get(key) is not None:
            item[key] = record[key]
    if record.get("insurance_provider") is not None:
        item["name"] = record["insurance_provider"]
    return item


def digest(item: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps(item, sort_keys=True).encode()).digest()


def _locked_only(errors: dict[str, Any]) -> bool:
    return bool(errors) and set(errors) <= LOCKABLE


async def push(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    organisation_id: uuid.UUID,
    engagement_ids: Sequence[uuid.UUID] | None = None,
    *,
    force: bool = False,
    today: date | None = None,
    client: ProcoreClient | None = None,
) -> SyncReport:
    """Write the engagements' lines (None: every linked engagement) to Procore."""
    report = SyncReport()
    today = today or datetime.now(UTC).date()
    async with factory() as session, session.begin():
        connection = await active_connection(session, organisation_id)
        if connection is None:
            return report
        written = ProcoreRepository(session, organisation_id)
        targets = await written.writeback_targets(engagement_ids)
        lines = await coverage_lines(session, [e.id for e, _, _ in targets], today)
        known = {
            row.origin_id: row
            for row in await written.insurance_syncs_of_engagements([e.id for e, _, _ in targets])
        }
        items: list[dict[str, Any]] = []
        for engagement, project, vendor_id in targets:
            for line in lines.get(engagement.id, []):
                item = insurance_item(
                    settings, vendor_id, line, project, _contract_label(engagement)
                )
                report.considered += 1
                previous = known.get(item["origin_id"])
                if (
                    not force
                    and previous is not None
                    and previous.state == "synced"
                    and previous.sent_digest == digest(item)
                ):
                    report.unchanged += 1
                    continue
                items.append(item)
        own_client = client is None
        procore = client or open_client(settings, connection)
        try:
            outcomes, partly = await _send(procore, items, report)
        finally:
            report.requests += procore.budget.requests
            report.throttled += procore.budget.throttled
            if own_client:
                await procore.aclose()
        await _record(session, organisation_id, items, outcomes, partly)
        connection.last_error = "; ".join(report.errors)[:2000]
        if force and engagement_ids is None:
            connection.last_reconciled_at = datetime.now(UTC)
    return report


async def _send(
    procore: ProcoreClient, items: list[dict[str, Any]], report: SyncReport
) -> tuple[dict[str, tuple[str, Any]], dict[str, Any]]:
    """origin_id -> ("synced", procore id) | ("locked", errors) | ("failed", errors), and the
    locked items whose other fields were written (origin_id -> procore id)."""
    outcomes: dict[str, tuple[str, Any]] = {}
    retry: list[dict[str, Any]] = []
    for start in range(0, len(items), SYNC_BATCH):
        batch = items[start : start + SYNC_BATCH]
        report.sent += len(batch)
        try:
            entities, errors = await procore.sync_insurances(batch)
        except ProcoreError as exc:
            report.errors.append(str(exc)[:300])
            for item in batch:
                outcomes[item["origin_id"]] = ("failed", {"base": [str(exc)[:300]]})
            continue
        _sort(entities, errors, outcomes, retry, batch)
    for _ in range(ITEM_RETRIES):
        pending, retry = retry, []
        for item in pending:
            try:
                entities, errors = await procore.sync_insurances([item])
            except ProcoreError as exc:
                outcomes[item["origin_id"]] = ("failed", {"base": [str(exc)[:300]]})
                continue
            _sort(entities, errors, outcomes, retry, [item])
    partly = await _send_unlocked(procore, items, outcomes, report)
    for state, _ in outcomes.values():
        if state == "failed":
            report.failed += 1
        elif state == "locked":
            report.locked += 1
        else:
            report.synced += 1
    if report.locked:
        report.errors.append(
            f"{report.locked} insurance record(s) have fields locked by an accounting sync "
            "(their status and notes are written; the locked fields are not)"
        )
    return outcomes, partly


async def _send_unlocked(
    procore: ProcoreClient,
    items: list[dict[str, Any]],
    outcomes: dict[str, tuple[str, Any]],
    report: SyncReport,
) -> dict[str, Any]:
    """Once, never in a loop: each item refused for locked fields is sent again without them,
    so its status still reaches Procore (an accounting sync locks the policy's fields, not
    its compliance). Returns origin_id -> (procore id, digest of the record as Procore now
    holds it, its locked fields as they were): a Procore webhook about the record then finds
    no drift and writes nothing again (our write's own webhook must not start another)."""
    unlocked = [
        {k: v for k, v in item.items() if k not in outcomes[item["origin_id"]][1]}
        for item in items
        if outcomes.get(item["origin_id"], ("",))[0] == "locked"
    ]
    written: dict[str, Any] = {}
    for start in range(0, len(unlocked), SYNC_BATCH):
        batch = unlocked[start : start + SYNC_BATCH]
        try:
            entities, _ = await procore.sync_insurances(batch)
        except ProcoreError as exc:
            report.errors.append(str(exc)[:300])
            continue
        vendors = {item["origin_id"]: item["vendor_id"] for item in batch}
        for entity in entities:
            origin = str(entity.get("origin_id"))
            if origin in vendors:
                written[origin] = (entity.get("id"), digest(as_sent(entity, vendors[origin])))
    return written


def _sort(
    entities: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    outcomes: dict[str, tuple[str, Any]],
    retry: list[dict[str, Any]],
    batch: list[dict[str, Any]],
) -> None:
    by_origin = {item["origin_id"]: item for item in batch}
    for entity in entities:
        if entity.get("origin_id") in by_origin:
            outcomes[entity["origin_id"]] = ("synced", entity.get("id"))
    for error in errors:
        origin = str(error.get("origin_id", ""))
        if origin not in by_origin:
            continue
        item_errors = error.get("errors") or {}
        if _locked_only(item_errors):
            outcomes[origin] = ("locked", item_errors)
        else:
            outcomes[origin] = ("failed", item_errors)
            retry.append(by_origin[origin])


async def _record(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    items: list[dict[str, Any]],
    outcomes: dict[str, tuple[str, Any]],
    partly: dict[str, Any],
) -> None:
    now = datetime.now(UTC)
    rows = []
    for item in items:
        state, detail = outcomes.get(item["origin_id"], ("failed", {"base": ["no answer"]}))
        _, engagement, line = item["origin_id"].split(":", 2)
        # A locked item whose other fields were written keeps what Procore now holds.
        partial = partly.get(item["origin_id"])
        written = state == "synced" or partial is not None
        insurance_id = detail if state == "synced" else partial[0] if partial else None
        sent = digest(item) if state == "synced" else partial[1] if partial else None
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "engagement_id": uuid.UUID(engagement),
            "line": line,
            "origin_id": item["origin_id"],
            "procore_vendor_id": item["vendor_id"],
            "status_sent": item["status"],
            "state": state,
            "last_error": "" if state == "synced" else json.dumps(detail)[:2000],
            "synced_at": now if written else None,
            "sent_digest": sent,
            "procore_insurance_id": insurance_id,
        }
        rows.append(row)
    if not rows:
        return
    await ProcoreRepository(session, organisation_id).record_syncs(rows)
