"""Joining the network under another company's legal name without an EIN of one's own, made
to read the same to a GC by characters the eye does not see: a zero-width space or joiner, a
soft hyphen, a word joiner inside a word. Each must be taken as the name it reads as, so the
sign-up is refused until it brings its own tax id (and is then flagged as a namesake)."""

from __future__ import annotations

import html

import pytest
from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.factories import make_org
from tests.integration.web.test_signup import HTML, _counts, _invite_new_sub
from tests.integration.web.test_tax_id import _signup_fields

pytestmark = pytest.mark.integration

ESTABLISHED = "Lakeshore Drywall LLC"


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b",  # zero-width space
        "\u200d",  # zero-width joiner
        "\u00ad",  # soft hyphen (shown only where a line breaks)
        "\u2060",  # word joiner
        "\ufeff",  # zero-width no-break space
    ],
)
async def test_an_invisible_character_does_not_make_a_new_name(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis, invisible: str
) -> None:
    original = await make_org(db, "subcontractor", name=ESTABLISHED)
    original.organisation.tax_id = "314159265"
    await db.flush()
    _, link = await _invite_new_sub(client, db, redis)
    lookalike = f"Lake{invisible}shore Dry{invisible}wall LLC"
    fields = await _signup_fields(client, link, legal_name=lookalike)
    before = await _counts(db)

    refused = await client.post("/signup", data=fields, headers=HTML)
    assert refused.status_code == 409, refused.status_code
    assert "is already on the network" in html.unescape(refused.text)
    assert await _counts(db) == before


@pytest.mark.parametrize(
    "lookalike",
    [
        "L\u0430keshore Drywall LLC",  # Cyrillic a
        "LAKESH\u041eRE DRYWALL LLC",  # Cyrillic capital O
        "Lakeshore Dr\u0443wall LLC",  # Cyrillic u, drawn as y
        "\u039bakeshore Drywall LLC".replace("\u039b", "L").replace("k", "\u03ba"),  # Greek kappa
    ],
)
async def test_a_letter_of_another_alphabet_drawn_alike_does_not_make_a_new_name(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis, lookalike: str
) -> None:
    original = await make_org(db, "subcontractor", name=ESTABLISHED)
    original.organisation.tax_id = "314159265"
    await db.flush()
    _, link = await _invite_new_sub(client, db, redis)
    fields = await _signup_fields(client, link, legal_name=lookalike)
    before = await _counts(db)

    refused = await client.post("/signup", data=fields, headers=HTML)
    assert refused.status_code == 409, refused.status_code
    assert "is already on the network" in html.unescape(refused.text)
    assert await _counts(db) == before
