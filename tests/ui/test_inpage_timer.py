"""The benchmarks' click-to-view timer on the page's clock (``benchmarks/inpage.py``): it counts
from the input event to the frame after the view changed, so a view that changes 300 ms after
the click measures at least 300 ms, and one that never gets an input is not measured."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import inpage

PAGE = """<button id="go">Go</button><p id="out"></p>
<script>
document.getElementById('go').addEventListener('click', () => {
  setTimeout(() => { document.getElementById('out').textContent = 'done' }, 300)
})
</script>"""
DONE = "() => document.getElementById('out').textContent === 'done'"


@pytest.fixture
def timed_page(page):
    inpage.install(page)
    page.route("http://wb.test/", lambda route: route.fulfill(body=PAGE,
                                                                content_type="text/html"))
    page.goto("http://wb.test/")
    return page


def test_counts_from_the_click_to_the_view_after_it(timed_page):
    inpage.arm(timed_page)
    t0 = time.perf_counter()
    timed_page.click("#go")
    ms = inpage.wait(timed_page, DONE)
    outside = (time.perf_counter() - t0) * 1000
    assert 300 <= ms <= outside


def test_no_input_no_figure(timed_page):
    inpage.arm(timed_page)
    timed_page.evaluate("document.getElementById('out').textContent = 'done'")
    with pytest.raises(PlaywrightTimeout):
        inpage.wait(timed_page, DONE, timeout_ms=1000)
