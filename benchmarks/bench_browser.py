"""In a real Chromium: cold load, and every interaction from click to the updated view.

A generated catalogue (2,000 sections by default) is served as ``workbench serve`` serves it
(``workbench.app.serve``: its stylesheet route, security headers, local assets; the same
``Served`` pattern as ``tests/ui/conftest.py``) with a throw-away store, in this process on a
free loopback port. One page then does, ``--repeat`` times each (after one untimed warm-up):

- ``switch_step``: click a step's button -> that step's heading is on screen;
- ``add``: click a card's "Add … to Plan" (Opportunities) -> "Plans at a glance" shows one
  more piece;
- ``remove``: click a piece's "Remove …" (Plans) -> one piece fewer at a glance;
- ``compare_tick``: tick or untick a plan (Compare) -> the comparison table has that many
  plan columns;
- ``pick_learner``: choose another learner (Learner) -> the who line names them;
- ``pick_plan``: choose another plan in the picker (Plans) -> it is the current row at a glance;
- ``filter_catalogue``: type a word in Search and press Enter (Opportunities) -> the
  "… sections shown" line changed;
- ``change_level``: choose another level for a skill (Learner) -> the "Saved" message shows;
- ``add_busy_time``: click "Add busy time" (Week) -> the list has one more busy time.

Each check polls every animation frame (``expect`` backs off to 100-1000 ms). Setting up and
undoing (going to the step, taking the busy time off again, dismissing the message) is not
timed. Each interaction is reported twice: timed from Python (``browser_<name>_…``: Playwright's
own work around the click included, about 100 ms of it), and on the page's clock from the input
event to the frame after the updated view is there (``…_in_page``, ``benchmarks/inpage.py``):
what a person waits for, and what the goal is about. Cold load is ``page.goto`` until the
Learner step can be used (its learner picker enabled), on a new page each time, ``--loads``
times after one warm-up load.

Bounded: every wait has a timeout and the whole run stops after ``--time-limit`` seconds,
reporting what it measured so far (an interaction cut short says how many it got).

Run: ``python benchmarks/bench_browser.py [--repeat 20] [--loads 10] [--sections 2000]
[--only add,remove]``; prints JSON lines ``{"name", "value", "unit"}`` (median and p95) and the
1-minute load average before and after. Needs Debian's chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import inpage  # benchmarks/inpage.py: click to painted view on the page's clock
import numpy as np

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic"]

#: In the order they run: the learner is changed last, so that the others run on the prepared
#: learner and its fresh plans.
INTERACTIONS = ("switch_step", "add", "remove", "filter_catalogue", "compare_tick", "pick_plan",
                "change_level", "add_busy_time", "pick_learner")

STEP_BUTTONS = {"Learner": "1. Learner", "Week": "2. Week", "Opportunities": "3. Opportunities",
                "Plans": "4. Plans", "Compare": "5. Compare", "Share": "6. Share"}
HEADINGS = {"Learner": "Who are we planning with?", "Week": "The learner's week",
            "Opportunities": "Find opportunities", "Plans": "Plans", "Compare": "Compare plans",
            "Share": "Share"}

#: Helpers the checks use: every element matching a selector, shadow roots included (Panel
#: draws each widget in its own), and whether one is on screen (a box, nothing around it
#: ``display:none``, which is how a hidden step or message is hidden).
DEEP = """
window.__wb = {
  all(selector, root = document, out = []) {
    if (root.querySelectorAll) {
      for (const el of root.querySelectorAll(selector)) out.push(el)
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) this.all(selector, el.shadowRoot, out)
    }
    return out
  },
  shown(el) {
    const r = el.getBoundingClientRect()
    if (r.width < 1 || r.height < 1) return false
    for (let p = el; p; p = p.parentElement || (p.getRootNode() && p.getRootNode().host)) {
      if (getComputedStyle(p).display === 'none') return false
    }
    return true
  },
  text(selector) {
    return this.all(selector).filter(e => this.shown(e)).map(e => e.textContent.trim())
  },
}
"""

#: The current plan's "Pieces" cell (the last) in "Plans at a glance".
PIECES = ("() => { const c = window.__wb.text('tr.wb-current td'); "
          "return c.length ? c[c.length - 1] : null }")


def emit(name, values, unit="ms", wanted=None):
    if not values:
        print(json.dumps({"name": name, "value": None, "unit": "not measured"}))
        return
    print(json.dumps({"name": f"{name}.median", "value": round(statistics.median(values), 1),
                      "unit": unit}))
    print(json.dumps({"name": f"{name}.p95", "value": round(float(np.percentile(values, 95)), 1),
                      "unit": unit}))
    if wanted is not None and len(values) < wanted:
        print(json.dumps({"name": f"{name}.count", "value": len(values),
                          "unit": f"of {wanted} (stopped by --time-limit or an error)"}))


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


class Run:
    """One page driven through the interactions, within a deadline."""

    def __init__(self, page, expect, deadline: float, timeout_ms: int = 30_000):
        self.page, self.expect, self.deadline, self.timeout = page, expect, deadline, timeout_ms

    def left(self) -> bool:
        return time.monotonic() < self.deadline

    def wait(self, js: str, arg=None):
        self.page.wait_for_function(js, arg=arg, polling="raf", timeout=self.timeout)

    def timed(self, click, js: str, arg=None) -> tuple[float, float]:
        """Do ``click`` and wait for ``js``: (ms in the page from the input to the painted view,
        ``inpage``; ms from Python)."""
        inpage.arm(self.page)
        t0 = time.perf_counter()
        click()
        ms = inpage.wait(self.page, js, arg, self.timeout)
        return ms, (time.perf_counter() - t0) * 1000

    def button(self, name, exact=True):
        return self.page.get_by_role("button", name=name, exact=exact)

    def go(self, step: str):
        """To a step (untimed), waiting until its heading shows."""
        if self.page.locator(f".wb-showing-{step.lower()}").count():
            return
        self.button(STEP_BUTTONS[step]).click()
        self.wait(SHOWS_HEADING, HEADINGS[step])
        self.page.wait_for_timeout(300)

    def pieces(self) -> int:
        return int(self.page.evaluate(PIECES))

    def dismiss(self):
        dismiss = self.button("Dismiss")
        if dismiss.count() and dismiss.is_visible():
            dismiss.click()
            self.wait("() => window.__wb.text('.wb-message').length === 0")


#: The step's heading (an h2; Markdown adds a "¶" anchor) is on screen.
SHOWS_HEADING = """(want) => window.__wb.all('h2').some(
  h => h.textContent.replace('¶', '').trim() === want && window.__wb.shown(h))"""


def switch_step(run: Run, i: int) -> tuple[float, float]:
    order = ["Week", "Opportunities", "Plans", "Compare", "Share", "Learner"]
    step = order[i % len(order)]
    return run.timed(run.button(STEP_BUTTONS[step]).click, SHOWS_HEADING, HEADINGS[step])


def add(run: Run, i: int) -> tuple[float, float]:
    run.go("Opportunities")
    n = run.pieces()
    button = run.page.get_by_role("button", name=re.compile(r"^Add .+ to ")).nth(i % 5)
    run.expect(button).to_be_enabled(timeout=run.timeout)
    return run.timed(button.click, f"() => ({PIECES})() === {json.dumps(str(n + 1))}")


def remove(run: Run, i: int) -> tuple[float, float]:
    run.go("Plans")
    n = run.pieces()
    if n == 0:  # put one in first (untimed)
        add(run, i)
        run.go("Plans")
        n = run.pieces()
    button = run.page.get_by_role("button", name=re.compile(r"^Remove .+ — ")).last
    return run.timed(button.click, f"() => ({PIECES})() === {json.dumps(str(n - 1))}")


COMPARED = "() => window.__wb.all('table.wb-compare thead th').filter(window.__wb.shown).length"


def compare_tick(run: Run, i: int) -> tuple[float, float]:
    run.go("Compare")
    boxes = run.page.get_by_role("checkbox")
    ticks = [b for b in boxes.all() if b.is_visible() and "Show the charts" not in (
        b.evaluate("b => b.closest('label') ? b.closest('label').textContent : ''"))]
    box = ticks[-1]
    on = box.is_checked()
    n = int(run.page.evaluate(COMPARED))
    want = n - 1 if on else n + 1
    return run.timed(box.click, f"() => ({COMPARED})() === {want}")


def pick_learner(run: Run, i: int) -> tuple[float, float]:
    run.go("Learner")
    picker = run.page.get_by_role("combobox", name="Learner", exact=True)
    options = picker.evaluate("s => [...s.options].map(o => o.textContent)")
    now = picker.evaluate("s => s.options[s.selectedIndex].textContent")
    label = options[(options.index(now) + 1) % len(options)]
    name = label.rsplit(" (", 1)[0]
    return run.timed(lambda: picker.select_option(label=label),
                     "(want) => window.__wb.text('.wb-who b').includes(want)", name)


def pick_plan(run: Run, i: int) -> tuple[float, float]:
    run.go("Plans")
    picker = run.page.get_by_role("combobox", name="Plan", exact=True)
    options = picker.evaluate("s => [...s.options].map(o => o.textContent)")
    now = picker.evaluate("s => s.options[s.selectedIndex].textContent")
    name = options[(options.index(now) + 1) % len(options)]
    return run.timed(lambda: picker.select_option(label=name),
                     "(want) => window.__wb.text('tr.wb-current th').includes(want)", name)


SHOWN_LINE = "() => { const t = window.__wb.text('p[role=status]')" \
             ".filter(x => / of .* sections shown/.test(x)); return t.length ? t[0] : null }"
WORDS = ["art", "", "math", "", "science", "", "music", "", "robotics", ""]


def filter_catalogue(run: Run, i: int) -> tuple[float, float]:
    run.go("Opportunities")
    # every section, fitting or not (a plan with problems may have none that fit)
    fits = run.page.get_by_role("checkbox", name="Only ones that fit the plan")
    if fits.is_checked():
        fits.uncheck()
        run.page.wait_for_timeout(1000)
    box = run.page.get_by_role("textbox", name="Search", exact=True)
    before = run.page.evaluate(SHOWN_LINE)
    word = WORDS[i % len(WORDS)]
    if box.input_value() == word:
        word = "art" if word == "" else ""
    box.fill(word)
    return run.timed(lambda: box.press("Enter"),
                     f"(before) => {{ const t = ({SHOWN_LINE})(); return t !== null && "
                     f"t !== before }}", before)


def change_level(run: Run, i: int) -> tuple[float, float]:
    run.go("Learner")
    run.dismiss()
    select = run.page.locator(".wb-level select").nth(i % 3)
    now = select.input_value()
    new = str((int(now) + 1) % 5)
    return run.timed(lambda: select.select_option(value=new),
                     "() => window.__wb.text('.wb-message').some(t => t.startsWith('Saved'))")


BUSY = "() => window.__wb.all('span.wb-commitments').filter(window.__wb.shown).length"


def add_busy_time(run: Run, i: int) -> tuple[float, float]:
    run.go("Week")
    n = int(run.page.evaluate(BUSY))
    t = run.timed(run.button("Add busy time").click, f"() => ({BUSY})() === {n + 1}")
    # take it off again (untimed), so the week stays as it was
    run.page.get_by_role("button", name=re.compile(r"^Remove Busy: ")).last.click()
    run.wait(f"() => ({BUSY})() === {n}")
    return t


ACTIONS = {"switch_step": switch_step, "add": add, "remove": remove,
           "compare_tick": compare_tick, "pick_learner": pick_learner, "pick_plan": pick_plan,
           "filter_catalogue": filter_catalogue, "change_level": change_level,
           "add_busy_time": add_busy_time}


def prepare(run: Run):
    """The first learner with three fresh plans (so that many sections fit; generated plans
    are random, often broken), the current one empty; the catalogue filtered to what fits."""
    page = run.page
    run.go("Plans")
    for _ in range(3):
        new = run.button("New plan")
        if not new.is_enabled():
            break
        new.click()
        run.expect(page.get_by_text(re.compile(r"^Created Plan "))).to_be_visible(
            timeout=run.timeout)
        run.dismiss()
    run.go("Opportunities")
    page.get_by_role("checkbox", name="Only ones that fit the plan").check()
    page.wait_for_timeout(1000)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sections", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--loads", type=int, default=10)
    ap.add_argument("--only", default="", help="comma-separated interactions (default: all)")
    ap.add_argument("--time-limit", type=float, default=1500,
                    help="stop after this many seconds, reporting what was measured")
    args = ap.parse_args(argv)
    chosen = {a for a in args.only.split(",") if a}
    only = [a for a in INTERACTIONS if a in chosen] if chosen else list(INTERACTIONS)
    unknown = chosen - set(INTERACTIONS)
    if unknown:
        ap.error(f"unknown interactions: {sorted(unknown)}")

    from playwright.sync_api import expect, sync_playwright

    from workbench.formats.datadir import generate_data_dir

    deadline = time.monotonic() + args.time_limit
    print(json.dumps({"name": "load_average_1min_before", "value": load_average(), "unit": ""}))
    tmp = Path(tempfile.mkdtemp())
    generate_data_dir(tmp / "data", n_sections=args.sections, n_learners=12, seed=3)
    from workbench.app import serve_in_background

    served = serve_in_background(tmp / "data", tmp / "wb.sqlite")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    loads: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in only}  # from Python
    in_page: dict[str, list[float]] = {name: [] for name in only}  # on the page's clock
    failures: dict[str, str] = {}
    whole: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
            for k in range(args.loads + 1):
                if time.monotonic() > deadline:
                    break
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                t0 = time.perf_counter()
                page.goto(served.url)
                expect(page.get_by_role("combobox", name="Learner")).to_be_enabled(
                    timeout=60_000)
                t1 = time.perf_counter()
                # ... and the whole step: the part the server builds once the page has loaded
                page.locator(".wb-level select").first.wait_for(state="visible",
                                                                timeout=60_000)
                if k:  # the very first load also warms the server's caches
                    loads.append((t1 - t0) * 1000)
                    whole.append((time.perf_counter() - t0) * 1000)
                page.close()

            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.add_init_script(DEEP)
            inpage.install(page)
            page.goto(served.url)
            expect(page.get_by_role("combobox", name="Learner")).to_be_enabled(timeout=60_000)
            run = Run(page, expect, deadline)
            prepare(run)
            # add and remove alternate, so the plan keeps its size
            order = [n for n in only if n != "remove"]
            for name in order:
                pair = ["add", "remove"] if name == "add" and "remove" in only else [name]
                for i in range(args.repeat + 1):
                    if not run.left():
                        break
                    for action in pair:
                        if action in failures:
                            continue
                        try:
                            ms, outside = ACTIONS[action](run, i)
                        except Exception as exc:  # say so, go on with the others
                            failures[action] = f"{type(exc).__name__}: {exc}"[:300]
                            page.screenshot(path=str(Path(tempfile.gettempdir()) /
                                                     f"bench_browser_{action}.png"))
                            continue
                        if i:  # the first of each is a warm-up
                            in_page[action].append(ms)
                            times[action].append(outside)
            if "remove" in only and "add" not in only:
                for i in range(args.repeat + 1):
                    if not run.left():
                        break
                    ACTIONS["add"](run, i)  # something to remove (untimed)
                    ms, outside = ACTIONS["remove"](run, i)
                    if i:
                        in_page["remove"].append(ms)
                        times["remove"].append(outside)
            browser.close()
    finally:
        served.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    emit(f"browser_cold_load_{args.sections}_sections", loads, wanted=args.loads)
    emit(f"browser_cold_load_whole_first_step_{args.sections}_sections", whole,
         wanted=args.loads)
    for name in only:
        emit(f"browser_{name}_{args.sections}_sections", times[name], wanted=args.repeat)
        emit(f"browser_{name}_{args.sections}_sections_in_page", in_page[name],
             wanted=args.repeat)
        if name in failures:
            print(json.dumps({"name": f"browser_{name}_error", "value": None,
                              "unit": failures[name]}))
    print(json.dumps({"name": "load_average_1min_after", "value": load_average(), "unit": ""}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
