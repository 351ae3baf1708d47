"""The engagement page offers the bundle in effect on a date, and the form's request works."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.projects.verify_service import verify_engagement
from tests.integration.factories import engage, make_org, sign_in


async def test_engagement_page_downloads_the_bundle_in_effect_on_a_date(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    await verify_engagement(db, engagement.id, None, date.today())
    await sign_in(client, gc.emails["gc_contract_admin"])
    page = await client.get(f"/engagements/{engagement.id}", headers={"accept": "text/html"})
    assert page.status_code == 200
    form = re.search(
        r'<form method="get" action="(/api/v1/audit/in-effect)"(.*?)</form>', page.text, re.S
    )
    assert form is not None
    fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]+)"', form.group(2)))
    assert fields == {"project_id": str(engagement.project_id), "sub_id": str(sub.id)}
    response = await client.get(
        form.group(1), params={**fields, "on": date.today().isoformat(), "documents": "false"}
    )
    assert response.status_code == 200, response.text
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "snapshot.json" in names
