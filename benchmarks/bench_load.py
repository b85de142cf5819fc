"""Many families at once: the served app under protocol-level sessions and real Chromium pages.

Loopback only, bounded in count and time, and it stops by itself (the server is a child
process, killed at the end or after ``--time-limit`` seconds). What it does:

1. serves ``workbench serve`` (``workbench.app.serve``) on a free 127.0.0.1 port over a
   generated catalogue (2,000 sections) and a throw-away store;
2. opens ``--sessions`` protocol-level sessions one after another (``bokeh.client.pull_session``:
   the server builds the whole app and sends its document) and keeps them open: time to a
   pulled document, server CPU per session (``/proc/<pid>/stat``), RSS per open session;
3. a burst: ``--burst`` sessions opening at once (threads), while ``--pages`` Chromium pages
   (Playwright, headless, Debian's ``/usr/bin/chromium``) switch steps; p50/p95 of time to a
   pulled document and of the pages' clicks during the burst; then the same burst by bare
   protocol clients (``fetch_documents``: time until each document's JSON has arrived, as a
   browser has it before drawing, without this process rebuilding every document);
4. ``--pages`` Chromium pages: cold load to interactive and step switches on a quiet server;
5. ``--cycles`` open/close cycles, then RSS growth once the server dropped the closed sessions;
   then a second round from there (``--cycle-rounds 2``): memory not given back grows again.

Pages' step switches are timed from Python and, as ``…_in_page``, on the page's clock from the
click to the frame after the answer (``benchmarks/inpage.py``), without Playwright's own work.

Run: ``python benchmarks/bench_load.py [--sessions 10] [--burst 20] [--pages 2] [--cycles 200]
[--num-procs 1]``. Prints JSON lines ``{"name", "value", "unit"}`` and an RSS timeline.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import pkgutil
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import inpage  # benchmarks/inpage.py: click to painted view on the page's clock
import numpy as np

from workbench.app import free_port

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
STEP_BUTTON = re.compile(r"^\d\. ")
T0 = time.monotonic()


def emit(name, values, unit="ms"):
    if not values:
        print(json.dumps({"name": name, "value": None, "unit": "not measured"}), flush=True)
        return
    for label, v in (("p50", statistics.median(values)),
                     ("p95", float(np.percentile(values, 95)))):
        print(json.dumps({"name": f"{name}.{label}", "value": round(v, 1), "unit": unit}),
              flush=True)
    print(json.dumps({"name": f"{name}.n", "value": len(values), "unit": "count"}), flush=True)


def note(name, value, unit=""):
    print(json.dumps({"name": name, "value": value, "unit": unit}), flush=True)


class Server:
    """``workbench.app.serve`` in a child process; its CPU and RSS (children included)."""

    def __init__(self, data: Path, db: Path, num_procs: int):
        self.port = free_port()
        code = ("import sys; from workbench.app import serve; "
                "serve(sys.argv[1], port=int(sys.argv[2]), db_path=sys.argv[3], "
                "num_procs=int(sys.argv[4]))")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, str(data), str(self.port), str(db), str(num_procs)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}/"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server stopped while starting")
            try:
                urllib.request.urlopen(self.url, timeout=30).read()
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("the server did not answer within 180 s")

    def pids(self) -> list[int]:
        try:
            import psutil

            p = psutil.Process(self.proc.pid)
            return [p.pid, *(c.pid for c in p.children(recursive=True))]
        except Exception:
            return [self.proc.pid]

    def cpu_s(self) -> float:
        """User + system CPU seconds of the server processes so far."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def rss_mb(self) -> float:
        total = 0.0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                continue
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)


def import_panel_models() -> None:
    """Every ``panel.models`` submodule and the app's own components, so the client knows every
    model the server sends."""
    import panel.models

    import workbench.app  # noqa: F401  (defines the app's ReactiveHTML/ESM models)

    for mod in pkgutil.iter_modules(panel.models.__path__, "panel.models."):
        # an optional model whose library is not installed is skipped
        with contextlib.suppress(Exception):
            importlib.import_module(mod.name)


def pull(url: str):
    """One protocol-level session: (seconds to the pulled document, the session)."""
    from bokeh.client import pull_session

    t0 = time.perf_counter()
    session = pull_session(url=url)
    return time.perf_counter() - t0, session


def fetch_documents(url: str, n: int) -> list[float]:
    """``n`` sessions opened at once by a bare Bokeh-protocol client: each opens the websocket
    (the server builds its app), asks for the document and reads the reply's JSON, as a browser
    does before drawing. Returns each one's seconds from the start to its document, then closes
    them all.

    Unlike ``pull``, nothing is rebuilt into Bokeh models here: ``bokeh.client`` spends some
    200 ms of this process's CPU per document doing that, under one GIL for every thread, which
    in a burst is the harness's own queue, not the server's (each family's browser draws its own
    page on its own device)."""
    import asyncio

    from bokeh.client.util import websocket_url_for_server_url
    from bokeh.client.websocket import WebSocketClientConnectionWrapper
    from bokeh.protocol import Protocol
    from bokeh.protocol.receiver import Receiver
    from bokeh.util.token import generate_jwt_token, generate_session_id
    from tornado.websocket import websocket_connect

    ws_url = websocket_url_for_server_url(url)
    protocol = Protocol()

    async def one(t0: float):
        token = generate_jwt_token(generate_session_id())
        socket = await websocket_connect(ws_url, subprotocols=["bokeh", token],
                                         max_message_size=100 * 2**20)
        receiver = Receiver(protocol)

        async def until(msgtype: str) -> None:
            while True:
                fragment = await socket.read_message()
                if fragment is None:
                    raise RuntimeError(f"the server closed the socket before {msgtype}")
                message = await receiver.consume(fragment)
                if message is not None and message.msgtype == msgtype:
                    return

        await until("ACK")
        await protocol.create("PULL-DOC-REQ").send(WebSocketClientConnectionWrapper(socket))
        await until("PULL-DOC-REPLY")
        return time.perf_counter() - t0, socket

    async def burst():
        t0 = time.perf_counter()
        done = await asyncio.gather(*(one(t0) for _ in range(n)))
        for _, socket in done:
            socket.close(1000)  # a page closed on purpose
        await asyncio.sleep(0.2)  # let the closes go out
        return [seconds for seconds, _ in done]

    return asyncio.run(burst())


def close(session) -> None:
    with contextlib.suppress(Exception):
        session.close()


class Timeline:
    """RSS (and CPU) of the server every second, in a thread, until stopped."""

    def __init__(self, server: Server):
        self.server, self.rows, self._stop = server, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.wait(1.0):
            self.rows.append((round(time.monotonic() - T0, 1), round(self.server.rss_mb(), 1),
                              round(self.server.cpu_s(), 2)))

    def stop(self):
        self._stop.set()
        self.thread.join(timeout=5)


def open_page(browser, url: str, timeout_ms: int = 120_000):
    """A Chromium page on the app; (ms to interactive, page). Interactive = step buttons on."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    inpage.install(page)
    t0 = time.perf_counter()
    page.goto(url, timeout=timeout_ms)
    expect(page.get_by_role("button", name=STEP_BUTTON).first).to_be_enabled(timeout=timeout_ms)
    return (time.perf_counter() - t0) * 1000, page


def switch_steps(page, times: list, stop: threading.Event | None = None, rounds: int = 1,
                 in_page: list | None = None):
    """Click each step button in turn; time click -> the server's answer is on the page, from
    Python into ``times`` and, into ``in_page``, on the page's clock from the input to the frame
    after it (``benchmarks/inpage.py``: without Playwright's own ~100 ms around the click).

    The page's address names the step on screen (``?step=Week``); the server changes it in the
    same update that puts the new step on screen, so the address changing is the round trip.
    """
    from workbench.state import STEPS

    buttons = page.get_by_role("button", name=STEP_BUTTON)
    n = min(buttons.count(), len(STEPS))
    for _ in range(rounds if n else 0):
        for i in [*range(1, n), 0]:
            if stop is not None and stop.is_set():
                return
            inpage.arm(page)
            t0 = time.perf_counter()
            buttons.nth(i).click(timeout=60_000)
            ms = inpage.wait(page, "(s) => new URLSearchParams(location.search).get('step') === s",
                             STEPS[i])
            times.append((time.perf_counter() - t0) * 1000)
            if in_page is not None:
                in_page.append(ms)


def click_until_done(pages, futures, times: list, stop: threading.Event,
                     in_page: list | None = None) -> None:
    """The pages switch steps in turn (``switch_steps``) until every future is done; the
    pages click in the calling thread (Playwright's sync API is single-threaded)."""
    while not all(f.done() for f in futures):
        for page in pages:
            switch_steps(page, times, stop, in_page=in_page)
            if all(f.done() for f in futures):
                break


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sections", type=int, default=2000)
    ap.add_argument("--sessions", type=int, default=10, help="protocol sessions held open")
    ap.add_argument("--burst", type=int, default=20, help="sessions opened at once")
    ap.add_argument("--pages", type=int, default=2, help="Chromium pages")
    ap.add_argument("--cycles", type=int, default=200, help="open/close cycles (memory)")
    ap.add_argument("--cycle-rounds", type=int, default=2, choices=(1, 2),
                    help="rounds of --cycles (the second shows whether memory comes back)")
    ap.add_argument("--num-procs", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=1500, help="seconds, then stop")
    args = ap.parse_args(argv)
    args.sessions = min(args.sessions, 100)
    args.burst = min(args.burst, 50)
    args.pages = min(args.pages, 8)
    args.cycles = min(args.cycles, 1000)

    import_panel_models()
    from workbench.formats.datadir import generate_data_dir

    tmp = Path(tempfile.mkdtemp())
    generate_data_dir(tmp / "data", n_sections=args.sections, n_learners=12, seed=3)
    server = Server(tmp / "data", tmp / "wb.sqlite", args.num_procs)
    killer = threading.Timer(args.time_limit, server.stop)  # stops by itself, whatever happens
    killer.daemon = True
    killer.start()
    timeline = Timeline(server)
    note("load_average_1min_start", float(Path("/proc/loadavg").read_text().split()[0]))
    try:
        run(args, server)
    finally:
        timeline.stop()
        killer.cancel()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        note("load_average_1min_end", float(Path("/proc/loadavg").read_text().split()[0]))
        print(json.dumps({"name": "rss_timeline", "unit": "[s, MB, cpu s]",
                          "value": timeline.rows[::5]}), flush=True)


def run(args, server: Server) -> None:
    url = server.url
    # ---- warm up: the first session loads the catalogue and builds its shared arrays ------
    for _ in range(2):
        close(pull(url)[1])
    time.sleep(1)

    # ---- sessions one after another, held open --------------------------------------------
    pulls, cpus, held = [], [], []
    rss0 = server.rss_mb()
    for _ in range(args.sessions):
        c0 = server.cpu_s()
        seconds, session = pull(url)
        time.sleep(0.3)  # let the server finish the session's first callbacks
        cpus.append((server.cpu_s() - c0) * 1000)
        pulls.append(seconds * 1000)
        held.append(session)
    rss1 = server.rss_mb()
    emit("protocol_session_to_document", pulls)
    emit("server_cpu_per_session", cpus)
    note("rss_per_open_session", round((rss1 - rss0) / max(len(held), 1), 2), "MB")
    for session in held:
        close(session)

    # ---- Chromium pages on a quiet server -------------------------------------------------
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=CHROMIUM_ARGS)
        loads, switches, switches_in_page, pages = [], [], [], []
        for _ in range(args.pages):
            ms, page = open_page(browser, url)
            loads.append(ms)
            pages.append(page)
        for page in pages:
            switch_steps(page, switches, rounds=2, in_page=switches_in_page)
        emit("page_load_to_interactive_quiet", loads)
        emit("page_switch_step_quiet", switches)
        emit("page_switch_step_quiet_in_page", switches_in_page)

        # ---- the burst: many sessions at once while the pages keep clicking ----------------
        stop = threading.Event()
        burst_clicks: list[float] = []
        burst_in_page: list[float] = []
        c0 = server.cpu_s()
        with ThreadPoolExecutor(max_workers=args.burst) as pool:
            futures = [pool.submit(pull, url) for _ in range(args.burst)]
            click_until_done(pages, futures, burst_clicks, stop, burst_in_page)
            burst = [f.result() for f in futures]
        note("burst_server_cpu_per_session",
             round((server.cpu_s() - c0) * 1000 / args.burst, 1), "ms")
        emit(f"burst_{args.burst}_protocol_session_to_document", [s * 1000 for s, _ in burst])
        emit(f"burst_{args.burst}_page_switch_step", burst_clicks)
        emit(f"burst_{args.burst}_page_switch_step_in_page", burst_in_page)
        for _, session in burst:
            close(session)
        time.sleep(3)
        # the same burst by bare protocol clients (``fetch_documents``): time until each
        # document has reached its client, without the harness rebuilding 20 documents under
        # one GIL; the pages keep clicking meanwhile
        bare_clicks: list[float] = []
        bare_in_page: list[float] = []
        c0 = server.cpu_s()
        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(fetch_documents, url, args.burst)
            click_until_done(pages, [future], bare_clicks, stop, bare_in_page)
            bare = future.result()
        note("burst_bare_server_cpu_per_session",
             round((server.cpu_s() - c0) * 1000 / args.burst, 1), "ms")
        emit(f"burst_{args.burst}_bare_session_to_document", [s * 1000 for s in bare])
        emit(f"burst_{args.burst}_bare_page_switch_step", bare_clicks)
        emit(f"burst_{args.burst}_bare_page_switch_step_in_page", bare_in_page)
        time.sleep(3)
        # pages opening during a burst: cold load to interactive with 20 others opening
        with ThreadPoolExecutor(max_workers=args.burst) as pool:
            futures = [pool.submit(pull, url) for _ in range(args.burst)]
            ms, page = open_page(browser, url)
            burst = [f.result() for f in futures]
        note(f"burst_{args.burst}_page_load_to_interactive", round(ms, 1), "ms")
        for _, session in burst:
            close(session)
        page.close()
        for page in pages:
            page.close()
        browser.close()

    # ---- open/close cycles: is memory given back? ----------------------------------------
    # Round 1 from a settled server: its growth includes the high-water mark of closed sessions
    # Bokeh has not dropped yet (kept 15 s or more), memory the process keeps for the next ones.
    # Round 2 starts from there: memory not given back would grow again in it.
    time.sleep(40)  # Bokeh drops closed sessions after 15 s, checked every 17 s
    rss = [server.rss_mb()]
    deadline = T0 + args.time_limit - 120
    for round_ in (1, 2)[:args.cycle_rounds]:
        cycles = []
        for _ in range(args.cycles):
            if time.monotonic() > deadline:
                break
            seconds, session = pull(url)
            cycles.append(seconds * 1000)
            close(session)
        emit(f"cycle_session_to_document_round{round_}", cycles)
        time.sleep(40)
        rss.append(server.rss_mb())
        note(f"cycles_done_round{round_}", len(cycles), "count")
        note(f"rss_before_round{round_}", round(rss[-2], 1), "MB")
        note(f"rss_after_round{round_}", round(rss[-1], 1), "MB")
        note(f"rss_growth_round{round_}", round((rss[-1] - rss[-2]) / rss[-2] * 100, 1), "%")

if __name__ == "__main__":
    sys.exit(main())
