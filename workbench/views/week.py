"""Step 2 — Week: when the learner is free, how they travel, what they have at home, budget."""

from __future__ import annotations

import pandas as pd
import panel as pn

from ..domain.dataset import DAYS, TimeBlock
from ..domain.words import N_, NP_
from ..markup import attr, escape_text
from ..plots import WeekCalendar
from .imports import ImportBox
from .widgets import (
    WRAP,
    ClickableHTML,
    StepView,
    Tick,
    WholeNumberInput,
    held,
    rule,
    watch_when_shown,
    wrap_row,
)

#: Half-hour steps from 6 am to 11 pm, in minutes after midnight.
TIME_STEPS = tuple(range(6 * 60, 23 * 60 + 1, 30))
DEVICE_WORDS = {"none": N_("No computer or tablet"), "phone": N_("Only a phone"),
                "shared": N_("A shared family computer"),
                "own": N_("Their own computer or tablet")}
TRANSPORT_WORDS = {"walk": NP_("getting around", "Walking"), "bike": NP_("getting around", "Bike"),
                   "transit": NP_("getting around", "Bus or train"),
                   "car": NP_("getting around", "A car (their own or the family's)")}


def blocks_frame(blocks: list[TimeBlock]) -> pd.DataFrame:
    rows = [{"day": d, "start_min": b.start, "end_min": b.end, "label": b.label}
            for b in blocks for d in b.days]
    return pd.DataFrame(rows, columns=["day", "start_min", "end_min", "label"])


def transport_options(words) -> dict[str, str]:
    """How a learner can get around, label -> code, in the session's language."""
    return {words.marked(label): code for code, label in TRANSPORT_WORDS.items()}


class WeekStep(StepView):
    """The learner's week: free time on a weekly grid, travel, connectivity, hours and budget."""

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        w, _ = s.format, s.gettext
        self.max_hours = WholeNumberInput(label=_("Most hours of learning a week"), start=1,
                                          end=40, value=8, width=300)
        self.transport = pn.widgets.CheckBoxGroup(
            label=_("How can they get around?"), options=transport_options(w), inline=True,
            stylesheets=[WRAP], sizing_mode="stretch_width")
        self.max_travel = WholeNumberInput(label=_("Longest trip from home (minutes, one way)"),
                                           start=5, end=120, value=30, width=300)
        self.broadband = Tick(label=_("Internet at home good enough for video"))
        self.device = pn.widgets.Select(label=_("Computer at home"), width=300, options={
            w.marked(label): code for code, label in DEVICE_WORDS.items()})
        self.budget = WholeNumberInput(label=_("Budget for the year ($)"), start=0, end=100000,
                                       width=200)
        # each control edits its own field, and only when it differs from the learner's
        self._fields = {
            "max_hours_per_week": (self.max_hours, lambda v: None if v is None else float(v)),
            "transport": (self.transport, list),
            "max_travel_minutes": (self.max_travel, lambda v: None if v is None else int(v)),
            "home_broadband": (self.broadband, bool),
            "device": (self.device, lambda v: v),
            "budget": (self.budget, lambda v: None if v is None else float(v)),
        }
        for field, (widget, _convert) in self._fields.items():
            widget.param.watch(held(lambda e, field=field: self._field_changed(field, e.new)),
                               "value")

        self.block_days = pn.widgets.CheckButtonGroup(
            label=_("Days"), options={w.day_short(d): d for d in DAYS}, value=["Mon", "Wed"],
            color="primary", variant="outline",
            stylesheets=[WRAP, ":host .bk-btn-group{flex-wrap:wrap}"])
        times = {w.clock(m): m for m in TIME_STEPS}
        self.block_start = pn.widgets.Select(label=_("From"), options=times, value=15 * 60,
                                             width=140)
        self.block_end = pn.widgets.Select(label=_("To"), options=times, value=18 * 60,
                                           width=140)
        self.block_label = pn.widgets.TextInput(label=_("What is it? (for busy times)"),
                                                width=260, max_length=80,
                                                placeholder=_("e.g. Soccer practice"))
        self.add_free = pn.widgets.Button(label=_("Add free time"), color="primary")
        self.add_busy = pn.widgets.Button(label=_("Add busy time"))
        self.add_free.on_click(held(lambda _e: self._add_block("availability")))
        self.add_busy.on_click(held(lambda _e: self._add_block("commitments")))
        self.blocks = ClickableHTML(on_pick=held(self._picked), sizing_mode="stretch_width")
        self.upload = ImportBox(s.import_calendar, state=s, file_label=_("Calendar file"),
                                label=_("Or import the family's calendar (.ics from Google, "
                                        "Apple or Outlook)"), accept=".ics,.ical,.ifb")
        # the week as a picture in one HTML pane (plain SVG), its text replaced when it changes
        self.week_chart = WeekCalendar(height=420, font_size="16px")
        self.calendar = pn.pane.HTML("", sizing_mode="stretch_width", min_height=380)

        self._layout = pn.Column(
            pn.pane.Markdown("## " + _("The learner's week") + "\n" + _(
                "Green is free time; grey is busy. Plans are checked against this week. The "
                "list beside the calendar says the same in words."),
                sizing_mode="stretch_width"),
            wrap_row(
                pn.Column(self.calendar, sizing_mode="stretch_width", min_width=300,
                          styles={"flex": "2 1 420px"}),
                pn.Column(pn.pane.Markdown("### " + _("Free and busy times")), self.blocks,
                          pn.pane.Markdown("**" + _("Add a time") + "**"),
                          self.block_days,
                          wrap_row(self.block_start, self.block_end), self.block_label,
                          wrap_row(self.add_free, self.add_busy), self.upload,
                          sizing_mode="stretch_width", min_width=280, max_width=460,
                          styles={"flex": "1 1 300px"}),
            ),
            rule(),
            pn.pane.Markdown("### " + _("Getting there, being online, and money")),
            wrap_row(self.max_hours, self.max_travel, self.budget, self.device,
                     self.broadband),
            pn.pane.Markdown("**" + _("How can they get around?") + "**"),
            self.transport,
            sizing_mode="stretch_width",
        )
        watch_when_shown(self, "Week", self._sync, ["learner"])

    def _sync(self, *_):
        lr = self.state.learner
        if lr is None:
            return
        codes = set(TRANSPORT_WORDS)
        # the widgets' own watchers see the learner's values and change nothing
        self.max_hours.value = round(lr.max_hours_per_week)
        self.transport.value = [m for m in lr.transport if m in codes]
        self.max_travel.value = int(min(120, max(5, lr.max_travel_minutes)))
        self.broadband.value = bool(lr.home_broadband)
        self.device.value = lr.device if lr.device in DEVICE_WORDS else "none"
        self.budget.value = round(lr.budget)
        self._render_blocks()
        w = self.state.format
        self.week_chart.update(
            pd.DataFrame(columns=["day", "start_min", "end_min", "title"]),
            free=blocks_frame(lr.availability), busy=blocks_frame(lr.commitments),
            title=self.state.gettext("{name}: the week").format(name=lr.name), words=w)
        self.calendar.object = self.week_chart.svg

    def block_words(self, kind: str, block: TimeBlock) -> str:
        """"Free: Monday to Friday, 3 pm–7 pm" / "Busy: Friday, 5 pm–8:30 pm — Babysitting"."""
        w, _ = self.state.format, self.state.gettext
        text = (_("Free: {days}, {times}") if kind == "availability" else
                _("Busy: {days}, {times}")).format(days=w.days(block.days),
                                                   times=w.clock_span(block.start, block.end))
        if block.label:
            text = _("{time} — {what}").format(time=text, what=block.label)
        return text

    def _render_blocks(self):
        lr, _ = self.state.learner, self.state.gettext
        remove = _("Remove")
        items = []
        for kind in ("availability", "commitments"):
            for i, b in enumerate(getattr(lr, kind)):
                text = self.block_words(kind, b)
                name = _("Remove {time}").format(time=text)
                items.append(
                    f'<li><span class="wb-{kind}">{escape_text(text)}</span>'
                    f'<button type="button" data-pick="{kind}:{i}" aria-label="{attr(name)}">'
                    f"{escape_text(remove)}</button></li>")
        empty = _("No free time entered yet.")
        self.blocks.html = (f'<ul class="wb-rows">{"".join(items)}</ul>' if items else
                            f'<p class="wb-empty">{escape_text(empty)}</p>')

    def _picked(self, pick: str):
        kind, _sep, i = pick.partition(":")
        if kind in ("availability", "commitments") and i.isdigit():
            self._remove_block(kind, int(i))

    def _field_changed(self, field: str, value) -> None:
        lr = self.state.learner
        if lr is None:
            return
        value = self._fields[field][1](value)
        if value is None or getattr(lr, field) == value:
            return  # the control only caught up with the learner
        if field == "transport" and not value:
            self.state.error = self.state.gettext(
                "Choose at least one way of getting around (walking counts).")
            self.transport.value = [m for m in lr.transport if m in TRANSPORT_WORDS]
            return
        self.state.update_learner(**{field: value})

    def _add_block(self, kind: str):
        lr, _ = self.state.learner, self.state.gettext
        if lr is None:
            return
        if not self.block_days.value:
            self.state.error = _("Choose at least one day.")
            return
        if self.block_end.value <= self.block_start.value:
            self.state.error = _("The end time must be after the start time.")
            return
        block = TimeBlock(tuple(d for d in DAYS if d in self.block_days.value),
                          int(self.block_start.value), int(self.block_end.value),
                          self.block_label.value.strip() if kind == "commitments" else "")
        self.state.update_learner(**{kind: [*getattr(lr, kind), block]})

    def _remove_block(self, kind: str, i: int):
        lr = self.state.learner
        self.state.update_learner(**{kind: [b for j, b in enumerate(getattr(lr, kind))
                                            if j != i]})
