"""The app's "Suggest plans": drafts in the session state that pass the check, "Keep as Plan D"
through the store's versioned save (five plans at most), and the words in the family's language.

State-level (no browser): a real SQLite store seeded from the sample district.
"""

from __future__ import annotations

import pytest

from workbench import SAMPLE_DATA
from workbench.domain.feasibility import check_plan
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
    return PlanningSession(dataset, store, learner_id="L-maya")


def test_suggest_gives_drafts_that_pass_the_check(session):
    plan = session.plan
    drafts = session.suggest()
    assert drafts, session.suggested.notes
    result = session.suggested
    assert [p.sections for p in drafts] == [list(p.sections) for p in result.plans]
    for draft in drafts:
        # every suggestion keeps what the family chose and breaks nothing
        assert set(plan.sections) <= set(draft.sections)
        assert check_plan(session.catalogue, session.learner, draft.sections) == []
        assert draft.plan_id in session.suggestion_ledgers
        ledger = session.suggestion_ledgers[draft.plan_id]
        # the draft's ledger is the projection's: its goal chances at the central parameters
        # (what the solver ranks by) sum to the solver's total
        total = sum(g["probability_point"] for g in ledger["goals"])
        best = next(p for p in result.plans if list(p.sections) == draft.sections)
        assert total == pytest.approx(best.goal_total, abs=1e-9)
    assert [d.name for d in drafts] == [f"Suggestion {i}" for i in range(1, len(drafts) + 1)]
    # drafts are not saved plans
    assert {p.plan_id for p in session.store.plans_for("L-maya")}.isdisjoint(
        {d.plan_id for d in drafts})
    assert not session.busy


def test_keep_saves_a_new_versioned_plan(session):
    before = [p.plan_id for p in session.plans]
    drafts = session.suggest()
    name = session.next_plan_name()
    kept = session.keep_suggestion(0)
    assert kept is not None and kept.plan_id not in before
    assert kept.name == name and kept.sections == drafts[0].sections
    stored = session.store.read_plan(kept.plan_id)
    assert stored.record.sections == drafts[0].sections and stored.version >= 1
    assert [p.plan_id for p in session.plans] == [*before, kept.plan_id]
    assert session.plan_id == kept.plan_id
    assert session.problems == []
    # the kept plan is an ordinary plan: the session opened again sees it
    again = PlanningSession(session._dataset, session.store, learner_id="L-maya")
    assert kept.plan_id in [p.plan_id for p in again.plans]


def test_keep_respects_the_five_plan_limit(session):
    session.suggest()
    while len(session.plans) < MAX_PLANS:
        assert session.new_plan() is not None
    saved = [p.plan_id for p in session.store.plans_for("L-maya")]
    assert session.keep_suggestion(0) is None
    assert str(MAX_PLANS) in session.error
    assert [p.plan_id for p in session.store.plans_for("L-maya")] == saved


def test_keep_out_of_range_changes_nothing(session):
    session.suggest()
    before = [p.plan_id for p in session.plans]
    assert session.keep_suggestion(len(session.suggestions)) is None
    assert session.keep_suggestion(-1) is None
    assert [p.plan_id for p in session.plans] == before


def test_a_changed_learner_forgets_the_drafts(session):
    session.suggest()
    assert session.suggestions
    session.update_learner(budget=session.learner.budget + 10)
    assert session.suggestions == [] and session.suggested is None


def test_spanish_words(session):
    session.language = "es"
    drafts = session.suggest()
    assert drafts
    assert [d.name for d in drafts] == [f"Sugerencia {i}" for i in range(1, len(drafts) + 1)]
    best = session.suggested.plans[0]
    text = " ".join([best.summary, *best.why])
    assert "Expected goals" not in text and "a week" not in text
    assert "semana" in text
    session.language = "en"
    assert session.suggest()[0].name == "Suggestion 1"


def test_obstacles_are_in_the_sessions_language(dataset, tmp_path):
    """A learner with a goal no plan can make likely gets the obstacle in Spanish."""
    store = Store(tmp_path / "wb.sqlite")
    store.seed_from(dataset)
    s = PlanningSession(dataset, store)
    with_obstacle = None
    for lid in s.param.learner_id.objects:
        s.learner_id = lid
        s.language = "es"
        s.suggest()
        if s.suggested.obstacles:
            with_obstacle = s.suggested
            break
    if with_obstacle is None:
        pytest.skip("no sample learner has a goal out of reach")
    for ob in with_obstacle.obstacles:
        assert "out of reach" not in ob.message and "not likely yet" not in ob.message


# ---- the view (no browser: drive it, assert on its HTML and the state) -------------------------
def test_view_shows_suggestions_and_keeps_one(session):
    from workbench.views.suggest import SuggestPlans

    view = SuggestPlans(state=session)
    assert view.results.html == ""
    view.run()
    html = view.results.html
    n = len(session.suggestions)
    assert html.count('class="wb-suggestion"') == n
    assert html.count(f">Keep as {session.next_plan_name()}</button>") == n
    assert "Suggestions beside your plans" in html and "(not saved)" in html
    assert not view.working and not view.button.disabled
    name = session.next_plan_name()
    view._picked("keep:0")
    assert session.plan.name == name
    assert session.plan.sections == session.suggestions[0].sections
    # the next button names the next free plan
    assert f">Keep as {session.next_plan_name()}</button>" in view.results.html


def test_view_in_the_plans_step_is_released_with_it(session):
    """The app rebuilds the steps on a language change: the old step takes this view's watchers
    off the state with its own."""
    from workbench.views.plans import PlansStep

    before = sum(len(w) for kinds in session.param.watchers.values() for w in kinds.values())
    step = PlansStep(state=session)
    step.release()
    after = sum(len(w) for kinds in session.param.watchers.values() for w in kinds.values())
    assert after == before


def test_view_async_click_runs_the_solver(session):
    import asyncio

    from workbench.views.suggest import SuggestPlans

    view = SuggestPlans(state=session)
    seen = []
    view.param.watch(lambda e: seen.append(e.new), "working")
    asyncio.run(view._clicked())
    assert seen == [True, False]
    assert session.suggestions and "wb-suggestion" in view.results.html


# ---- drafts in Compare -------------------------------------------------------------------------
def test_compare_shows_the_drafts_marked_as_drafts_and_saves_none(session):
    from workbench.views.compare import CompareStep

    compare = CompareStep(state=session)
    saved = [p.plan_id for p in session.store.plans_for("L-maya")]
    assert "draft" not in compare.table.object
    drafts = session.suggest()
    assert drafts
    html = compare.table.object
    # one column per ticked plan and per draft; each draft's column says it is not saved
    ticked = [p for p in session.plans if p.plan_id in session.compare_ids]
    assert html.count('<th scope="col"') == len(ticked) + len(drafts)
    for d in drafts:
        assert f'{d.name} <span class="wb-draft-tag">(draft, not saved)</span>' in html
    assert html.count('<td data-plan="Suggestion 1 (draft, not saved)" class="wb-draft">') > 5
    # what would break it: nothing (every suggestion passes the check)
    assert html.count("Nothing: it fits") >= len(drafts)
    # the one way to keep a draft is named, and looking at them saves nothing
    keep_as = session.next_plan_name()
    assert f"use “Keep as {keep_as}” beside it on the Plans step" in html
    assert [p.plan_id for p in session.store.plans_for("L-maya")] == saved
    assert set(session.compare_ids) <= set(saved)
    # the goal bars show the drafts' chances too, named as drafts
    assert "Suggestion 1 (draft, not saved)" in compare.goals.object
    # kept: a saved plan, no longer a draft column of its own
    kept = session.keep_suggestion(0)
    assert kept.name == keep_as and kept.plan_id in {p.plan_id
                                                     for p in session.store.plans_for("L-maya")}
    # a changed learner makes the drafts stale: they leave the comparison
    session.update_learner(budget=(session.learner.budget or 0) + 1)
    assert not session.suggestions and "draft" not in compare.table.object


def test_compare_shows_drafts_beside_a_single_ticked_plan(session):
    from workbench.views.compare import CompareStep

    compare = CompareStep(state=session)
    session.compare_ids = [session.plan_id]
    assert "Tick at least two plans" in compare.table.object
    session.suggest()
    assert "Tick at least two plans" not in compare.table.object
    assert "(draft, not saved)" in compare.table.object


def test_compare_drafts_in_spanish(session):
    from workbench.views.compare import CompareStep

    session.language = "es"
    compare = CompareStep(state=session)
    session.suggest()
    html = compare.table.object
    assert "(borrador, sin guardar)" in html and "(draft" not in html and "not saved" not in html
    assert f"use «Guardar como {session.next_plan_name()}» junto a él en el paso Planes" in html


def test_plans_at_a_glance_lists_the_drafts_after_the_saved_plans(tmp_path):
    from workbench.app import create_app

    app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", learner_id="L-maya", lazy=True)
    s = app.state
    saved = [p.name for p in s.plans]
    assert [r["name"] for r in app.glance_rows()] == saved
    drafts = s.suggest()
    assert drafts
    rows = app.glance_rows()
    assert [r["name"] for r in rows] == saved + [f"{d.name} (draft, not saved)" for d in drafts]
    assert all(r["draft"] and r["problems"] == "fits" for r in rows[len(saved):])
    html = app.glance.html
    # a draft is a row to read, not a plan to open: no button, marked as a draft
    assert html.count('<tr class="wb-draft">') == len(drafts)
    assert html.count("data-pick=") == len(saved)
    for d in drafts:
        assert f'data-pick="{d.plan_id}"' not in html
    # kept: a saved plan of its own; a change to the learner makes the drafts go
    kept = s.keep_suggestion(0)
    assert kept.name in [r["name"] for r in app.glance_rows()]
    s.update_learner(budget=(s.learner.budget or 0) + 1)
    assert "wb-draft" not in app.glance.html
