"""Property-based fuzzing of every operation in the app's OpenAPI document (schemathesis),
once with a GC's API token and once with a sub's: whatever the generated path, query and body,
the app answers without a server error (5xx), and a documented response matches its schema.

Bounded and repeatable: FUZZ_EXAMPLES examples per operation and token, derandomized (the same
examples every run), against a throw-away database migrated for this module."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.ext.asyncio import create_async_engine

from backend.app import create_app
from backend.config import Settings
from backend.db.session import make_session_factory
from backend.network.actor import Actor
from backend.network.repository import NetworkRepository
from backend.network.service import AuthService
from tests.integration.conftest import create_database, drop_database, migrate
from tests.integration.factories import make_org, make_project
from tests.integration.fanout.helpers import person_of

pytestmark = pytest.mark.integration

# Examples per operation and token. About 60 operations x 2 tokens x 6 examples keeps the
# whole module near a minute and a half on two busy cores; the generated cases differ per
# operation, so breadth comes from the number of operations, not from depth on each.
FUZZ_EXAMPLES = 5
ROLES = {"general_contractor": "gc_admin", "subcontractor": "sub_admin"}


async def _seed(database_url: str, base: Settings) -> dict[str, str]:
    """A GC (with a project) and a sub, each with an API token of its admin."""
    engine = create_async_engine(database_url)
    tokens: dict[str, str] = {}
    try:
        async with make_session_factory(engine)() as session, session.begin():
            for kind, role in ROLES.items():
                org = await make_org(session, kind)
                if kind == "general_contractor":
                    await make_project(session, org)
                person = await person_of(session, org.emails[role])
                actor = Actor(
                    person_id=person.id,
                    organisation_id=org.id,
                    organisation_kind=kind,
                    role=role,
                    email=person.email,
                )
                auth = AuthService(NetworkRepository(session), base)
                # "write": the fuzz must reach every handler's writes, not stop at the scope gate.
                _, tokens[kind] = await auth.create_api_token(actor, f"fuzz {kind}", "write")
    finally:
        await engine.dispose()
    return tokens


@pytest.fixture(scope="module")
def fuzz_app() -> Iterator[tuple[Any, dict[str, str]]]:
    base = Settings.from_env()
    name = f"coinet_fuzz_{uuid.uuid4().hex[:10]}"

    async def prepare() -> tuple[str, dict[str, str]]:
        url = await create_database(base.database_url, name)
        await migrate(url)
        return url, await _seed(url, base)

    url, tokens = asyncio.run(prepare())
    redis_url = f"{base.redis_url.rsplit('/', 1)[0]}/3"
    app = create_app(dataclasses.replace(base, database_url=url, redis_url=redis_url))
    try:
        with asgi.get_client(app) as client:  # one lifespan for the whole module
            yield client, tokens
    finally:
        asyncio.run(drop_database(base.database_url, name))


# The document is generated from the routes alone (no database needed to build it), so the
# operations are known when the module is collected.
schema = schemathesis.openapi.from_dict(create_app(Settings.from_env()).openapi_schema.to_schema())


BOUNDED = settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def success_conforms(ctx: Any, response: Any, case: Any) -> bool | None:
    """A successful response matches the schema the OpenAPI document gives it. (Errors share
    one body, {"error": {"code", "message", "field"}}, which the generated document does not
    describe: checking them against Litestar's default error schema would test the docs.)"""
    if response.status_code >= 400:
        return None
    return response_schema_conformance(ctx, response, case)


def _fuzz(case: Any, fuzz_app: tuple[Any, dict[str, str]], kind: str) -> None:
    client, tokens = fuzz_app
    case.call_and_validate(
        session=client,
        base_url=client.base_url,
        headers={"authorization": f"Bearer {tokens[kind]}"},
        checks=[not_a_server_error, success_conforms],
    )


@schema.parametrize()
@BOUNDED
def test_gc_token_meets_no_server_error(case: Any, fuzz_app: tuple[Any, dict[str, str]]) -> None:
    _fuzz(case, fuzz_app, "general_contractor")


@schema.parametrize()
@BOUNDED
def test_sub_token_meets_no_server_error(case: Any, fuzz_app: tuple[Any, dict[str, str]]) -> None:
    _fuzz(case, fuzz_app, "subcontractor")
