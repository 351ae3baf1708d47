"""The one-click project report for owners and lenders: every sub engaged on the project with
its status, key limits, expiries and open deficiencies, each row naming its audit snapshot;
signed like the snapshot reports and checked offline, a change to its facts detected."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import msgspec
import pdfplumber
from cryptography import x509
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.context import AuditContext
from backend.audit.report import (
    ReportError,
    check_project_report,
    render_project_report_pdf,
    render_signed_report,
)
from backend.cli import main
from backend.config import Settings
from backend.records.schemas import RecordChange, TermInput
from backend.records.store import make_store
from backend.web.project_report import project_report_facts
from tests.integration.factories import make_org, make_project, sign_in
from tests.integration.fanout.helpers import (
    bookkeeper,
    confirm,
    endorsements,
    engage_on_project,
    initial_change,
    terms,
)
from tests.integration.fanout.test_fanout import TODAY, event_of, ready_sub
from workers.fanout import run_fan_out


def _short_terms() -> list[TermInput]:
    """GL each occurrence $500,000 under a $1M minimum; the umbrella does not follow form."""
    return [
        msgspec.structs.replace(t, follows_form=False) if t.line == "umbrella" else t
        for t in terms(TODAY, gl_each=500_000)
    ]


async def test_the_project_report_lists_every_sub_and_is_signed(
    client: AsyncClient,
    db: AsyncSession,
    session_factory: Any,
    settings: Settings,
    tmp_path: Path,
) -> None:
    gc = await make_org(db, "general_contractor", name="Lakeview Owners Builders LLC")
    project = await make_project(db, gc, "LV-77")
    sound = await ready_sub(db, gc)
    short = await ready_sub(db, gc)
    waiting = await make_org(db, "subcontractor", name="Not Yet Judged Glass LLC")
    await engage_on_project(db, gc, sound, project=project)
    await engage_on_project(db, gc, short, project=project)
    await engage_on_project(db, gc, waiting, project=project)
    other_project = await make_project(db, gc, "LV-78")
    elsewhere = await make_org(db, "subcontractor", name="Other Project Paving LLC")
    await engage_on_project(db, gc, elsewhere, project=other_project)
    store = make_store(settings)
    first = await confirm(db, store, sound, initial_change(TODAY))
    await run_fan_out(session_factory, (await event_of(db, first.id)).id, TODAY)
    lacking = RecordChange(kind="initial", terms=_short_terms(), endorsements=endorsements())
    second = await confirm(db, store, short, lacking)
    await run_fan_out(session_factory, (await event_of(db, second.id)).id, TODAY)

    await sign_in(client, gc.emails["gc_viewer"])
    page = await client.get(f"/projects/{project.id}", headers={"accept": "text/html"})
    assert f'href="/projects/{project.id}/report.pdf"' in page.text
    response = await client.get(f"/projects/{project.id}/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "PROJECT_REPORT_LV-77_" in response.headers["content-disposition"]
    pdf = response.content

    context = AuditContext.from_settings(settings)
    trusted = x509.load_pem_x509_certificates(
        context.pdf_identity.certificate_pem + context.pdf_identity.chain_pem
    )
    checked = await check_project_report(pdf, trusted)
    assert checked.signature.signature_intact and checked.signature.covers_whole_file
    assert checked.signature.signer_trusted
    assert checked.facts_match and checked.facts is not None
    facts = checked.facts
    assert facts["project"]["number"] == "LV-77"
    assert facts["gc"]["name"] == "Lakeview Owners Builders LLC"
    by_sub = {row["sub"]: row for row in facts["rows"]}
    assert set(by_sub) == {
        sound.organisation.legal_name,
        short.organisation.legal_name,
        "Not Yet Judged Glass LLC",
    }  # every sub of this project, none of another
    lacking_row = by_sub[short.organisation.legal_name]
    assert lacking_row["status"] == "non_compliant"
    assert any("each occurrence" in d for d in lacking_row["open_deficiencies"])
    gl = next(line for line in lacking_row["lines"] if line["line"] == "general_liability")
    assert gl["limits"]["each_occurrence"] == 500_000
    assert lacking_row["snapshot"]["seq"] >= 0 and len(lacking_row["snapshot"]["sha256"]) == 64
    assert by_sub["Not Yet Judged Glass LLC"]["snapshot"] is None
    assert facts["summary"]["total"] == 3

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = " ".join(p.extract_text() or "" for p in document.pages)
    assert "Insurance compliance report: LV-77" in text
    assert "$500,000" in text and "not yet judged" in text
    assert checked.facts_sha256 is not None and checked.facts_sha256[:16] in text.replace(" ", "")

    # A byte changed anywhere breaks the signature.
    middle = len(pdf) // 2
    tampered = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]
    try:
        broken = await check_project_report(tampered, trusted)
        assert not broken.signature.signature_intact
    except ReportError:
        pass  # so damaged it no longer reads as a signed PDF: refused just the same
    # The operator's command checks the same offline: exit 0 for the report, 1 once altered.
    folder = tmp_path
    (folder / "report.pdf").write_bytes(pdf)
    (folder / "tampered.pdf").write_bytes(tampered)
    (folder / "reports.pem").write_bytes(
        context.pdf_identity.certificate_pem + context.pdf_identity.chain_pem
    )
    pem = str(folder / "reports.pem")
    for name, exit_code in (("report.pdf", 0), ("tampered.pdf", 1)):
        arguments = ["audit", "verify-report", str(folder / name), "--pdf-cert", pem]
        # The command runs its own event loop, so it runs beside this test's.
        assert await asyncio.to_thread(main, arguments) == exit_code

    # A PDF signed by the same identity that is not this report with its facts (here a
    # snapshot report) is not taken for one: no facts named, none attached.
    unsigned, digest = render_project_report_pdf(facts)
    assert digest == checked.facts_sha256  # the same facts make the same report hash
    snapshot_report = await render_signed_report(
        {"kind": "verdict"}, "0" * 64, context.pdf_identity
    )
    other = await check_project_report(snapshot_report, trusted)
    assert other.signature.signature_intact
    assert other.facts_sha256 is None and not other.facts_match and other.facts is None
    del unsigned


async def test_the_project_report_is_the_gcs_own(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    owner = await make_org(db, "general_contractor")
    project = await make_project(db, owner)
    stranger = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    await sign_in(client, stranger.emails["gc_admin"])
    assert (await client.get(f"/projects/{project.id}/report.pdf")).status_code == 404
    client.cookies.clear()
    await sign_in(client, sub.emails["sub_admin"])
    assert (await client.get(f"/projects/{project.id}/report.pdf")).status_code in (403, 404)
    actor = await bookkeeper(db, sub)
    del actor  # a sub's actor has no project of its own to report on
    facts = await project_report_facts(db, await _gc_actor(db, owner), project.id, TODAY)
    assert facts["rows"] == [] and facts["summary"]["total"] == 0


async def _gc_actor(db: AsyncSession, gc: Any) -> Any:
    from backend.network.actor import Actor
    from tests.integration.fanout.helpers import person_of

    person = await person_of(db, gc.emails["gc_admin"])
    return Actor(person.id, gc.id, "general_contractor", "gc_admin")
