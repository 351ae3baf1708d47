"""Red team: a sub chooses its own legal name and writes dispute messages; both are shown on
the GC's pages (dashboard rows built by hand for speed, engagement page, network search). Markup
in them must arrive as text, never as markup in the GC's browser."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.factories import engage, make_org, sign_in
from tests.security.helpers import HTML

PAYLOAD = '<img src=x onerror="alert(1)">Evil Drywall LLC'


async def test_a_subs_name_and_message_reach_the_gc_as_text(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor", name=PAYLOAD)
    engagement = await engage(db, gc, sub)
    csrf = await sign_in(client, sub.emails["sub_admin"])
    disputed = await client.post(
        f"/my/engagements/{engagement.id}/dispute",
        data={"_csrf": csrf, "check_code": "<b>x</b>", "message": "<script>steal()</script>"},
    )
    assert disputed.status_code in (302, 303)
    client.cookies.clear()

    await sign_in(client, gc.emails["gc_admin"])
    pages = [
        await client.get("/dashboard", headers=HTML),
        await client.get(f"/engagements/{engagement.id}", headers=HTML),
        await client.get("/network?q=evil", headers=HTML),
        await client.get("/notices", headers=HTML),
    ]
    for shown in pages:
        assert shown.status_code == 200, shown.url
        assert "<img src=x" not in shown.text and "<script>steal" not in shown.text, shown.url
        assert "<b>x</b>" not in shown.text, shown.url
    assert "&lt;img src=x" in pages[0].text and "&lt;script&gt;steal()" in pages[1].text
