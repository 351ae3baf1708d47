"""Every upload is read by the worker, whatever path it came through and with nobody opening
its page: an upload through the API while no worker runs waits as an outbox event, and a real
worker started later reads it and stores its page images."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from backend.db.models import OutboxEvent
from backend.records.service import DOCUMENT_UPLOADED
from tests.e2e.documents import Policy, certificate_pdf
from tests.integration.reads.live import live_stack


async def test_an_api_upload_is_read_without_its_page_being_opened(tmp_path: Path) -> None:
    today = date.today()
    async with live_stack(tmp_path, worker=False) as stack:
        sub = await stack.new_sub()
        pdf = certificate_pdf(
            sub.organisation.legal_name,
            "Harbor Point Builders LLC",
            Policy("GL-5501", "AU-5502", today, today + timedelta(days=365)),
            "30 days notice of cancellation.",
        )
        async with stack.signed_in(sub.emails["sub_bookkeeper"]) as (http, csrf):
            uploaded = await http.post(
                f"/api/v1/subs/{sub.id}/documents",
                files={"file": ("renewal.pdf", pdf, "application/pdf")},
                headers={"x-csrf-token": csrf},
            )
            assert uploaded.status_code == 201, uploaded.text
            document_id = uploaded.json()["id"]
            # Committed with the upload: the read is owed even though no worker runs yet.
            async with stack.factory() as db:
                events = (
                    (
                        await db.execute(
                            select(OutboxEvent).where(OutboxEvent.kind == DOCUMENT_UPLOADED)
                        )
                    )
                    .scalars()
                    .all()
                )
            assert [e.payload["document_id"] for e in events] == [document_id]
            assert await stack.read_state(document_id) == "pending"

            stack.start_worker()
            state = await stack.wait_read(document_id)
            assert state == "read", stack.log("worker")
            listed = await http.get(f"/api/v1/subs/{sub.id}/documents")
            assert [d["read_state"] for d in listed.json()] == ["read"]
            image = await http.get(f"/documents/{document_id}/pages/1")
            assert image.status_code == 200
            assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
            assert image.headers["x-content-type-options"] == "nosniff"
            download = await http.get(f"/api/v1/documents/{document_id}")
            assert download.headers["content-disposition"].startswith("attachment;")
            assert download.headers["x-content-type-options"] == "nosniff"
