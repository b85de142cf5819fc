"""Does every acknowledged save survive ``kill -9``? And how long does a locked store hold a click?

Durability: a child process (forked, so each trial starts at once) opens the store and saves as fast as it can — alternately a new plan
and a learner edit — printing each save's id and version only after ``save_*`` returned (an
acknowledged save). The parent kills it with SIGKILL at a random moment, then opens the file and
checks that ``PRAGMA integrity_check`` is ``ok`` and that every acknowledged save is there: each
acknowledged plan exists with its sections, and the learner's version is at least the last one
acknowledged (with that version's budget when equal). All trials share one file, so each also
recovers the WAL the previous kill left behind.

Locks: with another connection holding the write lock, how long a save waits before it gives up
with the plain "busy" message (the most one click can be held), and how long a read takes.

Run: ``python benchmarks/bench_durability.py [--trials 200] [--max-seconds 600]``. Prints JSON
lines ``{"name", "value", "unit"}``: trials, lost, corrupt, save latency (median/p95, ms) and the
lock figures. Note: kill -9 stops the process, not the machine; ``synchronous=FULL`` (which this
store uses) is what makes a save also survive a power loss, which no process kill can show.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LEARNER = "L-durable"


def emit(name, value, unit=""):
    print(json.dumps({"name": name, "value": round(float(value), 3), "unit": unit}), flush=True)


def emit_spread(name, values, unit="ms"):
    emit(f"{name}.median", statistics.median(values), unit)
    emit(f"{name}.p95", float(np.percentile(values, 95)), unit)


def child(path: Path, trial: int, out_fd: int) -> None:
    """Save until killed; write ``kind id version value ms`` after each acknowledged save."""
    from workbench.domain.dataset import Plan
    from workbench.store import Store

    store = Store(path)
    learner = store.learner(LEARNER)
    os.write(out_fd, b"ready\n")
    i = 0
    while True:
        t0 = time.perf_counter()
        if i % 2 == 0:
            plan_id = f"P-{trial}-{i}"
            saved = store.save_plan(Plan(plan_id, LEARNER, f"Trial {trial} save {i}",
                                         [f"S-{trial}-{i}", f"S-{i}"]))
            line = f"plan {plan_id} {saved.stored.version} S-{trial}-{i}"
        else:
            learner.budget = float(trial * 100_000 + i)
            saved = store.save_learner(learner)
            line = f"learner {LEARNER} {saved.stored.version} {learner.budget!r}"
        ms = (time.perf_counter() - t0) * 1000
        os.write(out_fd, f"{line} {ms:.3f}\n".encode())  # one write: the acknowledgement
        i += 1


def run_trial(path: Path, trial: int, rng: random.Random) -> list[str]:
    """Fork a saving child (this process has the store's code loaded and no store open), kill
    it with SIGKILL at a random moment, and return the saves it acknowledged."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        try:
            child(path, trial, write_fd)
        finally:
            os._exit(1)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        if pipe.readline().strip() != b"ready":
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise SystemExit("the saving child did not start")
        time.sleep(rng.uniform(0.02, 0.6))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        out = pipe.read().decode()
    # only whole lines are acknowledgements: a line cut by the kill was never fully reported
    return out.split("\n")[:-1]


def check(path: Path, acked: list[str]) -> tuple[int, bool]:
    """(acknowledged saves missing, file damaged) after a kill."""
    conn = sqlite3.connect(path)
    try:
        damaged = conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
        lost = 0
        last_learner = None
        for line in acked:
            kind, record_id, version, value, _ms = line.split(" ")
            if kind == "plan":
                row = conn.execute("SELECT data FROM plans WHERE plan_id = ?",
                                   (record_id,)).fetchone()
                if row is None or value not in json.loads(row[0])["sections"]:
                    lost += 1
            else:
                last_learner = (int(version), float(value))
        if last_learner is not None:
            version, data = conn.execute("SELECT version, data FROM learners WHERE "
                                         "learner_id = ?", (LEARNER,)).fetchone()
            if version < last_learner[0] or (version == last_learner[0]
                                             and json.loads(data)["budget"] != last_learner[1]):
                lost += 1
    finally:
        conn.close()
    return lost, damaged


def lock_figures(path: Path, repeat: int) -> None:
    from workbench.domain.dataset import Learner
    from workbench.store import Store, StoreBusy

    with Store(path) as store:
        learner = store.learner(LEARNER)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        waits, reads = [], []
        try:
            for i in range(repeat):
                learner = Learner.from_dict({**learner.to_dict(), "notes": f"try {i}"})
                t0 = time.perf_counter()
                try:
                    store.save_learner(learner)
                except StoreBusy:
                    pass
                else:
                    raise SystemExit("a save went through while another program held the lock")
                waits.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                store.learner(LEARNER)  # reading is not held up by the lock (WAL)
                reads.append((time.perf_counter() - t0) * 1000)
        finally:
            holder.rollback()
            holder.close()
    emit_spread("locked_store.save_gives_up_after", waits)
    emit_spread("locked_store.read", reads)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--max-seconds", type=float, default=600.0,
                    help="stop starting new trials after this long")
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--lock-repeat", type=int, default=20)
    ap.add_argument("--db", help="store file to use (default: a new temporary one)")
    args = ap.parse_args(argv)

    from workbench.domain.dataset import Learner
    from workbench.store import Store

    folder = tempfile.TemporaryDirectory()
    path = Path(args.db) if args.db else Path(folder.name) / "durability.sqlite"
    with Store(path) as store:
        store.save_learner(Learner(LEARNER, "Durable D.", 10, "Z01"))
        with store.engine.connect() as conn:
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    rng = random.Random(args.seed)
    start = time.perf_counter()
    trials = lost = corrupt = acked_total = 0
    latencies: list[float] = []
    for trial in range(1, args.trials + 1):
        if time.perf_counter() - start > args.max_seconds:
            break
        acked = run_trial(path, trial, rng)
        missing, damaged = check(path, acked)
        trials += 1
        lost += missing
        corrupt += int(damaged)
        acked_total += len(acked)
        latencies += [float(line.rsplit(" ", 1)[1]) for line in acked]
        if missing or damaged:
            print(f"trial {trial}: {missing} acknowledged save(s) missing, damaged={damaged}",
                  file=sys.stderr)
    emit("durability.trials", trials, "trials")
    emit("durability.acknowledged_saves", acked_total, "saves")
    emit("durability.lost", lost, "saves")
    emit("durability.corrupt", corrupt, "files")
    emit("durability.synchronous_full", int(sync == 2), "bool")
    emit("durability.wal", int(str(mode).lower() == "wal"), "bool")
    if latencies:
        emit_spread("durability.save_latency", latencies)
    emit("durability.seconds", time.perf_counter() - start, "s")
    lock_figures(path, args.lock_repeat)
    folder.cleanup()
    return 1 if lost or corrupt else 0


if __name__ == "__main__":
    sys.exit(main())
