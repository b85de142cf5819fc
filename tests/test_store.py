"""The local store: round trips, seeding once, atomic saves, several Stores on one file."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import SAMPLE_DATA
from workbench.domain.dataset import Dataset, Evidence, Goal, Learner, Plan, TimeBlock
from workbench.store import (
    BUSY_MESSAGE,
    NotFoundError,
    SaveRefused,
    Store,
    StoreBusy,
    StoreError,
    default_db_path,
)
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


def assert_plain(message: str) -> None:
    """A message a family can read: no SQL, no JSON, no library or error-code text."""
    assert message and "\n" not in message and len(message) < 300, message
    for word in ("SQL", "sqlite", "INSERT", "SELECT", "Traceback", "http", "{", "[", "errno",
                 "OperationalError", "database is locked"):
        assert word not in message, (word, message)


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
            # what SQLite raises when the disk fills up in the middle of a transaction
            raise sqlite3.OperationalError("database or disk is full")
        return original(self, conn, kind, record_id, *args, **kwargs)

    monkeypatch.setattr(store_module.Store, "_keep_previous", fail_on_second)
    with pytest.raises(StoreError) as err:
        store.save_many(learners=[make_learner("L-1", budget=500.0),
                                  make_learner("L-2", "Ben", budget=500.0)])
    monkeypatch.undo()
    assert calls == ["L-1", "L-2"]  # the first learner had been written before the failure
    assert_plain(str(err.value))
    assert "no room left on the disk" in str(err.value)
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


# ---- versions: two people at once --------------------------------------------------------------
def test_every_change_bumps_the_version_and_identical_saves_do_not(store):
    store.save_learner(make_learner(budget=40.0))
    assert store.read_learner("L-1").version == 1
    store.save_learner(make_learner(budget=40.0))
    assert store.read_learner("L-1").version == 1
    store.save_learner(make_learner(budget=60.0))
    stored = store.read_learner("L-1")
    assert stored.version == 2 and stored.record.budget == 60.0
    assert [h["version"] for h in store.history("L-1")] == [1]


def test_stale_save_of_another_field_merges_and_says_so(tmp_path):
    path = tmp_path / "two.sqlite"
    with Store(path) as a, Store(path) as b:
        a.save_learner(make_learner(budget=40.0))
        base_b = b.read_learner("L-1")
        mine = a.read_learner("L-1")
        a.save_learner(make_learner(budget=60.0), base=mine)
        saved = b.save_learner(make_learner(budget=40.0, pathway="Health care"), base=base_b)
        assert saved.merged and saved.stored.version == 3
        assert saved.stored.record.budget == 60.0 and saved.stored.record.pathway == "Health care"
        assert "budget from $40 to $60" in saved.message and "both changes are kept" in saved.message
        assert_plain(saved.message)
        assert b.learner("L-1") == a.learner("L-1") == saved.stored.record


def test_stale_save_of_the_same_field_is_refused_and_changes_nothing(tmp_path):
    path = tmp_path / "two.sqlite"
    with Store(path) as a, Store(path) as b:
        a.save_learner(make_learner(budget=40.0))
        stale = b.read_learner("L-1")
        a.save_learner(make_learner(budget=60.0))
        with pytest.raises(SaveRefused) as err:
            b.save_learner(make_learner(budget=75.0, notes="x"), base=stale)
        refused = err.value
        assert refused.reason == "changed" and refused.clashes == ("budget",)
        assert refused.current.version == 2 and refused.current.record.budget == 60.0
        assert str(refused).startswith("Someone else changed Maya R.'s budget from $40 to $60 "
                                       "while you were editing; your change to the budget and "
                                       "notes was not saved.")
        assert_plain(str(refused))
        assert a.read_learner("L-1").version == 2 and a.learner("L-1").notes == "Prefers afternoons"


def test_levels_merge_per_competency(tmp_path):
    path = tmp_path / "two.sqlite"
    with Store(path) as a, Store(path) as b:
        a.save_learner(make_learner(levels={"MATH.1": 1, "SCI.1": 1}))
        stale = b.read_learner("L-1")
        a.save_learner(make_learner(levels={"MATH.1": 3, "SCI.1": 1}))
        saved = b.save_learner(make_learner(levels={"MATH.1": 1, "SCI.1": 2}), base=stale)
        assert saved.stored.record.levels == {"MATH.1": 3, "SCI.1": 2}


def test_plan_sections_merge_as_sets_and_name_merges_with_sections(tmp_path):
    path = tmp_path / "two.sqlite"
    with Store(path) as a, Store(path) as b:
        a.save_many(learners=[make_learner()], plans=[Plan("P-1", "L-1", "A", ["S-1", "S-2"])])
        base_a, base_b = a.read_plan("P-1"), b.read_plan("P-1")
        mine = a.save_plan(Plan("P-1", "L-1", "A", ["S-1", "S-2", "S-3"]), base=base_a).stored
        saved = b.save_plan(Plan("P-1", "L-1", "A", ["S-2"]), base=base_b)
        assert saved.stored.record.sections == ["S-2", "S-3"]
        assert "1 section added to the plan \"A\"" in saved.message
        # a rename based on an old version keeps the sections the other session changed
        saved = a.save_plan(Plan("P-1", "L-1", "Summer", ["S-1", "S-2", "S-3"]), base=mine)
        assert saved.stored.record == Plan("P-1", "L-1", "Summer", ["S-2", "S-3"])


def test_deleted_stays_deleted(tmp_path):
    path = tmp_path / "two.sqlite"
    with Store(path) as a, Store(path) as b:
        a.save_many(learners=[make_learner()], plans=[Plan("P-1", "L-1", "Plan B", ["S-1"])])
        stale = b.read_plan("P-1")
        b.plans_for("L-1")  # b has read it: its own later saves are based on that
        assert a.delete_plan("P-1")
        with pytest.raises(SaveRefused) as err:
            b.save_plan(Plan("P-1", "L-1", "Renamed", ["S-1"]), base=stale)
        assert err.value.reason == "deleted"
        assert str(err.value) == ('This plan ("Renamed") was deleted in another window or '
                                  "program; your change was not saved.")
        with pytest.raises(SaveRefused):  # nor without naming the base
            b.save_plan(Plan("P-1", "L-1", "Renamed again", []))
        assert b.plans_for("L-1") == [] and b.was_deleted("plan", "P-1")
        # a learner deleted elsewhere: their plans go too, and none of them comes back
        a.save_plan(Plan("P-2", "L-1", "C", []))
        learner_b = b.read_learner("L-1")
        plan_b = b.read_plan("P-2")
        assert a.delete_learner("L-1")
        with pytest.raises(SaveRefused, match=r"Maya R\. was deleted in another window"):
            b.save_learner(make_learner(budget=1.0), base=learner_b)
        with pytest.raises(SaveRefused, match="deleted"):
            b.save_plan(Plan("P-2", "L-1", "C", ["S-9"]), base=plan_b)
        assert a.learners() == [] and a.plans() == []
        # bringing a version back from history is a deliberate act
        old = Learner.from_dict(a.history("L-1")[0]["data"])
        a.save_many(learners=[old], restore=True)
        assert a.learner("L-1") == old and not a.was_deleted("learner", "L-1")


def test_plan_limit_is_checked_inside_the_write(tmp_path):
    path = tmp_path / "two.sqlite"
    with Store(path) as a:
        a.save_learner(make_learner())
        for i in range(4):
            a.save_plan(Plan(f"P-{i}", "L-1", f"Plan {i}", []), limit=5)
        a.save_plan(Plan("P-4", "L-1", "Plan 4", []), limit=5)
        with pytest.raises(SaveRefused) as err:
            a.save_plan(Plan("P-5", "L-1", "Plan 5", []), limit=5)
        assert err.value.reason == "limit" and "Maya R. already has 5 plans" in str(err.value)
        # saving an existing plan is not adding one
        a.save_plan(Plan("P-4", "L-1", "Plan four", []), limit=5)
        assert len(a.plans_for("L-1")) == 5


def test_unversioned_save_is_based_on_what_this_store_read(tmp_path):
    """Read-change-save code (the CLI's imports) is versioned without passing a base."""
    path = tmp_path / "two.sqlite"
    with Store(path) as app, Store(path) as cli:
        app.save_learner(make_learner(budget=40.0))
        app_base = app.read_learner("L-1")
        learner = cli.learner("L-1")
        learner.commitments = [TimeBlock(("Tue",), 16 * 60, 18 * 60, "Dentist")]
        cli.save_learner(learner)  # based on the version cli read: no base needed
        saved = app.save_learner(make_learner(budget=60.0), base=app_base)
        assert saved.merged and "busy times" in saved.message
        assert app.learner("L-1").commitments == learner.commitments
        assert app.learner("L-1").budget == 60.0


# ---- locks, creation and plain messages --------------------------------------------------------
def test_a_locked_store_answers_busy_in_plain_words_and_changes_nothing(store):
    store.save_learner(make_learner(budget=40.0))
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(StoreBusy) as err:
            store.save_learner(make_learner(budget=60.0))
        assert str(err.value) == BUSY_MESSAGE
        assert_plain(str(err.value))
        assert store.learner("L-1").budget == 40.0  # reading still works under WAL
    finally:
        holder.rollback()
        holder.close()
    store.save_learner(make_learner(budget=60.0))  # and saving works again once it is free
    assert store.learner("L-1").budget == 60.0


def test_a_full_disk_is_a_plain_message_and_the_old_version_stays(tmp_path):
    from sqlalchemy import event

    path = tmp_path / "full.sqlite"
    with Store(path) as store:
        store.save_learner(make_learner(budget=40.0))
        pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
        store.engine.dispose()

        @event.listens_for(store.engine, "connect")
        def _full(dbapi_conn, _record):  # a disk with no room for one more page
            dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

        big = make_learner(notes="x" * 200_000)
        with pytest.raises(StoreError) as err:
            store.save_learner(big)
        assert_plain(str(err.value))
        assert "no room left on the disk" in str(err.value)
        event.remove(store.engine, "connect", _full)
        store.engine.dispose()
        assert store.learner("L-1").budget == 40.0


def test_a_damaged_file_is_a_plain_message(tmp_path):
    path = tmp_path / "damaged.sqlite"
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 200)
    with pytest.raises(StoreError) as err:
        Store(path)
    assert_plain(str(err.value))
    assert "not a workbench store" in str(err.value)


def test_synchronous_full_with_wal(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_a_store_from_before_versions_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE learners (learner_id VARCHAR PRIMARY KEY, data TEXT NOT NULL,
                               updated_at VARCHAR NOT NULL);
        CREATE TABLE plans (plan_id VARCHAR PRIMARY KEY, learner_id VARCHAR NOT NULL,
                            data TEXT NOT NULL, position INTEGER NOT NULL,
                            updated_at VARCHAR NOT NULL);
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, kind VARCHAR NOT NULL,
                              record_id VARCHAR NOT NULL, data TEXT NOT NULL,
                              saved_at VARCHAR NOT NULL, replaced_at VARCHAR NOT NULL,
                              reason VARCHAR NOT NULL);
        CREATE INDEX ix_history_record_id ON history (record_id);
    """)
    old.execute("INSERT INTO learners VALUES (?, ?, ?)",
                ("L-1", json.dumps(make_learner().to_dict()), "2026-01-01"))
    old.commit()
    old.close()
    with Store(path) as store:
        assert store.read_learner("L-1").version == 1
        store.save_learner(make_learner(budget=1.0))
        assert store.read_learner("L-1").version == 2
    with Store(path) as again:  # opening a current store changes nothing
        assert again.learner("L-1").budget == 1.0


def test_messages_never_carry_library_text():
    err = store_module.plain_error(sqlite3.OperationalError(
        "database or disk is full [SQL: INSERT INTO learners (learner_id, data) VALUES (?, ?)]"))
    assert_plain(str(err))
    assert re.search(r"no room left", str(err))
    assert_plain(str(store_module.plain_error(OSError(28, "No space left on device"))))
    assert_plain(str(store_module.plain_error(RuntimeError("something odd"))))
