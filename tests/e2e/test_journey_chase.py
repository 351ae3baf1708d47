"""Journey 5: the chase loop. A sub's deficiency is reminded by the daily run: the broker the
sub invited, who never registered, gets an e-mail listing the gap with a single-use upload
link; the broker sends the endorsement through it without an account; the worker reads it;
the sub confirms it; the deficiency clears, and the next run reminds nobody."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from playwright.sync_api import expect

from tests.e2e.conftest import Shots, Stack, assert_labelled, run_async, sign_in
from tests.e2e.documents import endorsement_pdf
from tests.e2e.seed import BROKER, SUB_CHASED

pytestmark = pytest.mark.e2e
WAIT_MS = 90_000
LINK = re.compile(r"http://\S+/upload-link\?token=upl_[\w-]+")
AGENT = "agent@northshore.e2e"


async def _run_reminders(redis_url: str, day: date) -> dict[str, Any]:
    """What the 11:00 UTC cron does, for a given day, through the real worker."""
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        job = await pool.enqueue_job("chase_reminders", day.isoformat())
        assert job is not None
        result: dict[str, Any] = await job.result(timeout=WAIT_MS / 1000)
        return result
    finally:
        await pool.aclose()


def _mail_to(base_url: str, address: str, pattern: re.Pattern[str] | None = None) -> list[str]:
    bodies = []
    for message in httpx.get(f"{base_url}/dev/mail/messages", timeout=5).json():
        if address in message["to"] and (pattern is None or pattern.search(message["body"])):
            bodies.append(message["body"])
    return bodies


def _wait_mail(base_url: str, address: str, pattern: re.Pattern[str]) -> str:
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        found = _mail_to(base_url, address, pattern)
        if found:
            return found[0]
        time.sleep(0.5)
    raise AssertionError(f"nothing matching {pattern.pattern} reached {address}")


def test_a_reminder_link_carries_the_fix_and_the_chase_stops(stack: Stack, browser: Any) -> None:
    shots = Shots("journey5-chase")
    today = stack.info.today
    bookkeeper = sign_in(
        browser.new_context(viewport={"width": 1280, "height": 900}),
        stack.base_url,
        stack.info.chased_bookkeeper,
        stack.password,
    )
    # The sub invites its broker's agent, who never opens the invitation.
    bookkeeper.get_by_role("link", name="Brokers").click()
    bookkeeper.get_by_label("Broker firm").select_option(label=BROKER)
    bookkeeper.get_by_label("Agent's e-mail").fill(AGENT)
    bookkeeper.get_by_role("button", name="Send invitation").click()
    expect(bookkeeper.locator("#broker-sent")).to_contain_text(AGENT)

    try:
        first = run_async(_run_reminders(stack.settings.redis_url, today))
    except TimeoutError:
        # A job that never finished: the worker's log says why (it may not even have started).
        print("worker log:", (stack.log_dir / "worker.log").read_text()[-6000:])
        raise
    assert first["engagements"] == 1, first
    assert first["link_mails_queued"] == 1, first

    body = _wait_mail(stack.base_url, AGENT, LINK)
    # The reminder says exactly what is missing, for which project.
    assert "LF-301 Harbor Lofts (Masonry)" in body
    assert "completed operations" in body
    link = LINK.search(body)
    assert link is not None
    # The sub's own people are reminded too (the notice's digest).
    _wait_mail(stack.base_url, stack.info.chased_bookkeeper, re.compile(r"LF-301"))

    broker = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    broker.goto(link.group(0))
    heading = f"Send an insurance document for {SUB_CHASED}"
    expect(broker.get_by_role("heading", name=heading)).to_be_visible()
    expect(broker.locator("#link-items")).to_contain_text("completed operations")
    assert_labelled(broker)
    shots(broker, "broker-link-landing-390px")
    endorsement = endorsement_pdf(
        "CG 20 37", "04 13", SUB_CHASED, stack.info.chased_gl_number, today, ()
    )
    broker.get_by_label("PDF to send").set_input_files(
        {"name": "lakeshore-CG2037.pdf", "mimeType": "application/pdf", "buffer": endorsement}
    )
    broker.get_by_role("button", name=f"Send to {SUB_CHASED}").click()
    expect(broker.locator("#link-sent")).to_contain_text("lakeshore-CG2037.pdf")
    shots(broker, "broker-link-sent-390px")

    # The sub finds it in its notices, read by the worker, and confirms it.
    bookkeeper.goto(f"{stack.base_url}/notices")
    bookkeeper.get_by_role("link", name=re.compile("through an upload link")).first.click()
    bookkeeper.wait_for_url(re.compile(r"/documents/.+/review"))
    confirm = bookkeeper.get_by_role("button", name="Confirm and update the record")
    expect(confirm).to_be_visible(timeout=WAIT_MS)
    expect(bookkeeper.locator("#end-0-form_number")).to_have_value("CG 20 37")
    expect(bookkeeper.locator("#end-0-kind")).to_have_value("additional_insured_completed")
    shots(bookkeeper, "sub-reviews-link-upload")
    confirm.click()
    reach = bookkeeper.locator("#reach .reach")
    expect(reach).to_contain_text("Every engagement has been re-checked", timeout=WAIT_MS)
    shots(bookkeeper, "sub-confirmed")

    # The used link is dead.
    again = browser.new_context().new_page()
    again.goto(link.group(0))
    expect(again.locator("#link-dead")).to_contain_text("cannot be used")

    # Three days on, the schedule's next step: nothing is open, nobody is reminded.
    later = run_async(_run_reminders(stack.settings.redis_url, today + timedelta(days=3)))
    assert later["engagements"] == 0, later
    assert later["link_mails_queued"] == 0, later
    time.sleep(2)
    assert len(_mail_to(stack.base_url, AGENT, LINK)) == 1
