"""Journey 2: a GC admin creates a project from a template, invites a sub, reviews its
verdict, waives one check with a reason, approves, and downloads the snapshot bundle, which
/verify accepts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Shots, Stack, assert_labelled, sign_in
from tests.e2e.seed import SUB_INVITED

pytestmark = pytest.mark.e2e
WAIT_MS = 60_000


def test_project_invite_review_waive_approve_verify(stack: Stack, browser: Any) -> None:
    shots = Shots("journey2-gc-review")
    today = stack.info.today
    gc = sign_in(
        browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True),
        stack.base_url,
        stack.info.gc_a_admin,
        stack.password,
    )
    gc.get_by_role("link", name="Projects").click()
    gc.get_by_label("Project number").fill("HP-300")
    gc.get_by_label("Name", exact=True).fill("Harbor Point Warehouse")
    gc.get_by_label("State (two letters)").fill("IN")
    gc.get_by_label("Start date").fill(today.isoformat())
    gc.get_by_label("End date").fill((today + timedelta(days=200)).isoformat())
    gc.get_by_label("Trade 1", exact=True).fill("Drywall")
    gc.get_by_label("Requirements for trade 1").select_option("template:standard")
    assert_labelled(gc)
    shots(gc, "new-project-form")
    gc.get_by_role("button", name="Create project").click()
    expect(gc.get_by_role("heading", level=1)).to_contain_text("HP-300 Harbor Point Warehouse")
    expect(gc.get_by_role("link", name="Standard risk trades")).to_be_visible()

    gc.get_by_label("Sub's e-mail").fill(stack.info.invited_owner)
    gc.get_by_role("button", name="Send invitation").click()
    expect(gc.get_by_role("status")).to_contain_text(
        f"Invitation e-mailed to {stack.info.invited_owner}"
    )
    shots(gc, "project-invitation-sent")

    sub = sign_in(
        browser.new_context(viewport={"width": 390, "height": 844}),
        stack.base_url,
        stack.info.invited_owner,
        stack.password,
    )
    sub.get_by_role("link", name="Review and accept them").click()
    sub.get_by_role("button", name="Accept invitation to HP-300").click()
    row = sub.locator("tbody tr", has_text="HP-300")
    expect(row).to_contain_text("Non-compliant")
    expect(row).to_contain_text("Umbrella / excess liability each occurrence")
    shots(sub, "sub-accepted-390px")

    gc.reload()
    gc.get_by_role("link", name=SUB_INVITED).click()
    expect(gc.get_by_role("heading", level=1)).to_contain_text(SUB_INVITED)
    failed = gc.locator("tr[data-check='UMB_EACH_OCCURRENCE_MIN']")
    expect(failed).to_contain_text("Failed")
    expect(failed).to_contain_text("$2,000,000")
    expect(failed).to_contain_text("$1,000,000")
    assert gc.locator("table.checks tr.fail").count() == 1
    assert_labelled(gc)
    shots(gc, "verdict-one-failure")

    gc.locator("#passed-checks > summary").click()
    evidence = gc.locator("tr[data-check='GL_EACH_OCCURRENCE_MIN'] a").first
    evidence.click()
    expect(gc.locator(".hl.on")).to_have_count(1)
    shots(gc, "evidence-on-certificate")
    gc.go_back()

    gc.get_by_label("Check", exact=True).select_option("UMB_EACH_OCCURRENCE_MIN|umbrella")
    gc.locator("#waive-reason").fill("Owner accepts $1M umbrella for interior drywall scope")
    gc.get_by_label("Waiver ends on").fill((today + timedelta(days=120)).isoformat())
    gc.get_by_role("button", name="Waive", exact=True).click()
    expect(failed).to_contain_text("Waived")
    expect(failed).to_contain_text("Owner accepts $1M umbrella")
    gc.locator("#approve-reason").fill("Reviewed against the subcontract")
    gc.get_by_role("button", name="Approve", exact=True).click()
    history = gc.locator("table", has_text="Decision history")
    expect(history).to_contain_text("Approved")
    expect(history).to_contain_text("Waived a check UMB_EACH_OCCURRENCE_MIN")
    approve_row = gc.locator("tr[data-snapshot-kind='approve']")
    expect(approve_row).to_have_count(1)
    shots(gc, "approved-with-snapshots")

    with gc.expect_download(timeout=WAIT_MS) as download_info:
        approve_row.get_by_role("link", name=re.compile("Evidence bundle")).click()
    download = download_info.value
    assert re.match(r"SUB-RIVERBEND-DRYWALL-LLC_PROJECT-.+\.zip$", download.suggested_filename)
    bundle_path = shots.folder / download.suggested_filename
    download.save_as(str(bundle_path))

    verifier = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    verifier.goto(f"{stack.base_url}/verify")
    verifier.get_by_label("Evidence bundle (.zip)").set_input_files(str(bundle_path))
    verifier.get_by_role("button", name="Verify").click()
    result = verifier.locator("#verify-result")
    expect(result).to_have_attribute("data-ok", "true", timeout=WAIT_MS)
    expect(result).to_contain_text("Verified.")
    assert_labelled(verifier)
    shots(verifier, "verify-page-accepts-bundle")

    tampered = bytearray(bundle_path.read_bytes())
    tampered[len(tampered) // 2] ^= 0xFF
    verifier.get_by_label("Evidence bundle (.zip)").set_input_files(
        {"name": "tampered.zip", "mimeType": "application/zip", "buffer": bytes(tampered)}
    )
    verifier.get_by_role("button", name="Verify").click()
    expect(verifier.locator("#verify-result")).to_have_attribute("data-ok", "false")
    shots(verifier, "verify-page-refuses-tampered")
