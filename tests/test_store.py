"""The local store: round trips, seeding once, atomic saves, several Stores on one file."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import SAMPLE_DATA
from workbench.domain.dataset import Dataset, Evidence, Goal, Learner, Plan, TimeBlock
from workbench.store import NotFoundError, Store, default_db_path
from workbench.store import sqlite as store_module


def make_learner(learner_id="L-1", name="Maya R.", **changes) -> Learner:
    learner = Learner(
        learner_id=learner_id, name=name, grade=11, home_zone="Z01",
        transport=["walk", "transit"], max_travel_minutes=40, home_broadband=False,
        device="phone", budget=300.0, max_hours_per_week=14.0,
        availability=[TimeBlock(("Mon", "Wed"), 15 * 60, 20 * 60)],
        commitments=[TimeBlock(("Sat",), 9 * 60, 13 * 60, "Works at the bakery")],
        interests=["robotics"], strengths=["hands-on building"], levels={"MATH.ALG.1": 2},
        goals=[Goal("MATH.ALG.1", 3, dt.date(2027, 6, 1))], language="es",
        pathway="Advanced manufacturing", supportive_adults=["Aunt Rosa"],
        evidence=[Evidence("MATH.ALG.1", 2, "Open Badge", "2025-05-01", True, "from the library")],
        notes="Prefers afternoons",
    )
    for key, value in changes.items():
        setattr(learner, key, value)
    return learner


def sample_dataset() -> Dataset:
    """Learners and plans straight from the sample JSON files (seeding needs no catalogue)."""
    learners = {}
    for f in sorted((SAMPLE_DATA / "learners").glob("*.json")):
        lr = Learner.from_dict(json.loads(f.read_text()))
        learners[lr.learner_id] = lr
    plans = {}
    for f in sorted((SAMPLE_DATA / "plans").glob("*.json")):
        p = Plan.from_dict(json.loads(f.read_text()))
        plans[p.plan_id] = p
    return Dataset(catalogue=None, learners=learners, plans=plans, root=SAMPLE_DATA)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "work.sqlite") as s:
        yield s


def test_learner_round_trip_keeps_every_field(store):
    learner = make_learner()
    store.save_learner(learner)
    assert store.learner("L-1") == learner
    assert store.learners() == [learner]


def test_learners_sorted_by_name_and_plans_in_creation_order(store):
    store.save_many(learners=[make_learner("L-z", "Zoe"), make_learner("L-a", "ana"),
                              make_learner("L-m", "Mo")])
    assert [lr.name for lr in store.learners()] == ["ana", "Mo", "Zoe"]
    for pid in ["P-3", "P-1", "P-2"]:
        store.save_plan(Plan(pid, "L-a", f"Plan {pid}", []))
    # saving an existing plan again must not move it to the end
    store.save_plan(Plan("P-3", "L-a", "Renamed", ["S-1"]))
    assert [p.plan_id for p in store.plans_for("L-a")] == ["P-3", "P-1", "P-2"]
    assert store.plan("P-3").name == "Renamed" and store.plan("P-3").sections == ["S-1"]
    assert store.plans_for("L-z") == []
    assert store.plans_for("nobody") == []


def test_unknown_ids_raise_a_readable_key_error(store):
    with pytest.raises(KeyError) as err:
        store.learner("L-nobody")
    assert isinstance(err.value, NotFoundError)
    assert str(err.value).startswith("There is no learner 'L-nobody'")
    with pytest.raises(KeyError, match="no plan"):
        store.plan("P-nothing")


def test_a_plan_needs_its_learner(store):
    with pytest.raises(NotFoundError, match="save the learner first"):
        store.save_plan(Plan("P-1", "L-ghost", "Plan A", []))
    assert store.plans_for("L-ghost") == []


def test_delete_learner_removes_their_plans_and_keeps_history(store):
    store.save_many(learners=[make_learner("L-1"), make_learner("L-2", "Ben")],
                    plans=[Plan("P-1", "L-1", "A", []), Plan("P-2", "L-2", "B", [])])
    assert store.delete_learner("L-1") is True
    assert [lr.learner_id for lr in store.learners()] == ["L-2"]
    with pytest.raises(KeyError):
        store.plan("P-1")
    assert store.plan("P-2").name == "B"
    assert store.delete_learner("L-1") is False
    # deleted work can be brought back from history
    (version,) = store.history("P-1")
    assert version["reason"] == "deleted" and Plan.from_dict(version["data"]).name == "A"
    assert store.delete_plan("P-2") is True and store.delete_plan("P-2") is False


def test_history_keeps_previous_versions_but_not_identical_saves(store):
    store.save_learner(make_learner(budget=100.0))
    store.save_learner(make_learner(budget=100.0))  # autosave with nothing changed
    store.save_learner(make_learner(budget=150.0))
    store.save_learner(make_learner(budget=200.0))
    assert [h["data"]["budget"] for h in store.history("L-1")] == [150.0, 100.0]
    assert store.learner("L-1").budget == 200.0


def test_seeding_happens_once_and_never_overwrites_edits(tmp_path):
    data = sample_dataset()
    first_learner = next(iter(data.learners))
    with Store(tmp_path / "seed.sqlite") as store:
        assert not store.seeded
        assert store.seed_from(data) is True
        assert {lr.learner_id for lr in store.learners()} == set(data.learners)
        assert len(store.plans()) == len(data.plans)
        for learner_id in data.learners:
            expected = [p.plan_id for p in data.plans_for(learner_id)]
            assert [p.plan_id for p in store.plans_for(learner_id)] == expected
        edited = store.learner(first_learner)
        edited.name = "Edited in the app"
        store.save_learner(edited)
        store.delete_plan(data.plans_for(first_learner)[0].plan_id)
        assert store.seed_from(data) is False
    # a new Store on the same file (a restart) does not seed again either
    with Store(tmp_path / "seed.sqlite") as again:
        assert again.seeded and again.get_meta("seeded_from") == str(SAMPLE_DATA)
        assert again.seed_from(data) is False
        assert again.learner(first_learner).name == "Edited in the app"
        assert len(again.plans()) == len(data.plans) - 1


def test_failed_save_many_rolls_back_everything(store):
    store.save_many(learners=[make_learner("L-1", budget=100.0)],
                    plans=[Plan("P-1", "L-1", "Plan A", ["S-1"])])
    # the learner update is written inside the transaction, then a plan of an unknown learner
    # fails: the learner must keep its old budget
    with pytest.raises(NotFoundError):
        store.save_many(learners=[make_learner("L-1", budget=999.0)],
                        plans=[Plan("P-1", "L-1", "Changed", ["S-2"]),
                               Plan("P-2", "L-ghost", "Orphan", [])])
    assert store.learner("L-1").budget == 100.0
    assert store.plan("P-1") == Plan("P-1", "L-1", "Plan A", ["S-1"])
    assert store.history("L-1") == [] and store.history("P-1") == []


def test_failure_inside_the_transaction_rolls_back(store, monkeypatch):
    store.save_many(learners=[make_learner("L-1", budget=100.0), make_learner("L-2", "Ben")])
    calls = []
    original = store_module.Store._keep_previous

    def fail_on_second(self, conn, kind, record_id, *args, **kwargs):
        calls.append(record_id)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(self, conn, kind, record_id, *args, **kwargs)

    monkeypatch.setattr(store_module.Store, "_keep_previous", fail_on_second)
    with pytest.raises(OSError, match="disk full"):
        store.save_many(learners=[make_learner("L-1", budget=500.0),
                                  make_learner("L-2", "Ben", budget=500.0)])
    monkeypatch.undo()
    assert calls == ["L-1", "L-2"]  # the first learner had been written before the failure
    assert store.learner("L-1").budget == 100.0
    assert store.learner("L-2").budget == 300.0


def test_unserialisable_object_changes_nothing(store):
    store.save_many(learners=[make_learner("L-1")], plans=[Plan("P-1", "L-1", "Plan A", [])])
    store.save_many(learners=[make_learner("L-1", name="Renamed")],
                    plans=[Plan("P-1", "L-1", "Plan B", [])])
    bad = make_learner("L-1", budget=float("nan"))  # NaN is not JSON
    with pytest.raises(ValueError):
        store.save_many(plans=[Plan("P-1", "L-1", "Plan C", [])], learners=[bad])
    # the failed save left the previous versions of both in place
    assert store.learner("L-1").name == "Renamed"
    assert store.plan("P-1").name == "Plan B"


def test_two_stores_on_one_file_see_the_same_data(tmp_path):
    path = tmp_path / "shared.sqlite"
    a, b = Store(path), Store(path)
    try:
        a.save_learner(make_learner("L-1"))
        a.save_plan(Plan("P-1", "L-1", "Plan A", ["S-1"]))
        assert b.learner("L-1") == make_learner("L-1")
        b.save_plan(Plan("P-1", "L-1", "Plan A", ["S-1", "S-2"]))
        assert a.plan("P-1").sections == ["S-1", "S-2"]
        a.close()
        assert b.plans_for("L-1")[0].sections == ["S-1", "S-2"]  # closing one keeps the other
    finally:
        a.close()
        b.close()
    with Store(path) as c:  # a restart loses nothing
        assert c.plan("P-1").sections == ["S-1", "S-2"]
    with pytest.raises(RuntimeError, match="closed"):
        a.learners()


def test_store_uses_wal_mode(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_saves_from_many_threads_all_land(store):
    store.save_learner(make_learner("L-1"))

    def work(i):
        for j in range(5):
            store.save_plan(Plan(f"P-{i}-{j}", "L-1", f"Plan {i}.{j}", []))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    plans = store.plans_for("L-1")
    assert len(plans) == 20
    # creation order is a strict order even under concurrent writers
    for i in range(4):
        mine = [p.plan_id for p in plans if p.plan_id.startswith(f"P-{i}-")]
        assert mine == [f"P-{i}-{j}" for j in range(5)]


def test_new_id_is_unique_and_prefixed(store):
    ids = {store.new_id("P") for _ in range(200)}
    assert len(ids) == 200 and all(i.startswith("P-") for i in ids)


def test_default_db_path_one_file_per_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    a = tmp_path / "one" / "district data"
    b = tmp_path / "two" / "district data"
    pa, pb = default_db_path(a), default_db_path(b)
    assert pa != pb and pa.parent == pb.parent
    assert pa.name.startswith("district-data-") and pa.suffix == ".sqlite"
    assert default_db_path(a) == pa == default_db_path(Path(str(a) + "/"))
    assert "anywhere-learning-workbench" in str(pa)
    assert not pa.exists()  # asking for the path creates nothing
    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "mine.sqlite"))
    assert default_db_path(a) == tmp_path / "mine.sqlite"


names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names, budget=st.floats(0, 10_000, allow_nan=False),
       levels=st.dictionaries(st.text(min_size=1, max_size=12), st.integers(0, 4), max_size=5),
       sections=st.lists(st.text(min_size=1, max_size=10), max_size=6, unique=True))
def test_round_trip_property(store, name, budget, levels, sections):
    learner = make_learner("L-h", name, budget=budget, levels=levels)
    plan = Plan("P-h", "L-h", name, sections)
    store.save_many(learners=[learner], plans=[plan])
    assert store.learner("L-h") == learner
    assert store.plan("P-h") == plan
