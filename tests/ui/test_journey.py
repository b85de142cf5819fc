"""The whole advocate-family journey in a real Chromium against the served app.

Open the app, choose a sample learner, add two sections that clash, read the clash in plain
words, fix it, make a second plan, compare the two, download the family summary, reload and find
everything still there. Any browser console error fails the test; each step is screenshotted.
"""

from __future__ import annotations

import re
from html import escape, unescape
from pathlib import Path

import pytest
from playwright.sync_api import expect

from workbench import SAMPLE_DATA
from workbench.domain.feasibility import KIND_TITLES, catalogue_fit, check_plan
from workbench.domain.terms import section_words
from workbench.formats.datadir import load_dataset

LEARNER = "L-maya"
TIMEOUT = 20_000


@pytest.fixture(scope="module")
def clash():
    """Two after-school/college sections that each fit Maya's week but clash with each other."""
    ds = load_dataset(SAMPLE_DATA)
    cat, learner = ds.catalogue, ds.learners[LEARNER]
    t = cat.section_table
    fit = catalogue_fit(cat, learner, [])
    ok = [s for s in fit[fit["fits"]].index if t.at[s, "provider_kind"] != "school"
          and t.at[s, "meets"]]
    for i, a in enumerate(ok):
        for b in ok[i + 1:]:
            if t.at[a, "title"] == t.at[b, "title"]:
                continue
            if {p.kind for p in check_plan(cat, learner, [a, b])} == {"time_conflict"}:
                return {"learner": learner, "rows": [
                    {"id": s, "title": t.at[s, "title"], "when": section_words(cat, s).when}
                    for s in (a, b)]}
    pytest.fail("the sample data has no clashing pair for the journey")


def step(page, name: str):
    page.get_by_role("button", name=re.compile(rf"^\d\. {name}$")).click()


def add_from_catalogue(page, row: dict):
    step(page, "Opportunities")
    search = page.get_by_role("textbox", name="Search")
    search.fill(row["title"])
    search.press("Enter")
    card = page.locator("li.wb-card").filter(has_text=row["title"]).filter(
        has_text=row["when"]).first
    expect(card).to_be_visible(timeout=TIMEOUT)
    # one click: the card's own Add button
    card.get_by_role("button", name=re.compile(r"^Add .+ to ")).click()
    expect(page.get_by_text(re.compile(r"^Added "))).to_be_visible(timeout=TIMEOUT)


def choose_learner(page, name: str):
    page.get_by_role("combobox", name="Learner").select_option(label=re.compile(name))


def test_whole_journey(page, served, console_errors, shot, clash):
    a, b = clash["rows"]
    name = clash["learner"].name

    page.goto(served.url)
    expect(page.get_by_text("Who are we planning with?")).to_be_visible(timeout=30_000)
    shot(page, "01-open")

    # choose the sample learner
    page.get_by_role("combobox", name="Learner").select_option(
        label=f"{name} (grade {clash['learner'].grade})")
    expect(page.get_by_text(f"Planning with {name}")).to_be_visible(timeout=TIMEOUT)
    shot(page, "02-learner")

    # a fresh plan, then two sections that clash
    step(page, "Plans")
    page.get_by_role("button", name="New plan").click()
    expect(page.get_by_text(re.compile(r"^Created Plan "))).to_be_visible(timeout=TIMEOUT)
    plan_one = page.get_by_text(re.compile(r"^Created (Plan \w)")).inner_text()
    plan_one = plan_one.removeprefix("Created ").rstrip(".")
    add_from_catalogue(page, a)
    shot(page, "03-catalogue")
    add_from_catalogue(page, b)

    step(page, "Plans")
    expect(page.get_by_text(KIND_TITLES["time_conflict"]).first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(re.compile(re.escape(a["title"]) + ".*overlaps|overlaps.*"
                                       + re.escape(a["title"]))).first).to_be_visible()
    shot(page, "04-conflict")

    # fix it: take the second one out
    page.get_by_role("button", name=re.compile(rf"^Remove {re.escape(b['title'])} — ")).click()
    expect(page.get_by_text("No problems found.")).to_be_visible(timeout=TIMEOUT)
    shot(page, "05-fixed")

    # a second plan with the other section, then compare
    page.get_by_role("button", name="New plan").click()
    expect(page.get_by_text(re.compile(r"^Created Plan "))).to_be_visible(timeout=TIMEOUT)
    add_from_catalogue(page, b)
    step(page, "Compare")
    table = page.locator("table.wb-compare")
    expect(table).to_be_visible(timeout=TIMEOUT)
    expect(table.get_by_text(plan_one, exact=True)).to_be_visible()
    expect(table.get_by_text("Cost per new credit")).to_be_visible()
    # each goal's projected level is drawn (a picture with a name, not an empty box)
    expect(page.get_by_role("img", name=re.compile("projected level over the year")).first
           ).to_be_visible(timeout=TIMEOUT)
    shot(page, "06-compare")

    # the family summary
    step(page, "Share")
    page.get_by_role("combobox", name="Plan to share").select_option(label=plan_one)
    # the preview is the summary itself, in a frame of its own (its styles are the printed page's)
    preview = page.frame_locator("iframe.wb-summary-frame")
    expect(preview.get_by_text(f"{name}'s learning plan")).to_be_visible(timeout=TIMEOUT)
    with page.expect_download() as dl:
        page.get_by_role("button", name=re.compile("Download summary")).click()
    html = Path(dl.value.path()).read_text(encoding="utf-8")
    # data is escaped in the file (an apostrophe too) and reads as written
    assert f"{name}'s learning plan" in unescape(html)
    assert escape(a["title"]) in html and escape(name) in html
    shot(page, "07-share")

    # reload: the session is back where it was (learner, plan, step) and everything is saved
    page.reload()
    expect(page.get_by_role("heading", name="Share", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_role("combobox", name="Plan to share").locator("option:checked")
           ).to_have_text(plan_one, timeout=TIMEOUT)
    step(page, "Plans")
    expect(page.get_by_role("combobox", name="Plan").locator("option:checked")
           ).to_have_text(plan_one, timeout=TIMEOUT)
    expect(page.get_by_role("button", name=re.compile(
        rf"^Remove {re.escape(a['title'])} — "))).to_be_visible(
        timeout=TIMEOUT)
    expect(page.get_by_text("No problems found.")).to_be_visible()
    shot(page, "08-after-reload")


def test_phone_width_is_usable(page, served, console_errors, shot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(served.url)
    expect(page.get_by_text("Who are we planning with?")).to_be_visible(timeout=30_000)
    step(page, "Plans")
    expect(page.get_by_role("button", name="New plan")).to_be_visible(timeout=TIMEOUT)
    shot(page, "phone-plans")
    # nothing makes the page wider than the phone (wide tables scroll inside their own box)
    page.wait_for_timeout(1000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 2, f"page is {width}px wide on a 390px phone"


def test_keyboard_reaches_the_steps(page, served, console_errors):
    page.goto(served.url)
    expect(page.get_by_text("Who are we planning with?")).to_be_visible(timeout=30_000)
    target = page.get_by_role("button", name="3. Opportunities")
    target.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Find opportunities")).to_be_visible(timeout=TIMEOUT)


def test_data_text_is_never_run_as_html(page, served, console_errors):
    page.goto(served.url)
    expect(page.get_by_text("Who are we planning with?")).to_be_visible(timeout=30_000)
    step(page, "Plans")
    box = page.get_by_role("textbox", name="Plan name")
    box.fill("<img src=x onerror=alert(1)>Plan X")
    page.get_by_role("button", name="Rename plan").click()
    expect(page.get_by_text("<img src=x onerror=alert(1)>Plan X").first).to_be_visible(
        timeout=TIMEOUT)
    assert page.locator("img[src=x]").count() == 0


UNNAMED = re.compile(r"^\s*- (checkbox|textbox|combobox|spinbutton|button|slider|radio|switch)"
                     r"( \[[^\]]*\])*:?\s*$")


def test_every_control_has_an_accessible_name(page, served, console_errors):
    page.goto(served.url)
    expect(page.get_by_text("Who are we planning with?")).to_be_visible(timeout=30_000)
    for name in ("Learner", "Week", "Opportunities", "Plans", "Compare", "Share"):
        step(page, name)
        page.wait_for_timeout(1500)
        snapshot = page.locator("body").aria_snapshot()
        unnamed = [line.strip() for line in snapshot.splitlines() if UNNAMED.match(line)]
        assert not unnamed, f"{name} step has controls without a name: {unnamed}"
