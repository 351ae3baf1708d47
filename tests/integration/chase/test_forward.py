"""A sub forwards its gaps to its broker and the e-mail carries the way back into the product:
a broker the sub invited who never registered gets a single-use upload link (the landing page
lists the same gaps and takes one PDF into the sub's review queue); a broker who accepted gets
the engagement's page to sign in to; an address the sub never invited gets neither, and the
sub is told to invite it. Nobody has to write an e-mail back."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date

import pytest
from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Document
from backend.notify.plain_mail import PLAIN_MAIL_JOB
from backend.projects.verify_service import verify_engagement
from backend.verification.messages import addressed_to_broker
from tests.integration.chase.helpers import broker_grant, pending_broker
from tests.integration.factories import CSRF_INPUT, make_org, sign_in
from tests.integration.fanout.helpers import engage_on_project

pytestmark = pytest.mark.integration

TODAY = date.today()
HTML = {"accept": "text/html"}
TOKEN = re.compile(r"/upload-link\?token=(upl_[\w-]+)")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def _mail_to(redis: ArqRedis, address: str) -> str:
    """The body of the one plain mail queued to this address."""
    bodies = [
        str(job.args[2])
        for job in await redis.queued_jobs()
        if job.function == PLAIN_MAIL_JOB and job.args[0] == address
    ]
    assert len(bodies) == 1, bodies
    return bodies[0]


async def test_a_forward_to_an_invited_broker_carries_a_single_use_upload_link(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor", name="Fernhill Builders LLC")
    sub = await make_org(db, "subcontractor")
    engagement = await engage_on_project(db, gc, sub)
    await verify_engagement(db, engagement.id, None, TODAY)
    stranger = f"new.agent.{uuid.uuid4().hex[:6]}@broker.test"
    await pending_broker(db, sub, stranger)
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    page = f"/my/engagements/{engagement.id}"
    shown = html.unescape((await client.get(page, headers=HTML)).text)
    gap = re.search(r'<li data-check="[A-Z_]+"[^>]*><strong>Needed:</strong> ([^<]+)</li>', shown)
    assert gap is not None, "the deficient engagement shows no gap"

    sent = await client.post(
        f"{page}/forward", data={"_csrf": csrf, "email": stranger, "note": "Thanks!"}
    )
    assert sent.status_code in (302, 303)
    assert sent.headers["location"].endswith("?done=forwarded-link")
    body = await _mail_to(redis, stranger)
    # The mail goes to the broker: the same gap, addressed to it (not "Ask your broker").
    assert addressed_to_broker(gap.group(1)) in body and "Thanks!" in body
    assert "Ask your broker" in gap.group(1) and "ask your broker" not in body.lower()
    assert "Fernhill Builders LLC's requirements:" in body
    token = TOKEN.search(body)
    assert token is not None, body
    done = html.unescape((await client.get(sent.headers["location"], headers=HTML)).text)
    assert "a link to upload the documents without an account" in done

    client.cookies.clear()
    landing = await client.get(f"/upload-link?token={token.group(1)}", headers=HTML)
    assert landing.status_code == 200
    assert gap.group(1) in html.unescape(landing.text)
    assert "Fernhill Builders LLC" in landing.text
    form_csrf = CSRF_INPUT.search(landing.text)
    assert form_csrf is not None
    uploaded = await client.post(
        "/upload-link",
        data={"_csrf": form_csrf.group(1), "token": token.group(1)},
        files={"file": ("endorsement.pdf", PDF, "application/pdf")},
    )
    assert uploaded.status_code == 200, uploaded.text[:300]
    stored = (await db.execute(select(Document).where(Document.sub_org_id == sub.id))).scalar_one()
    assert stored.filename == "endorsement.pdf" and stored.read_state == "pending"
    again = await client.get(f"/upload-link?token={token.group(1)}", headers=HTML)
    assert again.status_code == 404

    # The sub's review page says who sent it.
    await sign_in(client, sub.emails["sub_bookkeeper"])
    review = await client.get(f"/documents/{stored.id}/review", headers=HTML)
    assert f'id="sent-by">Sent by your broker {stranger}:' in review.text


async def test_a_forward_to_a_registered_broker_links_the_page_and_a_stranger_gets_neither(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker")
    await broker_grant(db, sub, broker)
    engagement = await engage_on_project(db, gc, sub)
    await verify_engagement(db, engagement.id, None, TODAY)
    csrf = await sign_in(client, sub.emails["sub_admin"])
    page = f"/my/engagements/{engagement.id}"

    agent = broker.emails["broker_agent"]
    sent = await client.post(f"{page}/forward", data={"_csrf": csrf, "email": agent.upper()})
    assert sent.headers["location"].endswith("?done=forwarded-page")
    body = await _mail_to(redis, agent.upper())
    assert f"http://testserver{page}" in body or page in body
    assert TOKEN.search(body) is None

    stranger = f"someone.{uuid.uuid4().hex[:6]}@elsewhere.test"
    sent = await client.post(f"{page}/forward", data={"_csrf": csrf, "email": stranger})
    assert sent.headers["location"].endswith("?done=forwarded")
    body = await _mail_to(redis, stranger)
    assert TOKEN.search(body) is None and page not in body
    assert f"send the certificate and endorsements to {sub.emails['sub_admin']}" in body
    done = html.unescape((await client.get(sent.headers["location"], headers=HTML)).text)
    assert 'href="/brokers">Invite them as your broker' in done
