"""Single-use upload links for a broker the sub invited who never registered.

A reminder to such a broker, and the sub's forward of its gaps to that broker, carries per
sub a link that lets exactly one file into that sub's record and nothing else: no page of the
record, no document, no engagement opens with it, and it opens no session. Only the token's
SHA-256 is stored. The link dies when it is used (claimed in the same transaction that stores
the document), when it expires, and when the sub withdraws the broker invitation it was sent
under. The file takes the path of every other upload: stored content-addressed, a `Document`
row waiting for the reader and the outbox event that queues its read, so it reaches the sub's
review queue like any other; the sub is told by a notice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase.repository import (
    broker_registered,
    live_upload_link,
    set_link_document,
    unaccepted_broker_invitations,
    use_upload_link,
)
from backend.db.models import Document
from backend.db.models.upload_link import UploadLink
from backend.errors import BadInput, NotFound, TooLarge
from backend.network.secrets import new_token, token_digest
from backend.notify.service import SUB_NOTICE_ROLES, NoticeDraft, add_notices, members_with_roles
from backend.projects.verify_service import system_person_id
from backend.records.repository import RecordRepository
from backend.records.service import as_read, read_request
from backend.records.store import DocumentStore, sha256_hex

# Two weeks: long enough for a broker to get a certificate issued by the carrier, short enough
# that a link found in an old mailbox is dead. The next reminder brings a fresh one.
LINK_DAYS: Final = 14
TOKEN_PREFIX: Final = "upl"  # noqa: S105 - a prefix naming the kind of token, not a secret
LANDING_PATH: Final = "/upload-link"
UPLOAD_KIND: Final = "link_upload"
# A certificate or endorsement is a PDF: the landing page takes nothing else (a broker's scan
# comes out of the carrier's system as a PDF too), so no other format reaches the reader
# through a link nobody signed in for.
PDF_MAGIC: Final = b"%PDF-"
# The header may follow a little junk (some generators write a BOM or a blank line first);
# readers accept the header within the first kilobyte, as the PDF reference allows.
PDF_HEADER_WINDOW: Final = 1024
# One message refuses every dead link alike, so the answer tells a guesser nothing.
DEAD_LINK: Final = (
    "This upload link cannot be used: it was used already, it expired, or the company "
    "withdrew it. Ask the company for a new one: its next reminder or forward brings one."
)


@dataclass(frozen=True)
class PendingBroker:
    invitation_id: uuid.UUID
    sub_org_id: uuid.UUID
    email: str


@dataclass(frozen=True)
class LinkMail:
    """An e-mail to an address with no account; it carries the links' secrets, so it is
    queued only after the transaction that stored their hashes committed."""

    to: str
    subject: str
    body: str


async def pending_brokers(
    session: AsyncSession, sub_org_ids: set[uuid.UUID], now: datetime
) -> dict[uuid.UUID, list[PendingBroker]]:
    """Per sub, the newest broker invitation per address that nobody accepted, the sub did not
    withdraw and whose access period runs (its own accept link may have expired: the sub still
    wants that broker)."""
    found: dict[uuid.UUID, list[PendingBroker]] = defaultdict(list)
    if not sub_org_ids:
        return found
    seen: set[tuple[uuid.UUID, str]] = set()
    for invitation_id, sub_id, email in await unaccepted_broker_invitations(
        session, sub_org_ids, now
    ):
        key = (sub_id, email.lower())
        if key not in seen:
            seen.add(key)
            found[sub_id].append(PendingBroker(invitation_id, sub_id, email))
    return found


async def upload_link_mails(
    session: AsyncSession,
    pending: dict[uuid.UUID, list[PendingBroker]],
    items: dict[uuid.UUID, list[tuple[str, list[str]]]],
    sub_names: dict[uuid.UUID, str],
    base_url: str,
    now: datetime,
) -> list[LinkMail]:
    """One new link per (sub, pending broker) and one e-mail per address for the run."""
    sections: dict[str, list[str]] = defaultdict(list)
    expires = now + timedelta(days=LINK_DAYS)
    for sub_id, brokers in pending.items():
        listed = [{"where": where, "items": what} for where, what in items.get(sub_id, [])]
        for broker in brokers:
            token = _mint(session, broker, listed, expires)
            lines = [f"{sub_names.get(sub_id, 'Your client')} needs from you:"]
            for entry in listed:
                lines.append(f"{entry['where']}")
                lines.extend(f"- {text}" for text in entry["items"])
            lines.append(
                f"Upload the certificate or endorsement for {sub_names.get(sub_id, 'them')} "
                f"here (works once, until {expires.date().isoformat()}):"
            )
            lines.append(f"{base_url.rstrip('/')}{LANDING_PATH}?token={token}")
            sections[broker.email].append("\n".join(lines))
    await session.flush()
    mails = []
    for address, parts in sections.items():
        body = "\n\n".join(
            [
                "Hello,",
                "A client of yours on the COI network is still missing insurance documents.",
                *parts,
                "You need no account: each link accepts one PDF for that one client, whose "
                "bookkeeper reviews it. If you did not expect this, ignore this message.",
            ]
        )
        subject = f"Reminder: insurance documents needed for {len(parts)} client" + (
            "s" if len(parts) > 1 else ""
        )
        mails.append(LinkMail(address, subject, body))
    return mails


def _mint(
    session: AsyncSession, broker: PendingBroker, listed: list[dict[str, Any]], expires: datetime
) -> str:
    """A new link for this broker invitation; only its hash is stored. Returns the token."""
    token = new_token(TOKEN_PREFIX)
    session.add(
        UploadLink(
            id=uuid.uuid4(),
            token_hash=token_digest(token),
            sub_org_id=broker.sub_org_id,
            invitation_id=broker.invitation_id,
            email=broker.email,
            items=listed,
            expires_at=expires,
        )
    )
    return token


@dataclass(frozen=True)
class ForwardOffer:
    """How the broker a sub forwards its gaps to can act on them inside the product, so that
    nobody has to write back: a single-use upload link (`upload_url`, until `expires`) when
    the address holds the sub's broker invitation and never registered; the engagement's page
    (`page_url`) when it accepted one and signs in; neither for an address the sub never
    invited (the sub is told to invite it)."""

    upload_url: str = ""
    expires: datetime | None = None
    page_url: str = ""


async def forward_offer(
    session: AsyncSession,
    sub_org_id: uuid.UUID,
    engagement_id: uuid.UUID,
    email: str,
    items: tuple[str, list[str]],
    base_url: str,
    now: datetime,
) -> ForwardOffer:
    """What the forwarded e-mail to `email` offers: see ForwardOffer. `items` is (where,
    the gaps' words), shown again on the link's landing page. Call in the transaction that
    commits before the e-mail is queued (the link's hash must be stored first)."""
    base = base_url.rstrip("/")
    if await broker_registered(session, sub_org_id, email, now):
        return ForwardOffer(page_url=f"{base}/my/engagements/{engagement_id}")
    pending = (await pending_brokers(session, {sub_org_id}, now)).get(sub_org_id, [])
    for broker in pending:
        if broker.email.strip().lower() == email.strip().lower():
            expires = now + timedelta(days=LINK_DAYS)
            where, what = items
            token = _mint(session, broker, [{"where": where, "items": what}], expires)
            await session.flush()
            return ForwardOffer(upload_url=f"{base}{LANDING_PATH}?token={token}", expires=expires)
    return ForwardOffer()


def _token_hash(token: str) -> bytes | None:
    token = token.strip()
    # The shape new_token makes; anything else is not worth a database round trip.
    if not token.startswith(f"{TOKEN_PREFIX}_") or not 40 <= len(token) <= 80:
        return None
    return token_digest(token)


async def live_link(
    session: AsyncSession, token: str, now: datetime | None = None, lock: bool = False
) -> UploadLink:
    """The link this token opens, or NotFound (one message for every kind of dead link)."""
    digest = _token_hash(token)
    if digest is None:
        raise NotFound(DEAD_LINK)
    link = await live_upload_link(session, digest, now or datetime.now(UTC), lock)
    if link is None:
        raise NotFound(DEAD_LINK)
    return link


async def landing(session: AsyncSession, token: str) -> tuple[UploadLink, str]:
    """What the landing page may show: the sub's name and the items the e-mail listed."""
    link = await live_link(session, token)
    sub = await RecordRepository(session).record_owner(link.sub_org_id)
    return link, sub.legal_name if sub is not None else ""


def check_file(data: bytes, max_bytes: int) -> None:
    if not data:
        raise BadInput("The file is empty.", field="file")
    if len(data) > max_bytes:
        raise TooLarge(f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit.")
    if PDF_MAGIC not in data[:PDF_HEADER_WINDOW]:
        raise BadInput("Only a PDF certificate or endorsement can be sent here.", field="file")


async def upload_with_link(
    session: AsyncSession,
    store: DocumentStore,
    max_bytes: int,
    token: str,
    filename: str,
    content_type: str,
    data: bytes,
) -> tuple[Document, str]:
    """Store the file in the link's record and use the link up, in the caller's transaction.
    Returns the document and the sub's name. The file is checked before the link is claimed,
    so a refused file leaves the link usable."""
    link = await live_link(session, token, lock=True)
    check_file(data, max_bytes)
    now = datetime.now(UTC)
    if not await use_upload_link(session, link.id, now):
        raise NotFound(DEAD_LINK)
    repo = RecordRepository(session)
    digest = sha256_hex(data)
    await repo.hold_upload_of(link.sub_org_id, digest)
    document = await repo.document_by_digest(link.sub_org_id, digest)
    if document is None:
        store.put(data)
        document = Document(
            id=uuid.uuid4(),
            sub_org_id=link.sub_org_id,
            sha256=digest,
            size_bytes=len(data),
            content_type="application/pdf",
            filename=_clean_name(filename),
            # Nobody signed in: the product itself received it, under the broker invitation.
            uploaded_by_id=await system_person_id(session),
            via_invitation_id=link.invitation_id,
            read_state="pending",
        )
        previously = await repo.any_read_result(digest)
        if previously is not None:
            document.read_state = previously.read_state
            document.read_result = as_read(previously.read_result)
        repo.add(document)
        await repo.flush()
        if document.read_state == "pending":
            repo.add_outbox(read_request(document))
    await set_link_document(session, link.id, document.id)
    sub = await RecordRepository(session).record_owner(link.sub_org_id)
    sub_name = sub.legal_name if sub is not None else ""
    await _tell_sub(session, link, document)
    await repo.flush()
    return document, sub_name


def _clean_name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    printable = "".join(ch for ch in name if ch.isprintable())
    return (printable or "certificate.pdf")[:300]


async def _tell_sub(session: AsyncSession, link: UploadLink, document: Document) -> None:
    people = await members_with_roles(session, {link.sub_org_id}, SUB_NOTICE_ROLES)
    subject = f"{link.email} sent a document through an upload link: review it"
    body = (
        f"{document.filename} arrived through the upload link e-mailed to {link.email}. "
        "It is being read; check and confirm it before it goes into your record."
    )
    drafts: list[NoticeDraft] = [
        NoticeDraft(
            person,
            link.sub_org_id,
            None,
            UPLOAD_KIND,
            subject,
            body,
            link=f"/documents/{document.id}/review",
        )
        for person in people.get(link.sub_org_id, [])
    ]
    await add_notices(session, drafts)


def items_of(link: UploadLink) -> list[dict[str, Any]]:
    listed = link.items if isinstance(link.items, list) else []
    return [entry for entry in listed if isinstance(entry, dict)]
