"""Server CPU of one new session and of each interaction, without a browser.

A new session is what the server does for a page load: ``create_app(lazy=True)``, the page
template, its Bokeh document (``server_doc``) and the document's JSON (what is sent). The rest
of the first step, which the server builds once the page has loaded, and the change it sends
the page, are timed apart (``rest_of_first_step``). Each is
timed with ``time.process_time()`` (CPU of this process, so other work on the machine counts
less than in wall-clock figures). Interactions are state actions on a session whose document
is live (its step on screen, the others not built), each on its own step: switch step, add,
remove, compare tick, pick learner, pick plan, filter the catalogue, change a level, add a
busy time. An action the current views do not offer is reported as not measured.

Run: ``python benchmarks/bench_session.py [--sections 2000] [--sessions 30] [--repeat 20]``;
prints JSON lines ``{"name", "value", "unit"}`` (median and p95), and the load average.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def emit(name, values, unit="ms"):
    if not values:
        print(json.dumps({"name": name, "value": None, "unit": "not measured"}))
        return
    print(json.dumps({"name": f"{name}.median", "value": round(statistics.median(values), 1),
                      "unit": unit}))
    print(json.dumps({"name": f"{name}.p95", "value": round(float(np.percentile(values, 95)), 1),
                      "unit": unit}))


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def new_session(data, db, parts):
    """Build one served session like ``workbench.app.serve``'s page function; time each part."""
    from bokeh.document import Document
    from bokeh.protocol import Protocol
    from panel.io.state import set_curdoc

    from workbench.app import create_app

    doc = Document()
    with set_curdoc(doc):
        t0 = time.process_time()
        app = create_app(data, db, lazy=True)
        t1 = time.process_time()
        page = app.servable_page()
        page.server_doc(doc)
        t2 = time.process_time()
        doc.to_json()
        t3 = time.process_time()
        # once the page has loaded: the rest of its first step (goals, levels, the credential
        # upload), built while the session is idle, with the change sent to the page
        app._page_loaded = True
        events = []
        doc.on_change(events.append)
        app.prebuild_one()
        doc.remove_on_change(events.append)
        if events:
            Protocol().create("PATCH-DOC", events)  # the message the page gets
        t4 = time.process_time()
    parts["create_app"].append((t1 - t0) * 1000)
    parts["document"].append((t2 - t1) * 1000)
    parts["to_json"].append((t3 - t2) * 1000)
    parts["total"].append((t3 - t0) * 1000)
    parts.setdefault("rest_of_first_step", []).append((t4 - t3) * 1000)
    return app, doc


def interactions(app, doc):
    """Name -> (step to be on, action) over the current views; None when not offered."""
    from workbench.domain.dataset import TimeBlock

    s = app.state
    cat = s.catalogue
    fit = s.fit
    fitting = [] if fit is None or "fits" not in fit else list(
        fit.index[fit["fits"] & ~fit["in_plan"]][:50])
    fitting = fitting or list(cat.section_table.index[:50])
    state = {"i": 0, "added": None}

    def add():
        sid = fitting[state["i"] % len(fitting)]
        state["i"] += 1
        state["added"] = sid
        s.add_section(sid)

    def remove():
        if state["added"] is None:
            add()
        s.remove_section(state["added"])
        state["added"] = None

    def tick():
        ids = [p.plan_id for p in s.plans]
        s.compare_ids = ids[:2] if len(s.compare_ids) != 2 else ids[:3]

    def pick_learner():
        ids = s.param.learner_id.objects
        s.learner_id = ids[(ids.index(s.learner_id) + 1) % len(ids)]

    def pick_plan():
        ids = [p.plan_id for p in s.plans]
        s.plan_id = ids[(ids.index(s.plan_id) + 1) % len(ids)]

    def level():
        cid = str(cat.competencies["competency_id"].iloc[0])
        lv = dict(s.learner.levels)
        lv[cid] = (lv.get(cid, 0) + 1) % 4
        s.update_learner(levels=lv)

    def busy():
        blocks = list(s.learner.commitments)
        if len(blocks) > 3:
            blocks = blocks[:1]
        blocks.append(TimeBlock(("Sat",), 9 * 60 + 10 * len(blocks), 10 * 60 + 10 * len(blocks)))
        s.update_learner(commitments=blocks)

    opp = app.steps["Opportunities"]
    filters = getattr(opp, "filters", None)
    words = iter(["art", "math", "", "science", "music", ""] * 1000)

    def search():
        filters.search = next(words)

    steps = list(app.steps)
    acts = {
        "switch_step": (None, lambda: setattr(
            s, "step", steps[(steps.index(s.step) + 1) % len(steps)])),
        "add": ("Opportunities", add),
        "remove": ("Plans", remove),
        "compare_tick": ("Compare", tick),
        "pick_learner": ("Learner", pick_learner),
        "pick_plan": ("Plans", pick_plan),
        "filter_catalogue": ("Opportunities", search if filters is not None and hasattr(
            filters, "search") else None),
        "change_level": ("Learner", level),
        "add_busy_time": ("Week", busy),
    }
    return acts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sections", type=int, default=2000)
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--data", default=None, help="a data directory (default: a generated one)")
    args = ap.parse_args(argv)

    import panel as pn
    from panel.io.state import set_curdoc

    from workbench.formats.datadir import generate_data_dir

    tmp = Path(tempfile.mkdtemp())
    try:
        data = Path(args.data) if args.data else tmp / "data"
        if not args.data:
            generate_data_dir(data, n_sections=args.sections, n_learners=12, seed=3)
        db = tmp / "wb.sqlite"
        from workbench.app import (
            _freeze_what_is_loaded,
            _load_dataset,
            _shared_tables_first,
            _style_from_file,
        )

        _style_from_file()  # as served: the stylesheet is a file, not copied into every model
        # as served: the catalogue and its shared tables built first, and left out of full
        # collections with the libraries (``workbench.app.serve``)
        _shared_tables_first(_load_dataset(str(data.resolve())).catalogue)
        _freeze_what_is_loaded()
        parts = {k: [] for k in ("create_app", "document", "to_json", "total")}
        warm = {k: [] for k in parts}
        new_session(data, db, warm)  # warm-up: the first of each kind of widget
        new_session(data, db, warm)
        gc.collect()
        rss0 = rss_mb()
        kept = []
        for _ in range(args.sessions):
            kept.append(new_session(data, db, parts))
        rss1 = rss_mb()
        for name, values in parts.items():
            emit(f"session_{name}_{args.sections}_sections", values)
        print(json.dumps({"name": "session_rss_per_session", "unit": "MB",
                          "value": round((rss1 - rss0) / args.sessions, 2)}))
        del kept
        gc.collect()

        app, doc = new_session(data, db, {k: [] for k in parts})
        acts = interactions(app, doc)
        for name, (step, action) in acts.items():
            if action is None:
                emit(f"interaction_{name}", [])
                continue
            times = []
            try:
                with set_curdoc(doc):
                    for _ in range(args.repeat):
                        if step is not None and app.state.step != step:
                            app.state.step = step
                        t0 = time.process_time()
                        with pn.io.hold():
                            action()
                        times.append((time.process_time() - t0) * 1000)
            except Exception as exc:  # the views changed under us: say so, go on
                print(json.dumps({"name": f"interaction_{name}", "value": None,
                                  "unit": f"not measured ({type(exc).__name__}: {exc})"[:200]}))
                continue
            emit(f"interaction_{name}_server_cpu", times)
        print(json.dumps({"name": "load_average_1min", "value": load_average(), "unit": ""}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
