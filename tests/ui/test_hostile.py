"""Hostile text in every field of every input format never runs, and the page fetches nothing
from outside.

A data directory (the sample district with payloads in every text field) is extended with one
import of each format through the command line — CASE JSON and an OpenSALT CSV (``workbench
import case``), a provider catalogue (``workbench import catalog --mapping``), a family calendar
(``import ics``), an Open Badges 3.0 credential and a CLR 2.0 record (``import badge``) — each
carrying payloads in every text field the format has. The app is served on it; Chromium visits
every step, opens the level groups, adds a goal and an opportunity, uploads a credential, a
calendar and a catalogue through the app's own import boxes, renames a plan to a payload,
compares plans, hovers the charts, and opens every download (the summary HTML in the browser).
Any dialog, any element a payload made (in the document or any shadow root) or any request not
to the app's own loopback address fails the test. The counts land in
``test-artifacts/hostile-report.json``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from conftest import Served
from playwright.sync_api import expect

from tests.hostile import (
    COUNT_PAYLOAD_TEXT_JS,
    FIND_INJECTED_JS,
    PAYLOADS,
    Hostile,
    injected_in_html,
)
from workbench import EXAMPLES, SAMPLE_DATA

TIMEOUT = 30_000
REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "hostile-report.json"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The hostile data directory after one CLI import of every format, and its store."""
    from workbench.cli import main
    from workbench.formats.datadir import load_dataset
    from workbench.store import Store

    root = tmp_path_factory.mktemp("hostile")
    h = Hostile()
    base = h.data_dir(SAMPLE_DATA, root / "base")
    files = {"case": h.case_json(root / "framework.json"),
             "opensalt": h.opensalt_csv(root / "opensalt.csv"),
             "ics": h.ics(root / "family.ics"), "badge": h.badge(root / "badge.json"),
             "clr": h.clr(root / "record.json"), "catalog": h.catalog_csv(root / "catalog.csv")}
    mapping = EXAMPLES / "chicago_city_of_learning.yaml"
    db = root / "store.sqlite"
    steps = [
        ["import", "case", files["case"], "--data", base, "--out", root / "with-case"],
        ["import", "case", files["opensalt"], "--data", root / "with-case",
         "--out", root / "with-salt"],
        ["import", "catalog", files["catalog"], "--mapping", mapping, "--data",
         root / "with-salt", "--out", root / "served", "--accept-partial"],
    ]
    for argv in steps:
        assert main([str(a) for a in argv]) == 0, argv
    served = root / "served"
    Store(db).seed_from(load_dataset(served))
    for argv in (["import", "ics", files["ics"], "--learner", "L-maya", "--accept-partial"],
                 ["import", "badge", files["badge"], "--learner", "L-maya"],
                 ["import", "badge", files["clr"], "--learner", "L-maya", "--accept-partial"]):
        assert main([str(a) for a in [*argv, "--data", served, "--db", db]]) == 0, argv
    return {"hostile": h, "data": served, "db": db, "files": files, "root": root}


@pytest.fixture
def app(world, monkeypatch):
    """The app served (as ``workbench serve`` does) on the hostile data, on loopback."""
    # the app's catalogue import writes under the user data folder: keep it in the test's tmp
    monkeypatch.setenv("XDG_DATA_HOME", str(world["root"] / "xdg"))
    served = Served(world["data"], world["db"])
    yield served.url
    served.stop()


class Watch:
    """Everything the page did that it must not: dialogs, injected elements, outside requests."""

    def __init__(self, context, origin: str):
        self.origin = origin.rstrip("/")
        self.dialogs: list[str] = []
        self.injected: dict[str, list[str]] = {}
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.blocked: list[str] = []  # what the content policy refused (a broken feature)
        self.payload_text_seen = 0
        context.on("page", self._page)

    def _page(self, page):
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self._request(r.url))
        page.on("websocket", lambda ws: self._request(ws.url))
        page.on("console", lambda m: self.blocked.append(m.text)
                if "Content Security Policy" in m.text else None)

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _request(self, url: str):
        self.requests.append(url)
        host = self.origin.split("://", 1)[1]
        own = (f"http://{host}/", f"ws://{host}/", f"blob:http://{host}/")
        if not (url.startswith(own) or url.startswith(("data:", "about:"))):
            self.outside.append(url)

    def check(self, page, where: str):
        page.wait_for_timeout(700)  # let the last update render
        found = page.evaluate(FIND_INJECTED_JS)
        if found:
            self.injected[where] = found
        self.payload_text_seen = max(self.payload_text_seen,
                                     page.evaluate(COUNT_PAYLOAD_TEXT_JS))


def step(page, name: str):
    page.get_by_role("button", name=re.compile(rf"^\d\. {name}$")).click()


def calendar_drawn(page):
    """The week calendar is drawn (SVG blocks, each with its words as a tooltip) and its
    tooltips are plain text: a payload in one is checked by ``watch`` like any other text."""
    picture = page.locator("figure.wb-week >> visible=true").first
    expect(picture).to_be_visible(timeout=TIMEOUT)
    tips = picture.evaluate("f => [...f.querySelectorAll('title')].map("
                            "t => [t.children.length, t.textContent])")
    assert tips and not [t for n, t in tips if n], tips


def show_every_level(page, watch):
    """Put every subject area's levels on screen: the grouped levels table's groups opened
    (Tabulator draws only the groups in view, and opens one from its arrow), or each area
    chosen in turn where the step shows one area at a time."""
    groups = page.locator(".tabulator-group")
    areas = page.get_by_role("combobox", name="Subject area")
    expect(groups.first.or_(areas)).to_be_visible(timeout=TIMEOUT)
    if groups.count():
        groups.first.scroll_into_view_if_needed()
        closed = page.locator(".tabulator-group:not(.tabulator-group-visible) "
                              ".tabulator-group-toggle")
        for _ in range(12):
            if not closed.count():
                break
            closed.first.click(timeout=10_000)
            page.wait_for_timeout(150)
        expect(page.locator(".tabulator-row").first).to_be_visible(timeout=TIMEOUT)
        return
    n = areas.locator("option").count()
    for i in range(n):
        areas.select_option(index=i)
        page.wait_for_timeout(400)
        watch.check(page, f"Learner area {i}")


def add_first_opportunity(page):
    """Add the first opportunity shown to the plan: a catalogue row selected and then its
    Add button, or a card's own Add button."""
    rows = page.locator(".tabulator-row")
    add = page.get_by_role("button", name=re.compile(r"^Add .+ to "))
    expect(rows.first.or_(add.first)).to_be_visible(timeout=TIMEOUT)
    if rows.count():
        rows.first.click()
    expect(add.first).to_be_enabled(timeout=TIMEOUT)
    add.first.click()
    page.wait_for_timeout(1500)


def upload(page, path: Path, done: re.Pattern):
    # every step stays on the page (only the shown one is visible): the shown step's box
    page.locator("input[type=file]").filter(visible=True).first.set_input_files(str(path))
    expect(page.get_by_text(done).filter(visible=True).first).to_be_visible(timeout=TIMEOUT)
    keep = page.get_by_role("button", name="Keep what could be read")
    if keep.is_visible():
        keep.click()
        page.wait_for_timeout(1000)


def test_no_payload_runs_and_nothing_is_fetched_from_outside(page, app, world, shot):
    context = page.context
    watch = Watch(context, app)
    watch._page(page)
    h: Hostile = world["hostile"]
    maya = json.loads((world["data"] / "learners" / "L-maya.json").read_text())

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(app)
    expect(page.get_by_text("Who are we planning with?")).to_be_visible(timeout=60_000)
    watch.check(page, "open")

    # 1. Learner: the hostile learner, every level group opened, a goal, two credentials
    page.get_by_role("combobox", name="Learner").select_option(
        label=f"{maya['name']} (grade {maya['grade']})")
    expect(page.get_by_text(re.compile(r"^Planning with Maya R\.")).first).to_be_visible(
        timeout=TIMEOUT)
    page.get_by_role("combobox", name=re.compile(r"^Goal")).select_option(index=2)
    page.get_by_role("button", name="Add goal").click()
    page.wait_for_timeout(1500)
    upload(page, world["files"]["badge"], re.compile(r"Saved .* evidence|Nothing"))
    upload(page, world["files"]["clr"], re.compile(r"Saved .* evidence|Nothing"))
    show_every_level(page, watch)
    watch.check(page, "Learner")
    shot(page, "learner-with-payloads")

    # 2. Week: the imported busy times and a calendar uploaded in the app
    step(page, "Week")
    expect(page.get_by_text("The learner's week")).to_be_visible(timeout=TIMEOUT)
    upload(page, world["files"]["ics"], re.compile(r"Saved:|Nothing has been changed"))
    calendar_drawn(page)
    watch.check(page, "Week")
    shot(page, "week-with-payloads")

    # 3. Opportunities: find, select and add one; then a catalogue uploaded in the app
    step(page, "Opportunities")
    expect(page.get_by_text("Find opportunities")).to_be_visible(timeout=TIMEOUT)
    add_first_opportunity(page)
    watch.check(page, "Opportunities")
    page.get_by_text("Import a provider catalogue").click()
    upload(page, world["files"]["catalog"], re.compile(r"catalogue now has|Nothing"))
    watch.check(page, "Opportunities import")
    shot(page, "opportunities-with-payloads")

    # 4. Plans: a new plan, renamed to a payload, duplicated; the calendar drawn
    step(page, "Plans")
    expect(page.get_by_role("button", name="New plan")).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name="New plan").click()
    expect(page.get_by_text(re.compile(r"^Created ")).first).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("textbox", name="Plan name").fill(h.text("app.rename_plan", "Plan X"))
    page.get_by_role("button", name="Rename plan").click()
    page.wait_for_timeout(1500)
    calendar_drawn(page)
    watch.check(page, "Plans")
    shot(page, "plans-with-payloads")

    # 5. Compare: the sample plans side by side
    step(page, "Compare")
    boxes = page.get_by_role("checkbox")
    expect(boxes.first).to_be_visible(timeout=TIMEOUT)
    for i in range(min(boxes.count(), 3)):
        if not boxes.nth(i).is_checked():
            boxes.nth(i).check()
    expect(page.locator("table.wb-compare")).to_be_visible(timeout=TIMEOUT)
    watch.check(page, "Compare")
    shot(page, "compare-with-payloads")

    # 6. Share: the preview, then every download
    step(page, "Share")
    plan_a = json.loads((world["data"] / "plans" / "P-maya-a.json").read_text())
    page.get_by_role("combobox", name="Plan to share").select_option(label=plan_a["name"])
    expect(page.get_by_role("button", name=re.compile("^Download summary"))).to_be_enabled(
        timeout=TIMEOUT)
    page.wait_for_timeout(2000)  # the preview (a page of its own, or a pane) is drawn
    watch.check(page, "Share")
    downloads = {}
    for key, label in (("summary", "Download summary"), ("plan", "Download plan"),
                       ("csv", "Download (sections|pieces)"),
                       ("calendar", "Download calendar")):
        with page.expect_download() as dl:
            page.get_by_role("button", name=re.compile(label)).click()
        downloads[key] = Path(dl.value.path()).read_bytes()
    shot(page, "share-with-payloads")

    summary = downloads["summary"].decode("utf-8")
    assert not injected_in_html(summary), injected_in_html(summary)
    assert payload_visible_as_text(summary)
    viewer = context.new_page()
    viewer.set_content(summary)
    watch.check(viewer, "summary.html")
    viewer.close()

    plan = json.loads(downloads["plan"])
    assert plan["plan_id"] == "P-maya-a"
    rows = list(csv.reader(io.StringIO(downloads["csv"].decode("utf-8"))))
    assert len(rows) > 1
    text_cells = [c for r in rows[1:] for c in r if c and not _number(c)]
    assert not [c for c in text_cells if c.startswith(FORMULA_START)], "formula cell in CSV"
    assert any(c.startswith("'=HYPERLINK") for c in text_cells), "titles lost their text"
    import icalendar

    calendar = icalendar.Calendar.from_ical(downloads["calendar"])
    assert calendar.walk("VEVENT")

    executed = len(watch.dialogs) + sum(len(v) for v in watch.injected.values())
    report = {
        "payload_kinds": len(PAYLOADS), "fields": len(h.fields), "tried": h.tried,
        "executed": executed, "dialogs": watch.dialogs, "injected": watch.injected,
        "requests": len(watch.requests), "outside_requests": watch.outside,
        "payload_text_nodes_seen": watch.payload_text_seen, "fields_list": sorted(h.fields),
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nhostile text: {len(PAYLOADS)} payload kinds x {len(h.fields)} fields = "
          f"{h.tried} tried, {executed} executed; {len(watch.requests)} requests, "
          f"{len(watch.outside)} not to the app's loopback address")
    assert not watch.dialogs, f"dialogs opened: {watch.dialogs}"
    assert not watch.injected, f"payloads made elements: {watch.injected}"
    assert not watch.outside, f"requests outside the app: {watch.outside}"
    assert not watch.blocked, f"the content policy blocked: {watch.blocked[:5]}"
    # the payloads were on screen, as text (escaped, not dropped)
    assert watch.payload_text_seen > 10


def payload_visible_as_text(html_text: str) -> bool:
    return "&lt;img src=x onerror=alert(" in html_text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
