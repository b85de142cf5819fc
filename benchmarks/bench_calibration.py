"""How long calibration takes: one BKT fit, its bootstrap, and ``calibrate`` on the fixture logs.

- ``fit_500x15``: ``fit_bkt`` on a synthetic 500-learner x 15-response log, 5 restarts.
- ``bootstrap_100``: 100 bootstrap replicates of that fit (one batched EM).
- ``fit_500x15_practice``: the same with 1-8 practice hours between responses (the learn-rate
  M-step is a bisection then).
- ``calibrate_fixture``: ``calibrate`` on ``tests/fixtures/calibration`` (5 skills, 8,000
  responses, 912 attendance records), 3 restarts, 20 bootstrap replicates, held-out check.

Run: ``python benchmarks/bench_calibration.py [--repeat 5]``. Prints JSON lines
``{"name", "value", "unit"}`` with the median and p95 in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

from workbench import SAMPLE_DATA
from workbench.domain import calibration as C
from workbench.formats.calibration_logs import read_attendance, read_responses
from workbench.formats.datadir import load_dataset

LOGS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "calibration"


def emit(name, values, unit="s"):
    print(json.dumps({"name": f"{name}.median", "value": round(statistics.median(values), 3),
                      "unit": unit}))
    print(json.dumps({"name": f"{name}.p95", "value": round(float(np.percentile(values, 95)), 3),
                      "unit": unit}))


def timed(fn, repeat):
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    log = C.simulate_responses(500, 15, prior=0.25, learn=0.15, guess=0.2, slip=0.1, seed=1)
    seq = C.Sequences.from_frame(log)
    fit = C.fit_bkt(seq, restarts=5)
    emit("fit_500x15", timed(lambda: C.fit_bkt(seq, restarts=5), args.repeat))
    weights = C.bootstrap_weights(seq.n_learners, 100, seed=1)
    emit("bootstrap_100", timed(lambda: C.bootstrap_bkt(seq, fit, weights), args.repeat))
    hours = np.random.default_rng(100).integers(1, 9, size=(500, 15)).astype(float)
    seq_h = C.Sequences.from_frame(C.simulate_responses(
        500, 15, prior=0.25, learn=0.04, guess=0.2, slip=0.1, practice=hours, seed=0))
    emit("fit_500x15_practice", timed(lambda: C.fit_bkt(seq_h, restarts=5), args.repeat))
    data = load_dataset(SAMPLE_DATA)
    responses = read_responses(LOGS / "responses.csv")
    attendance = C.attendance_covariates(data.catalogue, data.learners,
                                         read_attendance(LOGS / "attendance.csv"))
    difficulty = dict(zip(data.catalogue.competencies["competency_id"],
                          data.catalogue.competencies["difficulty"], strict=True))
    emit("calibrate_fixture", timed(lambda: C.calibrate(
        responses, attendance, difficulty=difficulty, restarts=3, bootstrap=20), args.repeat))
    print(json.dumps({"name": "load_average_1min", "value": os.getloadavg()[0], "unit": ""}))


if __name__ == "__main__":
    main()
