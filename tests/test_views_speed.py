"""What makes sessions and edits cheap keeps working: calendars updated in place, the Learner
step's levels in one table, the new-learner form built only when opened, a lazy session that
builds only the first screen. (No timings here: speed is measured in benchmarks/.)"""

from __future__ import annotations

import pandas as pd
import pytest
from bokeh.document import Document

from workbench import SAMPLE_DATA
from workbench.app import create_app
from workbench.plots import WeekCalendar


@pytest.fixture
def app(tmp_path):
    return create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", learner_id="L-maya")


def meetings(*rows):
    return pd.DataFrame(rows, columns=["day", "start_min", "end_min", "title", "section_id"])


def test_a_calendar_update_replaces_data_not_models():
    cal = WeekCalendar()
    doc = Document()
    doc.add_root(cal.figure)
    cal.update(meetings(("Mon", 600, 660, "Piano", "s1")), title="Week one")
    models = {m.id for m in doc.models}
    cal.update(meetings(("Tue", 6 * 60, 8 * 60, "Swim", "s2"), ("Fri", 20 * 60, 22 * 60,
                                                                 "Choir", "s3")),
               highlight={"s3"}, title="Week two")
    assert {m.id for m in doc.models} == models  # nothing built again
    meet = next(r.data_source for r in cal.figure.renderers if "color" in r.data_source.data)
    assert list(meet.data["left"]) == pytest.approx([1 - 0.42, 4 - 0.42])
    assert [t.split(" ")[0] for t in meet.data["tip"]] == ["Swim", "Choir"]
    # the hours follow the data (6 am to 10 pm), morning at the top; the title is the new one
    assert (cal.figure.y_range.start, cal.figure.y_range.end) == (22, 6)
    assert cal.figure.yaxis[0].ticker.ticks[0] == 6 and cal.figure.title.text == "Week two"
    hot = [r.data_source for r in cal.figure.renderers if r.data_source.data.get("tip") ==
           ["Choir"]]
    assert hot, "the clashing meeting is outlined"


def test_an_edit_on_the_plans_step_keeps_its_calendar_figure(app):
    s, plans = app.state, app.steps["Plans"]
    figure = plans.calendar.object
    n = len(plans.week_chart.frames.meetings)
    sid = next(x for x in s.plan.sections if x in set(s.plan_week().meetings["section_id"]))
    s.remove_section(sid)
    assert plans.calendar.object is figure
    assert len(plans.week_chart.frames.meetings) < n
    assert sid not in set(s.plan_week().meetings["section_id"])


def test_a_busy_time_added_shows_on_the_same_week_calendar(app):
    from workbench.domain.dataset import TimeBlock

    s, week = app.state, app.steps["Week"]
    figure = week.calendar.object
    n = len(week.week_chart.frames.busy)
    s.update_learner(commitments=[*s.learner.commitments, TimeBlock(("Sat",), 600, 660, "x")])
    assert week.calendar.object is figure and len(week.week_chart.frames.busy) == n + 1


def test_levels_from_the_browser_are_saved_and_nonsense_is_ignored(app):
    s, step = app.state, app.steps["Learner"]
    table = step.level_boxes
    cid = table.objects[0].competency_id
    new = (s.learner.level(cid) + 1) % 5
    table._handle_msg({"id": cid, "level": new})
    assert s.learner.level(cid) == new and table.values[cid] == new
    assert s.store.read_learner(s.learner_id).record.level(cid) == new
    for bad in ({"id": cid, "level": 9}, {"id": "nope", "level": 1}, "x", {"id": cid}):
        table._handle_msg(bad)
    assert s.learner.level(cid) == new
    # another area: the table's rows are that area's skills, drawn with the learner's levels
    step.area.value = step._areas[1]
    assert [r["id"] for r in table.rows] == list(step._level_widgets)
    assert table.values == {c: s.learner.level(c) for c in step._level_widgets}


def test_the_new_learner_form_is_built_when_first_opened(app):
    step = app.steps["Learner"]
    assert not step.new_form.objects and not hasattr(step, "new_name")
    step.show_new.value = True
    assert step.new_form.visible and step.new_name.value == ""
    step.show_new.value = False
    assert not step.new_form.visible


def test_a_served_session_builds_only_the_first_screen(tmp_path):
    app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", lazy=True)
    assert [type(v).__name__ for v in app.steps.built()] == ["LearnerStep"]
    app.state.step = "Plans"
    assert {type(v).__name__ for v in app.steps.built()} == {"LearnerStep", "PlansStep"}
