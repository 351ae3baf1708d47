"""The single-use upload link a reminder carries to a broker who never registered, attacked
from outside: it must let exactly one PDF into exactly one sub's record, once, before it
expires and while the sub still wants that broker; and it must open nothing else."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase.reminders import run_reminders
from backend.chase.upload_links import DEAD_LINK, UPLOAD_KIND
from backend.config import Settings
from backend.db.models import Document, Engagement, Invitation, OutboxEvent
from backend.db.models.upload_link import UploadLink
from backend.network.secrets import token_digest
from backend.projects.verify_service import verify_engagement
from backend.records.store import make_store
from tests.integration.chase.helpers import pending_broker
from tests.integration.factories import CSRF_INPUT, Org, make_org, sign_in
from tests.integration.fanout.helpers import confirm, engage_on_project, initial_change
from tests.integration.fanout.test_fanout import notices_to

pytestmark = pytest.mark.integration

TODAY = date.today()
HTML = {"accept": "text/html"}
TOKEN = re.compile(r"/upload-link\?token=(upl_[\w-]+)")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Scene:
    sub: Org
    other_sub: Org
    engagement: Engagement
    invitation: Invitation
    token: str
    policy_number: str


async def scene(db: AsyncSession, settings: Settings) -> Scene:
    """A deficient sub whose invited broker never registered, reminded once; and another sub
    with a record of its own."""
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    other = await make_org(db, "subcontractor")
    await confirm(db, make_store(settings), other, initial_change(TODAY))
    engagement = await engage_on_project(db, gc, sub)
    await verify_engagement(db, engagement.id, None, TODAY)
    invitation = await pending_broker(db, sub, f"stranger.{uuid.uuid4().hex[:6]}@broker.test")
    run = await run_reminders(db, TODAY, "http://coinet.test")
    [mail] = run.link_mails
    found = TOKEN.search(mail.body)
    assert found is not None
    return Scene(sub, other, engagement, invitation, found.group(1), "GL-1001")


async def landing_csrf(client: AsyncClient, token: str) -> str:
    page = await client.get(f"/upload-link?token={token}", headers=HTML)
    assert page.status_code == 200, page.text[:300]
    found = CSRF_INPUT.search(page.text)
    assert found is not None
    return found.group(1)


async def send(
    client: AsyncClient,
    token: str,
    content: bytes = PDF,
    name: str = "acord25.pdf",
    content_type: str = "application/pdf",
    extra: dict[str, str] | None = None,
) -> Response:
    csrf = await landing_csrf(client, token)
    return await client.post(
        "/upload-link",
        data={"_csrf": csrf, "token": token, **(extra or {})},
        files={"file": (name, content, content_type)},
        headers=HTML,
    )


async def documents_of(db: AsyncSession, org: Org) -> int:
    count = await db.scalar(
        select(func.count()).select_from(Document).where(Document.sub_org_id == org.id)
    )
    return int(count or 0)


async def link_row(db: AsyncSession, token: str) -> UploadLink:
    query = select(UploadLink).where(UploadLink.token_hash == token_digest(token))
    link = (await db.execute(query)).scalar_one()
    await db.refresh(link)
    return link


async def test_the_link_puts_one_pdf_into_the_subs_review_queue(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    s = await scene(db, settings)
    page = await client.get(f"/upload-link?token={s.token}", headers=HTML)
    assert page.status_code == 200
    assert s.sub.organisation.legal_name in page.text
    # Cross-origin requests get the origin only (the app's Referrer-Policy), never the token.
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "no-store" in page.headers["cache-control"]
    # It shows what the e-mail listed, nothing of any record.
    assert s.other_sub.organisation.legal_name not in page.text
    assert s.policy_number not in page.text

    response = await send(client, s.token)

    assert response.status_code == 200, response.text[:300]
    assert "Received" in response.text
    [document] = (
        (await db.execute(select(Document).where(Document.sub_org_id == s.sub.id))).scalars().all()
    )
    assert (document.read_state, document.via_invitation_id) == ("pending", s.invitation.id)
    # The same read pipeline as any upload: an outbox event asks the workers to read it.
    events = await db.scalar(
        select(func.count())
        .select_from(OutboxEvent)
        .where(OutboxEvent.kind == "document.uploaded", OutboxEvent.sub_org_id == s.sub.id)
    )
    assert events == 1
    [notice] = await notices_to(db, s.sub.emails["sub_admin"], UPLOAD_KIND)
    assert notice.link == f"/documents/{document.id}/review"
    link = await link_row(db, s.token)
    assert link.used_at is not None and link.document_id == document.id
    # The success page does not hand out the review page: that needs the sub's sign-in.
    assert f"/documents/{document.id}" not in response.text
    # Only the token's hash is kept.
    assert s.token.encode() not in link.token_hash
    assert link.token_hash == token_digest(s.token)


async def test_a_used_link_takes_nothing_more(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    s = await scene(db, settings)
    assert (await send(client, s.token)).status_code == 200
    # The browser still holds the form's token pair: a replay passes the CSRF check.
    csrf = client.cookies["coinet_csrf"]
    replay = await client.post(
        "/upload-link",
        data={"_csrf": csrf, "token": s.token},
        files={"file": ("second.pdf", PDF + b"% another\n", "application/pdf")},
        headers=HTML,
    )
    assert replay.status_code == 404
    assert DEAD_LINK in replay.text
    page = await client.get(f"/upload-link?token={s.token}", headers=HTML)
    assert page.status_code == 404
    assert 'name="file"' not in page.text
    assert await documents_of(db, s.sub) == 1


async def test_an_expired_link_is_dead(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    s = await scene(db, settings)
    csrf = await landing_csrf(client, s.token)
    await db.execute(
        update(UploadLink)
        .where(UploadLink.token_hash == token_digest(s.token))
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    response = await client.post(
        "/upload-link",
        data={"_csrf": csrf, "token": s.token},
        files={"file": ("late.pdf", PDF, "application/pdf")},
        headers=HTML,
    )
    assert response.status_code == 404
    assert (await client.get(f"/upload-link?token={s.token}", headers=HTML)).status_code == 404
    assert await documents_of(db, s.sub) == 0


async def test_the_link_cannot_reach_another_subs_record(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    s = await scene(db, settings)
    before = await documents_of(db, s.other_sub)
    # Fields naming the other record are ignored: the link alone decides where the file goes.
    response = await send(
        client,
        s.token,
        extra={"sub_id": str(s.other_sub.id), "sub_org_id": str(s.other_sub.id)},
    )
    assert response.status_code == 200
    assert await documents_of(db, s.other_sub) == before
    assert await documents_of(db, s.sub) == 1
    # Nor does the link open the ordinary upload of the other record (no session at all).
    direct = await client.post(
        f"/subs/{s.other_sub.id}/upload",
        data={"token": s.token},
        files={"file": ("x.pdf", PDF, "application/pdf")},
        headers=HTML,
    )
    assert direct.status_code in (401, 403)
    assert await documents_of(db, s.other_sub) == before


async def test_guessed_and_borrowed_tokens_open_nothing(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    s = await scene(db, settings)
    link = await link_row(db, s.token)
    guesses = [
        f"upl_{secrets.token_urlsafe(32)}",
        s.token[:-1] + ("A" if s.token[-1] != "A" else "B"),
        s.token.upper(),
        link.token_hash.hex(),
        f"upl_{link.token_hash.hex()}",
        "",
        "upl_",
        "' OR 1=1 --",
        "upl_" + "A" * 5000,
        "upl_" + "A" * 60,
        str(link.id),
    ]
    for guess in guesses:
        page = await client.get("/upload-link", params={"token": guess}, headers=HTML)
        # One message for every dead or false link: the answer tells a guesser nothing (a
        # query too long for any page is refused before it reaches one).
        assert page.status_code == 404 or (len(guess) > 1000 and page.status_code == 422)
        assert DEAD_LINK in page.text or page.status_code == 422
        response = await client.post(
            "/upload-link",
            data={"_csrf": "x", "token": guess},
            files={"file": ("g.pdf", PDF, "application/pdf")},
            headers={**HTML, "cookie": "coinet_csrf=x"},
        )
        assert response.status_code in (404, 422), guess
    assert await documents_of(db, s.sub) == 0
    assert (await link_row(db, s.token)).used_at is None


@pytest.mark.parametrize(
    ("name", "content", "content_type", "status"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html", 422),
        ("certificate.pdf", b"<html><script>alert(1)</script></html>", "application/pdf", 422),
        ("run.exe", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf", 422),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", 422),
        ("empty.pdf", b"", "application/pdf", 422),
    ],
)
async def test_only_a_pdf_goes_through_and_a_refused_file_leaves_the_link_usable(
    client: AsyncClient,
    db: AsyncSession,
    settings: Settings,
    name: str,
    content: bytes,
    content_type: str,
    status: int,
) -> None:
    s = await scene(db, settings)
    response = await send(client, s.token, content, name, content_type)
    assert response.status_code == status, response.text[:300]
    assert await documents_of(db, s.sub) == 0
    assert (await link_row(db, s.token)).used_at is None
    assert (await send(client, s.token)).status_code == 200


async def test_an_oversized_file_is_refused(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    s = await scene(db, settings)
    big = PDF + b"0" * settings.max_upload_bytes
    response = await send(client, s.token, big)
    assert response.status_code == 413
    assert await documents_of(db, s.sub) == 0
    assert (await link_row(db, s.token)).used_at is None


async def test_the_link_reads_nothing(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    s = await scene(db, settings)
    other_document = (
        await db.execute(select(Document.id).where(Document.sub_org_id == s.other_sub.id).limit(1))
    ).scalar_one_or_none()
    assert (await send(client, s.token)).status_code == 200
    document = (
        await db.execute(select(Document.id).where(Document.sub_org_id == s.sub.id))
    ).scalar_one()
    # The landing page, opened again, shows nothing at all of what was sent.
    again = await client.get(f"/upload-link?token={s.token}", headers=HTML)
    assert again.status_code == 404
    assert "acord25.pdf" not in again.text
    # No session came with the link; the token is no session cookie and no API token either.
    assert "coinet_session" not in client.cookies
    attempts: list[tuple[dict[str, str], str]] = [
        ({}, "/record"),
        ({}, f"/documents/{document}/review"),
        ({}, f"/documents/{document}/pages/1"),
        ({}, f"/api/v1/subs/{s.sub.id}/documents"),
        ({}, f"/my/engagements/{s.engagement.id}"),
    ]
    if other_document is not None:
        attempts.append(({}, f"/documents/{other_document}/review"))
    # Last: a request with an unknown credential leaves the test harness's shared connection
    # unusable for the next request (the app runs each request on its own connection).
    attempts += [
        ({"authorization": f"Bearer {s.token}"}, f"/api/v1/subs/{s.sub.id}/documents"),
        ({"authorization": f"Bearer {s.token}"}, f"/api/v1/engagements/{s.engagement.id}"),
        ({"cookie": f"coinet_session={s.token}"}, "/record"),
        ({"cookie": f"coinet_session={s.token}"}, f"/documents/{document}/review"),
    ]
    for headers, path in attempts:
        response = await client.get(path, headers={"accept": "application/json", **headers})
        assert response.status_code in (401, 403, 404), (path, response.status_code)


async def test_a_post_without_the_pages_csrf_token_is_refused(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    s = await scene(db, settings)
    file = {"file": ("c.pdf", PDF, "application/pdf")}
    # A third-party page posting the form: it cannot read or set the cookie.
    forged = [
        ({"token": s.token}, {}),
        ({"token": s.token, "_csrf": "guessed"}, {}),
        ({"token": s.token, "_csrf": "guessed"}, {"cookie": "coinet_csrf=other"}),
    ]
    for data, headers in forged:
        client.cookies.clear()
        response = await client.post(
            "/upload-link", data=data, files=file, headers={**HTML, **headers}
        )
        assert response.status_code == 403, response.text[:200]
    assert await documents_of(db, s.sub) == 0
    assert (await link_row(db, s.token)).used_at is None


async def test_withdrawing_the_broker_kills_its_links(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    s = await scene(db, settings)
    csrf = await landing_csrf(client, s.token)
    # The sub withdraws the invitation on its own brokers page, in another browser.
    sub_browser = AsyncClient(transport=client._transport, base_url="http://testserver")
    async with sub_browser:
        session_csrf = await sign_in(sub_browser, s.sub.emails["sub_admin"])
        revoked = await sub_browser.post(
            f"/brokers/{s.invitation.id}/revoke", data={"_csrf": session_csrf}
        )
        assert revoked.status_code in (200, 302, 303), revoked.text[:300]
    await db.refresh(s.invitation)
    assert s.invitation.revoked_at is not None
    replay = await client.post(
        "/upload-link",
        data={"_csrf": csrf, "token": s.token},
        files={"file": ("c.pdf", PDF, "application/pdf")},
        headers=HTML,
    )
    assert replay.status_code == 404
    assert await documents_of(db, s.sub) == 0
    # And the next reminder makes no link for a withdrawn broker.
    run = await run_reminders(db, TODAY + timedelta(days=3), "http://coinet.test")
    assert run.engagements == 1 and run.link_mails == []
