"""Every list page at 390 px (a phone held upright): each column of each table, the key ones
included, is within the viewport or inside a horizontally scrollable box the page offers, and
the page itself never scrolls sideways (a column past the edge of the page is one nobody finds).
Checked in Debian's Chromium against the real app, for a GC and a sub (a broker's list of
invited records is the sub's record pages, checked here as the sub)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Shots, Stack, sign_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}

# Where each column header of each table in <main> sits: reachable when it lies inside the
# viewport, or inside an ancestor that scrolls sideways (overflow-x auto/scroll) and itself fits
# the viewport. A header with no box (hidden) is not shown and not counted.
REACH = """() => {
  const width = window.innerWidth;
  const unreachable = [];
  let columns = 0;
  for (const table of document.querySelectorAll("main table")) {
    let scroller = null;
    for (let box = table.parentElement; box && box !== document.body; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow === "auto" || overflow === "scroll") { scroller = box; break; }
    }
    const fits = (r) => r.left >= -1 && r.right <= width + 1;
    const scrollerFits = scroller !== null && fits(scroller.getBoundingClientRect());
    const headers = table.tHead ? table.tHead.querySelectorAll("th")
      : (table.rows[0] ? table.rows[0].querySelectorAll("th") : []);
    for (const th of headers) {
      const r = th.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      columns += 1;
      if (fits(r) || scrollerFits) continue;
      unreachable.push(th.textContent.trim().replace(/\\s+/g, " ").slice(0, 40));
    }
  }
  return {
    columns,
    unreachable,
    pageWidth: document.documentElement.scrollWidth,
    width,
  };
}"""


def _check(page: Any, path: str, shots: Shots, name: str, min_columns: int = 1) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    found = page.evaluate(REACH)
    shots(page, name)
    assert found["columns"] >= min_columns, f"{path}: expected a table, found {found}"
    assert found["unreachable"] == [], f"{path}: columns out of reach at 390 px: {found}"
    assert found["pageWidth"] <= found["width"] + 1, (
        f"{path}: the page itself is {found['pageWidth']} px wide at {found['width']} px"
    )


def test_every_list_page_keeps_its_columns_reachable_at_390_px(stack: Stack, browser: Any) -> None:
    shots = Shots("narrow-390")
    base = stack.base_url

    gc = sign_in(browser.new_context(viewport=PHONE), base, stack.info.gc_a_admin, stack.password)
    _check(gc, f"{base}/dashboard", shots, "gc-dashboard", min_columns=4)
    engagement = gc.locator("main a[href^='/engagements/']").first.get_attribute("href")
    assert engagement
    _check(gc, f"{base}/inbox", shots, "gc-inbox", min_columns=0)
    _check(gc, f"{base}/network?q=ll", shots, "gc-network-search", min_columns=3)
    _check(gc, f"{base}/projects", shots, "gc-projects", min_columns=2)
    first_project = gc.locator("main table a[href^='/projects/']").first.get_attribute("href")
    assert first_project
    _check(gc, f"{base}{first_project}", shots, "gc-project", min_columns=4)
    _check(gc, f"{base}/requirements", shots, "gc-requirements", min_columns=1)
    _check(gc, f"{base}/notices", shots, "gc-notices", min_columns=0)
    _check(gc, f"{base}{engagement}", shots, "gc-engagement", min_columns=2)
    _check(gc, f"{base}/members", shots, "gc-members", min_columns=5)

    sub = sign_in(
        browser.new_context(viewport=PHONE), base, stack.info.renewing_bookkeeper, stack.password
    )
    _check(sub, f"{base}/record", shots, "sub-record", min_columns=3)
    _check(sub, f"{base}/depends", shots, "sub-depends", min_columns=3)
    _check(sub, f"{base}/brokers", shots, "sub-brokers", min_columns=0)
    upload = sub.get_by_role("link", name="Upload", exact=True).get_attribute("href")
    _check(sub, f"{base}{upload}", shots, "sub-upload", min_columns=0)
    _check(sub, f"{base}/notices", shots, "sub-notices", min_columns=0)
