"""A sub's federal tax id (EIN): entered at sign-up or in its company settings, kept as nine
digits, unique on the network; GCs find a sub by it (exact match) without ever seeing it; and a
sign-up under another company's legal name must bring a tax id of its own, and is flagged."""

from __future__ import annotations

import html

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, Membership, Organisation, Person
from tests.integration.factories import make_org, sign_in
from tests.integration.web.test_signup import CSRF_INPUT, HTML, _counts, _invite_new_sub

# Made-up EINs with prefixes the IRS assigns (so they pass the prefix check).
EIN_ORIGINAL = "31-4159265"
EIN_NEWCOMER = "27-1828182"


async def _signup_fields(client: AsyncClient, link: str, **values: str) -> dict[str, str]:
    form = await client.get(link, headers=HTML)
    assert form.status_code == 200, form.text
    assert 'name="tax_id"' in form.text
    csrf = CSRF_INPUT.search(form.text)
    assert csrf
    return {
        "_csrf": csrf.group(1),
        "token": link.split("token=", 1)[1],
        "legal_name": "Lakeshore Drywall LLC",
        "full_name": "Dana Okafor",
        "password": "correct horse battery",
        "password_again": "correct horse battery",
        **values,
    }


async def test_signup_stores_the_ein_normalised_and_refuses_a_malformed_one(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    _, link = await _invite_new_sub(client, db, redis)
    fields = await _signup_fields(client, link)
    before = await _counts(db)
    for typed, message in (
        ("12-345678", "nine digits"),
        ("12-34567890", "nine digits"),
        ("AB-CDEFGHI", "nine digits"),
        ("07-1234567", "No EIN starts with 07"),
    ):
        refused = await client.post("/signup", data={**fields, "tax_id": typed}, headers=HTML)
        assert refused.status_code == 422, (typed, refused.text[:300])
        assert message in refused.text
        assert html.escape(typed) in refused.text  # what was typed comes back to be corrected
        assert await _counts(db) == before
        fields["_csrf"] = CSRF_INPUT.search(refused.text).group(1)  # type: ignore[union-attr]
    joined = await client.post("/signup", data={**fields, "tax_id": " 31-4159265 "})
    assert joined.status_code == 302, joined.text
    sub = (
        await db.execute(
            select(Organisation).where(Organisation.legal_name == "Lakeshore Drywall LLC")
        )
    ).scalar_one()
    assert sub.tax_id == "314159265"


async def test_a_gc_finds_a_sub_by_exact_tax_id_and_never_sees_one(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    wanted = await make_org(db, "subcontractor", name="Brambleton Masonry LLC")
    other = await make_org(db, "subcontractor", name="Brambleton Masonry Supply LLC")
    wanted.organisation.tax_id = "314159265"
    other.organisation.tax_id = "314159266"
    await db.flush()
    await sign_in(client, gc.emails["gc_viewer"])
    dashboard = await client.get("/dashboard", headers=HTML)
    assert 'name="tax_id"' in dashboard.text  # the dashboard's search asks for it too

    for typed in (EIN_ORIGINAL, "314159265", "  31-4159265"):
        found = await client.get("/network", params={"tax_id": typed}, headers=HTML)
        assert found.status_code == 200
        page = html.unescape(found.text)
        assert f'data-sub="{wanted.id}"' in page and f'data-sub="{other.id}"' not in page
        # Results never show a tax id; the search box keeps only what the GC typed itself.
        assert "314159266" not in page and "31-4159266" not in page
    with_name = await client.get(
        "/network", params={"q": "brambleton", "tax_id": "31-4159266"}, headers=HTML
    )
    assert f'data-sub="{other.id}"' in with_name.text
    assert f'data-sub="{wanted.id}"' not in with_name.text
    # Exact match only: a near number, or a part of one, finds nothing.
    for near in ("31-4159260", "31-415926"):
        missed = await client.get("/network", params={"tax_id": near}, headers=HTML)
        assert 'data-sub="' not in missed.text
    assert (await client.get("/network", params={"tax_id": "31-415926"})).status_code == 422
    # A name search never matches digits of a tax id.
    by_digits = await client.get("/network", params={"q": "4159265"}, headers=HTML)
    assert 'data-sub="' not in by_digits.text


async def test_company_settings_set_validate_and_keep_the_ein_unique(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor", name="Corvid Electric LLC")
    holder = await make_org(db, "subcontractor", name="Heron Electric LLC")
    holder.organisation.tax_id = "271828182"
    await db.flush()

    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    shown = await client.get("/settings/company", headers=HTML)
    assert shown.status_code == 200 and "Only your company's administrator" in shown.text
    refused = await client.post("/settings/company", data={"_csrf": csrf, "tax_id": EIN_ORIGINAL})
    assert refused.status_code == 403

    client.cookies.clear()
    csrf = await sign_in(client, sub.emails["sub_admin"])
    bad = await client.post(
        "/settings/company", data={"_csrf": csrf, "tax_id": "1234"}, headers=HTML
    )
    assert bad.status_code == 422 and "NN-NNNNNNN" in bad.text
    taken = await client.post(
        "/settings/company", data={"_csrf": csrf, "tax_id": EIN_NEWCOMER}, headers=HTML
    )
    assert taken.status_code == 409 and "already gave this tax id" in taken.text
    await db.refresh(sub.organisation)
    assert sub.organisation.tax_id is None
    saved = await client.post("/settings/company", data={"_csrf": csrf, "tax_id": "314159265"})
    assert saved.status_code == 302
    await db.refresh(sub.organisation)
    assert sub.organisation.tax_id == "314159265"
    again = await client.get("/settings/company", headers=HTML)
    assert 'value="31-4159265"' in again.text
    cleared = await client.post("/settings/company", data={"_csrf": csrf, "tax_id": ""})
    assert cleared.status_code == 302
    await db.refresh(sub.organisation)
    assert sub.organisation.tax_id is None


async def test_signing_up_under_another_companys_legal_name(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    """The abuse: a newcomer names itself as an established sub, to be taken for it by GCs
    (and to have that sub's certificates pass its insured-name check)."""
    original = await make_org(db, "subcontractor", name="Lakeshore Drywall LLC")
    original.organisation.tax_id = "314159265"
    await db.flush()
    _, link = await _invite_new_sub(client, db, redis)
    fields = await _signup_fields(client, link, legal_name="LAKESHORE DRYWALL, L.L.C.")
    before = await _counts(db)

    no_ein = await client.post("/signup", data=fields, headers=HTML)
    assert no_ein.status_code == 409
    assert "is already on the network" in html.unescape(no_ein.text)
    assert await _counts(db) == before
    fields["_csrf"] = CSRF_INPUT.search(no_ein.text).group(1)  # type: ignore[union-attr]

    theirs = await client.post("/signup", data={**fields, "tax_id": EIN_ORIGINAL}, headers=HTML)
    assert theirs.status_code == 409 and "already gave this tax id" in theirs.text
    assert await _counts(db) == before
    fields["_csrf"] = CSRF_INPUT.search(theirs.text).group(1)  # type: ignore[union-attr]

    # A different company of the same name joins with its own EIN, and is flagged.
    joined = await client.post("/signup", data={**fields, "tax_id": EIN_NEWCOMER})
    assert joined.status_code == 302, joined.text
    newcomer = (
        await db.execute(select(Organisation).where(Organisation.tax_id == "271828182"))
    ).scalar_one()
    assert newcomer.legal_name == "LAKESHORE DRYWALL, L.L.C."

    client.cookies.clear()
    gc = await make_org(db, "general_contractor")
    await sign_in(client, gc.emails["gc_contract_admin"])
    found = await client.get("/network", params={"q": "lakeshore"}, headers=HTML)
    flagged = found.text.count("data-namesake")
    assert f'data-sub="{original.id}"' in found.text and f'data-sub="{newcomer.id}"' in found.text
    assert flagged == 2  # both, so whichever the GC meant it checks the tax id
    by_ein = await client.get("/network", params={"tax_id": EIN_ORIGINAL}, headers=HTML)
    assert f'data-sub="{original.id}"' in by_ein.text
    assert f'data-sub="{newcomer.id}"' not in by_ein.text

    # The GC that engaged the newcomer sees the flag on the engagement's page too.
    engaged = (
        await db.execute(select(Engagement).where(Engagement.sub_org_id == newcomer.id))
    ).scalar_one()
    client.cookies.clear()
    inviter = (
        await db.execute(
            select(Membership.person_id).where(
                Membership.organisation_id == engaged.gc_org_id,
                Membership.role == "gc_contract_admin",
            )
        )
    ).scalar_one()
    person = await db.get(Person, inviter)
    assert person is not None
    await sign_in(client, person.email)
    page = await client.get(f"/engagements/{engaged.id}", headers=HTML)
    assert page.status_code == 200 and "data-namesake" in page.text

    # Neither can drop its tax id now: it is what tells the two apart.
    client.cookies.clear()
    csrf = await sign_in(client, original.emails["sub_admin"])
    kept = await client.post("/settings/company", data={"_csrf": csrf, "tax_id": ""}, headers=HTML)
    assert kept.status_code == 422 and "cannot be removed" in kept.text
