"""Journey 7: a GC's office work around the loop, in Chromium against the real app and worker.
The GC finds a sub already on the network by name and engages it onto a project in one step;
the sub accepts and gets the GC's checklist on its home page at once (the requirements in plain
words); the GC approves the new verdict from its inbox, ticked with a reason; invites two more
from pasted CSV rows, one refused with its reason in the preview and the good one sent in an
e-mail naming the organisation and the person with one date to accept by; downloads the signed
project report, and asks what was in effect before the sub joined (a miss, said in words)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Shots, Stack, assert_labelled, sign_in
from tests.e2e.seed import GC_OFFICE, SUB_FOUND

pytestmark = pytest.mark.e2e
WAIT_MS = 90_000
PROJECT = "CR-601"
NEWCOMER = "office@alder-roofing.e2e"
CSV_ROWS = (
    "name,email,trade,project\n"
    f"Alder Roofing LLC,{NEWCOMER},Roofing,{PROJECT}\n"
    f"Birch Plumbing LLC,office@birch.e2e,Plumbing,{PROJECT}\n"
)


def _wait_mail(base_url: str, address: str) -> str:
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        for message in httpx.get(f"{base_url}/dev/mail/messages", timeout=5).json():
            if address in message["to"]:
                return f"{message.get('subject', '')}\n{message['body']}"
        time.sleep(0.5)
    raise AssertionError(f"no mail reached {address}")


def test_find_engage_approve_invite_many_and_report(stack: Stack, browser: Any) -> None:
    shots = Shots("journey7-gc-office")
    started = time.monotonic()
    base = stack.base_url
    wide = {"viewport": {"width": 1280, "height": 900}, "accept_downloads": True}
    gc = sign_in(browser.new_context(**wide), base, stack.info.office_gc_admin, stack.password)

    # Found on the network by name and engaged in one step.
    gc.get_by_role("link", name="Find subs").click()
    gc.get_by_label("Company name").fill("Northgate")
    gc.get_by_role("button", name="Search").click()
    found = gc.locator("tr[data-sub]", has_text=SUB_FOUND)
    expect(found).to_have_count(1)
    expect(found).to_contain_text("None yet")
    found.get_by_label(f"Project and trade for {SUB_FOUND}").select_option(
        label=f"{PROJECT} · Electrical"
    )
    found.get_by_role("button", name=f"Invite {SUB_FOUND}").click()
    expect(gc.locator("#sent")).to_contain_text(f"Invitation sent to {SUB_FOUND} for Electrical")
    assert_labelled(gc)
    shots(gc, "found-and-invited")

    # The sub accepts and has the GC's checklist at once.
    sub = sign_in(
        browser.new_context(viewport={"width": 390, "height": 844}),
        base,
        stack.info.found_owner,
        stack.password,
    )
    sub.get_by_role("link", name="Review and accept them").click()
    sub.get_by_role("button", name=f"Accept invitation to {PROJECT}").click()
    expect(sub.locator("tbody tr", has_text=PROJECT)).to_contain_text("Compliant")
    sub.goto(f"{base}/")
    checklist = sub.locator("#home-notices li[data-kind='checklist']")
    expect(checklist).to_contain_text(f"Your checklist for {GC_OFFICE}, {PROJECT}")
    expect(checklist).to_contain_text("each occurrence at least $1,000,000")
    shots(sub, "sub-checklist-390px")
    checklist.get_by_role("link", name=re.compile("^Open")).click()
    expect(sub.get_by_role("heading", name=f"What {GC_OFFICE} requires")).to_be_visible()
    expect(sub.locator("#nothing-needed")).to_be_visible()

    # The GC's inbox: the new verdict, nothing failing, approved with a reason.
    gc.get_by_role("link", name="Inbox").click()
    row = gc.locator("table.inbox tbody tr", has_text=SUB_FOUND)
    expect(row).to_have_attribute("data-approvable", "true")
    row.get_by_role("checkbox").check()
    gc.get_by_label(re.compile("^Reason for approving the ticked rows")).fill(
        "Checked against the subcontract"
    )
    gc.get_by_role("button", name="Approve the ticked rows").click()
    expect(gc.locator("#approved")).to_contain_text("1 approved")
    expect(gc.locator("table.inbox tbody tr", has_text=SUB_FOUND)).to_have_count(0)
    shots(gc, "inbox-approved")
    sub.goto(f"{base}/notices")
    expect(sub.locator(".notices > li[data-kind='decision_approve']")).to_contain_text(
        f"{GC_OFFICE} approved your insurance for {PROJECT}"
    )

    # Many at once from CSV rows: a preview with each row's problem, then only the good sent.
    gc.get_by_role("link", name="Projects").click()
    gc.get_by_role("link", name=re.compile(PROJECT)).first.click()
    project_page = gc.url
    gc.get_by_role("link", name="Invite many at once from a CSV").click()
    gc.get_by_label("Or paste the rows").fill(CSV_ROWS)
    gc.get_by_role("button", name="Preview").click()
    expect(gc.locator("table.bulk caption")).to_contain_text("Preview: 1 of 2 rows can be sent")
    refused = gc.locator("table.bulk tr.fail")
    expect(refused).to_contain_text("Birch Plumbing LLC")
    expect(refused).to_contain_text(f"“Plumbing” is not one of {PROJECT}'s trades.")
    shots(gc, "bulk-preview")
    # The refusal links to its fix: the trade is added on the project's page, filled in.
    refused.get_by_role("link", name=f"Add it to {PROJECT}").click()
    expect(gc.get_by_label("New trade")).to_have_value("Plumbing")
    gc.get_by_label("Held to").select_option(label="Trades on CR-601 (v1)")
    gc.get_by_role("button", name="Add the trade").click()
    expect(gc.locator("#trade-added")).to_contain_text("Plumbing added")
    gc.goto(f"{base}/invitations/bulk")
    gc.get_by_label("Or paste the rows").fill(CSV_ROWS)
    gc.get_by_role("button", name="Preview").click()
    expect(gc.locator("table.bulk caption")).to_contain_text("Preview: 2 of 2 rows can be sent")
    gc.get_by_role("button", name="Send the 2 good invitations").click()
    expect(gc.locator("table.bulk caption")).to_contain_text("Sent: 2 of 2 rows")
    mail = _wait_mail(base, NEWCOMER)
    assert f"of {GC_OFFICE} invited you" in mail, mail
    assert len(re.findall(r"Accept by \d{4}-\d{2}-\d{2}", mail)) == 1, mail

    # The signed project report, on its own, and a date before the sub joined, in words.
    gc.goto(project_page)
    with gc.expect_download(timeout=WAIT_MS) as download_info:
        gc.locator("#project-report").click()
    report = download_info.value
    assert report.suggested_filename.endswith(".pdf"), report.suggested_filename
    saved = shots.folder / report.suggested_filename
    report.save_as(str(saved))
    assert saved.read_bytes().startswith(b"%PDF-")
    gc.get_by_role("link", name=SUB_FOUND).first.click()
    gc.wait_for_url(re.compile(r"/engagements/[0-9a-f-]+$"))
    before = (stack.info.today - timedelta(days=400)).isoformat()
    gc.locator("#in-effect-on").fill(before)
    gc.get_by_role("button", name="Show what was in effect").click()
    expect(gc.locator("#in-effect-none")).to_contain_text(f"Nothing was in effect on {before}")
    shots(gc, "in-effect-miss")
    print(f"journey 7 (GC office) took {time.monotonic() - started:.1f} s")
