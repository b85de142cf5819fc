"""Keyboard only, no mouse: Tab through the shell to the step buttons, Enter and Space on them,
pick a learner with the arrow keys, and move on to Plans; the focus is always visible and
always on something with a name."""

from __future__ import annotations

import pytest
from conftest import Served
from pages import STEP_HEADINGS
from playwright.sync_api import expect

from workbench import SAMPLE_DATA

TIMEOUT = 30_000

#: The focused element, looking through shadow roots: its tag, name and focus outline.
FOCUSED = """() => {
  let el = document.activeElement
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement
  if (!el || el === document.body) return null
  const cs = getComputedStyle(el)
  const name = (el.getAttribute('aria-label') || el.innerText || el.value || '').trim()
  const label = el.labels && el.labels.length ? el.labels[0].innerText.trim() : ''
  return {tag: el.tagName, name: name || label, label,
          ring: cs.outlineStyle !== 'none' || cs.boxShadow !== 'none'}
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Served(SAMPLE_DATA, tmp_path_factory.mktemp("keys") / "wb.sqlite")
    yield s
    s.stop()


def tab_to(page, want, limit: int = 80) -> dict:
    """Press Tab until the focus is on what ``want(focused)`` accepts; every stop on the way
    must have a name."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["name"], f"the keyboard stopped on a control with no name: {focused}"
        if want(focused):
            return focused
    raise AssertionError("Tab never reached it")


def test_a_keyboard_alone_picks_a_learner_and_reaches_plans(page, server, console_errors):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server.url)
    expect(page.get_by_role("heading", name=STEP_HEADINGS["Learner"][0])).to_be_visible(
        timeout=60_000)

    # the step buttons: Enter opens Week
    week = tab_to(page, lambda f: f["tag"] == "BUTTON" and f["name"] == "2. Week")
    assert week["ring"], "the focused step button shows no focus ring"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=STEP_HEADINGS["Week"][0])).to_be_visible(
        timeout=TIMEOUT)

    # Shift+Tab back to the first step and Space opens it
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if (page.evaluate(FOCUSED) or {}).get("name") == "1. Learner":
            break
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name=STEP_HEADINGS["Learner"][0])).to_be_visible(
        timeout=TIMEOUT)

    # the learner picker: arrow keys choose another learner
    who = page.locator(".wb-who").inner_text()
    picker = tab_to(page, lambda f: f["tag"] == "SELECT" and f["label"] == "Learner")
    assert picker["ring"]
    page.keyboard.press("ArrowDown")
    expect(page.locator(".wb-who")).not_to_have_text(who, timeout=TIMEOUT)
    chosen = page.locator(".wb-who b").first.inner_text()
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value(chosen,
                                                                               timeout=TIMEOUT)

    # back up to the step buttons and on to Plans
    for _ in range(60):
        page.keyboard.press("Shift+Tab")
        if (page.evaluate(FOCUSED) or {}).get("name") == "4. Plans":
            break
    else:
        raise AssertionError("Shift+Tab never reached '4. Plans'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=STEP_HEADINGS["Plans"][0], exact=True)
           ).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".wb-who")).to_contain_text(chosen)
