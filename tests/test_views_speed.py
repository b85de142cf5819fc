"""What makes sessions and edits cheap keeps working: calendars updated in place, the Learner
step's levels in one table, the new-learner form built only when opened, a lazy session that
builds only the first screen. (No timings here: speed is measured in benchmarks/.)"""

from __future__ import annotations

import re

import pandas as pd
import panel as pn
import pytest

from workbench import SAMPLE_DATA
from workbench.app import create_app
from workbench.plots import WeekCalendar


@pytest.fixture
def app(tmp_path):
    return create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", learner_id="L-maya")


def meetings(*rows):
    return pd.DataFrame(rows, columns=["day", "start_min", "end_min", "title", "section_id"])


def test_a_calendar_update_draws_the_new_week():
    cal = WeekCalendar()
    cal.update(meetings(("Mon", 600, 660, "Piano", "s1")), title="Week one")
    cal.update(meetings(("Tue", 6 * 60, 8 * 60, "Swim <b>", "s2"), ("Fri", 20 * 60, 22 * 60,
                                                                     "Choir", "s3")),
               highlight={"s3"}, title="Week two")
    svg = cal.svg
    assert "Piano" not in svg and "Week one" not in svg
    # one block per meeting, its words as a tooltip, text from data escaped
    assert "<title>Swim &lt;b&gt; 6 am–8 am</title>" in svg and "<b>" not in svg
    tue = re.search(r'<rect x="([\d.]+)%" width="([\d.]+)%"[^>]*><title>Swim', svg)
    assert float(tue.group(1)) == pytest.approx((1 - 0.42 + 0.5) / 7 * 100, abs=1e-3)
    assert float(tue.group(2)) == pytest.approx(0.84 / 7 * 100, abs=1e-3)
    # the hours follow the data (6 am to 10 pm), morning at the top; the title is the new one
    hours = re.findall(r'text-anchor="end">([^<]+)</text>', svg)
    assert hours[0] == "6 am" and hours[-1] == "10 pm"
    assert "<figcaption" in svg and "Week two</figcaption>" in svg
    assert svg.count('stroke="#C00000"') == 1, "the clashing meeting is outlined"


def test_an_edit_on_the_plans_step_redraws_its_calendar_in_place(app):
    s, plans = app.state, app.steps["Plans"]
    pane = plans.calendar
    n = len(plans.week_chart.frames.meetings)
    sid = next(x for x in s.plan.sections if x in set(s.plan_week().meetings["section_id"]))
    s.remove_section(sid)
    assert plans.calendar is pane and pane.object == plans.week_chart.svg
    assert len(plans.week_chart.frames.meetings) < n
    assert sid not in set(s.plan_week().meetings["section_id"])


def test_a_busy_time_added_shows_on_the_same_week_calendar(app):
    from workbench.domain.dataset import TimeBlock

    s, week = app.state, app.steps["Week"]
    pane = week.calendar
    n = len(week.week_chart.frames.busy)
    s.update_learner(commitments=[*s.learner.commitments, TimeBlock(("Sat",), 600, 660, "x")])
    assert week.calendar is pane and len(week.week_chart.frames.busy) == n + 1
    assert pane.object == week.week_chart.svg and "<title>x</title>" in pane.object


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


def test_the_page_document_works_out_its_models_once(tmp_path, monkeypatch):
    """Panel adds the page's roots one at a time; the document must not walk every model of
    the page after each one (it did a dozen times a session), yet end up holding them all."""
    from bokeh.document import Document
    from bokeh.document.models import DocumentModelManager
    from panel.io.state import set_curdoc

    walks = []
    recompute = DocumentModelManager.recompute
    monkeypatch.setattr(DocumentModelManager, "recompute",
                        lambda self: (walks.append(1), recompute(self))[1])
    doc = Document()
    with set_curdoc(doc):
        app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", lazy=True)
        page = app.servable_page()
        walks.clear()
        page.server_doc(doc)
    assert len(doc.roots) >= 9, "the shell, the glance and a place per step are roots"
    assert len(walks) == 1
    # every model of every root is known to the document (what the walk is for)
    ids = {m.id for root in doc.roots for m in root.references()}
    assert all(doc.get_model_by_id(i) is not None for i in ids)


def test_a_whole_session_document_passes_bokehs_checks(tmp_path):
    """``serve`` skips Bokeh's model checks for each new session (their cost); here they run on
    a session with every step built: no errors, and no warning but for hidden parts built
    when first opened (the new-learner form is an empty, hidden column until then)."""
    from bokeh.core.validation.check import check_integrity
    from bokeh.document import Document
    from panel.io.state import set_curdoc

    doc = Document()
    with set_curdoc(doc):
        app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", lazy=True)
        page = app.servable_page()
        page.server_doc(doc)
        while app.prebuild_one():
            pass
        issues = check_integrity(list(doc.models))
    assert len(app.steps.built()) == len(app.steps)
    assert issues.error == []
    def hidden_and_empty(warning):
        model = doc.get_model_by_id(warning.extra.split("id='")[1].split("'")[0])
        return warning.name == "EMPTY_LAYOUT" and not model.visible

    assert [w for w in issues.warning if not hidden_and_empty(w)] == []


def test_steps_are_built_ahead_only_once_the_page_is_loaded(tmp_path, monkeypatch):
    """A language from the page's address is taken up while the session is made, before the
    browser has its document; a step built ahead then never reached the page and stayed empty
    when shown (a quarter of Spanish pages, in Chromium, when Week was opened at once)."""
    from bokeh.document import Document
    from panel.io.state import set_curdoc

    from workbench.app import WorkbenchApp

    started, later = [], []
    monkeypatch.setattr(WorkbenchApp, "_prebuild_later",
                        lambda self, doc, wait_s, chain=None: started.append(wait_s))
    # as served: what waits for the page's load runs when the browser says it has loaded
    monkeypatch.setattr(pn.state, "onload", lambda callback, threaded=False:
                        later.append(callback))
    with set_curdoc(Document()):
        app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", lazy=True)
        app.state.language = "es"
        assert started == [] and later
        for callback in later:
            callback()
        assert len(started) == 1
        app.state.language = "en"  # a switch on a loaded page builds ahead again
        assert len(started) == 2


def test_served_the_boxes_about_the_learner_join_the_page_with_the_rest(tmp_path):
    """Served, the Learner step's first screen is who; the boxes about them (name to
    supportive adults) join the page with goals and levels once it has loaded, showing the
    learner as they are then. In a notebook they are there at once."""
    app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", lazy=True)
    step, s = app.steps["Learner"], app.state

    def on_page(widget):
        return any(w is widget for w in step.__panel__().select(type(widget)))

    assert on_page(step.picker)
    assert not any(on_page(w) for w in (step.learner_name, step.grade, step.interests,
                                         step.strengths, step.adults))
    s.learner_id = next(i for i in s.param.learner_id.objects if i != s.learner_id)
    assert app.prebuild_one() == "Learner" and step.finished
    assert all(on_page(w) for w in (step.learner_name, step.grade, step.home_zone,
                                    step.language, step.pathway, step.interests,
                                    step.strengths, step.adults, step.goal_comp))
    assert step.learner_name.value == s.learner.name
    assert step.interests.value == list(s.learner.interests)
    texts = [str(getattr(o, "object", "")) for o in step.__panel__().objects]
    assert not any("wb-coming" in t for t in texts)  # the line standing in for them went
    # the order on the page: who, then about them, then goals
    objects = step.__panel__().objects
    about = next(i for i, o in enumerate(objects) if o is step.interests)
    goals = next(i for i, o in enumerate(objects)
                 if any(w is step.goal_comp for w in o.select(pn.widgets.Select)))
    assert 0 < about < goals
    notebook = create_app(SAMPLE_DATA, tmp_path / "wb2.sqlite").steps["Learner"]
    assert any(w is notebook.learner_name
               for w in notebook.__panel__().select(pn.widgets.TextInput))


def test_steps_are_built_ahead_hidden_in_the_order_a_family_goes(tmp_path):
    app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", lazy=True)
    order = []
    learner = app.steps["Learner"]
    assert not learner.finished, "served, the first step comes with its first screen only"
    while (name := app.prebuild_one()) is not None:
        order.append(name)
        place = app.places[name]
        assert place.objects == [app.steps[name].__panel__()]
        assert app.steps[name].finished
        assert place.styles.get("display") == ("" if name == "Learner" else "none"), \
            "built ahead, not shown"
        assert app.state.step == "Learner"
    # the rest of the step on screen first, then the steps after it
    assert order == ["Learner", "Week", "Opportunities", "Plans", "Compare", "Share"]
    assert app.steps["Learner"] is learner
    # shown later, the step built ahead is the one on the page (nothing is built again)
    compare = app.steps["Compare"]
    app.state.step = "Compare"
    assert app.steps["Compare"] is compare
    assert app.places["Compare"].objects == [compare.__panel__()]
    assert app.places["Compare"].styles.get("display") == ""
    # from the middle, the steps after it come first, then the ones before it
    app2 = create_app(SAMPLE_DATA, tmp_path / "wb2.sqlite", lazy=True)
    app2.state.step = "Plans"
    assert [app2.prebuild_one() for _ in range(6)] == ["Compare", "Share", "Learner", "Week",
                                                       "Opportunities", None]


def test_a_step_built_ahead_catches_up_with_edits_made_before_it_is_shown(tmp_path):
    app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", learner_id="L-maya", lazy=True)
    s = app.state
    while app.next_to_build() != "Plans":
        app.prebuild_one()
    app.prebuild_one()
    plans = app.steps["Plans"]
    sid = s.plan.sections[0]
    title = s.catalogue.section_table.loc[sid, "title"]
    drawn = plans.week_chart.svg
    s.remove_section(sid)            # on the Learner step, the Plans step hidden
    assert plans.week_chart.svg == drawn, "a hidden step is not redrawn on every edit"
    s.step = "Plans"
    assert sid not in set(s.plan_week().meetings["section_id"])
    assert plans.week_chart.svg != drawn and str(title) not in plans.week_chart.svg


class _Session:
    connection_count = 1


class _Context:
    session = _Session()


class _Doc:
    """What the idle build-ahead asks of a served document: a session with its page's
    connections, and a timer (whose waits are kept, not run)."""

    def __init__(self):
        self.session_context, self.waits = _Context(), []

    def add_timeout_callback(self, callback, ms):
        self.waits.append((callback, ms))


def test_the_build_ahead_waits_while_the_server_is_busy_and_stops_when_the_page_goes(
        tmp_path, monkeypatch):
    import time

    from workbench.app import PREBUILD_AFTER_S, PREBUILD_BUSY_LATE_S

    app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", lazy=True)
    doc = _Doc()
    # built outside the (stand-in) served document; building itself is tested above, and in
    # a real page by tests/ui/test_phone_spanish.py
    monkeypatch.setattr(app, "_prebuild_in", lambda _doc: app.prebuild_one())
    app._prebuild_later(doc, PREBUILD_AFTER_S)
    chain = app._prebuild_chain
    assert [ms for _, ms in doc.waits] == [PREBUILD_AFTER_S * 1000]
    # the rest of the step on screen is built even when its wait ran late (a busy server
    # only puts off the steps built ahead)
    assert not app.steps["Learner"].finished
    app._prebuild_tick(doc, time.monotonic() - 10 * PREBUILD_BUSY_LATE_S, 1.0, chain)
    assert app.steps["Learner"].finished and len(app.steps.built()) == 1
    assert doc.waits[-1][1] == PREBUILD_AFTER_S * 1000
    # the wait ran late (other sessions kept the server busy): nothing built, a longer wait
    app._prebuild_tick(doc, time.monotonic() - 10 * PREBUILD_BUSY_LATE_S, 1.0, chain)
    assert app.steps.built() and len(app.steps.built()) == 1
    assert doc.waits[-1][1] == 2000
    # on time: one step built, the next wait is the usual one
    app._prebuild_tick(doc, time.monotonic() + 1.0, 2.0, chain)
    assert app.steps.is_built("Week") and not app.steps.is_built("Opportunities")
    assert doc.waits[-1][1] == PREBUILD_AFTER_S * 1000
    # a newer chain (a new language) ends this one; a page that has gone ends every chain
    app._prebuild_later(doc, PREBUILD_AFTER_S)
    app._prebuild_tick(doc, time.monotonic() + 1.0, 1.0, chain)
    assert not app.steps.is_built("Opportunities")
    n = len(doc.waits)
    doc.session_context = type("Gone", (), {"session": type("S", (), {"connection_count": 0})})
    app._prebuild_tick(doc, time.monotonic() + 1.0, 1.0, app._prebuild_chain)
    assert not app.steps.is_built("Opportunities") and len(doc.waits) == n


def test_what_can_wait_waits_while_new_sessions_wait_for_their_turn(tmp_path, monkeypatch):
    """While new sessions wait to be built (``_OneNewSessionAtATime``), a page already
    loaded builds neither the rest of its first step nor any step ahead: it looks again
    ``FINISH_RETRY_S`` later, and builds once none wait."""
    import asyncio
    import time

    import workbench.app as wa

    app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", lazy=True)
    doc = _Doc()
    monkeypatch.setattr(app, "_prebuild_in", lambda _doc: app.prebuild_one())
    keeper, loop = wa._OneNewSessionAtATime(), asyncio.new_event_loop()
    try:
        turn = loop.create_future()
        keeper._waiting.append(turn)
        assert wa.new_sessions_waiting()
        app._page_loaded = True
        app._prebuild_later(doc, wa.FINISH_AFTER_S)
        chain = app._prebuild_chain
        app._prebuild_tick(doc, time.monotonic() + 1.0, wa.FINISH_AFTER_S, chain)
        assert not app.steps["Learner"].finished
        assert doc.waits[-1][1] == wa.FINISH_RETRY_S * 1000
        turn.set_result(None)  # its turn came: nobody waits
        assert not wa.new_sessions_waiting()
        app._prebuild_tick(doc, time.monotonic() + 1.0, wa.FINISH_RETRY_S, chain)
        assert app.steps["Learner"].finished
        # steps ahead wait too, and for longer each time
        keeper._waiting.append(loop.create_future())
        app._prebuild_tick(doc, time.monotonic() + 1.0, 1.0, chain)
        assert not app.steps.is_built("Week") and doc.waits[-1][1] == 2000
    finally:
        for t in keeper._waiting:
            t.cancel()
        loop.close()


def test_the_page_is_the_same_as_with_panels_own_config_set(tmp_path, monkeypatch):
    """While the page's document is built, ``pn.config.set`` puts back only what it set
    (``_config_set_names_only``, for its cost): the page has the same models, styles and
    classes as with Panel's own, and Panel's own is back afterwards, even after an error."""
    import contextlib

    from bokeh.document import Document
    from panel.io.state import set_curdoc

    import workbench.app as wa

    def page_models():
        doc = Document()
        with set_curdoc(doc):
            create_app(SAMPLE_DATA, tmp_path / "wb.sqlite", lazy=True).servable_page() \
                .server_doc(doc)
        return sorted(
            (type(m).__name__, tuple(getattr(s, "url", None) or str(s)
                                     for s in getattr(m, "stylesheets", None) or []),
             tuple(getattr(m, "css_classes", None) or []), str(getattr(m, "sizing_mode", "")))
            for m in doc.models)

    panels_set = type(pn.config).set
    ours = page_models()
    assert type(pn.config).set is panels_set
    monkeypatch.setattr(wa, "_config_set_names_only", contextlib.nullcontext)
    assert page_models() == ours
    monkeypatch.undo()

    sizing = pn.config.sizing_mode
    with pytest.raises(RuntimeError), wa._config_set_names_only():
        with pn.config.set(sizing_mode="stretch_both"):
            assert pn.config.sizing_mode == "stretch_both"
        assert pn.config.sizing_mode == sizing
        raise RuntimeError
    assert type(pn.config).set is panels_set
