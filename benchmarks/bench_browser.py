"""In a real Chromium: cold page load, and add-a-section -> updated comparison visible.

A generated 2,000-section catalogue is served with a throw-away store. For each repeat we select a
section that fits on the Opportunities step, click "Add ... to Plan", and stop the clock when the
"Plans at a glance" comparison (shown on every step) shows the plan's new number of pieces. The
section is then removed again (not timed). Cold load = ``page.goto`` until the first step is
interactive (its learner picker can be used).

Run: ``python benchmarks/bench_browser.py [--repeat 30] [--loads 8]``; prints JSON lines
``{"name", "value", "unit"}``. Needs Debian's chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic"]


# the current plan's "Pieces" cell in "Plans at a glance", found through Panel's shadow roots
GLANCE_SHOWS = """(want) => {
  const find = (root) => {
    const hit = root.querySelector && root.querySelector('tr.wb-current td');
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const f = find(el.shadowRoot); if (f) return f; }
    }
    return null;
  };
  const cell = find(document);
  return cell !== null && cell.textContent.trim() === want;
}"""


def emit(name, values, unit="ms"):
    print(json.dumps({"name": f"{name}.median", "value": round(statistics.median(values), 1),
                      "unit": unit}))
    print(json.dumps({"name": f"{name}.p95", "value": round(float(np.percentile(values, 95)), 1),
                      "unit": unit}))


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sections", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--loads", type=int, default=8)
    args = ap.parse_args(argv)

    import panel as pn
    from playwright.sync_api import expect, sync_playwright

    from workbench.app import create_app
    from workbench.formats.datadir import generate_data_dir

    tmp = Path(tempfile.mkdtemp())
    generate_data_dir(tmp / "data", n_sections=args.sections, n_learners=12, seed=3)
    port = free_port()
    def page_factory():
        return create_app(tmp / "data", tmp / "wb.sqlite", lazy=True).servable_page()

    server = pn.serve({"/": page_factory},
                      port=port, address="127.0.0.1", threaded=True, show=False, verbose=False)
    url = f"http://127.0.0.1:{port}/"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
            loads = []
            for _ in range(args.loads + 1):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                t0 = time.perf_counter()
                page.goto(url)
                picker = page.get_by_role("combobox", name="Learner")
                expect(picker).to_be_enabled(timeout=60_000)
                loads.append((time.perf_counter() - t0) * 1000)
                page.close()
            loads = loads[1:]  # the very first load also warms the server's caches

            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url)
            expect(page.get_by_role("combobox", name="Learner")).to_be_enabled(timeout=60_000)
            # a fresh plan, so that many sections fit (generated plans are random, often broken)
            page.get_by_role("button", name="4. Plans").click()
            page.get_by_role("button", name="New plan").click()
            expect(page.get_by_text(re.compile(r"^Created Plan "))).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="3. Opportunities").click()
            page.get_by_role("checkbox", name="Only ones that fit the plan").check()
            page.wait_for_timeout(1000)
            current = page.locator("tr.wb-current td").first
            expect(current).to_be_visible(timeout=30_000)
            adds = []
            try:
                run_adds(page, current, adds, args.repeat, expect)
            except Exception:
                page.screenshot(path=str(Path(tempfile.gettempdir()) / "bench_browser_fail.png"))
                raise
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    emit(f"browser_cold_load_{args.sections}_sections", loads)
    emit(f"browser_add_section_to_comparison_{args.sections}_sections", adds)


def run_adds(page, current, adds, repeat, expect):
    """Add a fitting section, time until the comparison shows it, then undo it (untimed)."""
    for i in range(repeat):
        n = int(current.inner_text())
        # one click on a card's Add button (the list is cards, not a table with a selection)
        add = page.get_by_role("button", name=re.compile(r"^Add .+ to ")).nth(i % 5)
        expect(add).to_be_enabled(timeout=30_000)
        t0 = time.perf_counter()
        add.click()
        # poll every animation frame (expect() backs off to 100-1000 ms between checks)
        page.wait_for_function(GLANCE_SHOWS, arg=str(n + 1), polling="raf", timeout=30_000)
        adds.append((time.perf_counter() - t0) * 1000)
        # undo on the Plans step (not timed), then come back
        page.get_by_role("button", name="4. Plans").click()
        page.get_by_role("button", name=re.compile(r"^Remove .+ — ")).last.click()
        expect(current).to_have_text(str(n), timeout=30_000)
        page.get_by_role("button", name="3. Opportunities").click()
        page.wait_for_timeout(800)


if __name__ == "__main__":
    sys.exit(main())
