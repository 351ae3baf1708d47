"""Red team: the answers to a GC's project invitation tell whether an e-mail address has an
account on the network and what kind of organisation it belongs to (a sub, by name; a GC or a
broker; an account without a company). With bulk invitations (200 rows a preview) a GC tests
thousands of addresses an hour. Every address not of a sub is answered as an unknown one; the
link's sign-up refuses an address already in use."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import ProjectTrade
from tests.integration.factories import make_org, make_project, make_requirement_version, sign_in


async def test_a_project_invitation_does_not_tell_who_has_an_account(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    broker = await make_org(db, "broker")
    project = await make_project(db, gc)
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            project_id=project.id, trade="Drywall", requirement_set_id=version.requirement_set_id
        )
    )
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_admin"])

    async def answer(address: str) -> int:
        response = await client.post(
            f"/projects/{project.id}/invitations",
            data={"_csrf": csrf, "email": address, "trade": "Drywall"},
        )
        return response.status_code

    unknown = await answer("nobody.here@unknown.example")
    assert unknown < 400
    assert await answer(broker.emails["broker_agent"]) == unknown
    other_gc = await make_org(db, "general_contractor")
    assert await answer(other_gc.emails["gc_admin"]) == unknown
