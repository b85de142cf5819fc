"""While a family reads the first step, the served page builds the other steps ahead of time,
hidden in their places (``WorkbenchApp.prebuild_one``): in a real Chromium, in Spanish on a
phone, every step's heading arrives in the page without being shown, and a step opened then
shows the family's own plan, in Spanish, drawn for the state as it is."""

from __future__ import annotations

from conftest import Served
from pages import (
    HEADINGS_JS,
    STEP_HEADINGS,
    go_to_step,
    open_app,
    sized_page,
    wait_until_built_ahead,
)

from workbench import SAMPLE_DATA


def test_the_other_steps_are_built_hidden_while_the_family_reads(browser, tmp_path):
    served = Served(SAMPLE_DATA, tmp_path / "wb.sqlite")
    contexts: list = []
    try:
        page = sized_page(browser, "phone", contexts)
        open_app(page, served.url + "?learner=L-lucia")
        wait_until_built_ahead(page, "es")
        headings = dict(page.evaluate(HEADINGS_JS))
        shown = {text for text, on in headings.items() if on}
        assert shown == {STEP_HEADINGS["Learner"][1]}, shown
        # opened now, a step built ahead is Lucía's, in Spanish
        go_to_step(page, 6, "Share", "es")
        assert page.get_by_text("Lucía M.").first.is_visible()
        go_to_step(page, 4, "Plans", "es")
        headings = dict(page.evaluate(HEADINGS_JS))
        assert {text for text, on in headings.items() if on} == {STEP_HEADINGS["Plans"][1]}
        assert not page.errors, page.errors
    finally:
        for ctx in contexts:
            ctx.close()
        served.stop()
