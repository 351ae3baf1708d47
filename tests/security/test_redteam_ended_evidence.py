"""Red team and customer both: the evidence of an ended engagement.

Once an engagement ended the GC reads nothing of the sub's live record (right), and with it the
engagement page lost its evidence viewer: the certificate each check was judged on, which the
GC's audit snapshots name by SHA-256, could only be had by downloading a bundle. The documents
a snapshot names are now served by those hashes under the GC's audit scope (the snapshot's own
parties), so the viewer keeps working after the end. Never more: a hash no snapshot of the
engagement names (the sub's later certificate, another sub's document, a made-up hash) is 404,
and another GC reads nothing through the snapshot's reference."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.projects.verify_service import verify_engagement
from tests.integration.factories import engage, make_org, sign_in, term_payload
from tests.security.helpers import HTML
from tests.security.test_redteam_ended_engagement_reads import _certificate, _upload

EVIDENCE_LINK = re.compile(r'href="(/engagements/[0-9a-f-]+/evidence/\d+)"')
IMAGE = re.compile(r'<img src="([^"]+/pages/\d+)"')
DOWNLOAD = re.compile(r'<a href="([^"]+)">Download ')


async def test_an_ended_engagements_evidence_stays_viewable_and_nothing_later(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    jobs = {"session_factory": session_factory, "settings": settings}
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    await engage(db, other_gc, sub)
    csrf = await sign_in(client, sub.emails["sub_admin"])
    content = _certificate(sub, gc.organisation.legal_name, "GL-BEFORE")
    before = await _upload(client, sub, csrf, content, jobs)
    confirmed = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "initial", "terms": [term_payload()], "source_document_id": before},
        headers={"x-csrf-token": csrf},
    )
    assert confirmed.status_code == 201, confirmed.text
    await verify_engagement(db, engagement.id, None, date.today())

    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    page = await client.get(f"/engagements/{engagement.id}", headers=HTML)
    links_while_active = EVIDENCE_LINK.findall(page.text)
    assert links_while_active, "no evidence link while the engagement is active"

    engagement.active = False
    await db.flush()
    client.cookies.clear()
    csrf = await sign_in(client, sub.emails["sub_admin"])
    later_content = _certificate(sub, other_gc.organisation.legal_name, "GL-AFTER")
    after = await _upload(client, sub, csrf, later_content, jobs)

    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    page = await client.get(f"/engagements/{engagement.id}", headers=HTML)
    assert page.status_code == 200
    links = EVIDENCE_LINK.findall(page.text)
    assert links == links_while_active
    viewer = await client.get(links[0], headers=HTML)
    assert viewer.status_code == 200, viewer.text[:400]
    image = IMAGE.search(viewer.text)
    download = DOWNLOAD.search(viewer.text)
    assert image and download, viewer.text
    png = await client.get(image.group(1))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    original = await client.get(download.group(1))
    assert original.status_code == 200 and original.content == content
    assert original.headers["x-content-type-options"] == "nosniff"
    assert original.headers["content-disposition"].startswith("attachment")

    # Served under the snapshot, by the hashes it names, and nothing else.
    named = hashlib.sha256(content).hexdigest()
    later = hashlib.sha256(later_content).hexdigest()
    base = download.group(1).rsplit("/", 1)[0]
    assert base.endswith("/documents") and named in download.group(1)
    for sha in (later, "0" * 64, "not-a-hash", named.upper() + "00"):
        assert (await client.get(f"{base}/{sha}")).status_code == 404, sha
        assert (await client.get(f"{base}/{sha}/pages/1")).status_code == 404, sha
    # The live record stays closed, the later certificate above all.
    assert (await client.get(f"/api/v1/documents/{after}")).status_code == 404
    assert (await client.get(f"/api/v1/documents/{before}")).status_code == 404

    # Another GC (engaged with the sub, but not party to this snapshot) reads nothing by it.
    client.cookies.clear()
    await sign_in(client, other_gc.emails["gc_admin"])
    assert (await client.get(download.group(1))).status_code == 404
    assert (await client.get(image.group(1))).status_code == 404
    # The sub, the snapshot's other party, may.
    client.cookies.clear()
    await sign_in(client, sub.emails["sub_admin"])
    assert (await client.get(download.group(1))).status_code == 200
