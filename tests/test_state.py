"""State and view tests without a browser: drive parameters and widgets, assert derived state."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench import SAMPLE_DATA
from workbench.formats.datadir import load_dataset
from workbench.state import MAX_PLANS, PlanningSession
from workbench.store import Store


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SAMPLE_DATA)


@pytest.fixture
def session(dataset, tmp_path):
    store = Store(tmp_path / "wb.sqlite")
    store.seed_from(dataset)
    return PlanningSession(dataset, store)


def _fitting_sections(session, n=2):
    fit = session.fit
    ok = fit[fit["fits"] & ~fit["in_plan"]]
    return list(ok.index[:n])


def test_session_starts_with_a_learner_and_plans(session):
    assert session.learner is not None
    assert session.plans and session.plan_id == session.plans[0].plan_id
    assert session.fit is not None and len(session.fit) == len(session.catalogue.section_table)
    assert set(session.projections) == {p.plan_id for p in session.plans}


def test_adding_a_section_updates_problems_fit_and_autosaves(session, dataset, tmp_path):
    session.new_plan("Empty to start")
    assert session.plan.sections == []
    sid = _fitting_sections(session, 1)[0]
    session.add_section(sid)
    assert session.plan.sections == [sid]
    assert session.fit.at[sid, "in_plan"]
    # a second session on the same store sees the change: nothing is lost on reload
    again = PlanningSession(dataset, session.store, learner_id=session.learner_id)
    saved = {p.plan_id: p for p in again.plans}
    assert saved[session.plan_id].sections == [sid]


def test_conflicting_sections_are_reported_and_fixing_clears_them(session):
    session.new_plan("Conflict test")
    t = session.catalogue.section_table
    # two sections that meet at overlapping times on a shared day and date range
    meets = t[t["meets"]]
    pair = None
    for a in meets.index[:300]:
        ra = meets.loc[a]
        same = meets[(meets["day_mask"] & ra["day_mask"]) > 0]
        same = same[(same["start_min"] < ra["end_min"]) & (same["end_min"] > ra["start_min"])
                    & (same["start_date"] <= ra["end_date"]) & (same["end_date"] >= ra["start_date"])
                    & (same["opportunity_id"] != ra["opportunity_id"])]
        if len(same):
            pair = (a, same.index[0])
            break
    assert pair is not None
    session.add_section(pair[0])
    session.add_section(pair[1])
    kinds = {p.kind for p in session.problems}
    assert "time_conflict" in kinds
    session.remove_section(pair[1])
    assert "time_conflict" not in {p.kind for p in session.problems}


def test_plan_lifecycle_and_limit(session):
    while len(session.plans) < MAX_PLANS:
        assert session.new_plan() is not None
    assert session.new_plan() is None and "at most" in session.error
    session.rename_plan("Renamed plan")
    assert session.plan.name == "Renamed plan"
    n = len(session.plans)
    session.delete_plan()
    assert len(session.plans) == n - 1
    dup_from = session.plan
    dup = session.duplicate_plan()
    assert dup.sections == dup_from.sections and dup.plan_id != dup_from.plan_id


def test_comparison_needs_two_plans(session):
    session.compare_ids = [session.plans[0].plan_id]
    assert session.comparison is None
    if len(session.plans) < 2:
        session.new_plan()
    session.compare_ids = [p.plan_id for p in session.plans[:2]]
    assert session.comparison is not None
    assert len(session.comparison.table) == 2


def test_the_greeting_is_said_again_in_a_new_language(session):
    """A page opened in Spanish from its address switches after the learner is chosen: the
    "Planning with" line follows; a later message is not replaced."""
    name = session.learner.name
    assert session.status == f"Planning with {name}"
    session.language = "es"
    assert session.status == f"Planeando con {name}"
    session.status = "Guardado."
    session.language = "en"
    assert session.status == "Guardado."


def test_the_comparison_is_worked_out_only_when_asked_for(session, monkeypatch):
    """Edits away from the Compare step do not pay for the comparison; asking for it after an
    edit gives the comparison of the plans as they are now, once."""
    import workbench.state as state_module

    made = []
    real = state_module.compare_plans
    monkeypatch.setattr(state_module, "compare_plans",
                        lambda *a, **k: (made.append(1), real(*a, **k))[1])
    if len(session.plans) < 2:
        session.new_plan()
    session.compare_ids = [p.plan_id for p in session.plans[:2]]
    version = session.comparison_version
    session.update_learner(max_hours_per_week=session.learner.max_hours_per_week + 1)
    session.update_learner(max_hours_per_week=session.learner.max_hours_per_week + 1)
    assert made == [] and session.comparison_version == version + 2
    first = session.comparison
    assert session.comparison is first and made == [1]
    before = first.table.set_index("plan_id")["n_sections"].to_dict()
    # an edit that changes what the comparison says: the next ask sees it
    plan = session.plans[0]
    session.plan_id = plan.plan_id
    session.add_section(str(session.catalogue.section_table.index[0]))
    after = session.comparison
    assert made == [1, 1] and after is not first
    expected = real(session.catalogue, session.learner,
                    [p for p in session.plans if p.plan_id in session.compare_ids],
                    session.model_parameters)
    pd.testing.assert_frame_equal(after.table, expected.table)
    assert after.table.set_index("plan_id")["n_sections"][plan.plan_id] == \
        before[plan.plan_id] + 1


def test_learner_edit_changes_feasibility(session):
    session.new_plan("Budget test")
    t = session.catalogue.section_table
    costly = session.fit[(t.loc[session.fit.index, "cost"] > 0).to_numpy()
                         & session.fit["fits"].to_numpy()]
    if costly.empty:
        pytest.skip("no paid section fits this learner")
    sid = costly.index[0]
    session.update_learner(budget=float(t.at[sid, "cost"]))
    session.add_section(sid)
    assert "budget" not in {p.kind for p in session.problems}
    session.update_learner(budget=0.0)
    assert "budget" in {p.kind for p in session.problems}
    assert session.store.learner(session.learner_id).budget == 0.0


def test_two_sessions_are_independent(dataset, tmp_path):
    s1 = PlanningSession(dataset, Store(tmp_path / "a.sqlite"))
    s2 = PlanningSession(dataset, Store(tmp_path / "b.sqlite"))
    for s in (s1, s2):
        s.store.seed_from(dataset)
    s1._refresh_learner_list()
    s2._refresh_learner_list()
    ids = s1.param.learner_id.objects
    s1.learner_id = ids[0]
    s2.learner_id = ids[-1]
    assert s1.learner.learner_id != s2.learner.learner_id
    s1.new_plan("Only in s1")
    assert all(p.name != "Only in s1" for p in s2.plans)
