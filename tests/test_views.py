"""View tests without a browser: the Viewers react to state and drive it through their widgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import EXAMPLES, SAMPLE_DATA
from workbench.app import create_app


@pytest.fixture
def app(tmp_path):
    return create_app(SAMPLE_DATA, tmp_path / "wb.sqlite")


def test_building_the_app_twice_gives_independent_states(tmp_path):
    a = create_app(SAMPLE_DATA, tmp_path / "a.sqlite")
    b = create_app(SAMPLE_DATA, tmp_path / "b.sqlite")
    assert a.state is not b.state
    a.state.new_plan("Only in a")
    assert all(p.name != "Only in a" for p in b.state.plans)
    # widgets are per instance, never shared class attributes
    assert a.steps["Opportunities"].cards is not b.steps["Opportunities"].cards
    assert a.steps["Opportunities"].filters is not b.steps["Opportunities"].filters


def test_stepper_moves_both_ways(app):
    app.next.clicks += 1
    assert app.state.step == "Week" and app.stepper.value == "2. Week"
    # the step shown is the only one visible (steps keep their places on the page)
    shown = [o for o in app.content.objects if o.styles.get("display") != "none"]
    assert shown == [app.places["Week"]] and app.page_language.step == "week"
    assert app.places["Week"].objects == [app.steps["Week"].__panel__()]
    # the steps keep their places, in the steps' order
    assert app.content.objects == list(app.places.values())
    app.stepper.value = "5. Compare"
    assert app.state.step == "Compare"
    app.back.clicks += 1
    assert app.state.step == "Plans"


def test_catalogue_card_adds_the_section_in_one_click(app):
    opp = app.steps["Opportunities"]
    app.state.new_plan("From the list")
    opp.fits_only.value = True
    rows = opp.filtered()
    assert len(rows) > 0 and set(rows["status"]) == {"fits"}
    sid = rows.index[0]
    assert f'data-pick="add:{sid}"' in opp.cards.html
    opp.cards._handle_msg(f"add:{sid}")  # the card's Add button
    assert app.state.plan.sections == [sid]
    assert sid not in set(opp.filtered().index)  # no longer offered as "fits"


def test_filters_narrow_the_catalogue(app):
    opp = app.steps["Opportunities"]
    opp.grade_fit.value = False
    everything = len(opp.filtered())
    opp.kind.value = "library"
    libs = opp.filtered()
    kinds = app.state.catalogue.section_table.loc[libs.index, "provider_kind"]
    assert 0 < len(libs) < everything and set(kinds) == {"library"}
    opp.kind.value = ""
    opp.search.value = "zzzz-no-such-thing"
    assert len(opp.filtered()) == 0


def test_plans_step_shows_problems_in_words(app):
    plans = app.steps["Plans"]
    app.state.new_plan("Words")
    assert "No problems found" in plans.problems.html
    fit = app.state.fit
    bad = fit[~fit["fits"]].index[0]
    app.state.add_section(bad)
    text = plans.problems.html
    assert "would break this plan" in text
    assert "in_person" not in text and "None" not in text


def test_week_step_edits_learner(app):
    week = app.steps["Week"]
    week.budget.value = 123
    assert app.state.learner.budget == 123
    assert app.state.store.learner(app.state.learner_id).budget == 123
    week.block_days.value = ["Sat"]
    week.block_start.value = 9 * 60
    week.block_end.value = 12 * 60
    week.add_free.clicks += 1
    assert any(b.days == ("Sat",) and b.start == 540 for b in app.state.learner.availability)


def test_learner_step_edits_levels_and_goals(app):
    step = app.steps["Learner"]
    n = len(app.state.learner.goals)
    step.goal_level.value = 4
    step.add_goal.clicks += 1
    assert len(app.state.learner.goals) in (n, n + 1)
    assert any(g.level == 4 for g in app.state.learner.goals)


def test_share_summary_is_family_readable_and_escaped(app, tmp_path):
    share = app.steps["Share"]
    html = share.summary_html()
    assert app.state.learner.name.split()[0] in html
    assert "Carnegie" in html and "$" in html
    app.state.rename_plan("<script>alert(1)</script>")
    assert "<script>alert" not in share.summary_html()
    assert share._json_file().getvalue().startswith(b"{")
    assert b"section_id" in share._csv_file().getvalue()


from .conftest import FIXTURES, shared_file  # noqa: E402  (shared_file skips when ../shared is missing)


def _upload(box, path: Path):
    box.file.filename = path.name
    box.file.value = path.read_bytes()


@pytest.mark.parametrize("calendar", [lambda: FIXTURES / "ics" / "broken_rule.ics",
                                      lambda: shared_file("ics", "node-ical__badRRULE.ics")],
                         ids=["fixture", "shared"])
def test_calendar_upload_changes_the_week_only_when_clean_or_accepted(app, calendar):
    week = app.steps["Week"]
    before = app.state.learner
    page = week.upload.__panel__()
    assert week.upload.report not in page and week.upload.keep not in page  # until a file
    _upload(week.upload, calendar())  # one malformed event
    assert week.upload.report in page and week.upload.keep in page
    assert "Could not read" in week.upload.report.object
    assert week.upload.keep.visible
    assert app.state.learner is before  # nothing changed yet
    week.upload.keep.clicks += 1
    saved = app.state.store.learner(app.state.learner_id)
    assert saved.commitments != before.commitments or saved.availability != before.availability


def test_garbage_upload_changes_nothing(app):
    week = app.steps["Week"]
    before = app.state.learner.to_dict()
    week.upload.file.filename = "junk.ics"
    week.upload.file.value = b"\x00\xffnot a calendar"
    assert "Nothing was changed" in week.upload.report.object
    assert app.state.store.learner(app.state.learner_id).to_dict() == before


@pytest.mark.parametrize("credential", [lambda: EXAMPLES / "credential.json",
                                        lambda: shared_file("badges", "ob30_simple.jwt")],
                         ids=["example", "shared"])
def test_credential_upload_keeps_provenance_and_marks_unverified(app, credential):
    step = app.steps["Learner"]
    n = len(app.state.learner.evidence)
    path = credential()
    _upload(step.upload, path)
    assert "Saved" in step.upload.report.object
    ev = app.state.store.learner(app.state.learner_id).evidence
    assert len(ev) > n and not ev[-1].verified and path.name in ev[-1].source
    assert "not verified" in step.evidence.object


@pytest.mark.slow
def test_catalogue_upload_adds_real_programmes(app, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    opp = app.steps["Opportunities"]
    n = len(app.state.catalogue.section_table)
    _upload(opp.upload, shared_file("catalogs",
                                    "chicago_city_of_learning_schedule_program_export.csv"))
    opp.upload.keep.clicks += 1  # the real file has broken rows: keep what could be read
    assert len(app.state.catalogue.section_table) > n + 2000
    tags = {t for cell in app.state.catalogue.opportunities["interests"] for t in cell.split(";")
            if t}
    assert tags <= set(opp.interest.options)  # every interest of the new catalogue can be chosen
    assert app.state.fit is not None and len(app.state.fit) == len(app.state.catalogue.section_table)
    tba = app.state.fit[app.state.catalogue.section_table.loc[app.state.fit.index, "times_tba"]
                        .to_numpy()]
    assert len(tba) and (tba["reason_kind"] == "times_tba").any()
