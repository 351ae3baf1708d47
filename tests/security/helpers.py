"""What an attacker (or its victim) does over HTTP, in a few steps each."""

from __future__ import annotations

import re
import uuid

from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import ProjectTrade
from tests.integration.factories import (
    CSRF_INPUT,
    PASSWORD,
    Org,
    make_project,
    make_requirement_version,
)

HTML = {"accept": "text/html"}


async def form_csrf(client: AsyncClient, path: str) -> str:
    page = await client.get(path, headers=HTML)
    found = CSRF_INPUT.search(page.text)
    assert found, f"no form on {path}: {page.status_code}"
    return found.group(1)


async def session_csrf(client: AsyncClient) -> str:
    return await form_csrf(client, "/")


async def try_sign_in(client: AsyncClient, email: str, password: str = PASSWORD) -> Response:
    csrf = await form_csrf(client, "/login")
    return await client.post("/login", data={"_csrf": csrf, "email": email, "password": password})


async def invite_broker_over_api(
    client: AsyncClient, csrf: str, email: str, broker_id: uuid.UUID, days: int = 30
) -> Response:
    return await client.post(
        "/api/v1/broker-invitations",
        json={"email": email, "broker_org_id": str(broker_id), "days": days},
        headers={"x-csrf-token": csrf},
    )


async def accept_broker_link(client: AsyncClient, link: str, name: str = "Agent") -> Response:
    """Opens an e-mailed broker link and presses Accept, as the browser it is opened in."""
    page = await client.get(link, headers=HTML)
    csrf = CSRF_INPUT.search(page.text)
    if page.status_code != 200 or 'action="/invitations/accept"' not in page.text or not csrf:
        return page
    token = link.split("token=", 1)[1]
    return await client.post(
        "/invitations/accept", data={"_csrf": csrf.group(1), "token": token, "full_name": name}
    )


def new_address(label: str) -> str:
    return f"{label}.{uuid.uuid4().hex[:8]}@example.test"


def wait_seconds(text: str) -> int:
    found = re.search(r"Wait (\d+) seconds", text)
    assert found, text
    return int(found.group(1))


async def post_accept(client: AsyncClient, token: str, name: str = "Agent") -> Response:
    """Presses Accept without the page's say-so: the form posted straight at the server."""
    csrf = await form_csrf(client, "/login")
    return await client.post(
        "/invitations/accept", data={"_csrf": csrf, "token": token, "full_name": name}
    )


async def project_with_trade(db: AsyncSession, gc: Org, trade: str = "Drywall") -> uuid.UUID:
    """A project of the GC mapping one trade to a requirement set: subs can be invited onto it."""
    project = await make_project(db, gc)
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            id=uuid.uuid4(),
            project_id=project.id,
            trade=trade,
            requirement_set_id=version.requirement_set_id,
        )
    )
    await db.flush()
    return project.id
