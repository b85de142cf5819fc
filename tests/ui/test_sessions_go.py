"""A page that goes for good lets its session go at once, in a real Chromium: a closed tab and
a reloaded page (each closes its connection "going away", code 1001). Bokeh would keep each
for 15 s in case the page came back, and with many families opening and closing pages dozens
of closed sessions waited in the server's memory at once."""

from __future__ import annotations

import time

from conftest import Served
from pages import open_app, wait_until_built_ahead

from workbench import SAMPLE_DATA


def _connected(served) -> set[str]:
    return {i for i, s in served.sessions().items() if s.connection_count}


def _live(served) -> set[str]:
    return set(served.sessions())


def _wait_for(condition, seconds: float = 12.0) -> bool:
    """Whether ``condition()`` came true within ``seconds``: Bokeh would keep a closed
    session at least 15 s, so a session gone sooner went because its page went."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_closed_tab_and_a_reloaded_page_let_their_sessions_go(browser, tmp_path):
    served = Served(SAMPLE_DATA, tmp_path / "wb.sqlite")
    context = browser.new_context()
    try:
        closing = context.new_page()
        open_app(closing, served.url)
        # closed while it draws the steps built ahead (its first 2 s or so), Chromium closed
        # the connection without saying goodbye (no close code), and such a session is kept
        # 15 s in case it comes back, like a dropped one: close it once it has drawn them
        wait_until_built_ahead(closing)
        first = _connected(served)
        assert len(first) == 1
        closing.close(run_before_unload=True)  # as when a family closes the tab
        assert _wait_for(lambda: not first & _live(served)), "the closed tab's session stayed"

        reloading = context.new_page()
        open_app(reloading, served.url)
        wait_until_built_ahead(reloading)
        before = _connected(served)
        reloading.reload()
        reloading.locator(".wb-who").first.wait_for(state="visible", timeout=60_000)
        reloading.locator(".wb-coming").wait_for(state="detached", timeout=60_000)
        assert _wait_for(lambda: not before & _live(served)), \
            "the reloaded page's old session stayed"
        assert len(_connected(served)) == 1  # the new page's own
    finally:
        context.close()
        served.stop()
