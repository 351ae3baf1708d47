"""The audit API: the parties download bundles (by snapshot and in effect on a date) that
verify offline; other organisations cannot tell a snapshot exists."""

from __future__ import annotations

import dataclasses
import io
import uuid
import zipfile
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from litestar import Litestar
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.bundle import verify_bundle
from backend.audit.context import AuditContext
from backend.audit.controllers import AuditController
from backend.audit.samples import sample_facts
from backend.audit.service import append_snapshots
from backend.config import get_settings
from backend.errors import DomainError
from backend.http import domain_error_handler
from backend.network.actor import Actor
from backend.records.store import FilesystemStore
from tests.integration.audit.conftest import AuditDatabase

pytestmark = pytest.mark.integration

GC, SUB, PROJECT, STRANGER = (uuid.uuid4() for _ in range(4))
ENGAGEMENT = uuid.uuid4()


def actor_of(organisation: uuid.UUID, kind: str) -> Actor:
    return Actor(
        person_id=uuid.uuid4(), organisation_id=organisation, organisation_kind=kind, role="admin"
    )


def _constant(actor: Actor):  # type: ignore[no-untyped-def]
    def provide() -> Actor:
        return actor

    return provide


@pytest.fixture
async def client_for(
    audit_db: AuditDatabase, audit_context: AuditContext, tmp_path: Path
) -> AsyncIterator[dict[str, AsyncClient]]:
    async with audit_db.sessions() as session, session.begin():
        await append_snapshots(
            session,
            [
                sample_facts(
                    engagement_id=ENGAGEMENT,
                    project_id=PROJECT,
                    sub_id=SUB,
                    gc_id=GC,
                    as_of=date(2026, 8, day),
                    serial=day,
                    kind=kind,
                )
                for day, kind in [(1, "verdict"), (3, "approve"), (9, "work_stop")]
            ],
        )
    settings = dataclasses.replace(
        get_settings(),
        keys_dir=tmp_path / "keys",
        document_store="filesystem",
        document_root=tmp_path / "documents",
        extra={"audit_origin": audit_context.origin},
    )
    # The certificates the snapshots rest on, in the records domain's content-addressed store.
    store = FilesystemStore(settings.document_root)
    for day in (1, 3, 9):
        store.put(f"certificate {day}".encode())

    async def provide_db() -> AsyncIterator[AsyncSession]:
        async with audit_db.sessions() as session:
            yield session
            await session.commit()

    clients = {}
    for label, actor in [
        ("gc", actor_of(GC, "general_contractor")),
        ("sub", actor_of(SUB, "subcontractor")),
        ("stranger", actor_of(STRANGER, "general_contractor")),
    ]:
        app = Litestar(
            route_handlers=[AuditController],
            dependencies={
                "db": Provide(provide_db),
                "settings": Provide(lambda: settings, sync_to_thread=False),
                "actor": Provide(_constant(actor), sync_to_thread=False),
            },
            exception_handlers={DomainError: domain_error_handler},
        )
        clients[label] = AsyncClient(
            transport=ASGITransport(app=app),  # type: ignore[arg-type]
            base_url="http://test",
        )
    yield clients
    for client in clients.values():
        await client.aclose()


async def test_parties_download_the_bundle_in_effect_on_a_date(
    client_for: dict[str, AsyncClient],
) -> None:
    params = {"project_id": str(PROJECT), "sub_id": str(SUB), "on": "2026-08-05"}
    for party in ("gc", "sub"):
        response = await client_for[party].get("/api/v1/audit/in-effect", params=params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/zip"
        disposition = response.headers["content-disposition"]
        assert "SUB-KEYSTONE-MECHANICAL-INC_PROJECT-HARBOR-POINT" in disposition
        assert "ASOF-2026-08-03" in disposition
        report = await verify_bundle(response.content)
        assert report.ok, report.to_text()
        assert "1 of 1 documents included and matching" in report.to_text()
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert b'"kind":"approve"' in archive.read("snapshot.json")


async def test_the_engagement_lists_its_snapshots_newest_first(
    client_for: dict[str, AsyncClient],
) -> None:
    response = await client_for["gc"].get(f"/api/v1/audit/engagements/{ENGAGEMENT}/snapshots")
    assert response.status_code == 200
    rows = response.json()
    assert [row["kind"] for row in rows] == ["work_stop", "approve", "verdict"]
    assert rows[0]["leaf_index"] == 2 and len(rows[0]["snapshot_sha256"]) == 64
    bundle = await client_for["sub"].get(
        f"/api/v1/audit/snapshots/{rows[0]['id']}/bundle", params={"documents": "false"}
    )
    assert bundle.status_code == 200
    assert (await verify_bundle(bundle.content)).ok


async def test_other_organisations_cannot_see_or_download(
    client_for: dict[str, AsyncClient],
) -> None:
    stranger = client_for["stranger"]
    listed = await stranger.get(f"/api/v1/audit/engagements/{ENGAGEMENT}/snapshots")
    # Not found, exactly as for an engagement that does not exist.
    assert listed.status_code == 404
    params = {"project_id": str(PROJECT), "sub_id": str(SUB), "on": "2026-08-05"}
    assert (await stranger.get("/api/v1/audit/in-effect", params=params)).status_code == 404
    assert (await stranger.get("/api/v1/audit/snapshots/0/bundle")).status_code == 404
    before = {"project_id": str(PROJECT), "sub_id": str(SUB), "on": "2026-07-01"}
    assert (await client_for["gc"].get("/api/v1/audit/in-effect", params=before)).status_code == 404
