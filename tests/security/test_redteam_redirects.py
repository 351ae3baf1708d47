"""Red team: the sign-in form's next= must never send a browser off the site. Browsers read a
backslash as a slash and drop tabs and line breaks inside a URL, so "/\\evil" and "/\t/evil"
are "//evil": another host."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.factories import CSRF_INPUT, PASSWORD, make_org
from tests.security.helpers import HTML

OFF_SITE = [
    "//evil.example/",
    "/\\evil.example/",
    "/\\/evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "https://evil.example/",
]


@pytest.mark.parametrize("target", OFF_SITE)
async def test_sign_in_next_never_leaves_the_site(
    client: AsyncClient, db: AsyncSession, target: str
) -> None:
    gc = await make_org(db, "general_contractor")
    page = await client.get("/login", params={"next": target}, headers=HTML)
    assert page.status_code == 200
    assert "evil.example" not in page.text
    csrf = CSRF_INPUT.search(page.text)
    assert csrf
    response = await client.post(
        "/login",
        data={
            "_csrf": csrf.group(1),
            "email": gc.emails["gc_admin"],
            "password": PASSWORD,
            "next": target,
        },
    )
    assert response.status_code == 302
    location = response.headers["location"]
    assert "evil.example" not in location, location
