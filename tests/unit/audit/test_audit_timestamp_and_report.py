"""RFC 3161 stamps through a local authority on the loopback interface, and the signed report:
readable content on one or two pages, the snapshot hash in its metadata, a PAdES signature."""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import pypdf
import pytest

from backend.audit import canonical, keys, report
from backend.audit.local_tsa import LocalAuthority
from backend.audit.samples import sample_facts
from backend.audit.timestamp import (
    HttpTimeStamper,
    TimestampError,
    fetch_timestamp,
    verify_timestamp,
)


@pytest.fixture(scope="module")
def authority() -> LocalAuthority:
    return LocalAuthority.create()


def test_a_stamp_fetched_over_http_verifies_offline(authority: LocalAuthority) -> None:
    with authority.serve() as url:
        token = fetch_timestamp(b"origin\n5\nroot\n", url)
    info = verify_timestamp(token, b"origin\n5\nroot\n", [authority.root_certificate])
    assert "Local Test Time-Stamp Authority" in info.authority
    with pytest.raises(TimestampError, match="does not verify"):
        verify_timestamp(token, b"origin\n6\nroot\n", [authority.root_certificate])
    other = LocalAuthority.create()
    with pytest.raises(TimestampError, match="does not verify"):
        verify_timestamp(token, b"origin\n5\nroot\n", [other.root_certificate])
    with pytest.raises(TimestampError, match="no time-stamp authority root"):
        verify_timestamp(token, b"origin\n5\nroot\n", [])


def test_an_unreachable_or_wrong_authority_is_a_clear_error(authority: LocalAuthority) -> None:
    with authority.serve() as url:
        dead_url = url
    with pytest.raises(TimestampError, match="did not answer"):
        fetch_timestamp(b"data", dead_url, timeout=2)
    with pytest.raises(TimestampError, match="not http"):
        fetch_timestamp(b"data", "file:///etc/passwd")


def snapshot_with_checks(count: int) -> tuple[dict[str, object], str]:
    facts = sample_facts(
        engagement_id=uuid.UUID(int=1),
        project_id=uuid.UUID(int=2),
        sub_id=uuid.UUID(int=3),
        gc_id=uuid.UUID(int=4),
        as_of=date(2026, 9, 1),
        kind="waive",
    )
    checks = [
        {
            "code": f"CHECK_{i:02d}",
            "passed": i % 4 != 0,
            "message": "Additional insured for the owner on ongoing and completed operations "
            "with CG 20 10 and CG 20 37 in an accepted edition.",
        }
        for i in range(count)
    ]
    snapshot = canonical.build_snapshot(replace(facts, checks=checks), None)
    return snapshot, canonical.sha256_hex(canonical.canonical_bytes(snapshot))


@pytest.mark.parametrize("checks", [3, 40])
def test_the_report_reads_well_on_one_or_two_pages(checks: int) -> None:
    snapshot, digest = snapshot_with_checks(checks)
    pdf = report.render_pdf(snapshot, digest, leaf_index=17)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Keystone Mechanical Inc.",
        "Bayline Builders LLC",
        "Harbor Point Medical Office Building",
        "Waiver",
        "Reviewed against the subcontract.",
        "GL-1000",
        "CHECK_00",
        "FAIL",
        "elevated/2",
    ):
        assert expected in text, expected
    assert digest[:32] in text.replace("\n", "")
    assert reader.metadata is not None
    assert f"{report.HASH_KEYWORD_PREFIX}{digest}" in str(reader.metadata.get("/Keywords"))


def test_the_signed_report_is_b_t_with_an_authority_and_b_b_without(
    tmp_path: Path, authority: LocalAuthority
) -> None:
    identity = keys.load_or_create_pdf_identity(tmp_path, "report tests")
    snapshot, digest = snapshot_with_checks(3)
    trusted = [identity.certificate, authority.root_certificate]

    async def both() -> tuple[report.ReportCheck, report.ReportCheck]:
        plain = await report.render_signed_report(snapshot, digest, identity)
        with authority.serve() as url:
            stamped = await report.render_signed_report(
                snapshot, digest, identity, timestamper=HttpTimeStamper(url)
            )
        return (
            await report.check_signed_report(plain, trusted),
            await report.check_signed_report(stamped, trusted),
        )

    plain, stamped = asyncio.run(both())
    for result in (plain, stamped):
        assert result.signature_intact and result.signer_trusted and result.covers_whole_file
        assert result.snapshot_sha256 == digest
    assert not plain.timestamped
    assert stamped.timestamped and stamped.timestamp_valid


def test_the_report_calls_an_unknown_check_unknown_as_the_engagement_page_does() -> None:
    # A new GC's first snapshot: the page said "13 failed, 5 unknown", the signed PDF said
    # "18 failed" and FAIL beside every unknown check (a rating not in the GC's table yet).
    checks = [
        {
            "code": "GL_PRESENT",
            "outcome": "pass",
            "passed": True,
            "severity": "blocking",
            "message": "General liability is on the record.",
        },
        {
            "code": "GL_EACH_OCCURRENCE_MIN",
            "outcome": "fail",
            "passed": False,
            "severity": "blocking",
            "message": "General liability each occurrence is short.",
        },
        {
            "code": "GL_EXPIRY_WINDOW",
            "outcome": "fail",
            "passed": False,
            "severity": "warning",
            "message": "General liability coverage ends soon.",
        },
        {
            "code": "GL_INSURER_RATING",
            "outcome": "unknown",
            "passed": False,
            "severity": "blocking",
            "message": "The insurer's rating is not in the rating table.",
        },
        {
            "code": "NOTICE_OF_CANCELLATION",
            "outcome": "waived",
            "passed": False,
            "severity": "blocking",
            "message": "No notice-of-cancellation endorsement.",
        },
    ]
    snapshot, digest = snapshot_with_checks(0)
    html = report.render_html({**snapshot, "checks": checks}, digest)
    assert "Checks (2 failed, 1 unknown, 1 waived, 1 passed of 5)" in html
    rows = {code: html.split(code)[0].rsplit("<tr>", 1)[1] for code in (c["code"] for c in checks)}
    assert ">pass<" in rows["GL_PRESENT"]
    assert ">FAIL<" in rows["GL_EACH_OCCURRENCE_MIN"]
    assert ">FAIL (warning)<" in rows["GL_EXPIRY_WINDOW"]
    assert ">UNKNOWN<" in rows["GL_INSURER_RATING"]
    assert ">waived<" in rows["NOTICE_OF_CANCELLATION"]


def test_a_snapshot_without_outcomes_reads_as_pass_or_fail() -> None:
    snapshot, digest = snapshot_with_checks(4)
    html = report.render_html(snapshot, digest)
    assert "Checks (1 failed, 3 passed of 4)" in html
