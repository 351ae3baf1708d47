"""All SQL of notices: who hears of a change (members by role, a sub's brokers), writing
notices (folded by change key), and a person's own notices. The rules of who hears what live
in `notify/service.py`; a person reads and marks only notices addressed to them."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Table, exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Engagement,
    Invitation,
    Membership,
    Notice,
    OutboxEvent,
    Person,
    ProcoreConnection,
)
from backend.db.models.webhook_attempt import WebhookAttempt
from backend.db.models.webhook_delivery import WebhookDelivery
from backend.db.models.webhook_endpoint import WebhookEndpoint
from backend.network.access import grant_membership_lasts

# The Core table: executemany with one cached statement (no ORM bulk bookkeeping).
NOTICES: Final = cast(Table, Notice.__table__)


class NoticeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def members_with_roles(
        self, organisation_ids: Collection[uuid.UUID], roles: Sequence[str]
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(organisation, person) of every member in these roles, by organisation and person."""
        query = (
            select(Membership.organisation_id, Membership.person_id)
            .where(
                Membership.organisation_id.in_(list(organisation_ids)),
                Membership.role.in_(roles),
            )
            .order_by(Membership.organisation_id, Membership.person_id)
        )
        return [(org, person) for org, person in await self.session.execute(query)]

    async def active_broker_grants(
        self, sub_org_ids: Collection[uuid.UUID], now: datetime
    ) -> list[tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None]]:
        """(sub, person, broker firm) of every broker grant in force: accepted, unrevoked,
        unexpired, and (one taken up for a firm) its person still a member there."""
        query = select(
            Invitation.issuer_org_id, Invitation.accepted_by_id, Invitation.invitee_org_id
        ).where(
            Invitation.issuer_org_id.in_(list(sub_org_ids)),
            Invitation.kind == "broker_access",
            Invitation.accepted_at.is_not(None),
            Invitation.accepted_by_id.is_not(None),
            Invitation.invitee_org_id.is_not(None),
            Invitation.revoked_at.is_(None),
            Invitation.access_until > now,
            # A grant a member took up for its firm ends with the membership.
            grant_membership_lasts(),
        )
        return [(sub, person, firm) for sub, person, firm in await self.session.execute(query)]

    async def insert_notices(self, rows: list[dict[str, Any]]) -> None:
        """One statement for all; a notice for a change its recipient already has a notice of
        is folded into that one (body appended, unread again, e-mailed again)."""
        statement = insert(NOTICES)
        statement = statement.on_conflict_do_update(
            index_elements=["recipient_id", "change_key"],
            index_where=text("change_key <> ''"),
            set_={
                "body": NOTICES.c.body + "\n\n" + statement.excluded.body,
                "read_at": None,
                "email_state": statement.excluded.email_state,
                "email_attempts": 0,
            },
        )
        await self.session.execute(statement, rows)

    async def change_noticed(self, change_key: str) -> bool:
        """Whether any notice reports this change already."""
        query = select(Notice.id).where(Notice.change_key == change_key).limit(1)
        return await self.session.scalar(query) is not None

    async def kinds_noticed(
        self, engagement_ids: Collection[uuid.UUID], kinds: Collection[str]
    ) -> set[tuple[uuid.UUID | None, str]]:
        """(engagement, kind) of the notices of these kinds already made for these engagements."""
        query = select(Notice.engagement_id, Notice.kind).where(
            Notice.engagement_id.in_(list(engagement_ids)), Notice.kind.in_(list(kinds))
        )
        return {(e, kind) for e, kind in await self.session.execute(query)}

    async def subs_of_engagements(
        self, engagement_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, uuid.UUID]:
        """Engagement id -> its sub."""
        query = select(Engagement.id, Engagement.sub_org_id).where(
            Engagement.id.in_(list(engagement_ids))
        )
        return {e: sub for e, sub in await self.session.execute(query)}

    async def parents_with_children(self, engagement_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of these engagements that have an active engagement under them (tier 2)."""
        query = (
            select(Engagement.parent_engagement_id, func.count())
            .where(
                Engagement.parent_engagement_id.in_(list(engagement_ids)),
                Engagement.active.is_(True),
            )
            .group_by(Engagement.parent_engagement_id)
        )
        return {parent for parent, _ in await self.session.execute(query) if parent is not None}

    # --- the digest mail (workers; no acting organisation) ----------------------------------

    async def recipients_with_queued_mail(self, limit: int) -> list[uuid.UUID]:
        query = (
            select(Notice.recipient_id)
            .where(Notice.email_state == "queued")
            .group_by(Notice.recipient_id)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def recipient(self, recipient_id: uuid.UUID) -> Person | None:
        """The person a digest goes to (the one whose queued notices are being sent)."""
        return await self.session.scalar(select(Person).where(Person.id == recipient_id))

    async def queued_mail_of(self, recipient_id: uuid.UUID) -> list[Notice]:
        """A recipient's notices waiting for the digest, oldest first, locked (rows another
        sender holds are skipped: they are on their way)."""
        query = (
            select(Notice)
            .where(Notice.recipient_id == recipient_id, Notice.email_state == "queued")
            .order_by(Notice.created_at, Notice.id)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).scalars())

    async def failed_mail(self, recipient_id: uuid.UUID | None) -> list[Notice]:
        query = select(Notice).where(Notice.email_state == "failed")
        if recipient_id is not None:
            query = query.where(Notice.recipient_id == recipient_id)
        return list((await self.session.execute(query)).scalars())

    # --- a person's own notices --------------------------------------------------------------

    async def notices_for(self, person_id: uuid.UUID, limit: int) -> list[Notice]:
        query = (
            select(Notice)
            .where(Notice.recipient_id == person_id)
            .order_by(Notice.created_at.desc())
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def notice_of(self, person_id: uuid.UUID, notice_id: uuid.UUID) -> Notice | None:
        query = select(Notice).where(Notice.id == notice_id, Notice.recipient_id == person_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def mark_all_read(self, person_id: uuid.UUID, now: datetime) -> int:
        result = await self.session.execute(
            update(Notice)
            .where(Notice.recipient_id == person_id, Notice.read_at.is_(None))
            .values(read_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def unread(self, person_id: uuid.UUID, limit: int) -> tuple[list[Notice], int]:
        unread = (Notice.recipient_id == person_id) & Notice.read_at.is_(None)
        total = await self.session.scalar(select(func.count()).select_from(Notice).where(unread))
        query = select(Notice).where(unread).order_by(Notice.created_at.desc()).limit(limit)
        return list((await self.session.execute(query)).scalars()), int(total or 0)


class WebhookRepository:
    """One organisation's webhook endpoints and their deliveries: every statement starts from
    the organisation the repository is built for (the acting one)."""

    def __init__(self, session: AsyncSession, organisation_id: uuid.UUID) -> None:
        self.session = session
        self.organisation_id = organisation_id

    async def endpoint(self, endpoint_id: uuid.UUID) -> WebhookEndpoint | None:
        return await self.session.scalar(
            select(WebhookEndpoint).where(
                WebhookEndpoint.organisation_id == self.organisation_id,
                WebhookEndpoint.id == endpoint_id,
            )
        )

    async def endpoints(self) -> list[WebhookEndpoint]:
        query = (
            select(WebhookEndpoint)
            .where(WebhookEndpoint.organisation_id == self.organisation_id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
        return list((await self.session.execute(query)).scalars())

    async def endpoint_count(self) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(WebhookEndpoint)
            .where(WebhookEndpoint.organisation_id == self.organisation_id)
        )
        return int(count or 0)

    async def deliveries(
        self, endpoint_id: uuid.UUID, state: str | None, before: datetime | None, limit: int
    ) -> list[WebhookDelivery]:
        """One endpoint's deliveries, newest first, in one state and before a time if given."""
        query = select(WebhookDelivery).where(
            WebhookDelivery.organisation_id == self.organisation_id,
            WebhookDelivery.endpoint_id == endpoint_id,
        )
        if state is not None:
            query = query.where(WebhookDelivery.state == state)
        if before is not None:
            query = query.where(WebhookDelivery.created_at < before)
        query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def delivery(self, delivery_id: uuid.UUID) -> WebhookDelivery | None:
        return await self.session.scalar(
            select(WebhookDelivery).where(
                WebhookDelivery.organisation_id == self.organisation_id,
                WebhookDelivery.id == delivery_id,
            )
        )

    async def attempts(self, delivery: WebhookDelivery) -> list[WebhookAttempt]:
        """A delivery's attempts (the delivery already read through this repository)."""
        query = (
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery.id)
            .order_by(WebhookAttempt.created_at, WebhookAttempt.id)
        )
        return list((await self.session.execute(query)).scalars())


class EventAudienceRepository:
    """Who hears integration events (webhooks, Procore): organisations asked about by id."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def listening(self, organisation_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those with an enabled webhook endpoint or a live Procore connection. A new consumer
        of events adds its query here, so events are written as soon as one consumer needs
        them."""
        ids = list(organisation_ids)
        queries = (
            select(WebhookEndpoint.organisation_id).where(
                WebhookEndpoint.enabled.is_(True), WebhookEndpoint.organisation_id.in_(ids)
            ),
            select(ProcoreConnection.organisation_id).where(
                ProcoreConnection.revoked_at.is_(None), ProcoreConnection.organisation_id.in_(ids)
            ),
        )
        found: set[uuid.UUID] = set()
        for query in queries:
            found.update((await self.session.execute(query)).scalars())
        return found

    async def gcs_engaging(self, sub_org_id: uuid.UUID) -> list[uuid.UUID]:
        """The GCs with an active engagement of the sub."""
        query = select(Engagement.gc_org_id).where(
            Engagement.sub_org_id == sub_org_id, Engagement.active.is_(True)
        )
        return list((await self.session.execute(query)).scalars())


class DeliveryRepository:
    """Webhook deliveries as the workers see them (no acting organisation: each row names the
    organisation of its endpoint, and the outbox event names its audience)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enabled_endpoints_of(
        self, organisation_ids: Collection[uuid.UUID]
    ) -> list[WebhookEndpoint]:
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.organisation_id.in_(list(organisation_ids)),
            WebhookEndpoint.enabled.is_(True),
        )
        return list((await self.session.execute(query)).scalars())

    async def endpoint_of(self, delivery: WebhookDelivery) -> WebhookEndpoint | None:
        """The endpoint a delivery goes to, of the delivery's own organisation."""
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.id == delivery.endpoint_id,
            WebhookEndpoint.organisation_id == delivery.organisation_id,
        )
        return await self.session.scalar(query)

    async def add_deliveries(self, rows: list[dict[str, Any]], chunk: int) -> None:
        """Insert deliveries `chunk` rows a statement; one already made for the same endpoint
        and message (not a replay) is left as it is, so a rerun adds nothing."""
        for start in range(0, len(rows), chunk):
            await self.session.execute(
                insert(WebhookDelivery)
                .values(rows[start : start + chunk])
                .on_conflict_do_nothing(
                    index_elements=["endpoint_id", "message_id"],
                    index_where=text("replay_of_id IS NULL"),
                )
            )

    async def pending_of_messages(self, message_ids: Collection[str]) -> list[uuid.UUID]:
        query = select(WebhookDelivery.id).where(
            WebhookDelivery.message_id.in_(list(message_ids)),
            WebhookDelivery.state == "pending",
        )
        return list((await self.session.execute(query)).scalars())

    async def due(self, now: datetime, limit: int) -> list[uuid.UUID]:
        """Pending deliveries of enabled endpoints whose next attempt is due, soonest first."""
        query = (
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.state == "pending",
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.enabled.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def pending_locked(self, delivery_id: uuid.UUID) -> WebhookDelivery | None:
        """The delivery, locked for one attempt; None if done or another worker holds it."""
        query = (
            select(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.state == "pending")
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def succeeded_since(self, endpoint_id: uuid.UUID, since: datetime) -> bool:
        query = select(
            exists().where(
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.state == "succeeded",
                WebhookDelivery.delivered_at >= since,
            )
        )
        return bool(await self.session.scalar(query))


class OutboxRepository:
    """The outbox as the workers see it: the relay (workers/relay.py) and the jobs it hands an
    event to. System jobs, no organisation acting, so no tenant scope: an event was written,
    and its audience checked, by the transaction that made the change; the relay only hands it
    on, and the job that acts on it reads that one event by its id and scopes its own
    statements to what the event names."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unpublished_locked(self, limit: int) -> list[OutboxEvent]:
        """The oldest events not yet handed to the queue, locked; events another relay holds
        are skipped (it publishes them)."""
        query = (
            select(OutboxEvent)
            .where(OutboxEvent.published_at.is_(None))
            .order_by(OutboxEvent.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).scalars())

    async def event(self, event_id: uuid.UUID) -> OutboxEvent | None:
        """The event a job was queued for (its argument)."""
        return await self.session.get(OutboxEvent, event_id)
