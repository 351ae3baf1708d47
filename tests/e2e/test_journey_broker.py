"""Journey 3: a broker accepts an invitation and uploads an endorsement that clears a
deficiency."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Shots, Stack, assert_labelled, sign_in
from tests.e2e.documents import endorsement_pdf
from tests.e2e.seed import BROKER, SUB_BROKERED

pytestmark = pytest.mark.e2e
WAIT_MS = 90_000
LINK = re.compile(r"http://\S+/invitations/accept\?token=[\w-]+")


def test_broker_endorsement_clears_deficiency(stack: Stack, browser: Any) -> None:
    shots = Shots("journey3-broker")
    bookkeeper = sign_in(
        browser.new_context(viewport={"width": 1280, "height": 900}),
        stack.base_url,
        stack.info.brokered_bookkeeper,
        stack.password,
    )
    bookkeeper.get_by_role("link", name="Brokers").click()
    bookkeeper.get_by_label("Broker firm").select_option(label=BROKER)
    bookkeeper.get_by_label("Agent's e-mail").fill(stack.info.broker_agent)
    bookkeeper.get_by_role("button", name="Send invitation").click()
    # The sub sees that the invitation went out, never the link: only the agent's mailbox
    # (here the development mail sink) holds it.
    expect(bookkeeper.locator("#broker-sent")).to_contain_text(stack.info.broker_agent)
    assert "token=" not in bookkeeper.content()
    assert_labelled(bookkeeper)
    shots(bookkeeper, "broker-invited")
    link = _mailed_link(stack.base_url, stack.info.broker_agent)

    broker_context = browser.new_context(viewport={"width": 390, "height": 844})
    broker = broker_context.new_page()
    broker.goto(link)
    broker.get_by_label("Your name").fill("Dana Whitfield")
    broker.get_by_role("button", name="Accept and continue").click()
    expect(broker.get_by_role("heading", name=SUB_BROKERED)).to_be_visible()
    deficient = broker.locator("section", has_text=SUB_BROKERED).locator("table", has_text="Needed")
    expect(deficient).to_contain_text("completed operations")
    shots(broker, "broker-sees-deficiency-390px")

    broker.get_by_role(
        "link", name=f"Upload a certificate or endorsement for {SUB_BROKERED}"
    ).click()
    endorsement = endorsement_pdf(
        "CG 20 37", "04 13", SUB_BROKERED, stack.info.brokered_gl_number, stack.info.today, ()
    )
    broker.get_by_label("File to upload").set_input_files(
        {"name": "cobalt-CG2037.pdf", "mimeType": "application/pdf", "buffer": endorsement}
    )
    broker.get_by_role("button", name="Upload", exact=True).click()
    broker.wait_for_url(re.compile(r"/documents/.+/review"), timeout=WAIT_MS)
    confirm = broker.get_by_role("button", name="Confirm and update the record")
    expect(confirm).to_be_visible(timeout=WAIT_MS)
    expect(broker.locator("#end-0-form_number")).to_have_value("CG 20 37")
    expect(broker.locator("#end-0-kind")).to_have_value("additional_insured_completed")
    expect(broker.get_by_label("What this change is")).to_have_value("endorsement")
    assert_labelled(broker)
    shots(broker, "broker-review-endorsement-390px")
    confirm.click()
    reach = broker.locator("#reach .reach")
    expect(reach).to_contain_text("reached 1 GC on 1 project")
    expect(reach).to_contain_text("Every engagement has been re-checked", timeout=WAIT_MS)
    shots(broker, "broker-reach")

    broker.goto(f"{stack.base_url}/")
    expect(broker.locator("#no-deficiency")).to_be_visible()
    shots(broker, "broker-deficiency-cleared-390px")

    bookkeeper.goto(f"{stack.base_url}/brokers")
    uploads = bookkeeper.locator("tbody tr", has_text=stack.info.broker_agent)
    expect(uploads).to_contain_text("cobalt-CG2037.pdf")
    shots(bookkeeper, "sub-sees-broker-upload")

    again = broker_context.new_page()
    again.goto(link)
    expect(again.get_by_role("alert")).to_contain_text("already been used")


def _mailed_link(base_url: str, address: str) -> str:
    """The accept link in the newest message to this address, once the worker sent it."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        for message in httpx.get(f"{base_url}/dev/mail/messages", timeout=5).json():
            found = LINK.search(message["body"])
            if address in message["to"] and found:
                return found.group(0)
        time.sleep(0.5)
    raise AssertionError(f"no invitation reached {address}'s mailbox")
