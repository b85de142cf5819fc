"""Two people at once: two planning sessions (or a session and the CLI) over one real store file.

One test per lost-update scenario found by hand (each lost data before stores had versions), then
the rules behind them: a clash on one field is refused in plain words, a locked store is a plain
message that leaves the saved value on screen, and a new store can be created by several
processes at once.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import EXAMPLES, SAMPLE_DATA
from workbench.cli import core as cli
from workbench.domain.dataset import Plan
from workbench.formats.datadir import load_dataset
from workbench.state import MAX_PLANS, PlanningSession
from workbench.store import BUSY_MESSAGE, SaveRefused, Store

from .test_store import assert_plain


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SAMPLE_DATA)


@pytest.fixture
def path(tmp_path, dataset):
    """A real store file, seeded from the sample data, as the app leaves it."""
    path = tmp_path / "family.sqlite"
    with Store(path) as store:
        store.seed_from(dataset)
    return path


@pytest.fixture
def open_session(dataset, path):
    """Open a planning session on its own Store over the one file (a tab, or another server)."""
    stores = []

    def open_one(learner_id="L-maya") -> PlanningSession:
        store = Store(path)
        stores.append(store)
        return PlanningSession(dataset, store, learner_id=learner_id)

    yield open_one
    for store in stores:
        store.close()


def stored(path, learner_id="L-maya"):
    """What is in the file now, read through a fresh Store (no session's memory)."""
    with Store(path) as store:
        return store.learner(learner_id), store.plans_for(learner_id)


def fitting_sections(session, n):
    fit = session.fit
    return list(fit[fit["fits"] & ~fit["in_plan"]].index[:n])


# ---- the six scenarios -----------------------------------------------------------------------
def test_budget_is_not_reset_by_an_unrelated_pathway_edit(open_session, path):
    a = open_session()
    a.update_learner(budget=40.0)
    b = open_session()  # a second tab, opened with the budget at $40
    a.update_learner(budget=60.0)
    b.update_learner(pathway="Health care")  # B still shows $40

    learner, _ = stored(path)
    assert learner.budget == 60.0 and learner.pathway == "Health care"
    # B was told, in plain words, and now shows the newer version
    assert b.learner.budget == 60.0 and b.learner.pathway == "Health care"
    assert "Maya" in b.notice and "budget from $40 to $60" in b.notice
    assert "both changes are kept" in b.status and b.error == ""
    assert_plain(b.notice)


def test_a_section_added_in_one_tab_survives_another_tab_removing_a_different_one(
        open_session, path):
    a = open_session()
    a.new_plan("Shared plan")
    x, y, z = fitting_sections(a, 3)
    a.add_section(x)
    a.add_section(y)
    b = open_session()
    b.plan_id = a.plan_id
    assert b.plan.sections == [x, y]

    a.add_section(z)  # tab A adds z
    b.remove_section(x)  # tab B, which never saw z, removes x

    _, plans = stored(path)
    saved = next(p for p in plans if p.plan_id == a.plan_id)
    assert saved.sections == [y, z]
    assert b.plan.sections == [y, z] and "1 section added" in b.notice


def test_a_deleted_plan_does_not_come_back_when_another_session_renames_it(open_session, path):
    a = open_session()
    b = open_session()
    doomed = a.plans[-1]
    b.plan_id = doomed.plan_id
    a.delete_plan(doomed.plan_id)
    b.rename_plan("Kept after all?")

    _, plans = stored(path)
    assert doomed.plan_id not in {p.plan_id for p in plans}
    assert doomed.plan_id not in {p.plan_id for p in b.plans}  # B drops it
    assert b.plan_id != doomed.plan_id
    assert "was deleted in another window" in b.error and "not saved" in b.error
    assert_plain(b.error)


def test_a_learner_deleted_elsewhere_does_not_come_back_on_the_next_edit(open_session, path):
    a = open_session()
    b = open_session()
    assert a.delete_learner("L-maya")
    b.update_learner(budget=999.0)

    with Store(path) as store:
        assert "L-maya" not in {lr.learner_id for lr in store.learners()}
        assert store.plans_for("L-maya") == []
    assert b.learner_id != "L-maya" and "L-maya" not in b.param.learner_id.objects
    assert "was deleted in another window" in b.error
    # nor does another program's save of one of their plans bring it back
    with Store(path) as other, pytest.raises(SaveRefused, match="deleted"):
        other.save_plan(Plan("P-maya-a", "L-maya", "Back?", []))


def test_the_five_plan_limit_holds_across_sessions(open_session, path):
    a = open_session()
    b = open_session()
    # both sessions believe there is room, and each tries to add enough to fill it
    room = MAX_PLANS - len(a.plans)
    assert room >= 1
    for _ in range(room + 1):
        a.new_plan()
    assert len(a.plans) == MAX_PLANS
    errors = []
    for _ in range(room + 1):
        assert b.new_plan() is None
        errors.append(b.error)

    _, plans = stored(path)
    assert len(plans) == MAX_PLANS  # not 6 or 7
    assert len(b.plans) == MAX_PLANS  # B now shows the plans A made
    # the store refused B's first try (B counted fewer plans); later tries B refuses itself
    assert "already has 5 plans" in errors[0] and "another window" in errors[0]
    assert all("5 plans" in e for e in errors)
    assert_plain(errors[0])


def test_a_cli_calendar_import_is_not_wiped_by_the_apps_next_unrelated_edit(
        open_session, path, capsys):
    app = open_session()
    before = list(app.learner.commitments)
    code = cli.main(["import", "ics", str(EXAMPLES / "family.ics"), "--learner", "L-maya",
                     "--db", str(path)])
    capsys.readouterr()
    assert code == 0
    imported, _ = stored(path)
    assert imported.commitments != before

    app.update_learner(budget=123.0)  # the app never saw the import

    learner, _ = stored(path)
    assert learner.budget == 123.0
    assert learner.commitments == imported.commitments  # the import is still there
    assert app.learner.commitments == imported.commitments and "busy times" in app.notice


# ---- the rules behind them -------------------------------------------------------------------
def test_the_same_field_edited_in_two_tabs_keeps_the_store_version_and_says_so(
        open_session, path):
    a = open_session()
    a.update_learner(budget=40.0)
    b = open_session()
    a.update_learner(budget=60.0)
    b.update_learner(budget=75.0)

    learner, _ = stored(path)
    assert learner.budget == 60.0
    assert b.learner.budget == 60.0  # B shows the newer version
    assert b.error.startswith("Someone else changed Maya")
    assert "budget from $40 to $60 while you were editing" in b.error
    assert "your change to the budget was not saved" in b.error
    # and B's next edit, now based on the newer version, is saved
    b.update_learner(budget=75.0)
    assert stored(path)[0].budget == 75.0 and b.error == ""


def test_renames_in_two_tabs_clash_but_a_rename_and_section_edit_merge(open_session, path):
    a = open_session()
    b = open_session()
    b.plan_id = a.plan_id
    sid = fitting_sections(a, 1)[0]
    a.add_section(sid)
    b.rename_plan("Weekend plan")
    saved = next(p for p in stored(path)[1] if p.plan_id == a.plan_id)
    assert saved.name == "Weekend plan" and sid in saved.sections
    a.rename_plan("Weekday plan")  # A is now stale on the name: a different rename clashes
    saved = next(p for p in stored(path)[1] if p.plan_id == a.plan_id)
    assert saved.name == "Weekend plan" and a.plan.name == "Weekend plan"
    assert "name" in a.error and "not saved" in a.error


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(st.sampled_from("ab"), st.booleans(), st.integers(0, 5)),
                    min_size=1, max_size=14))
def test_interleaved_section_edits_from_two_tabs_lose_nothing(dataset, ops):
    """Every acknowledged add or remove, from either tab, is in the final plan."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "family.sqlite"
        with Store(path) as sa, Store(path) as sb:
            sa.seed_from(dataset)
            a = PlanningSession(dataset, sa, learner_id="L-maya")
            b = PlanningSession(dataset, sb, learner_id="L-maya")
            b.plan_id = a.plan_id
            pool = fitting_sections(a, 6)
            expected = list(a.plan.sections)
            for who, add, i in ops:
                session = a if who == "a" else b
                sid = pool[i]
                if add:
                    session.add_section(sid)
                    if sid not in expected:
                        expected.append(sid)
                elif sid in session.plan.sections:
                    session.remove_section(sid)
                    expected = [s for s in expected if s != sid]
                assert session.error == ""
            assert set(sa.plan(a.plan_id).sections) == set(expected)


# ---- locks -----------------------------------------------------------------------------------
def hold_write_lock(path):
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_locked_store_leaves_the_saved_value_on_screen(open_session, path):
    session = open_session()
    session.update_learner(budget=40.0)
    seen = []
    session.param.watch(lambda e: seen.append(e.new.budget), "learner")
    holder = hold_write_lock(path)
    try:
        session.update_learner(budget=60.0)
    finally:
        holder.rollback()
        holder.close()
    assert session.error == BUSY_MESSAGE
    assert session.learner.budget == 40.0  # the saved value, not the unsaved one
    assert seen and seen[-1] == 40.0  # widgets were told to show it again
    assert stored(path)[0].budget == 40.0
    session.update_learner(budget=60.0)  # trying again once it is free works
    assert stored(path)[0].budget == 60.0 and session.error == ""


def test_a_locked_store_stops_a_plan_edit_in_plain_words(open_session, path):
    session = open_session()
    sid = fitting_sections(session, 1)[0]
    before = list(session.plan.sections)
    holder = hold_write_lock(path)
    try:
        session.add_section(sid)
        session.new_plan("Not now")
    finally:
        holder.rollback()
        holder.close()
    assert session.error == BUSY_MESSAGE and session.plan.sections == before
    assert "Not now" not in {p.name for p in session.plans}


def test_cli_meeting_a_locked_store_prints_one_line_and_exits_2(path, capsys):
    holder = hold_write_lock(path)
    try:
        code = cli.main(["import", "ics", str(EXAMPLES / "family.ics"), "--learner", "L-maya",
                         "--db", str(path)])
    finally:
        holder.rollback()
        holder.close()
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err and "SQL" not in err and "sqlalchemy" not in err.lower()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error: The saved work is busy")


def test_cli_reads_a_locked_store(path, capsys):
    """Only saving waits for a lock: checking a plan while another program writes works."""
    holder = hold_write_lock(path)
    try:
        code = cli.main(["check", "--db", str(path), "--learner", "L-maya", "--plan",
                         "P-maya-a"])
    finally:
        holder.rollback()
        holder.close()
    capsys.readouterr()
    assert code == 0


def test_a_new_session_opens_and_reads_while_another_program_holds_the_lock(dataset, path):
    """One family's locked store must not stop another session from starting (no write needed)."""
    holder = hold_write_lock(path)
    try:
        with Store(path) as store:
            assert store.seed_from(dataset) is False  # already seeded: takes no lock
            session = PlanningSession(dataset, store, learner_id="L-maya")
            assert session.learner.learner_id == "L-maya" and session.plans
            assert session.error == ""
    finally:
        holder.rollback()
        holder.close()


def test_cli_import_for_a_learner_deleted_in_the_app_is_refused_in_one_line(
        open_session, path, capsys):
    app = open_session()
    with Store(path) as cli_store:
        maya = cli_store.learner("L-maya")  # an import has read her ...
        app.delete_learner("L-maya")  # ... when the app deletes her
        maya.commitments = []
        with pytest.raises(SaveRefused, match="deleted in another window"):
            cli_store.save_learner(maya)  # ... so its save does not bring her back
    # and a later import finds no such learner: one line, exit 2
    code = cli.main(["import", "ics", str(EXAMPLES / "family.ics"), "--learner", "L-maya",
                     "--db", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1
    with Store(path) as store:
        assert "L-maya" not in {lr.learner_id for lr in store.learners()}


# ---- creating one store from several processes at once -----------------------------------------
def _open_together(barrier, paths, results, index):
    """Child process: at each barrier, open (and so create) the same new store and save to it."""
    from workbench.domain.dataset import Learner
    from workbench.store import Store as ChildStore

    ok, errors = 0, []
    for path in paths:
        barrier.wait(timeout=60)
        try:
            with ChildStore(path) as store:
                store.save_learner(Learner(f"L-{index}", f"Learner {index}", 9, "Z01"))
            ok += 1
        except Exception as exc:  # reported to the parent, which fails the test
            errors.append(f"{type(exc).__name__}: {exc}")
    results.put((index, ok, errors))


def test_several_processes_can_create_one_new_store_at_once(tmp_path):
    processes, rounds = 8, 4
    paths = [str(tmp_path / f"new-{r}" / "store.sqlite") for r in range(rounds)]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    workers = [ctx.Process(target=_open_together, args=(barrier, paths, results, i))
               for i in range(processes)]
    for w in workers:
        w.start()
    reports = [results.get(timeout=120) for _ in range(processes)]
    for w in workers:
        w.join(timeout=60)
    assert [error for r in reports for error in r[2]] == []
    assert sorted(r[1] for r in reports) == [rounds] * processes
    for path in paths:
        with Store(path) as store:
            assert len(store.learners()) == processes
