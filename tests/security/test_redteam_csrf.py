"""Red team: cross-site request forgery on every form and API call, walked from the app's own
route table (a route added later is covered without editing this test). A page on another
site makes a signed-in victim's browser post to us: the session cookie goes along (a
top-level form POST, or any request where SameSite is not honoured), the session's token does
not. Every unsafe route must refuse before doing anything, whatever the body, and
nothing may change. The victim's own objects are named, as a forged form would name them.

Routes without a signed-in actor guard themselves another way and are listed with how: the
forms shown before sign-in use the double-submit cookie (also 403 here: the forger cannot
read or set it), the public bundle check changes nothing, and Procore's hook is authenticated
by its own header."""

from __future__ import annotations

import re
import uuid

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.db.models import Base
from tests.integration.factories import engage, make_org, sign_in

PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Unsafe routes that act for no signed-in person, and what guards them instead.
NOT_SESSION_ROUTES = {
    "/verify": "public: checks an uploaded bundle, stores nothing",
    "/api/v1/integrations/procore/hooks/{connection_id:uuid}": "Procore's own bearer header",
}
REFUSED = (400, 403, 415, 422)
FORGED_BODIES = (
    {},
    {"_csrf": "forged"},
    {"_csrf": "", "kind": "approve", "reason": "forged", "email": "x@attacker.example"},
)


async def _row_counts(db: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in Base.metadata.sorted_tables:
        if table.name in ("web_sessions", "sign_in_throttles"):
            continue  # signing in writes these
        counts[table.name] = (
            await db.execute(select(func.count()).select_from(table))
        ).scalar_one()
    return counts


async def test_every_unsafe_route_refuses_a_forged_request(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    own = {
        "engagement_id": engagement.id,
        "project_id": engagement.project_id,
        "sub_id": sub.id,
    }
    routes: list[tuple[str, str]] = []
    for route in create_app().routes:
        if route.path in NOT_SESSION_ROUTES or route.path.startswith("/static"):
            continue
        path = PARAMETER.sub(
            lambda m: str(own.get(m.group(1)) or (1 if m.group(2) == "int" else uuid.uuid4())),
            route.path,
        )
        routes += [(method, path) for method in sorted(route.methods) if method in UNSAFE]
    assert len(routes) >= 60, len(routes)

    before = await _row_counts(db)
    answered: dict[tuple[str, str], set[int]] = {}
    for email in (gc.emails["gc_admin"], sub.emails["sub_admin"]):
        client.cookies.clear()
        await sign_in(client, email)
        for method, path in routes:
            for body in FORGED_BODIES:
                for kwargs in ({"data": body}, {"json": body}):
                    response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
                    answered.setdefault((method, path), set()).add(response.status_code)
                    # 403 from the token check; a body the route cannot even decode is refused
                    # before it (400, 415, 422), which does nothing either.
                    assert response.status_code in REFUSED, (
                        email,
                        method,
                        path,
                        response.status_code,
                        response.text[:200],
                    )
    assert await _row_counts(db) == before
    # Each route reached its token check with some body: the refusal is the CSRF check's.
    assert [route for route, codes in answered.items() if 403 not in codes] == []
