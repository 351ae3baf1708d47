"""The application's role reads and writes the network's tables, but on the audit log it may
only INSERT and SELECT, and it cannot switch the append-only triggers off; a stored checks array
(shared by many verdicts) it only adds and reads."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from backend.config import Settings


def _as_app_role(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql", username="coinet_app", password=None)
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log_entries SET kind = kind",
        "DELETE FROM audit_log_entries",
        "TRUNCATE audit_checkpoints",
        "ALTER TABLE audit_log_entries DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_log_entries_no_update_or_delete ON audit_log_entries",
        # A checks array is shared by many verdicts (migration 0021): it is only ever added.
        "UPDATE verdict_checks SET checks = checks",
        "DELETE FROM verdict_checks",
    ],
)
async def test_the_app_role_cannot_change_the_audit_log(settings: Settings, statement: str) -> None:
    connection = await asyncpg.connect(_as_app_role(settings.database_url))
    try:
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await connection.execute(statement)
    finally:
        await connection.close()


async def test_the_app_role_appends_and_reads_and_works_the_other_tables(
    settings: Settings,
) -> None:
    connection = await asyncpg.connect(_as_app_role(settings.database_url))
    try:
        privileges = await connection.fetchrow(
            """
            SELECT has_table_privilege('audit_log_entries', 'INSERT') AS audit_insert,
                   has_table_privilege('audit_log_entries', 'SELECT') AS audit_select,
                   has_table_privilege('engagements', 'UPDATE') AS engagements_update,
                   has_table_privilege('documents', 'INSERT') AS documents_insert
            """
        )
        assert dict(privileges) == {
            "audit_insert": True,
            "audit_select": True,
            "engagements_update": True,
            "documents_insert": True,
        }
        assert await connection.fetchval("SELECT count(*) >= 0 FROM audit_log_entries")
    finally:
        await connection.close()
