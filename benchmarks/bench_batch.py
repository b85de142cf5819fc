"""Batch projection benchmark: learner-plans per second, single process and on Dask.

Prints JSON lines ``{"name", "value", "unit"}`` (median and p95 over repeats). The default run
(50,000 learners, about 125,000 learner-plans, 3 repeats, no Dask) takes about a minute;
``--dask`` adds a 2-worker ``LocalCluster`` run and ``--learners 200000`` gives the 500,000
learner-plan run of the README.

    python benchmarks/bench_batch.py [--learners N] [--repeats R] [--dask] [--write]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(float(value), 3), "unit": unit}), flush=True)


def summary(name: str, values: list[float], unit: str) -> None:
    emit(f"{name}.median", float(np.median(values)), unit)
    emit(f"{name}.p95", float(np.percentile(values, 95)), unit)


def main() -> None:
    from workbench import batch
    from workbench.domain.dataset import Catalogue
    from workbench.domain.generate import generate_frames

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=50_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunk-size", type=int, default=batch.DEFAULT_CHUNK_SIZE)
    ap.add_argument("--dask", action="store_true", help="also run on a 2-worker LocalCluster")
    ap.add_argument("--write", action="store_true", help="also time write_results to Parquet")
    args = ap.parse_args()

    # 60 competencies x 40 weeks, the full 5-level distribution (float64)
    catalogue = Catalogue.from_frames(**generate_frames(n_sections=2000, seed=0,
                                                       n_competencies=60))
    t0 = time.perf_counter()
    roster = batch.generate_roster_frame(catalogue, args.learners, seed=1)
    emit("roster.generate_seconds", time.perf_counter() - t0, "s")
    emit("roster.learner_plans", len(roster), "rows")

    rates = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for _res in batch.iter_results(catalogue, roster, weeks=40, chunk_size=args.chunk_size):
            pass
        rates.append(len(roster) / (time.perf_counter() - t0))
    summary("single_process.rate", rates, "learner-plans/s")

    # peak memory of one streamed run (tracemalloc sees numpy's buffers; it slows the run, so
    # it is measured apart from the timing)
    with tempfile.TemporaryDirectory() as tmp:
        tracemalloc.start()
        batch.write_results(catalogue, roster, Path(tmp) / "r.parquet",
                            chunk_size=args.chunk_size)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    emit("write_results.peak_traced_memory", peak / 2**20, "MiB")
    emit("process.max_rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MiB")

    if args.write:
        times = []
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                batch.write_results(catalogue, roster, Path(tmp) / "r.parquet",
                                    chunk_size=args.chunk_size)
                times.append(len(roster) / (time.perf_counter() - t0))
        summary("write_results.rate", times, "learner-plans/s")

    if args.dask:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            d_rates = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                for _res in batch.iter_results(catalogue, roster, weeks=40, chunk_size=25_000,
                                               client=client):
                    pass
                d_rates.append(len(roster) / (time.perf_counter() - t0))
        summary("dask_2_workers.rate", d_rates, "learner-plans/s")
        emit("dask_2_workers.ratio_to_single", np.median(d_rates) / np.median(rates), "x")


if __name__ == "__main__":
    main()
