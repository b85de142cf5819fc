"""Two families at once: each planning session gets exactly what it gets alone.

Only read-only catalogue arrays are shared between sessions; everything worked out about a
learner stays in that session's own ``EngineCache``. Two sessions for two learners run the same
edits (sections added and removed, the learner's budget, travel and levels changed) in two
threads, many times over and interleaved, and every derived result after every edit must equal
what a session alone gets. Nothing module-level in ``workbench.domain`` may grow meanwhile.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import types

import pandas as pd
import pytest

import workbench.domain as domain_package
from workbench import SAMPLE_DATA
from workbench.domain.arrays import catalogue_arrays
from workbench.formats.datadir import load_dataset
from workbench.state import PlanningSession
from workbench.store import Store

LEARNERS = ("L-maya", "L-dante")
ROUNDS = 3


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SAMPLE_DATA)


def edits(session: PlanningSession) -> list:
    """The same kinds of edit for any learner: plan changes and changes to the learner."""
    t = session.catalogue.section_table
    picks = [s for s in t.index[::37] if s not in (session.plan.sections if session.plan else [])]
    learner = session.learner
    steps = []
    for sid in picks[:4]:
        steps.append(("add", sid))
    steps.append(("learner", {"budget": learner.budget + 150.0}))
    steps.append(("remove", picks[1]))
    steps.append(("learner", {"max_travel_minutes": 10, "transport": ["walk"]}))
    steps.append(("learner", {"levels": {**learner.levels, **{
        c: 2 for c in list(session.catalogue.competencies["competency_id"])[:5]}}}))
    steps.append(("remove", picks[0]))
    steps.append(("learner", {"budget": learner.budget, "transport": list(learner.transport),
                              "max_travel_minutes": learner.max_travel_minutes,
                              "levels": dict(learner.levels)}))
    for sid in picks[2:4]:
        steps.append(("remove", sid))
    return steps


def apply(session: PlanningSession, step) -> None:
    kind, what = step
    if kind == "add":
        session.add_section(what)
    elif kind == "remove":
        session.remove_section(what)
    else:
        session.update_learner(**what)


def frame_bytes(df) -> bytes:
    """A frame's index, columns and every value (floats bit for bit), as bytes."""
    return repr(list(df.columns)).encode() + pd.util.hash_pandas_object(df).to_numpy().tobytes()


def fingerprint(session: PlanningSession) -> str:
    """Every derived result of the session, exactly (floats by their repr or their bits)."""
    h = hashlib.sha256()
    h.update(repr(session.problems).encode())
    h.update(frame_bytes(session.fit))
    for pid in sorted(session.projections):
        pr = session.projections[pid]
        h.update(pid.encode() + pr.distribution.tobytes())
        h.update(frame_bytes(pr.goals))
    h.update(repr(sorted((pid, sorted(led.items())) for pid, led in session.ledgers.items()))
             .encode())
    h.update(repr(sorted(session.plan_problems.items())).encode())
    if session.comparison is not None:
        for frame in (session.comparison.table, session.comparison.trajectories,
                      session.comparison.heatmap):
            h.update(frame_bytes(frame))
    return h.hexdigest()


def run(session: PlanningSession, steps, out: list, start: threading.Barrier | None = None):
    if start is not None:
        start.wait()
    for _ in range(ROUNDS):
        for step in steps:
            apply(session, step)
            out.append(fingerprint(session))


def module_state() -> dict[str, str]:
    """Size and contents of every module-level dict, list and set in ``workbench.domain``."""
    out = {}
    for name, mod in list(sys.modules.items()):
        if not (name == domain_package.__name__ or name.startswith(domain_package.__name__ + ".")):
            continue
        if not isinstance(mod, types.ModuleType):
            continue
        for attr, value in vars(mod).items():
            if isinstance(value, dict | list | set):
                out[f"{name}.{attr}"] = f"{len(value)}:{hashlib.sha256(repr(value).encode()).hexdigest()}"
    return out


def session_for(dataset, path, learner_id) -> PlanningSession:
    store = Store(path)
    store.seed_from(dataset)
    return PlanningSession(dataset, store, learner_id=learner_id)


def test_two_sessions_in_two_threads_each_get_what_they_get_alone(dataset, tmp_path):
    alone: dict[str, list[str]] = {}
    steps: dict[str, list] = {}
    for lid in LEARNERS:
        s = session_for(dataset, tmp_path / f"alone-{lid}.sqlite", lid)
        steps[lid] = edits(s)
        alone[lid] = []
        run(s, steps[lid], alone[lid])
        assert len(set(alone[lid])) > 3  # the edits change what the session shows
    before = module_state()

    together = {lid: session_for(dataset, tmp_path / f"together-{lid}.sqlite", lid)
                for lid in LEARNERS}
    got: dict[str, list[str]] = {lid: [] for lid in LEARNERS}
    errors: list[BaseException] = []
    start = threading.Barrier(len(LEARNERS))

    def work(lid):
        try:
            run(together[lid], steps[lid], got[lid], start)
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: the edits interleave finely
    try:
        threads = [threading.Thread(target=work, args=(lid,)) for lid in LEARNERS]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    for lid in LEARNERS:
        assert got[lid] == alone[lid], lid
    # the two sessions shared the catalogue's read-only arrays, and nothing else in domain/
    a, b = together.values()
    assert a.catalogue is b.catalogue
    assert catalogue_arrays(a.catalogue) is catalogue_arrays(b.catalogue)
    assert a._engine_cache is not b._engine_cache and len(a._engine_cache) > 0
    assert module_state() == before


def test_two_sessions_building_the_shared_arrays_at_once_get_one_object():
    from workbench.domain.dataset import Catalogue
    from workbench.domain.generate import generate_frames

    cat = Catalogue.from_frames(**generate_frames(n_sections=300, seed=2, n_competencies=9))
    seen, start = [], threading.Barrier(4)

    def build():
        start.wait()
        seen.append(catalogue_arrays(cat))

    threads = [threading.Thread(target=build) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4 and all(x is seen[0] for x in seen)
