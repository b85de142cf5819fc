"""The app shell and the Learner, Week and Share steps without a browser: real sessions over a
real SQLite store, driven through their widgets, checked on plain outputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench import SAMPLE_DATA
from workbench.app import create_app
from workbench.domain.summary import LIKELY, file_stem, goals_likely, moves_no_goal
from workbench.domain.words import GLOSSARY
from workbench.i18n import Translator
from workbench.markup import escape_text

VIEWS = Path(__file__).resolve().parents[1] / "workbench" / "views"


@pytest.fixture
def app(tmp_path):
    return create_app(SAMPLE_DATA, tmp_path / "wb.sqlite")


def watcher_count(state) -> int:
    return sum(len(ws) for kinds in state.param.watchers.values() for ws in kinds.values())


# ---- plans at a glance, in words a family reads ----------------------------------------------
def test_glance_counts_likely_goals_instead_of_averaging_chances(app):
    s = app.state
    s.learner_id = "L-maya"
    rows = {r["plan_id"]: r for r in app.glance_rows()}
    for p in s.plans:
        likely, total = goals_likely(s.ledgers[p.plan_id]["goals"])
        assert rows[p.plan_id]["goals"] == f"{likely} of {total} goals likely"
        # the count is the goals at LIKELY or more (a goal reached has a chance of 1), never
        # an average; the goals it counts are those whose sentence says "On track"
        goals = s.ledgers[p.plan_id]["goals"]
        assert likely == sum(g["probability"] >= LIKELY for g in goals)
        w = s.format
        assert likely == sum(w.goal_sentence(
            g["name"], g["target_level"], g["by"], g["current_level"], g["probability"],
            g.get("probability_low"), g.get("probability_high")).startswith(
                ("On track", "Already at")) for g in goals)
    html = app.glance.html
    assert "Average goal chance" not in html and "goals likely" in html
    assert "<caption>Plans at a glance</caption>" in html


def test_glance_speaks_spanish_with_plurals(app):
    s = app.state
    s.learner_id = "L-maya"
    s.language = "es"
    row = app.glance_rows()[0]
    likely, total = goals_likely(s.ledgers[row["plan_id"]]["goals"])
    assert row["goals"].startswith(f"{likely} de {total} metas")
    assert "Los planes de un vistazo" in app.glance.html
    s.update_learner(goals=s.learner.goals[:1])
    row = app.glance_rows()[0]
    assert re.fullmatch(r"[01] de 1 meta (es )?probable", row["goals"]), row["goals"]


def test_an_empty_plan_says_its_credits_come_from_levels_already_reached(app):
    s = app.state
    plan = s.new_plan("Nothing yet")
    row = next(r for r in app.glance_rows() if r["plan_id"] == plan.plan_id)
    assert row["credits"].endswith("(from levels already reached)")
    assert float(row["credits"].split()[0]) > 0  # the learner's Proficient skills count
    html = app.steps["Share"].summary_html()
    assert "come from levels the learner has already reached" in html


def test_clicking_a_plan_in_the_glance_opens_it(app):
    s = app.state
    other = s.plans[-1].plan_id
    assert s.plan_id != other
    assert f'data-pick="{other}"' in app.glance.html
    app.glance._handle_msg(other)  # what the browser sends when the plan's name is clicked
    assert s.plan_id == other
    assert 'aria-current="true"' in app.glance.html.split(f'data-pick="{other}"')[0][-200:]
    app.glance._handle_msg("P-no-such-plan")
    assert s.plan_id == other


def test_a_plan_that_fits_but_practises_no_goal_says_so(app):
    s = app.state
    s.learner_id = "L-maya"
    plan = s.new_plan("Only Algebra II", sections=["S-0007"])  # fits; practises none of her goals
    assert s.plan_id == plan.plan_id and not s.problems
    assert moves_no_goal(s.ledgers[plan.plan_id])
    assert "practises none of the goals" in app.who.object
    s.plan_id = "P-maya-a"  # fits and moves her goals: no warning
    assert not s.problems and "practises none" not in app.who.object
    s.language = "es"
    s.plan_id = plan.plan_id
    assert "no practica ninguna de las metas" in app.who.object


def test_glossary_is_on_every_step_in_both_languages(app):
    for lang in ("en", "es"):
        app.state.language = lang
        words = Translator(lang)
        html = app.glossary.object
        assert html.startswith('<details class="wb-glossary">')
        for key, term, text in words.glossary():
            assert f'id="wb-term-{key}"' in html and term in html
            assert escape_text(text) in html
        assert {k for k, *_ in GLOSSARY} == {
            "competency_credit", "carnegie_unit", "cost_per_credit", "chance", "range"}
        # it is part of the shell, not of a step: it stays while the steps change
        assert app.glossary in app.top.objects and app.top in app._layout.objects


# ---- status line -----------------------------------------------------------------------------
def test_status_and_errors_are_prominent_and_clear_away(app):
    s = app.state
    s.status = "Saved the plan."
    assert 'class="wb-message wb-status" role="status"' in app.status.object
    assert app.dismiss.visible
    s.step = "Week"  # moving on takes the message away
    assert s.status == "" and not app.dismiss.visible
    s.error = "The store is busy."
    assert 'role="alert"' in app.status.object and "The store is busy." in app.status.object
    app.dismiss.clicks += 1
    assert s.error == "" and "The store is busy" not in app.status.object
    s.notice = "Another window changed this plan; both changes were kept."
    assert "wb-notice" in app.status.object and app.dismiss.visible


# ---- the language switch ---------------------------------------------------------------------
def test_the_language_switch_rebuilds_every_step_in_spanish_without_leaks(app):
    s = app.state
    old = {name: app.steps[name] for name in ("Learner", "Week", "Share")}
    app.language.value = "es"
    assert s.language == "es"
    assert app.labels[0] == "1. Estudiante" and app.stepper.value == "1. Estudiante"
    assert app.back.label == "← Atrás" and app.language.label == "Idioma"
    assert app.steps["Learner"] is not old["Learner"]
    assert app.steps["Learner"].picker.label == "Estudiante"
    assert app.steps["Week"].add_free.label == "Agregar tiempo libre"
    assert app.page_language.lang == "es"
    before = watcher_count(s)
    for lang in ("en", "es", "en", "es"):
        s.language = lang
    assert watcher_count(s) == before  # the old views are off the state
    # an old view no longer follows the state; the new one does
    s.update_learner(name="Someone else")
    assert old["Learner"].learner_name.value != "Someone else"
    assert app.steps["Learner"].learner_name.value == "Someone else"


def test_choosing_a_learner_saves_nothing_while_the_boxes_catch_up(app):
    s = app.state
    versions = {lr.learner_id: s.store.read_learner(lr.learner_id).version
                for lr in s.store.learners()}
    for lid in ("L-maya", "L-lucia", "L-dante"):
        # (Lucía's family reads Spanish: the steps are built again in Spanish, so ask the app)
        app.steps["Learner"].picker.value = lid
        app.steps["Week"]._sync()
        assert s.learner_id == lid and app.steps["Learner"].learner_name.value == s.learner.name
    assert {lid: s.store.read_learner(lid).version for lid in versions} == versions
    # no hand-written "am I syncing?" flags left in these views
    for name in ("learner.py", "week.py", "share.py", "widgets.py"):
        assert "_syncing" not in (VIEWS / name).read_text()


# ---- the page's address ----------------------------------------------------------------------
def test_the_place_comes_back_after_a_reload(app, tmp_path):
    s = app.state
    s.learner_id = "L-maya"
    s.plan_id = "P-maya-b"
    s.compare_ids = ["P-maya-b", "P-maya-c"]
    s.step = "Compare"
    place = s.place()
    assert place == {"learner": "L-maya", "plan": "P-maya-b", "step": "Compare",
                     "compare": "P-maya-b,P-maya-c", "lang": "en"}
    again = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite")  # a reload: a new session
    assert again.state.learner_id != "L-maya"
    again.state.go_to(**place)
    assert again.state.place() == place
    assert again.page_language.step == "compare"
    # an old link with a deleted plan or an unknown learner opens what it can
    again.state.go_to(learner="L-nobody", plan="P-gone", compare="P-gone,P-maya-a",
                      step="Nowhere", lang="xx")
    assert again.state.place() | {"compare": "P-maya-a"} == {**place, "compare": "P-maya-a"}


# ---- Learner ---------------------------------------------------------------------------------
def test_where_the_learner_lives_can_be_seen_and_set(app):
    s = app.state
    step = app.steps["Learner"]
    assert step.home_zone.value == s.learner.home_zone
    assert "online" not in step.home_zone.values and len(step.home_zone.values) >= 10
    other = next(z for z in step.home_zone.values if z != s.learner.home_zone)
    step.home_zone.value = other
    assert s.learner.home_zone == other
    assert s.store.read_learner(s.learner_id).record.home_zone == other


def test_a_new_learner_is_asked_rather_than_given_harsh_defaults(app):
    s = app.state
    step = app.steps["Learner"]
    n = len(s.store.learners())
    step.show_new.value = True
    assert step.new_form.visible
    assert step.new_zone.value == "" and step.new_transport.value == []
    assert step.new_budget.value is None and step.new_hours.value is None
    step.new_name.value = "Rosa"
    step.create.clicks += 1
    assert len(s.store.learners()) == n  # nothing guessed, nothing saved
    assert "where they live" in s.error and "how they get around" in s.error
    assert "a budget" in s.error and "the most hours a week" in s.error
    step.new_zone.value = "Lakeview"
    step.new_transport.value = ["walk", "transit"]
    step.new_budget.value = 0  # no money is a real answer
    step.new_hours.value = 6
    step.new_grade.value = 8
    step.create.clicks += 1
    made = s.learner
    assert len(s.store.learners()) == n + 1 and made.name == "Rosa" and not step.new_form.visible
    assert (made.home_zone, made.transport, made.budget, made.max_hours_per_week, made.grade) == \
        ("Lakeview", ["walk", "transit"], 0.0, 6.0, 8)
    with pytest.raises(ValueError, match="no area called"):
        s.create_learner("X", 9, "Atlantis", transport=["walk"], budget=0, max_hours_per_week=4)


def test_spanish_asks_for_the_missing_answers_in_spanish(app):
    s = app.state
    s.language = "es"
    with pytest.raises(ValueError) as err:
        s.create_learner("Rosa", 8, None, transport=["walk"], budget=None,
                         max_hours_per_week=5)
    assert str(err.value) == ("Para agregar a un estudiante, por favor indique dónde vive y "
                              "un presupuesto (0 está bien).")


def test_levels_one_area_at_a_time_every_skill_on_screen_and_a_change_keeps_it_open(app):
    s = app.state
    step = app.steps["Learner"]
    comps = s.catalogue.competencies
    for area in step._areas:
        step.area.value = area
        ids = list(comps.loc[comps["domain"] == area, "competency_id"])
        assert list(step._level_widgets) == ids  # every skill of the area, none hidden
        assert all(box.value == s.learner.level(cid) for cid, box in step._level_widgets.items())
    step.area.value = step._areas[1]
    boxes = list(step.level_boxes.objects)
    cid, box = next(iter(step._level_widgets.items()))
    box.value = (s.learner.level(cid) + 2) % 5
    assert s.learner.level(cid) == box.value
    assert s.store.read_learner(s.learner_id).record.level(cid) == box.value
    # the area stays open and its boxes are the same ones (nothing folded shut or rebuilt)
    assert step.area.value == step._areas[1] and step.level_boxes.objects == boxes
    assert [o.label for o in boxes][:1] == [comps.set_index("competency_id").at[cid, "name"]]


def test_goals_show_one_date_format_and_the_date_box_says_the_date_in_words(app):
    s = app.state
    step = app.steps["Learner"]
    words = s.format
    for goal in s.learner.goals:
        assert words.date(goal.by) in step.goals.html  # "June 1, 2027", never 2027-06-01
    assert not re.search(r"\d{4}-\d{2}-\d{2}", step.goals.html)
    assert step.goal_date.words == words.date(step.goal_date.value)
    step.goal_date.iso = "2027-03-15"  # what the browser's date box sends
    assert str(step.goal_date.value) == "2027-03-15" and step.goal_date.words == "March 15, 2027"
    step.goal_level.value = 4
    step.add_goal.clicks += 1
    assert any(g.level == 4 and str(g.by) == "2027-03-15" for g in s.learner.goals)
    n = len(s.learner.goals)
    step.goals._handle_msg(str(n - 1))  # its Remove button
    assert len(s.learner.goals) == n - 1
    assert 'aria-label="Remove goal: ' in step.goals.html


# ---- Week ------------------------------------------------------------------------------------
def test_week_controls_edit_only_their_own_field(app):
    s = app.state
    week = app.steps["Week"]
    before = s.learner
    week.budget.value = 123
    after = s.learner
    assert after.budget == 123 and after.transport == before.transport
    assert after.max_hours_per_week == before.max_hours_per_week
    week.transport.value = []
    assert "at least one way" in s.error and s.learner.transport == before.transport
    assert week.transport.value == before.transport
    n = len(s.learner.availability)
    week.blocks._handle_msg("availability:0")  # a free time's Remove button
    assert len(s.learner.availability) == n - 1


# ---- Share -----------------------------------------------------------------------------------
def test_share_names_downloads_after_the_learner_and_plan(app):
    s = app.state
    s.learner_id = "L-lucia"
    share = app.steps["Share"]  # built again in Lucía's family's Spanish
    share._sync()
    stem = file_stem("Lucía M.", s.plan.name)
    assert stem.startswith("lucia-m-plan-a-") and len(stem) <= 60
    assert share.html_dl.filename == f"{stem}-summary.html"
    assert share.ics_dl.filename == f"{stem}.ics" and share.csv_dl.filename.endswith(".csv")
    assert file_stem("", "") == "plan" and file_stem("<script>", "../../x") == "script-x"
    share.picker.value = "P-lucia-b"  # choosing a plan to share opens it
    assert s.plan_id == "P-lucia-b" and "lucia-m-plan-b" in share.html_dl.filename


def test_the_summary_says_who_drives_when_and_where(app):
    s = app.state
    s.learner_id = "L-lucia"  # Pine Hollow, walking or the family car
    s.language = "en"
    html = app.steps["Share"].summary_html()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    arrange = html.split("What to arrange")[1]
    drives = re.findall(r"<li>([^<]*drive[^<]*)</li>", arrange)
    assert drives, arrange
    # who drives, which days and dates, to which address, when to leave and when to pick up
    assert "Tuesdays (August 31, 2026 – June 11, 2027): drive Lucía M. from home to Pine " \
           "Hollow Community Garden &amp; Farm, 18 Orchard Ln, leaving at 3:22 pm to arrive " \
           "by 3:30 pm, and pick Lucía M. up there at 5 pm (8 min each way)." in drives
    assert any(d.startswith("Wednesdays (August 31, 2026 – January 22, 2027)") and
               "5:30 pm" in d for d in drives), drives  # fall only, a later pick-up
    assert len(drives) == 3  # Tuesdays, Wednesdays, Saturdays: each said once
    assert "Sign up for Citizen Science Saturdays with Pine Hollow Community Library, " \
           "2 Church St" in arrange
    # travel in hours and minutes, the week's pieces with their dates
    assert re.search(r"Travel: about (\d+ h )?\d+ min a week", html)
    assert re.search(r"\d:\d\d pm \((August|September) \d+", html)
    s.language = "es"
    html = app.steps["Share"].summary_html()
    assert "llevar en carro a Lucía M. de la casa a Pine Hollow Community Garden" in html
    assert html.startswith('<!doctype html><html lang="es">')


def test_contacts_are_given_where_the_catalogue_has_them(app):
    s = app.state
    s.learner_id = "L-lucia"
    s.language = "en"
    providers = s.catalogue.providers
    s.catalogue.providers = providers.assign(phone=["(555) 010-0000"] * len(providers))
    try:
        html = app.steps["Share"].summary_html()
    finally:
        s.catalogue.providers = providers
    assert "Contact: (555) 010-0000." in html


def test_a_very_long_name_wraps_everywhere(app):
    s = app.state
    long = "Maximiliana " * 21  # 252 characters
    s.update_learner(name=long.strip())
    assert len(s.learner.name) > 240
    assert 'class="wb-who"' in app.who.object  # the who line wraps (overflow-wrap:anywhere)
    html = app.steps["Share"].summary_html()
    assert "overflow-wrap:break-word" in html
    assert app.steps["Learner"].learner_name.max_length == 80  # new names are limited
