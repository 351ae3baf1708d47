"""Confirming a read certificate into the sub's record, and what is warned about first: an
insured that is not the sub, policies already over, a certificate older than a GC accepts,
and a document already confirmed. The first three block the confirm until the person says
why it is right; the last one blocks it outright (the record already holds what the document
says). The review page reads the form and shows these; the rules are here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Document, RecordRevision
from backend.errors import BadInput
from backend.network.actor import Actor
from backend.network.legal_names import ENTITY_SUFFIXES, core_words
from backend.projects.service import ProjectService
from backend.records.schemas import RecordChange
from backend.records.service import RecordService
from backend.requirements.names import normalise_entity_name

# A certificate is a snapshot of the policies on the day it was issued; a year-old one may
# describe policies cancelled since. 90 days is the common contract language ("certificates
# dated within the last 90 days") and applies when a GC has not set its own window.
DEFAULT_CERTIFICATE_MAX_AGE_DAYS: Final = 90
CERTIFICATE_MAX_AGE_SETTING: Final = "certificate_max_age_days"
# The longest window a GC may set: a certificate older than two years says nothing current.
LONGEST_CERTIFICATE_MAX_AGE_DAYS: Final = 730

# Where a trade name follows the legal name on the insured line ("Acme LLC dba Acme Roofing").
TRADE_NAME_MARKERS: Final = ("dba", "d b a", "aka", "t a", "fka")


@dataclass(frozen=True)
class ReviewWarning:
    code: str
    message: str


def insured_is_sub(insured: str, legal_name: str) -> bool:
    """The insured line names the sub, allowing for case, punctuation, entity-type words, a
    trade name after "dba" and the address lines the reader may have kept with the name."""
    wanted = core_words(legal_name)
    if not wanted:
        return False
    for line in insured.splitlines() or [insured]:
        folded = normalise_entity_name(line)
        for marker in TRADE_NAME_MARKERS:
            folded = folded.split(f" {marker} ", 1)[0]
        words = [w for w in folded.split() if w not in ENTITY_SUFFIXES]
        if words == wanted:
            return True
    return False


def _read_text(result: dict[str, Any], *path: str) -> str:
    value: object = result
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value.strip() if isinstance(value, str) else ""


def review_warnings(
    read_result: dict[str, Any] | None,
    legal_name: str,
    change: RecordChange | None,
    today: date,
    max_age: tuple[int, str],
    *,
    for_broker: bool = False,
) -> list[ReviewWarning]:
    """The warnings for this certificate as the person is about to confirm it (`change`), or
    as it was read when nothing is confirmed yet. `for_broker`: worded for the sub's broker,
    who reviews its client's upload too: the legal name is the client's, and the broker is the
    one to send a current certificate (it was told "your legal name" and "Ask the broker")."""
    result = read_result if isinstance(read_result, dict) else {}
    found: list[ReviewWarning] = []
    insured = _read_text(result, "insured", "name")
    if insured and not insured_is_sub(insured, legal_name):
        first_line = insured.splitlines()[0]
        whose_name, covered = ("your client's", "your client") if for_broker else ("your", "you")
        found.append(
            ReviewWarning(
                "insured_name",
                f"The insured on this certificate is “{first_line}”, not {whose_name} legal name "
                f"“{legal_name}”. A certificate for another company does not cover {covered}.",
            )
        )
    expirations: list[tuple[str, date]] = []
    if change is not None:
        expirations = [(t.line, t.expiration) for t in change.terms]
    else:
        for coverage in result.get("coverages") or []:
            if isinstance(coverage, dict):
                try:
                    ends = date.fromisoformat(str(coverage.get("expiration")))
                except ValueError:
                    continue
                expirations.append((str(coverage.get("line")), ends))
    over = [(line, ends) for line, ends in expirations if ends < today]
    if over:
        listed = ", ".join(
            f"{line.replace('_', ' ')} ended {ends.isoformat()}" for line, ends in over
        )
        found.append(
            ReviewWarning(
                "expired",
                f"Already expired: {listed}. An expired policy does not cover work today.",
            )
        )
    issued_text = _read_text(result, "certificate_date")
    days, whose = max_age
    try:
        issued: date | None = date.fromisoformat(issued_text) if issued_text else None
    except ValueError:
        issued = None
    if issued is not None and (today - issued).days > days:
        found.append(
            ReviewWarning(
                "stale_certificate",
                f"The certificate is dated {issued.isoformat()}, {(today - issued).days} days "
                f"ago; {whose} accepts certificates up to {days} days old. "
                + ("Send a current one." if for_broker else "Ask the broker for a current one."),
            )
        )
    return found


def certificate_max_age(settings: dict[str, Any] | None) -> int:
    value = (settings or {}).get(CERTIFICATE_MAX_AGE_SETTING)
    if isinstance(value, int) and 0 < value <= LONGEST_CERTIFICATE_MAX_AGE_DAYS:
        return value
    return DEFAULT_CERTIFICATE_MAX_AGE_DAYS


def parse_certificate_max_age(raw: str) -> int:
    if not raw.strip():
        return DEFAULT_CERTIFICATE_MAX_AGE_DAYS
    if not raw.strip().isdigit() or not 0 < int(raw) <= LONGEST_CERTIFICATE_MAX_AGE_DAYS:
        raise BadInput(
            f"The certificate age must be a number of days from 1 to "
            f"{LONGEST_CERTIFICATE_MAX_AGE_DAYS}.",
            field=CERTIFICATE_MAX_AGE_SETTING,
        )
    return int(raw)


async def strictest_certificate_age(db: AsyncSession, sub_org_id: uuid.UUID) -> tuple[int, str]:
    """The shortest certificate-age window among the GCs engaging this sub, and whose it is."""
    windows = [
        (certificate_max_age(settings), name)
        for name, settings in await ProjectService(db).engaging_gc_settings(sub_org_id)
    ]
    if not windows:
        return DEFAULT_CERTIFICATE_MAX_AGE_DAYS, "the usual contract"
    return min(windows)


# The revision summary keeps what the person overrode and why, cut to the column's length.
MAX_SUMMARY_CHARS: Final = 2000


async def ensure_unconfirmed(records: RecordService, actor: Actor, document: Document) -> None:
    """Locks the document (two confirms of it, a double click, make one revision) and refuses
    one already confirmed: the record holds what it says."""
    await records.lock_document(document)
    already = await records.confirmed_as(actor, document)
    if already is not None:
        raise BadInput(
            f"This document was already confirmed as revision {already.number}. "
            "Upload the corrected certificate to change the record again."
        )


async def confirm_warnings(
    session: AsyncSession,
    records: RecordService,
    actor: Actor,
    document: Document,
    change: RecordChange,
    today: date,
) -> list[ReviewWarning]:
    """The warnings for the change about to be confirmed, for a sub record the actor may
    change (refused otherwise)."""
    sub = await records.writable_record_owner(actor, document.sub_org_id)
    return review_warnings(
        document.read_result,
        sub.legal_name,
        change,
        today,
        await strictest_certificate_age(session, document.sub_org_id),
        for_broker=actor.is_broker,
    )


async def confirm_reviewed(
    records: RecordService,
    actor: Actor,
    document: Document,
    change: RecordChange,
    warnings: list[ReviewWarning],
    reason: str,
    corrected: dict[str, Any] | None,
) -> RecordRevision:
    """Confirms the reviewed change into the record. With warnings, a reason is needed; the
    revision's summary names what was overridden and why, and the stored read result keeps
    the warnings, the reason, who and which revision. `corrected`: the read result with the
    person's corrections (None when nothing was corrected); verification reads the holder
    from the certificate as the person confirmed it, not as the reader guessed it."""
    if warnings and not reason:
        raise BadInput(
            "Say why this certificate is right despite the warnings at the foot of the form "
            "(Check before confirming), or correct the values.",
            field="override_reason",
        )
    if warnings:
        change.summary = (
            f"{change.summary} (confirmed despite: "
            f"{', '.join(w.code.replace('_', ' ') for w in warnings)}; reason: "
            f"{reason})"
        )[:MAX_SUMMARY_CHARS]
    revision = await records.confirm_change(actor, document.sub_org_id, change)
    result = corrected if corrected is not None else document.read_result
    if warnings and isinstance(result, dict):
        result = {
            **result,
            "review": {
                "warnings": [{"code": w.code, "message": w.message} for w in warnings],
                "reason": reason,
                "by": str(actor.person_id),
                "revision": revision.number,
            },
        }
    if result is not document.read_result:
        document.read_result = result
    return revision
