"""Journey 6: the whole loop, from a deficiency found to a deficiency cleared, with nobody
leaving the product or writing an e-mail by hand. The GC sees the failed check and that no
document shows it, and reminds the sub in one press; the sub follows the reminder on its home
page to the GC's requirements in plain words and
forwards the gap to the broker it invited, who never registered; the broker's e-mail lists the
gap and carries a single-use upload link; the broker sends the endorsement through it from a
phone; the worker reads it; the sub reviews it (what confirming would do to the GC's project,
no warning) and confirms; the fan-out re-checks; the sub's page says nothing is needed and its
notice says the deficiency is cleared; the GC's notice says non-compliant -> compliant and its
engagement page and portfolio show it compliant."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Shots, Stack, assert_labelled, sign_in
from tests.e2e.documents import endorsement_pdf
from tests.e2e.seed import BROKER, GC_LOOP, SUB_LOOP

pytestmark = pytest.mark.e2e
WAIT_MS = 90_000
LINK = re.compile(r"http://\S+/upload-link\?token=upl_[\w-]+")
AGENT = "quotes@blueanchor.e2e"
GAP = "completed operations"
CHECK = "tr[data-check='AI_COMPLETED']"


def _wait_mail(base_url: str, address: str, pattern: re.Pattern[str]) -> str:
    """The body of the first message to this address matching the pattern, once sent."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        for message in httpx.get(f"{base_url}/dev/mail/messages", timeout=5).json():
            if address in message["to"] and pattern.search(message["body"]):
                return str(message["body"])
        time.sleep(0.5)
    raise AssertionError(f"nothing matching {pattern.pattern} reached {address}")


def test_a_deficiency_goes_from_found_to_cleared_inside_the_product(
    stack: Stack, browser: Any
) -> None:
    shots = Shots("journey6-loop")
    started = time.monotonic()
    base = stack.base_url
    wide = {"viewport": {"width": 1280, "height": 900}}

    # The GC finds the deficiency: one failed check, and no document shows the endorsement.
    gc = sign_in(browser.new_context(**wide), base, stack.info.loop_gc_admin, stack.password)
    gc.goto(f"{base}/dashboard")
    row = gc.locator("table.portfolio tbody tr", has_text=SUB_LOOP)
    expect(row).to_have_attribute("data-status", "non_compliant")
    row.get_by_role("link", name=SUB_LOOP).click()
    gc.wait_for_url(re.compile(r"/engagements/[0-9a-f-]+$"))
    gc_page = gc.url
    failed = gc.locator(CHECK)
    expect(failed).to_contain_text("Failed")
    expect(failed).to_contain_text("No evidence: nothing in the record shows this")
    assert gc.locator("table.checks tr.fail").count() == 1
    shots(gc, "gc-sees-deficiency")
    # One press reminds the sub (and any broker it registered) of exactly what is missing.
    gc.get_by_role("button", name="Remind the sub of what is missing").click()
    expect(gc.locator("#reminded")).to_be_visible()

    # The sub's home page carries the reminder; its link leads to the fix.
    sub = sign_in(browser.new_context(**wide), base, stack.info.loop_bookkeeper, stack.password)
    asked = sub.locator("#home-notices li[data-kind='reminder']", has_text=GC_LOOP)
    expect(asked).to_contain_text(GAP)
    shots(sub, "sub-home-reminder")
    # The sub invites its broker's agent first; the agent never registers.
    sub.get_by_role("link", name="Brokers").click()
    sub.get_by_label("Broker firm").select_option(label=BROKER)
    sub.get_by_label("Agent's e-mail").fill(AGENT)
    sub.get_by_role("button", name="Send invitation").click()
    expect(sub.locator("#broker-sent")).to_contain_text(AGENT)
    sub.goto(f"{base}/")
    sub.locator("#home-notices li[data-kind='reminder']", has_text=GC_LOOP).get_by_role(
        "link", name=re.compile("^Fix it")
    ).click()
    sub.wait_for_url(re.compile(r"/my/engagements/[0-9a-f-]+$"))
    sub_page = sub.url
    expect(sub.get_by_role("heading", name=f"What {GC_LOOP} requires")).to_be_visible()
    expect(sub.locator("#gaps")).to_contain_text(GAP)
    expect(sub.locator(".requirements")).to_contain_text(GAP)
    assert_labelled(sub)
    shots(sub, "sub-sees-gap-in-plain-words")

    # Forwarded to the broker in one step: the e-mail is the product's, not the sub's.
    sub.get_by_text("Forward to my broker").click()
    expect(sub.get_by_label("Broker's e-mail")).to_have_value(AGENT)
    sub.get_by_label("Note (optional)").fill("For the Bayview Clinic job, please.")
    sub.get_by_role("button", name="Send to my broker").click()
    expect(sub.locator("#done")).to_contain_text("a link to upload the documents")
    shots(sub, "sub-forwarded")
    body = _wait_mail(base, AGENT, LINK)
    assert f"{SUB_LOOP}: insurance needed for {GC_LOOP}, GB-501" in body or GAP in body
    assert GAP in body and "For the Bayview Clinic job, please." in body
    assert f"{GC_LOOP}'s requirements:" in body
    link = LINK.search(body)
    assert link is not None

    # The broker, on a phone, with no account: the link lists the gap and takes one PDF.
    broker = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    broker.goto(link.group(0))
    expect(broker.get_by_role("heading", name=f"Send an insurance document for {SUB_LOOP}"))
    expect(broker.locator("#link-items")).to_contain_text(GAP)
    expect(broker.locator("#link-items")).to_contain_text("GB-501 Bayview Clinic")
    assert_labelled(broker)
    shots(broker, "broker-link-390px")
    endorsement = endorsement_pdf(
        "CG 20 37", "04 13", SUB_LOOP, stack.info.loop_gl_number, stack.info.today, ()
    )
    broker.get_by_label("PDF to send").set_input_files(
        {"name": "pinecrest-CG2037.pdf", "mimeType": "application/pdf", "buffer": endorsement}
    )
    broker.get_by_role("button", name=f"Send to {SUB_LOOP}").click()
    expect(broker.locator("#link-sent")).to_contain_text("pinecrest-CG2037.pdf")
    shots(broker, "broker-sent-390px")

    # The sub reviews what arrived: what confirming would do, no warning, then confirms.
    sub.goto(f"{base}/notices")
    sub.get_by_role("link", name=re.compile("through an upload link")).first.click()
    sub.wait_for_url(re.compile(r"/documents/.+/review"))
    confirm = sub.get_by_role("button", name="Confirm and update the record")
    expect(confirm).to_be_visible(timeout=WAIT_MS)
    expect(sub.locator("#sent-by")).to_contain_text(AGENT)
    expect(sub.locator("#end-0-form_number")).to_have_value("CG 20 37")
    effect = sub.locator("#feedback tr[data-effect]", has_text=GC_LOOP)
    expect(effect).to_have_attribute("data-after", "compliant", timeout=WAIT_MS)
    expect(effect).to_contain_text("GB-501")
    expect(sub.locator("#review-warnings")).to_have_count(0)
    shots(sub, "sub-reviews-with-feedback")
    confirm.click()
    reach = sub.locator("#reach .reach")
    expect(reach).to_contain_text("reached 1 GC on 1 project")
    expect(reach).to_contain_text("Every engagement has been re-checked", timeout=WAIT_MS)

    # Cleared, for the sub: its page and its notice say so.
    sub.goto(sub_page)
    expect(sub.locator("#nothing-needed")).to_contain_text(f"meets {GC_LOOP}'s requirements")
    sub.goto(f"{base}/notices")
    cleared = sub.locator(".notices > li[data-kind='deficiency_cleared']")
    expect(cleared).to_have_count(1)
    expect(cleared).to_contain_text("non-compliant -> compliant")
    expect(cleared).to_contain_text(GC_LOOP)
    shots(sub, "sub-notice-cleared")

    # Cleared, for the GC: its notice says so and leads to the engagement, now compliant.
    gc.goto(f"{base}/notices")
    changed = gc.locator(".notices > li[data-kind='status_changed']", has_text=SUB_LOOP)
    expect(changed).to_contain_text("non-compliant -> compliant")
    changed.get_by_role("link", name=re.compile("^Open")).click()
    gc.wait_for_url(gc_page)
    attention = gc.locator("table.checks").first
    expect(attention.locator(CHECK)).to_have_count(0)
    expect(attention).to_contain_text("Every check passed.")
    gc.locator("#passed-checks > summary").click()
    expect(gc.locator(f"#passed-checks {CHECK}")).to_contain_text("pinecrest-CG2037.pdf")
    shots(gc, "gc-sees-cleared")
    gc.goto(f"{base}/dashboard")
    expect(gc.locator("table.portfolio tbody tr", has_text=SUB_LOOP)).to_have_attribute(
        "data-status", "compliant"
    )
    print(f"journey 6 (the whole loop) took {time.monotonic() - started:.1f} s")
