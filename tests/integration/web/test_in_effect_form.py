"""The engagement page leads to "what was in effect on a date" as a page: a miss said in
words, a hit with its signed PDF and its bundle; the signed PDF downloads on its own."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import date, timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.projects.verify_service import verify_engagement
from tests.integration.factories import engage, make_org, sign_in

HTML = {"accept": "text/html"}


async def test_in_effect_page_says_a_miss_in_words_and_serves_the_pdf_and_bundle(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    await verify_engagement(db, engagement.id, None, date.today())
    await sign_in(client, gc.emails["gc_contract_admin"])
    page = await client.get(f"/engagements/{engagement.id}", headers=HTML)
    assert f'action="/engagements/{engagement.id}/in-effect"' in page.text
    url = f"/engagements/{engagement.id}/in-effect"

    miss = html.unescape((await client.get(f"{url}?on=2001-02-03", headers=HTML)).text)
    assert 'id="in-effect-none"' in miss and "Nothing was in effect on 2001-02-03" in miss
    bad = await client.get(f"{url}?on=yesterday", headers=HTML)
    assert bad.status_code == 422 and "is not a date" in html.unescape(bad.text)
    future = (date.today() + timedelta(days=3)).isoformat()
    assert (await client.get(f"{url}?on={future}", headers=HTML)).status_code == 422

    hit = (await client.get(f"{url}?on={date.today().isoformat()}", headers=HTML)).text
    assert 'id="in-effect-found"' in hit
    pdf_link = re.search(r'href="(/snapshots/[^"]+/report\.pdf)"', hit)
    bundle_link = re.search(r'href="(/api/v1/audit/in-effect\?[^"]+)"', hit)
    assert pdf_link is not None and bundle_link is not None
    pdf = await client.get(pdf_link.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"].startswith("application/pdf")
    bundle = await client.get(html.unescape(bundle_link.group(1)) + "&documents=false")
    assert bundle.status_code == 200, bundle.text
    archive = zipfile.ZipFile(io.BytesIO(bundle.content))
    assert archive.read("report.pdf").startswith(b"%PDF")

    stranger = await make_org(db, "general_contractor")
    client.cookies.clear()
    await sign_in(client, stranger.emails["gc_contract_admin"])
    assert (await client.get(pdf_link.group(1))).status_code == 404
    assert (await client.get(f"{url}?on=2001-02-03", headers=HTML)).status_code == 404
