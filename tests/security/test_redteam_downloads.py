"""Red team: a document's name is the uploader's to choose and is sent back in a header when
anyone who may read the record (the GC included) downloads it. No name may break the answer or
add to its headers."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.factories import make_org, sign_in

NAMES = [
    "сертификат.pdf",  # letters outside Latin-1 (a header carries Latin-1 only)
    "证书 2026.pdf",
    'a".pdf\r\nSet-Cookie: x=1',
    "../../etc/passwd",
]


@pytest.mark.parametrize("name", NAMES)
async def test_any_uploaded_name_downloads_as_a_plain_attachment(
    client: AsyncClient, db: AsyncSession, name: str
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    content = b"%PDF-1.4 certificate " + name.encode()
    uploaded = await client.post(
        f"/api/v1/subs/{sub.id}/documents",
        files={"file": (name, content, "application/pdf")},
        headers={"x-csrf-token": csrf},
    )
    assert uploaded.status_code in (201, 422), uploaded.text
    if uploaded.status_code == 422:
        return
    download = await client.get(f"/api/v1/documents/{uploaded.json()['id']}")
    assert download.status_code == 200, download.text
    assert download.content == content
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "set-cookie" not in download.headers
    assert "/" not in disposition.split("filename", 1)[1]
