"""Journey 1: a bookkeeper uploads one renewal; two different GCs each see the new status."""

from __future__ import annotations

import base64
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Shots, Stack, assert_labelled, sign_in
from tests.e2e.documents import Policy, certificate_pdf
from tests.e2e.seed import GC_A, GC_B, SUB_RENEWING

pytestmark = pytest.mark.e2e
WAIT_MS = 90_000
# The holder planner is a worker cron at second 45 of every minute: two runs and slack for a
# loaded machine.
PLANNER_WAIT_S = 150
DROP_FILE = """([data, name]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "application/pdf" }));
  const zone = document.querySelector("[data-dropzone]");
  const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
  zone.dispatchEvent(new DragEvent("dragover", init));
  zone.dispatchEvent(new DragEvent("drop", init));
}"""


def dashboard_status(page: Any, stack: Stack) -> str:
    page.goto(f"{stack.base_url}/dashboard")
    row = page.locator("table.portfolio tbody tr", has_text=SUB_RENEWING)
    expect(row).to_have_count(1)
    return str(row.get_attribute("data-status"))


def test_one_renewal_reaches_two_gcs(stack: Stack, browser: Any) -> None:
    shots = Shots("journey1-renewal")
    wide = {"viewport": {"width": 1280, "height": 900}}
    gc_a = sign_in(
        browser.new_context(**wide), stack.base_url, stack.info.gc_a_admin, stack.password
    )
    gc_b = sign_in(
        browser.new_context(**wide), stack.base_url, stack.info.gc_b_admin, stack.password
    )
    before = {GC_A: dashboard_status(gc_a, stack), GC_B: dashboard_status(gc_b, stack)}
    assert_labelled(gc_a)
    shots(gc_a, "gc-a-dashboard-before")
    shots(gc_b, "gc-b-dashboard-before")

    bookkeeper = sign_in(
        browser.new_context(**wide), stack.base_url, stack.info.renewing_bookkeeper, stack.password
    )
    expect(bookkeeper.get_by_role("heading", level=1)).to_contain_text(SUB_RENEWING)
    shots(bookkeeper, "master-record-before")
    bookkeeper.get_by_role("link", name="Upload a certificate or endorsement").click()
    starts = stack.info.renewing_expires
    renewal = certificate_pdf(
        SUB_RENEWING,
        GC_A,
        Policy("GL-50101", "AU-50102", starts, starts + timedelta(days=365)),
        "30 days notice of cancellation will be given to the holder.",
    )
    # Dropped on the page, as a person drags the file from their desktop.
    bookkeeper.evaluate(
        DROP_FILE, [base64.b64encode(renewal).decode(), "keystone-renewal-2027.pdf"]
    )
    bookkeeper.wait_for_url(re.compile(r"/documents/.+/review"), timeout=WAIT_MS)
    confirm = bookkeeper.get_by_role("button", name="Confirm and update the record")
    expect(confirm).to_be_visible(timeout=WAIT_MS)
    image = bookkeeper.locator(".pagebox img").first
    expect(image).to_be_visible()
    bookkeeper.wait_for_function(
        "() => { const i = document.querySelector('.pagebox img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    policy_number = bookkeeper.locator("#cov-0-policy_number")
    expect(policy_number).to_have_value("GL-50101")
    policy_number.focus()
    expect(bookkeeper.locator(".hl.on")).to_have_count(1)
    assert_labelled(bookkeeper)
    shots(bookkeeper, "review-side-by-side")
    expect(bookkeeper.get_by_label("What this change is")).to_have_value("renewal")
    confirm.click()

    bookkeeper.wait_for_url(re.compile(r"/revisions/.+/reach"))
    reach = bookkeeper.locator("#reach .reach")
    expect(reach).to_contain_text("reached 2 GCs on 2 projects")
    shots(bookkeeper, "reached-while-checking")
    expect(reach).to_contain_text("Every engagement has been re-checked", timeout=WAIT_MS)
    shots(bookkeeper, "reached-all-checked")
    after: dict[str, str] = {}
    for gc in (GC_A, GC_B):
        badge = bookkeeper.locator("#reach tbody tr", has_text=gc).locator(".badge")
        after[gc] = badge.inner_text()

    labels = {
        "compliant": "Compliant",
        "expiring": "Expiring",
        "non_compliant": "Non-compliant",
        "expired": "Expired",
        "incomplete": "Incomplete",
        "pending": "Pending review",
    }
    # GC A's portfolio has stayed open all along: it must show the new status by itself.
    open_row = gc_a.locator("table.portfolio tbody tr", has_text=SUB_RENEWING)
    expect(open_row).not_to_have_attribute("data-status", before[GC_A], timeout=WAIT_MS)
    assert gc_a.locator("#portfolio[data-refreshed-at]").count() == 1
    for gc, page, name in ((GC_A, gc_a, "gc-a"), (GC_B, gc_b, "gc-b")):
        status = dashboard_status(page, stack)
        assert status != before[gc], f"{gc} still shows {status}"
        assert labels[status] == after[gc]
        shots(page, f"{name}-dashboard-after")
    gc_a.get_by_role("link", name="Notices").click()
    notice = gc_a.locator(".notices > li", has_text=SUB_RENEWING).first
    expect(notice).to_have_attribute("data-read", "false")
    notice.get_by_role("button").click()
    expect(notice).to_have_attribute("data-read", "true")
    shots(gc_a, "gc-a-notices")
    # The holder on the certificate is GC A: only GC B is told its holder is missing.
    assert after[GC_A] != after[GC_B]
    narrow = browser.new_context(viewport={"width": 390, "height": 844})
    phone = sign_in(narrow, stack.base_url, stack.info.gc_b_admin, stack.password)
    shots(phone, "gc-b-dashboard-390px")

    # Issue 17 Must 11: the renewal is one record, but GC B needs a certificate naming it as
    # holder. The worker's planner (every minute) asks for it (on the sub's home page too) ...
    holders = bookkeeper.locator("#holder-requests")
    wanted = holders.locator("tbody tr", has_text=GC_B)
    deadline = time.monotonic() + PLANNER_WAIT_S
    while wanted.count() == 0 and time.monotonic() < deadline:
        bookkeeper.goto(f"{stack.base_url}/certificates-needed")
        if wanted.count() == 0:
            time.sleep(2)
    expect(wanted).to_contain_text("SR-201")
    expect(holders.locator("tbody tr", has_text=GC_A)).to_have_count(0)  # its own holder
    shots(bookkeeper, "holder-certificate-asked")
    # ... and the certificate naming GC B, once read, answers it (the policies stay one record).
    for_b = certificate_pdf(
        SUB_RENEWING,
        GC_B,
        Policy("GL-50101", "AU-50102", starts, starts + timedelta(days=365)),
        "30 days notice of cancellation will be given to the holder.",
    )
    bookkeeper.goto(f"{stack.base_url}/")
    bookkeeper.get_by_role("link", name="Upload a certificate or endorsement").click()
    bookkeeper.get_by_label("File to upload").set_input_files(
        {"name": "keystone-for-summit.pdf", "mimeType": "application/pdf", "buffer": for_b}
    )
    bookkeeper.get_by_role("button", name="Upload", exact=True).click()
    bookkeeper.wait_for_url(re.compile(r"/documents/.+/review"), timeout=WAIT_MS)
    expect(bookkeeper.get_by_role("button", name="Confirm and update the record")).to_be_visible(
        timeout=WAIT_MS
    )
    answered = bookkeeper.locator("#no-holder-requests")
    deadline = time.monotonic() + PLANNER_WAIT_S
    while answered.count() == 0 and time.monotonic() < deadline:
        bookkeeper.goto(f"{stack.base_url}/certificates-needed")
        if answered.count() == 0:
            time.sleep(2)
    expect(answered).to_be_visible()
    shots(bookkeeper, "holder-certificate-answered")
