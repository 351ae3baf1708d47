"""Dead ends found walking the GC's pages as a newcomer: a value absent from the record was a
dash, a failed check whose value the record gave said "nothing in the record shows this", and
the waiver's check list cut the checks' names short."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.projects.verify_service import verify_engagement
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from tests.integration.factories import engage, make_org, make_project, sign_in
from tests.integration.fanout.helpers import confirm, endorsements, engage_on_project
from tests.integration.fanout.test_fanout import TODAY, event_of, ready_sub
from tests.integration.web.test_sub_loop import short_terms
from workers.fanout import run_fan_out

HTML = {"accept": "text/html"}
CHECK_ROW = re.compile(
    r'<tr class="(?:fail|unknown|waived|pass)" data-check="[^"]+">.*?</tr>', re.S
)


def check_rows(page: str) -> list[str]:
    return CHECK_ROW.findall(page)


async def test_an_empty_record_says_what_is_absent_in_words(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub, project=await make_project(db, gc))
    await verify_engagement(db, engagement.id, None, date.today())
    await sign_in(client, gc.emails["gc_contract_admin"])
    page = html.unescape((await client.get(f"/engagements/{engagement.id}", headers=HTML)).text)
    rows = check_rows(page)
    assert rows
    assert not [r for r in rows if "<td>—</td>" in r]
    assert any('<span class="muted">not read</span>' in r for r in rows)
    assert 'aria-labelledby="d-waive" class="wide"' in page  # the check names fit


async def test_a_failed_value_taken_from_the_record_is_not_called_missing_evidence(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    change = RecordChange(kind="initial", terms=short_terms(), endorsements=endorsements())
    revision = await confirm(db, make_store(settings), sub, change)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    await sign_in(client, gc.emails["gc_contract_admin"])
    page = html.unescape((await client.get(f"/engagements/{engagement.id}", headers=HTML)).text)
    short = [r for r in check_rows(page) if 'data-check="GL_EACH_OCCURRENCE_MIN"' in r]
    assert len(short) == 1 and "$500,000" in short[0]
    assert "judged from the record as confirmed" in short[0]
    assert "nothing in the record shows this" not in short[0]


async def test_the_subs_record_says_in_words_what_a_certificate_did_not_state(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    await engage_on_project(db, gc, sub)  # judged by no verdict yet: no expiry on record
    change = RecordChange(kind="initial", terms=short_terms(), endorsements=endorsements())
    await confirm(db, make_store(settings), sub, change)
    await sign_in(client, sub.emails["sub_bookkeeper"])
    record = html.unescape((await client.get("/record", headers=HTML)).text)
    stop_gap = re.search(r"<tr><td>CG 04 42</td>.*?</tr>", record)
    assert stop_gap is not None  # an endorsement whose edition the helper leaves blank
    assert "not stated" in stop_gap.group(0) and "<td>—</td>" not in stop_gap.group(0)
    assert "the policy's dates" in stop_gap.group(0)
    depends = html.unescape((await client.get("/depends", headers=HTML)).text)
    assert "<td>—</td>" not in depends and "no coverage on record" in depends


async def test_an_engagement_with_no_coverage_on_record_says_so_on_the_gcs_lists(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor", name="Blankslate Glazing LLC")
    project = await make_project(db, gc)
    engagement = await engage(db, gc, sub, project=project)
    await verify_engagement(db, engagement.id, None, date.today())
    await sign_in(client, gc.emails["gc_contract_admin"])
    for path in ("/dashboard", f"/projects/{project.id}"):
        page = html.unescape((await client.get(path, headers=HTML)).text)
        row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Blankslate Glazing LLC.*?</tr>", page, re.S)
        assert row is not None, path
        assert "none on record" in row.group(0) and "—" not in row.group(0), row.group(0)


async def test_a_refused_upload_shows_the_upload_form_again_with_the_reason(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    path = f"/subs/{sub.id}/upload"
    for files in (None, {"file": ("empty.pdf", b"", "application/pdf")}):
        refused = await client.post(path, data={"_csrf": csrf}, files=files, headers=HTML)
        assert refused.status_code == 422, refused.text
        assert "Not uploaded." in refused.text
        assert f'action="{path}"' in refused.text  # the form is there to try again
        assert "Back to the start page" not in refused.text


async def test_a_refused_broker_invitation_keeps_what_the_sub_typed(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    refused = await client.post(
        "/brokers",
        data={
            "_csrf": csrf,
            "broker_org_id": str(broker.id),
            "email": "dana@broker.example",
            "days": "999",
        },
        headers=HTML,
    )
    assert refused.status_code == 422 and "from 1 to 365 days" in refused.text
    assert 'value="dana@broker.example"' in refused.text
    assert 'value="999"' in refused.text
    assert f'<option value="{broker.id}" selected>' in refused.text
