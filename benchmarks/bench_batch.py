"""Batch projection benchmark: learner-plans per second, single process and on Dask.

Prints JSON lines ``{"name", "value", "unit"}`` (median and p95 over repeats). The default run
(50,000 learners, about 125,000 learner-plans, 3 repeats, no Dask) takes about a minute;
``--dask`` adds a 2-worker ``LocalCluster`` (``district.local_cluster``) and ``--learners 200000``
gives the 500,000 learner-plan run of the README.

    python benchmarks/bench_batch.py [--learners N] [--repeats R] [--dask] [--dask-variants]
                                     [--write] [--threads T]

"single_process" is one process on ``district.default_threads()`` threads (one per core, at
most 4; ``--threads 1`` for one thread, as every figure before 2026-12-03 was); its CPU seconds
are those of all its threads.

Apples to apples: the single-process and Dask runs use the same ``--chunk-size`` and both only
iterate the result tables (``--write`` adds a Parquet run of each). Their repeats alternate, so
a neighbour's load falls on both alike, and ``*.ratio_to_single`` is the median over the pairs.
CPU seconds are reported beside the rates: this machine's scheduler shares the cores fairly
between login sessions (``/proc/sys/kernel/sched_autogroup_enabled``), so while another session
keeps both cores busy a 2-worker run gets no more CPU than one process, and its rate can only
match the single-process rate when it spends no more CPU than that process does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(float(value), 3), "unit": unit}), flush=True)


def summary(name: str, values: list[float], unit: str, *, higher_is_better: bool = False) -> None:
    """Median and p95; for a rate the p95 is the slow end (the rate of the p95 run time)."""
    emit(f"{name}.median", float(np.median(values)), unit)
    emit(f"{name}.p95", float(np.percentile(values, 5 if higher_is_better else 95)), unit)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _timed(run, client=None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and every Dask worker) of ``run()``."""
    before = client.run(_cpu) if client is not None else {}
    c0, t0 = _cpu(), time.perf_counter()
    run()
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    if client is not None:
        after = client.run(_cpu)
        cpu += sum(after[w] - before.get(w, 0.0) for w in after)
    return wall, cpu


def main() -> None:
    try:
        from workbench import district
    except ImportError:  # an older tree, measured for comparison
        from workbench import batch as district
    from workbench.domain.dataset import Catalogue
    from workbench.domain.generate import generate_frames

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=50_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunk-size", type=int, default=25_000,
                    help="rows per chunk (and per Dask task), the same for every run")
    ap.add_argument("--dask", action="store_true", help="also run on a 2-worker LocalCluster")
    ap.add_argument("--dask-variants", action="store_true",
                    help="with --dask: also 1 worker x 2 threads, and Dask's default worker "
                         "environment (MALLOC_TRIM_THRESHOLD_=65536)")
    ap.add_argument("--write", action="store_true", help="also time write_results to Parquet")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads of the one process (default district.default_threads(); "
                         "1: one thread, as before 2026-12-03)")
    args = ap.parse_args()
    # an older tree has no threads: it runs on one
    threaded = "threads" in district.iter_results.__code__.co_varnames
    extra = {"threads": args.threads} if threaded else {}
    threads = (args.threads or district.default_threads()) if threaded else 1
    cs = args.chunk_size

    # 60 competencies x 40 weeks, the full 5-level distribution (float64)
    catalogue = Catalogue.from_frames(**generate_frames(n_sections=2000, seed=0,
                                                       n_competencies=60))
    t0 = time.perf_counter()
    roster = district.generate_roster_frame(catalogue, args.learners, seed=1)
    emit("roster.generate_seconds", time.perf_counter() - t0, "s")
    emit("roster.learner_plans", len(roster), "rows")
    emit("single_process.threads", threads, "threads")
    n = len(roster)
    tmp = tempfile.TemporaryDirectory()

    def iterate(client=None):
        def run():
            for _res in district.iter_results(catalogue, roster, weeks=40, chunk_size=cs,
                                           client=client, **({} if client else extra)):
                pass
        return run

    def write(client=None):
        def run():
            district.write_results(catalogue, roster, Path(tmp.name) / "r.parquet",
                                chunk_size=cs, client=client, **({} if client else extra))
        return run

    kinds = [("single_process", iterate)] + ([("write_results", write)] if args.write else [])
    clusters = []
    if args.dask:
        from distributed import Client, LocalCluster

        clusters.append(("dask_2_workers", lambda: district.local_cluster(2)))
        if args.dask_variants:
            clusters.append(("dask_1_worker_2_threads",
                             lambda: district.local_cluster(1, threads_per_worker=2)))
            clusters.append(("dask_2_workers_default_env", lambda: LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)))

    rates: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    pairs: dict[str, list[tuple[float, float, float, float]]] = {}

    def timed(name: str, run, client=None) -> tuple[float, float]:
        wall, cpu = _timed(run, client)
        rates.setdefault(name, []).append(n / wall)
        cpus.setdefault(name, []).append(cpu)
        return n / wall, cpu

    if not clusters:
        for _ in range(args.repeats):
            for k_name, k in kinds:
                timed(k_name, k())
    for c_name, make in clusters:
        with make() as cluster, Client(cluster) as client:
            # workers up and workbench imported on them before the clock starts
            district.project_roster(catalogue, roster.iloc[:200], client=client)
            # single-process repeats alternate with the cluster's: noise hits both alike
            for _ in range(args.repeats):
                for k_name, k in kinds:
                    one = timed(k_name, k())
                    mine = c_name + k_name.removeprefix("single_process")
                    many = timed(mine, k(client), client)
                    pairs.setdefault(mine, []).append((*one, *many))
    for name in rates:
        summary(f"{name}.rate", rates[name], "learner-plans/s", higher_is_better=True)
        summary(f"{name}.cpu_seconds", cpus[name], "s")
    for name, values in pairs.items():
        v = np.array(values)
        emit(f"{name}.ratio_to_single", float(np.median(v[:, 2] / v[:, 0])), "x")
        emit(f"{name}.cpu_ratio_to_single", float(np.median(v[:, 3] / v[:, 1])), "x")

    # peak memory of one streamed run (tracemalloc sees numpy's buffers; it slows the run, so
    # it is measured apart from the timing)
    tracemalloc.start()
    district.write_results(catalogue, roster, Path(tmp.name) / "r.parquet", chunk_size=cs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tmp.cleanup()
    emit("write_results.peak_traced_memory", peak / 2**20, "MiB")
    emit("process.max_rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MiB")
    emit("load_average_1min", os.getloadavg()[0], "")


if __name__ == "__main__":
    main()
