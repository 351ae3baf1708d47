"""Dead ends a newcomer met on the GC's project page, in Debian's Chromium: a refused
invitation reloaded the page at its top while the reason sat below the engagements, out of
sight, and what had been typed was gone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Shots, Stack, sign_in

pytestmark = pytest.mark.e2e
LAPTOP = {"width": 1280, "height": 800}


def test_a_refused_invitation_shows_its_reason_in_view_and_keeps_what_was_typed(
    stack: Stack, browser: Any
) -> None:
    shots = Shots("walk-invite-refused")
    base = stack.base_url
    gc = sign_in(browser.new_context(viewport=LAPTOP), base, stack.info.gc_a_admin, stack.password)
    gc.goto(f"{base}/projects")
    project = gc.locator("main table a[href^='/projects/']").first.get_attribute("href")
    assert project
    gc.goto(f"{base}{project}")
    # The browser's own check would stop this address before the server sees it; the server's
    # refusal is what is under test, so the form is sent as typed.
    gc.evaluate("for (const form of document.forms) form.noValidate = true")
    gc.get_by_label("Sub's e-mail").fill("not an address")
    gc.get_by_label("Contract label (optional)").fill("SC-099")
    gc.get_by_role("button", name="Send invitation").click()
    gc.wait_for_load_state()
    shots(gc, "refused")

    reason = gc.locator("#form-error")
    assert "Not saved." in reason.inner_text()
    box = reason.bounding_box()
    assert box is not None
    assert 0 <= box["y"] and box["y"] + box["height"] <= LAPTOP["height"], box
    assert gc.get_by_label("Sub's e-mail").input_value() == "not an address"
    assert gc.get_by_label("Contract label (optional)").input_value() == "SC-099"
