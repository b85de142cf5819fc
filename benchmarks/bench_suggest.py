"""Plan suggestions: time, optimality gap and goal totals.

1. A generated 2,000-section catalogue and learners with three goals each: ``suggest_plans``
   with ``count=3`` (search and explanations), and the search alone; median and p95 seconds,
   the largest optimality gap and how many were proven best.
2. The six sample learners: seconds each, proven or not, and the best suggestion's expected
   goals reached against the best hand-made sample plan (``workbench compare``'s figures).

Run: ``python benchmarks/bench_suggest.py [--sections 2000] [--learners 40] [--seed 7]``.
Prints JSON lines ``{"name", "value", "unit"}`` (and a readable table with ``--table``); the
1-minute load average before and after is part of the output, because the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

from workbench import SAMPLE_DATA
from workbench.domain.dataset import Catalogue
from workbench.domain.feasibility import check_plan
from workbench.domain.generate import generate_frames, generate_roster
from workbench.domain.ledger import compare_plans
from workbench.domain.suggest import suggest_plans
from workbench.formats.datadir import load_dataset


def emit(name, value, unit):
    print(json.dumps({"name": name, "value": value, "unit": unit}), flush=True)


def summary(name, values, unit="s"):
    emit(f"{name}.median", round(statistics.median(values), 4), unit)
    emit(f"{name}.p95", round(float(np.percentile(values, 95)), 4), unit)
    emit(f"{name}.max", round(max(values), 4), unit)


def load() -> float:
    return round(os.getloadavg()[0], 2)


def generated(args):
    frames = generate_frames(n_sections=args.sections, seed=args.seed)
    catalogue = Catalogue.from_frames(**frames)
    roster, _ = generate_roster(catalogue, args.learners * 6, seed=args.seed)
    learners = [lr for lr in roster if len(lr.goals) == 3][:args.learners]
    # warm the per-catalogue caches and the solver once, as a running app has
    suggest_plans(catalogue, learners[0], count=args.count)
    emit("generated.sections", len(catalogue.section_table), "sections")
    emit("generated.learners", len(learners), "learners with 3 goals")
    emit("load_average_1min.before", load(), "")
    full, search, gaps, proven, candidates, statuses = [], [], [], 0, [], {}
    multi = 0
    for lr in learners:
        multi += any(g.level - lr.level(g.competency_id) >= 2 for g in lr.goals)
        t0 = time.perf_counter()
        r = suggest_plans(catalogue, lr, count=args.count, time_limit=args.time_limit)
        full.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        q = suggest_plans(catalogue, lr, count=args.count, time_limit=args.time_limit,
                          explain=False)
        search.append(time.perf_counter() - t0)
        statuses[r.status] = statuses.get(r.status, 0) + 1
        candidates.append(r.candidates)
        for p in r.plans:
            assert not check_plan(catalogue, lr, p.sections), (lr.learner_id, p.rank)
        if r.plans:
            g = [p.gap for p in r.plans]
            gaps.append(max(g) if all(np.isfinite(g)) else 1.0)
            proven += r.proven
        if args.table:
            print(f"  {lr.learner_id}: {full[-1]:.3f} s ({search[-1]:.3f} s search), "
                  f"{r.candidates} candidates, {r.status}, gaps "
                  f"{[round(p.gap, 5) for p in r.plans]}, totals "
                  f"{[round(p.goal_total, 3) for p in r.plans]}, {len(r.obstacles)} obstacles"
                  f"{'' if q.status == r.status else ' (search alone: ' + q.status + ')'}",
                  flush=True)
    emit("load_average_1min.after", load(), "")
    summary(f"suggest_3_plans_{args.sections}_sections_with_explanations", full)
    summary(f"suggest_3_plans_{args.sections}_sections_search_only", search)
    emit("learners_with_a_goal_two_or_more_levels_up", multi, "learners")
    emit("candidates.median", statistics.median(candidates), "sections")
    emit("candidates.max", max(candidates), "sections")
    emit("optimality_gap.max", round(max(gaps), 6) if gaps else None, "relative")
    emit("optimality_gap.p95", round(float(np.percentile(gaps, 95)), 6) if gaps else None,
         "relative")
    emit("proven_best", proven, f"of {len(gaps)} learners with suggestions")
    emit("status", statuses, "learners")


def sample(args):
    ds = load_dataset(SAMPLE_DATA)
    cat = ds.catalogue
    suggest_plans(cat, next(iter(ds.learners.values())), count=args.count)
    emit("load_average_1min.before_sample", load(), "")
    rows = []
    for lid, lr in ds.learners.items():
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            r = suggest_plans(cat, lr, count=args.count, time_limit=args.time_limit)
            times.append(time.perf_counter() - t0)
        plans = ds.plans_for(lid)
        table = compare_plans(cat, lr, plans).table
        goal_cols = [c for c in table.columns if c.startswith("goal:")]
        hand = table[goal_cols].sum(axis=1).to_numpy()
        fits = np.array([not check_plan(cat, lr, p.sections) for p in plans])
        best = r.plans[0].goal_total if r.plans else float("nan")
        rows.append((lid, statistics.median(times), max(times), r.proven, best,
                     float(hand.max()), float(hand[fits].max()) if fits.any() else None,
                     len(lr.goals)))
        emit(f"sample.{lid}.seconds.median", round(statistics.median(times), 4), "s")
        emit(f"sample.{lid}.seconds.max", round(max(times), 4), "s")
        emit(f"sample.{lid}.proven", bool(r.proven), "")
        emit(f"sample.{lid}.best_suggestion_goals", round(best, 3), f"of {len(lr.goals)}")
        emit(f"sample.{lid}.best_hand_made_goals", round(float(hand.max()), 3),
             f"of {len(lr.goals)} (any of {len(plans)} plans)")
        if fits.any():
            emit(f"sample.{lid}.best_hand_made_that_fits_goals",
                 round(float(hand[fits].max()), 3), f"of {len(lr.goals)}")
    emit("load_average_1min.after_sample", load(), "")
    if args.table:
        print("| learner | seconds (median / max) | proven | best suggestion | best hand-made "
              "(any) | best hand-made that fits |")
        print("|---|---|---|---|---|---|")
        for lid, med, mx, pr, best, hand, fit, n in rows:
            print(f"| {lid} | {med:.2f} / {mx:.2f} | {'yes' if pr else 'no'} | {best:.2f} of "
                  f"{n} | {hand:.2f} | {'—' if fit is None else f'{fit:.2f}'} |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sections", type=int, default=2000)
    ap.add_argument("--learners", type=int, default=40, help="generated learners (3 goals)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3, help="repeats per sample learner")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--table", action="store_true", help="also print readable rows")
    ap.add_argument("--only", choices=("generated", "sample"), default=None)
    args = ap.parse_args(argv)
    if args.only != "sample":
        generated(args)
    if args.only != "generated":
        sample(args)


if __name__ == "__main__":
    main()
