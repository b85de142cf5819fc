"""Step 4 — Plans: up to five named plans; what would break the plan, beside (on a phone: above)
its weekly calendar, one term at a time.

What would break the plan comes first, in plain words, with what could help; where another group
of the same programme would fit, one click makes the swap. Every piece has a Remove button that
names its day, time, dates and cost. Deleting a plan asks first and can be undone.
"""

from __future__ import annotations

import datetime as dt

import panel as pn
import param

from ..domain.feasibility import problem_text
from ..domain.terms import section_words
from ..domain.words import capitalize
from ..markup import attr, escape_text
from ..plots import WeekCalendar, short_plan_label
from ..state import MAX_PLANS
from .opportunities import CONTROL_CSS, FIELD_CSS
from .suggest import SuggestPlans
from .widgets import ClickableTable, StepView, held, watch_when_shown, wrap_row

#: Problems, fixes and the plan's pieces (inside their lists' own shadow roots).
LIST_CSS = """
:host{display:block;width:100%;font-size:16px;line-height:1.4}
.wb-ok{background:#e6f4ea;border-left:5px solid #0b6b3a;padding:.6rem .8rem;border-radius:4px}
.wb-problems{background:#fff4e5;border-left:5px solid #b54708;padding:.6rem .8rem;
border-radius:4px}
.wb-problems ul,.wb-pieces{margin:.3rem 0 0 0;padding:0;list-style:none}
.wb-problems li{margin:.5rem 0;overflow-wrap:anywhere}
.wb-fix{color:#0b4f8a;margin-top:.15rem}
.wb-pieces li{border-bottom:1px solid #e1e4e8;padding:.5rem 0;overflow-wrap:anywhere}
.wb-meta{color:#333}
button{font:inherit;min-height:44px;padding:.35rem .8rem;border-radius:6px;cursor:pointer;
text-align:left;white-space:normal;margin-top:.35rem;max-width:100%}
button.wb-swap{background:#0b4f8a;color:#fff;border:1px solid #0b4f8a}
button.wb-remove{background:#f1f3f5;color:#1b1b1b;border:1px solid #6c757d}
button:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
details summary{cursor:pointer;min-height:44px;display:flex;align-items:center;font-weight:600}
"""


def problems_html(problems, catalogue, words=None, swaps=None) -> str:
    """The problems of a plan as an accessible HTML list (all text escaped), each with what
    could help and, where ``swaps`` (section -> [(new section, button words)]) offers one, a
    button that makes the swap."""
    from ..domain.words import ENGLISH

    w = words or ENGLISH
    _ = w.gettext
    swaps = swaps or {}
    if not problems:
        return ('<div class="wb-ok" role="status"><b>' + escape_text(_("No problems found."))
                + "</b> " + escape_text(_("This plan fits the learner's week, travel, budget "
                                          "and needs.")) + "</div>")
    items, offered = [], set()
    for p in problems:
        text = problem_text(p, w)
        helps = _("What could help:")
        fix = (f'<div class="wb-fix">{escape_text(helps)} '
               f"{escape_text(text.fix)}</div>") if text.fix else ""
        buttons = ""
        for sid in p.sections:
            for new, label in swaps.get(sid, ()):
                if (sid, new) in offered:
                    continue
                offered.add((sid, new))
                buttons += (f'<div><button type="button" class="wb-swap" '
                            f'data-pick="swap:{attr(sid)}:{attr(new)}">{escape_text(label)}'
                            "</button></div>")
        items.append(f"<li><b>{escape_text(text.title)}</b>: {escape_text(text.message)}"
                     f"{fix}{buttons}</li>")
    n = len(problems)
    head = w.ngettext("{n} thing would break this plan:", "{n} things would break this plan:",
                      n).format(n=n)
    return (f'<div class="wb-problems" role="status"><b>{escape_text(head)}</b>'
            f"<ul>{''.join(items)}</ul></div>")


class PlansStep(StepView):
    """Create, duplicate, rename and delete plans; see what would break it and its week."""

    term = param.Selector(default=0, objects=[0], doc="Which term of the plan the calendar "
                          "shows (an index into state.plan_terms()).")
    confirming = param.Boolean(default=False, doc="Waiting for 'yes, delete' on the plan.")

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        _ = s.gettext
        # the picker shows plan names; its value is the state's plan_id (one source of truth)
        self.picker = pn.widgets.Select.from_param(
            s.param.plan_id, name=_("Plan"), description=None, sizing_mode="stretch_width",
            max_width=360,
            stylesheets=[FIELD_CSS])
        self.new = pn.widgets.Button(name=_("New plan"), stylesheets=[CONTROL_CSS])
        self.duplicate = pn.widgets.Button(name=_("Duplicate plan"), stylesheets=[CONTROL_CSS])
        self.delete = pn.widgets.Button(name=_("Delete plan"), color="danger",
                                        stylesheets=[CONTROL_CSS])
        self.rename_to = pn.widgets.TextInput(name=_("Plan name"), max_length=80,
                                              sizing_mode="stretch_width", max_width=360,
                                              stylesheets=[FIELD_CSS])
        self.rename = pn.widgets.Button(name=_("Rename plan"), stylesheets=[CONTROL_CSS])
        self.new.on_click(held(lambda _e: s.new_plan()))
        self.duplicate.on_click(held(lambda _e: s.duplicate_plan()))
        self.delete.on_click(held(lambda _e: setattr(self, "confirming", True)))
        self.rename.on_click(held(lambda _e: s.rename_plan(self.rename_to.value)))
        # deleting asks first, and can be undone right after
        self.confirm_words = pn.pane.HTML("", sizing_mode="stretch_width",
                                          stylesheets=[":host{font-size:16px}"])
        self.yes_delete = pn.widgets.Button(name=_("Yes, delete it"), color="danger",
                                            stylesheets=[CONTROL_CSS])
        self.keep = pn.widgets.Button(name=_("No, keep it"), stylesheets=[CONTROL_CSS])
        self.yes_delete.on_click(held(self._delete))
        self.keep.on_click(held(lambda _e: setattr(self, "confirming", False)))
        self.confirm_row = wrap_row(self.confirm_words, self.yes_delete, self.keep,
                                    visible=False, align="center")
        self.undo = pn.widgets.Button(name="", color="primary", visible=False,
                                      stylesheets=[CONTROL_CSS])
        self.undo.on_click(held(lambda _e: s.undo_delete_plan()))
        self.problems = ClickableTable(on_pick=held(self._picked), sizing_mode="stretch_width",
                                       stylesheets=[LIST_CSS])
        self.totals = pn.pane.HTML(sizing_mode="stretch_width",
                                   stylesheets=[":host{font-size:16px}"])
        self.sections = ClickableTable(on_pick=held(self._picked), sizing_mode="stretch_width",
                                       stylesheets=[LIST_CSS])
        self.terms = pn.widgets.RadioButtonGroup.from_param(
            self.param.term, name=_("Which weeks"), description=None, color="primary",
            variant="outline", sizing_mode="stretch_width",
            stylesheets=[CONTROL_CSS + ":host .bk-btn-group{flex-wrap:wrap}"])
        self.term_words = pn.pane.HTML(sizing_mode="stretch_width",
                                       stylesheets=[":host{font-size:16px}"])
        # the plan's week as a picture in one HTML pane (plain SVG), its text replaced on edits
        self.week_chart = WeekCalendar(height=420)
        self.calendar = pn.pane.HTML("", sizing_mode="stretch_width", min_height=420,
                                     min_width=300)
        # the calendar in words: what a screen reader reads, and a phone can read at any size
        self.week_words = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[LIST_CSS])
        self.heading = pn.pane.HTML(
            "<h2>" + escape_text(_("Plans")) + "</h2><p>" + escape_text(s.ngettext(
                "A learner can have up to {n} plan. What would break it updates as soon as it "
                "changes.", "A learner can have up to {n} plans. What would break it updates as "
                "soon as it changes.", MAX_PLANS).format(n=MAX_PLANS)) + "</p>",
            sizing_mode="stretch_width", stylesheets=[":host{font-size:16px}"])
        self._layout = pn.Column(
            self.heading,
            wrap_row(self.picker, self.new, self.duplicate, self.delete, align="end"),
            self.confirm_row, self.undo,
            wrap_row(self.rename_to, self.rename, align="end"),
            wrap_row(
                # what would break the plan first: beside the calendar, or above it on a phone
                pn.Column(self.problems, self.totals,
                          pn.pane.HTML("<h3>" + escape_text(_("In this plan")) + "</h3>",
                                       stylesheets=[":host{font-size:16px}"]),
                          self.sections, sizing_mode="stretch_width", min_width=300,
                          max_width=480, styles={"flex": "1 1 320px"}),
                pn.Column(self.term_words, self.terms, self.calendar, self.week_words,
                          sizing_mode="stretch_width", min_width=300,
                          styles={"flex": "2 1 420px"}),
            ),
            SuggestPlans(state=s, lazy=self.lazy),
            sizing_mode="stretch_width",
        )
        self.param.watch(held(self._confirm_changed), "confirming")
        self.param.watch(held(lambda _e: self._draw_calendar()), "term")
        watch_when_shown(self, "Plans", self._sync,
                         ["problems", "plans", "plan_id", "ledgers", "deleted_plan"])

    # ---- what the step shows ---------------------------------------------------------------
    def _sync(self, *_):
        s = self.state
        _ = s.gettext
        # one edit reaches here twice (its derived results, then the plans themselves): the
        # second time nothing it shows has changed (every record is replaced, never mutated)
        seen = (s.learner, s.plans, s.plan_id, s.problems, s.ledgers, s.deleted_plan)
        last = getattr(self, "_synced", None)
        if last is not None and all(a is b for a, b in zip(last, seen, strict=True)):
            return
        self._synced = seen
        # the picker's value is bound to state.plan_id; its labels are the plans' names
        self.picker.options = s.plan_choices()
        if self.picker.value != s.plan_id:
            self.picker.value = s.plan_id
        self.rename_to.value = s.plan.name if s.plan else ""
        self.new.disabled = len(s.plans) >= MAX_PLANS or s.learner is None
        self.duplicate.disabled = s.plan is None or len(s.plans) >= MAX_PLANS
        self.delete.disabled = s.plan is None
        self.confirming = False
        self.undo.visible = bool(s.deleted_plan)
        if s.deleted_plan:
            self.undo.name = _("Undo: bring back {plan}").format(plan=s.deleted_plan)
        self._render()

    def _render(self):
        s, lr, plan = self.state, self.state.learner, self.state.plan
        w, _ = s.format, s.gettext
        if lr is None:
            return
        self.problems.html = problems_html(s.problems, s.catalogue, w, self._swaps())
        ledger = s.ledgers.get(plan.plan_id) if plan else None
        if ledger:
            self.totals.object = "<p>" + escape_text(_(
                "About {hours} of learning a week (the most in one week: {most}), {travel} of "
                "travel a week, {cost} in all.").format(
                hours=w.hours(ledger["hours_per_week"]), most=w.hours(
                    ledger["max_hours_per_week"]),
                travel=w.duration(ledger["travel_minutes_per_week"]),
                cost=w.money(ledger["cost"]))) + "</p>"
        else:
            self.totals.object = ""
        items = []
        for sid in (plan.sections if plan else []):
            if sid not in s.catalogue.section_table.index:
                continue
            sw = section_words(s.catalogue, sid, w)
            remove = _("Remove {piece}").format(piece=sw.label(w))
            items.append(
                f"<li><b>{escape_text(sw.title)}</b><div class=\"wb-meta\">"
                f"{escape_text(sw.provider)} · {escape_text(sw.when)} · "
                f"{escape_text(sw.dates)} · {escape_text(sw.cost)}</div>"
                f"<button type=\"button\" class=\"wb-remove\" "
                f"data-pick=\"remove:{attr(sid)}\">"
                f"{escape_text(remove)}</button></li>")
        self.sections.html = (f'<ul class="wb-pieces">{"".join(items)}</ul>' if items else
                              "<p><i>" + escape_text(_("Nothing in this plan yet. Add "
                                                       "opportunities on the Opportunities "
                                                       "step.")) + "</i></p>")
        self._choose_term()
        self._draw_calendar()

    def _swaps(self) -> dict[str, list[tuple[str, str]]]:
        """For each piece a problem offers "another group would fit" for: the groups that
        would, with the words of the button that makes the swap."""
        s = self.state
        w, _ = s.format, s.gettext
        out: dict[str, list[tuple[str, str]]] = {}
        for p in s.problems:
            if not any(h.key == "other_group" for h in p.helps):
                continue
            for sid in p.sections:
                if sid in out:
                    continue
                choices = s.swap_choices(sid)
                if choices:
                    out[sid] = [(new, _("Switch to the group {when}, {dates}").format(
                        when=section_words(s.catalogue, new, w).when,
                        dates=section_words(s.catalogue, new, w).dates) + " — "
                        + section_words(s.catalogue, sid, w).title) for new in choices]
        return out

    def _choose_term(self) -> None:
        """The term picker's choices for this plan; the term running today first chosen."""
        s = self.state
        terms = s.plan_terms()
        self._terms = terms
        labels = {t.label(s.format): i for i, t in enumerate(terms)} or {"": 0}
        today = dt.date.today()
        now = next((i for i, t in enumerate(terms) if t.start <= today <= t.end), 0)
        keep = self.term if isinstance(self.term, int) and self.term < len(terms) else now
        with param.parameterized.discard_events(self):
            self.param.term.objects = labels
            self.term = keep if len(terms) > 1 else 0
        if self.terms.options != labels:  # re-sent, the buttons are drawn and laid out again
            self.terms.options = labels
        self.terms.value = self.term
        self.terms.visible = len(terms) > 1
        _ = s.gettext
        if len(terms) > 1:
            self.term_words.object = "<p>" + escape_text(_(
                "The pieces of this plan start and end at different dates. Choose which weeks "
                "to see:")) + "</p>"
        else:
            self.term_words.object = ""

    def _draw_calendar(self) -> None:
        s, plan = self.state, self.state.plan
        if s.learner is None:
            return
        w, _ = s.format, s.gettext
        terms = getattr(self, "_terms", [])
        term = terms[self.term] if terms and isinstance(self.term, int) and \
            self.term < len(terms) else None
        # one edit reaches _sync twice (the plan, then its derived results): the picture is
        # redrawn only when what it shows changed (drawing it is most of an edit's server time)
        drawn = (s.learner, plan, s.problems)  # compared by identity: records are replaced
        key = (None if term is None else term.label(w), s.language)
        last = getattr(self, "_drawn", None)
        if last is not None and last[1] == key and all(
                a is b for a, b in zip(last[0], drawn, strict=True)):
            return
        self._drawn = (drawn, key)
        week = s.plan_week(term=term)
        name = short_plan_label(plan.name) if plan else _("No plan yet")
        # the weeks shown are the picker's (and the list's below): a title a phone can show
        title = _("{plan} — a typical week").format(plan=name)
        self.week_chart.update(
            week.meetings, week.trips, free=week.free, busy=week.busy, title=title,
            highlight={sid for p in s.problems if p.kind in ("time_conflict", "travel_time",
                                                             "unavailable") for sid in p.sections},
            words=w)
        self.calendar.object = self.week_chart.svg
        self.week_words.object = self._week_words(week, term)

    def _week_words(self, week, term) -> str:
        """The week the calendar draws, day by day, as a list (the picture's text)."""
        s = self.state
        w, _ = s.format, s.gettext
        days = []
        m = week.meetings.sort_values(["start_min"], kind="stable")
        # each day's meetings in time order, the days in the order they first come
        by_day: dict[str, list[str]] = {day: [] for day in week.meetings["day"]}
        for title, day, start, end in zip(m["title"], m["day"], m["start_min"], m["end_min"],
                                          strict=True):
            by_day[day].append(_("{title} {times}").format(
                title=title, times=w.clock_span(start, end)))
        for day, items in by_day.items():
            days.append(f"<li><b>{escape_text(capitalize(w.day(day)))}</b>: "
                        f"{escape_text(w.join(items))}</li>")
        if not days:
            return ""
        summary = _("The week in words") if term is None else _(
            "The week in words, {weeks}").format(weeks=term.label(w))
        return (f"<details><summary>{escape_text(summary)}</summary>"
                f'<ul class="wb-pieces">{"".join(days)}</ul></details>')

    # ---- actions ---------------------------------------------------------------------------
    def _confirm_changed(self, event) -> None:
        s = self.state
        _ = s.gettext
        self.confirm_row.visible = bool(event.new) and s.plan is not None
        if event.new and s.plan is not None:
            n = len(s.plan.sections)
            self.confirm_words.object = "<p role=\"alert\"><b>" + escape_text(s.ngettext(
                "Delete {plan} and its {n} piece? You can undo it right after.",
                "Delete {plan} and its {n} pieces? You can undo it right after.", n).format(
                plan=s.plan.name, n=n)) + "</b></p>"
            self.yes_delete.name = _("Yes, delete {plan}").format(plan=s.plan.name)

    def _delete(self, _event=None) -> None:
        self.confirming = False
        self.state.delete_plan()

    def _picked(self, pick: str) -> None:
        s = self.state
        action, *ids = pick.split(":")
        plan = s.plan
        if plan is None:
            return
        if action == "remove" and ids and ids[0] in plan.sections:
            s.remove_section(ids[0])
        elif action == "swap" and len(ids) == 2 and ids[1] in s.swap_choices(ids[0]):
            s.swap_section(ids[0], ids[1])

