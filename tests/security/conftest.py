"""The security suite runs on the integration fixtures: a throw-away PostgreSQL database, real
Redis and the real app over ASGI, so each attack is tried against what production runs."""

from __future__ import annotations

from tests.integration.conftest import (  # noqa: F401 (fixtures are found by name)
    base_settings,
    client,
    connection,
    db,
    engine,
    redis,
    session_factory,
    settings,
)
