"""The full recompute after one plan edit, on a generated 2,000-section catalogue.

One edit = add a section to one of a learner's three plans, then: check that plan, re-project it
(the other two projections are unchanged and reused, as the app does), compare the three plans,
and work out the catalogue fit of every section, with the session's own ``EngineCache`` as the
app passes it. Also measured: the same with nothing reused (no cache, every plan projected).
Older versions of the engine (no ``EngineCache``) are measured the same way, their module-level
caches standing in for the session's.

Run: ``python benchmarks/bench_engine.py [--sections 2000] [--repeat 200]``. Prints JSON lines
``{"name", "value", "unit"}`` with the median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np

from workbench.domain.feasibility import catalogue_fit, check_plan
from workbench.domain.ledger import compare_plans
from workbench.domain.projection import project

try:
    from workbench.formats.datadir import generate_data_dir, load_dataset
except ImportError:  # an older tree, measured for comparison
    from workbench.domain.generate import generate_data_dir
    from workbench.formats.datadir import load_dataset
try:
    from workbench.domain.arrays import EngineCache
except ImportError:  # an engine from before the per-session cache
    EngineCache = None


def session_cache():
    """The keyword arguments that pass a session's cache (none for an older engine)."""
    return {"cache": EngineCache()} if EngineCache is not None else {}


def p95(values):
    return float(np.percentile(values, 95))


def emit(name, values, unit="ms"):
    print(json.dumps({"name": f"{name}.median", "value": round(statistics.median(values), 3),
                      "unit": unit}))
    print(json.dumps({"name": f"{name}.p95", "value": round(p95(values), 3), "unit": unit}))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sections", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        generate_data_dir(tmp, n_sections=args.sections, n_learners=30, seed=7)
        ds = load_dataset(tmp)
    cat = ds.catalogue
    learner = max(ds.learners.values(), key=lambda lr: len(ds.plans_for(lr.learner_id)))
    plans = ds.plans_for(learner.learner_id)[:3]
    while len(plans) < 3:
        plans.append(plans[0])
    session = session_cache()
    # warm the shared catalogue arrays and the session's cache once, as a running app has
    catalogue_fit(cat, learner, plans[0].sections, **session)
    projections = {p.plan_id: project(cat, learner, p.sections) for p in plans}
    candidates = list(cat.section_table.index[:: max(1, len(cat.section_table) // 500)])

    edit, cold = [], []
    for i in range(args.repeat):
        sid = candidates[i % len(candidates)]
        edited = plans[0].__class__(plans[0].plan_id, learner.learner_id, plans[0].name,
                                    [*plans[0].sections, sid])
        current = [edited, *plans[1:]]
        t0 = time.perf_counter()
        check_plan(cat, learner, edited.sections, **session)
        projections[edited.plan_id] = project(cat, learner, edited.sections)
        compare_plans(cat, learner, current, projections=projections, **session)
        catalogue_fit(cat, learner, edited.sections, **session)
        edit.append((time.perf_counter() - t0) * 1000)

        t0 = time.perf_counter()
        check_plan(cat, learner, edited.sections)
        compare_plans(cat, learner, current)  # projects all three again
        catalogue_fit(cat, learner, edited.sections)
        cold.append((time.perf_counter() - t0) * 1000)

    emit(f"recompute_after_edit_{args.sections}_sections", edit)
    emit(f"recompute_nothing_reused_{args.sections}_sections", cold)
    for name, fn in (
        ("check_plan", lambda: check_plan(cat, learner, plans[0].sections, **session)),
        ("catalogue_fit", lambda: catalogue_fit(cat, learner, plans[0].sections, **session)),
        ("project_one_plan", lambda: project(cat, learner, plans[0].sections)),
        ("compare_3_plans_reusing_projections",
         lambda: compare_plans(cat, learner, plans[:3], projections=projections, **session)),
    ):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        emit(name, times)
    print(json.dumps({"name": "load_average_1min", "value": os.getloadavg()[0], "unit": ""}))


if __name__ == "__main__":
    main()
