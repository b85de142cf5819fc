"""Opportunities, Plans and Compare without a browser: the rough edges, each with a test.

The views are driven through their widgets (or the buttons' messages) and the state through its
methods; the assertions are on what a person would read or what the state holds.
"""

from __future__ import annotations

import re

import panel as pn
import pytest

from workbench import SAMPLE_DATA
from workbench.app import create_app
from workbench.domain.feasibility import catalogue_fit, check_plan
from workbench.filters import CatalogueFilter
from workbench.views.compare import CompareStep
from workbench.views.opportunities import OpportunitiesStep
from workbench.views.plans import PlansStep


@pytest.fixture
def app(tmp_path):
    return create_app(SAMPLE_DATA, tmp_path / "wb.sqlite")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")


def header_plans(table_html: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", table_html, re.S).group(1)
    return [text(h).strip() for h in re.findall(r'<th scope="col">(.*?)</th>', head)]


def clashing_pair(state):
    """Two sections that each fit but clash, where another group of one would fit instead."""
    cat, lr = state.catalogue, state.learner
    t = cat.section_table
    fit = catalogue_fit(cat, lr, [])
    ok = [s for s in fit.index[fit["fits"]] if t.at[s, "meets"]][:80]
    for i, a in enumerate(ok):
        for b in ok[i + 1:]:
            if t.at[a, "opportunity_id"] == t.at[b, "opportunity_id"]:
                continue
            if any(h.key == "other_group" for p in check_plan(cat, lr, [a, b])
                   for h in p.helps):
                return a, b
    pytest.fail("the sample data has no clash with another group that fits")


# ---- Compare -----------------------------------------------------------------------------
def test_ticks_and_table_stay_in_step_however_fast(app):
    s, compare = app.state, app.steps["Compare"]
    ids = [p.plan_id for p in s.plans]
    assert len(ids) >= 3
    # two ticks in quick succession, as the browser sends them: each the whole set so far
    compare.choose.value = ids[:1]
    compare.choose.value = ids[:2]
    compare.choose.value = ids[:3]
    assert s.compare_ids == ids[:3] and compare.choose.value == ids[:3]
    names = {p.plan_id: p.name for p in s.plans}
    assert header_plans(compare.table.object) == [names[i] for i in ids[:3]]
    # the state is the one source of truth: changing it moves the ticks
    s.compare_ids = [ids[2], ids[0]]
    assert compare.choose.value == [ids[2], ids[0]]
    assert set(header_plans(compare.table.object)) == {names[ids[0]], names[ids[2]]}
    assert "_syncing" not in vars(compare)


def test_hiding_and_showing_charts_never_leaves_stale_ones(app):
    from workbench.plots import plan_labels

    s, compare = app.state, app.steps["Compare"]
    ids = [p.plan_id for p in s.plans]

    def drawn() -> set[str]:
        return set(re.findall(r"<li><div>(.*?)</div>", compare.goals.object))

    def wanted() -> set[str]:
        return set(plan_labels([p.name for p in s.plans if p.plan_id in s.compare_ids])
                   .values())

    compare.show_charts = False
    assert not compare.charts.visible and not compare.charts_tick.value
    s.compare_ids = ids[:2]           # changed while hidden
    compare.charts_tick.value = True  # the tick on the page
    assert compare.show_charts and compare.charts.visible
    assert drawn() == wanted() and len(drawn()) == 2
    # one plan: nothing to compare, the charts go (as one box) and come back fresh
    s.compare_ids = ids[:1]
    assert not compare.charts.visible
    s.compare_ids = [ids[0], ids[2]]
    assert compare.charts.visible and drawn() == wanted()
    heads = re.findall(r'<th scope="col">(.*?)</th>', compare.heat.object)
    assert set(heads) == wanted()
    # the charts are plain HTML (no Bokeh figure whose visibility could fail)
    assert all(isinstance(o, pn.pane.HTML) for o in (compare.goals, compare.heat))


def test_compare_explains_every_goal_in_words(app):
    s, compare = app.state, app.steps["Compare"]
    words = text(compare.why.object)
    assert "Why these chances" in compare.why_heading.object
    for g in s.learner.goals:
        name = s.catalogue.competencies.set_index("competency_id").at[g.competency_id, "name"]
        assert name in words
    assert "practice per hour" in words and "attended" in words
    assert "8 chances in 10" in words
    assert "What would raise it most" in words
    table = text(compare.table.object)
    assert "Goals likely to be reached" in table and "of 3 goals likely" in table
    assert "Average goal chance" not in table
    # another plan's explanation, chosen on the page
    other = s.plans[1]
    compare.which.value = other.plan_id
    assert other.name.replace("&", "&amp;") in compare.why.object


def test_compare_says_when_credits_come_only_from_levels_reached(app):
    s, compare = app.state, app.steps["Compare"]
    s.new_plan("Empty")
    s.compare_ids = [s.plans[0].plan_id, s.plan_id]
    table = text(compare.table.object)
    assert "all from levels already reached" in table
    assert "practises none of the goals" in table


def test_compare_in_spanish(app):
    s = app.state
    s.language = "es"
    compare = CompareStep(state=s)
    words = text(compare.table.object + compare.why.object)
    for english in ("What would break it", "Hours of learning", "Why these chances",
                    "practice per hour", "What would raise it", "goals likely"):
        assert english not in words
    assert "Probabilidad" in words and "Qué lo impediría" in words


# ---- Plans -------------------------------------------------------------------------------
def test_what_would_break_the_plan_comes_before_the_calendar(app):
    plans = app.steps["Plans"]
    layout = plans._layout
    row = next(o for o in layout.objects if isinstance(o, pn.Row) and len(o.objects) == 2
               and all(isinstance(c, pn.Column) for c in o.objects)
               and plans.calendar in o.objects[-1].objects)
    first, second = row.objects
    # first in the page's order: beside the calendar on a wide screen, above it on a phone
    assert plans.problems in first.objects and plans.calendar in second.objects


def test_remove_buttons_name_day_time_dates_and_cost(app):
    s, plans = app.state, app.steps["Plans"]
    s.learner_id = "L-maya"
    html = plans.sections.html
    labels = [text(b) for b in re.findall(r"<button[^>]*>(.*?)</button>", html)]
    assert len(labels) == len(s.plan.sections) == len(set(labels))
    robotics = next(lab for lab in labels if "Teen Robotics Club" in lab)
    assert robotics.startswith("Remove Teen Robotics Club — ")
    assert "Tuesday and Thursday" in robotics and "3:30" in robotics
    assert "Aug 31 – Jan 22" in robotics and "free" in robotics
    welding = next(lab for lab in labels if "Welding" in lab)
    assert "$200" in welding
    sid = next(x for x in s.plan.sections
               if s.catalogue.section_table.at[x, "title"] == "Teen Robotics Club")
    plans.sections._handle_msg(f"remove:{sid}")
    assert sid not in s.plan.sections


def test_terms_are_drawn_one_at_a_time(app):
    s, plans = app.state, app.steps["Plans"]
    s.learner_id = "L-dante"  # Plan A: a fall course, a spring course and a full-year one
    terms = s.plan_terms()
    assert len(terms) >= 2 and plans.terms.visible
    assert list(plans.terms.options) == [t.label(s.format) for t in terms]
    fall, spring = terms[0], terms[1]
    assert set(fall.section_ids) != set(spring.section_ids)
    plans.terms.value = 1
    week = s.plan_week(term=spring)
    drawn = plans.week_chart.frames
    assert set(week.meetings["section_id"]) <= set(spring.section_ids)
    # the calendar draws exactly the chosen term's meetings (in the figure it was built with)
    assert sorted(drawn.meetings["title"]) == sorted(week.meetings["title"])
    assert plans.calendar.object == plans.week_chart.svg
    assert plans.calendar.object.count('fill-opacity="0.9"') == len(week.meetings)


def test_another_group_swap_is_one_click(app):
    s, plans = app.state, app.steps["Plans"]
    s.new_plan("Clash")
    a, b = clashing_pair(s)
    s.add_section(a)
    s.add_section(b)
    assert any(p.kind == "time_conflict" for p in s.problems)
    picks = re.findall(r'data-pick="(swap:[^"]+)"', plans.problems.html)
    assert picks, "a problem whose fix is another group offers that swap"
    label = text(re.search(r'class="wb-swap"[^>]*>(.*?)</button>', plans.problems.html).group(1))
    assert label.startswith("Switch to the group ")
    _swap, old, new = picks[0].split(":")
    plans.problems._handle_msg(picks[0])
    assert new in s.plan.sections and old not in s.plan.sections
    assert s.plan.sections.index(new) in (0, 1)
    assert not any(p.kind == "time_conflict" for p in s.problems)


def test_delete_asks_first_and_can_be_undone(app):
    s, plans = app.state, app.steps["Plans"]
    n, doomed = len(s.plans), s.plan
    plans.delete.clicks += 1
    assert plans.confirm_row.visible and len(s.plans) == n  # nothing deleted yet
    assert doomed.name in text(plans.confirm_words.object)
    plans.keep.clicks += 1
    assert not plans.confirm_row.visible and len(s.plans) == n
    plans.delete.clicks += 1
    plans.yes_delete.clicks += 1
    assert len(s.plans) == n - 1 and doomed.plan_id not in {p.plan_id for p in s.plans}
    assert plans.undo.visible and doomed.name in plans.undo.name
    plans.undo.clicks += 1
    assert doomed.plan_id in {p.plan_id for p in s.plans} and not plans.undo.visible
    back = s.store.plan(doomed.plan_id)
    assert back.sections == doomed.sections


def test_deleting_the_only_plan_never_leaves_no_plan_silently(app):
    s = app.state
    s.create_learner("Only One", 9, home_zone=next(z for z in s.catalogue.zones
                                                   if z != "online"),
                     transport=["walk", "transit"], budget=100, max_hours_per_week=10)
    s.add_section(s.fit.index[s.fit["fits"]][0])
    only = s.plan
    assert only.sections
    s.delete_plan()
    assert len(s.plans) == 1 and s.plan.plan_id != only.plan_id and not s.plan.sections
    assert "only plan" in s.status and only.name in s.status
    s.undo_delete_plan()
    assert [p.plan_id for p in s.plans] == [only.plan_id]  # the empty stand-in went again
    assert s.plan.sections == only.sections


def test_plans_step_has_no_hand_written_sync_flags(app):
    for view in (app.steps["Plans"], app.steps["Compare"], app.steps["Opportunities"]):
        assert "_syncing" not in vars(view)
    plans = app.steps["Plans"]
    other = app.state.plans[1].plan_id
    plans.picker.value = other
    assert app.state.plan_id == other
    app.state.plan_id = app.state.plans[0].plan_id
    assert plans.picker.value == app.state.plan_id


# ---- Opportunities -----------------------------------------------------------------------
def test_cards_show_everything_without_sideways_scrolling(app):
    s, opp = app.state, app.steps["Opportunities"]
    html = opp.cards.html
    assert "<table" not in html  # cards, not a wide table
    first = opp.filtered().index[0]
    row = s.catalogue.section_table.loc[first]
    card = html.split('<li class="wb-card">')[1]
    for piece in (row["provider_name"], "Grades", "–"):
        assert str(piece).replace("&", "&amp;") in card


def test_why_not_is_never_cut_and_goals_helped_are_named(app):
    opp = app.steps["Opportunities"]
    rows = opp.filtered()
    no = rows[rows["status"] == "no"]
    opp.filters.page = list(rows.index).index(no.index[0]) // opp.filters.page_size
    reason = no["reason"].iloc[0]
    assert len(reason) > 12
    assert reason.replace("&", "&amp;").replace("'", "&#x27;") in opp.cards.html
    opp.filters.param.update(helps_goal=True, page=0)
    helped = opp.filtered()
    assert len(helped) and all(helped["helps"])
    assert "Practises a goal:" in opp.cards.html


def test_adding_takes_one_click(app):
    s, opp = app.state, app.steps["Opportunities"]
    s.new_plan("One click")
    sid = opp.filtered().index[0]
    button = re.search(rf'data-pick="add:{sid}">(.*?)</button>', opp.cards.html).group(1)
    assert text(button).startswith("Add ")
    opp.cards._handle_msg(f"add:{sid}")
    assert s.plan.sections == [sid]
    # the same card now offers to take it out again
    assert f'data-pick="remove:{sid}"' in opp.cards.html
    # a pick for something not on screen does nothing
    opp.cards._handle_msg("add:S-9999")
    assert s.plan.sections == [sid]


def test_filters_are_a_parameterized_object(app):
    s = app.state
    f = CatalogueFilter(state=s)
    everything = len(f.rows())
    f.param.update(kind="library", fits_only=True)
    rows = f.rows()
    assert 0 < len(rows) < everything and set(rows["status"]) == {"fits"}
    assert set(s.catalogue.section_table.loc[rows.index, "provider_kind"]) == {"library"}
    f.param.update(kind="", fits_only=False, day="Sat", starts_after=9 * 60)
    t = s.catalogue.section_table.loc[f.rows().index]
    assert len(t) and (t["day_mask"] & 32).all() and (t["start_min"] >= 540).all()
    f.param.update(day="", starts_after=-1, max_travel=10)
    assert (f.rows()["travel_minutes"] <= 10).all()
    with pytest.raises(ValueError):
        f.kind = "no-such-kind"


def test_opportunities_in_spanish(app):
    s = app.state
    s.language = "es"
    opp = OpportunitiesStep(state=s)
    words = text(opp.cards.html + opp.count.object)
    for english in ("Add ", "Fits", "sections shown", "Why it does not fit", "each way",
                    "seats left", "Practises a goal"):
        assert english not in words, english
    assert "Agregar" in words or "Quitar" in words
    assert opp.kind.name == "Quién lo ofrece" and "Biblioteca" in opp.kind.options
    plans = PlansStep(state=s)
    assert "Quitar " in plans.sections.html and "Remove" not in plans.sections.html
