"""Step 2 — Week: when the learner is free, how they travel, what they have at home, budget."""

from __future__ import annotations

import pandas as pd
import panel as pn

from ..domain.dataset import DAY_NAMES, DAYS, TimeBlock, format_minutes
from ..markup import escape_text
from ..plots import week_calendar
from .imports import ImportBox
from .widgets import WRAP, StepView, Tick, WholeNumberInput, held, rule, watch_when_shown

TIMES = {format_minutes(m): m for m in range(6 * 60, 23 * 60 + 1, 30)}
DEVICE_WORDS = {"No computer or tablet": "none", "Only a phone": "phone",
                "A shared family computer": "shared", "Their own computer or tablet": "own"}
TRANSPORT_WORDS = {"Walking": "walk", "Bike": "bike", "Bus or train": "transit",
                   "A car (self or family)": "car"}


def blocks_frame(blocks: list[TimeBlock]) -> pd.DataFrame:
    rows = [{"day": d, "start_min": b.start, "end_min": b.end, "label": b.label}
            for b in blocks for d in b.days]
    return pd.DataFrame(rows, columns=["day", "start_min", "end_min", "label"])


class WeekStep(StepView):
    """The learner's week: free time on a weekly grid, travel, connectivity, hours and budget."""


    def __init__(self, **params):
        super().__init__(**params)
        self._syncing = False
        self.max_hours = WholeNumberInput(label="Most hours of learning per week", start=1,
                                              end=40, value=8, width=300)
        self.transport = pn.widgets.CheckBoxGroup(label="How can they get around?",
                                                  options=TRANSPORT_WORDS, inline=True, stylesheets=[WRAP])
        self.max_travel = WholeNumberInput(label="Longest trip from home (minutes, one way)",
                                               start=5, end=120, value=30, width=300)
        self.broadband = Tick(label="Internet at home good enough for video")
        self.device = pn.widgets.Select(label="Computer at home", options=DEVICE_WORDS,
                                        width=260)
        self.budget = WholeNumberInput(label="Budget for the year ($)", start=0, end=100000,
                                          width=180)
        for w in (self.max_hours, self.transport, self.max_travel, self.broadband, self.device,
                  self.budget):
            w.param.watch(held(self._changed), "value")

        self.block_days = pn.widgets.CheckButtonGroup(label="Days", options=list(DAYS),
                                                      value=["Mon", "Wed"])
        self.block_start = pn.widgets.Select(label="From", options=TIMES, value=15 * 60,
                                             width=110)
        self.block_end = pn.widgets.Select(label="To", options=TIMES, value=18 * 60, width=110)
        self.block_label = pn.widgets.TextInput(label="What is it? (for busy times)", width=220,
                                                placeholder="e.g. Soccer practice")
        self.add_free = pn.widgets.Button(label="Add free time")
        self.add_busy = pn.widgets.Button(label="Add busy time")
        self.add_free.on_click(held(lambda _e: self._add_block("availability")))
        self.add_busy.on_click(held(lambda _e: self._add_block("commitments")))
        self.blocks = pn.Column(sizing_mode="stretch_width")
        self.upload = ImportBox(self.state.import_calendar, state=self.state,
                                file_label="Calendar file",
                                label="Or import the family's calendar (.ics from Google, "
                                "Apple or Outlook)", accept=".ics,.ical,.ifb")
        self.calendar = pn.pane.HoloViews(sizing_mode="stretch_width", min_height=380)

        self._layout = pn.Column(
            pn.pane.Markdown("## The learner's week\nGreen is free time; grey is busy. "
                             "Plans are checked against this week."),
            pn.FlexBox(
                pn.Column(self.calendar, sizing_mode="stretch_width", min_width=320),
                pn.Column(pn.pane.Markdown("### Free and busy times"), self.blocks,
                          pn.pane.Markdown("**Add a time**"), self.block_days,
                          pn.FlexBox(self.block_start, self.block_end), self.block_label,
                          pn.FlexBox(self.add_free, self.add_busy), self.upload,
                          sizing_mode="stretch_width", min_width=300, max_width=440),
                sizing_mode="stretch_width",
            ),
            rule(),
            pn.pane.Markdown("### Getting there, being online, and money"),
            pn.FlexBox(self.max_hours, self.max_travel, self.budget, self.device,
                       self.broadband, pn.Column(pn.pane.Markdown("How can they get around?"),
                                                 self.transport)),
            sizing_mode="stretch_width",
        )
        watch_when_shown(self, "Week", self._sync, ["learner"])

    def _sync(self, *_):
        lr = self.state.learner
        if lr is None:
            return
        self._syncing = True
        try:
            self.max_hours.value = round(lr.max_hours_per_week)
            self.transport.value = [m for m in lr.transport if m in TRANSPORT_WORDS.values()]
            self.max_travel.value = int(min(120, max(5, lr.max_travel_minutes)))
            self.broadband.value = bool(lr.home_broadband)
            self.device.value = lr.device if lr.device in DEVICE_WORDS.values() else "none"
            self.budget.value = round(lr.budget)
            self._render_blocks()
            self.calendar.object = week_calendar(
                pd.DataFrame(columns=["day", "start_min", "end_min", "title"]),
                free=blocks_frame(lr.availability), busy=blocks_frame(lr.commitments),
                title=f"{lr.name}'s week")
        finally:
            self._syncing = False

    def _render_blocks(self):
        lr = self.state.learner
        rows = []
        for kind, blocks, word in (("availability", lr.availability, "Free"),
                                   ("commitments", lr.commitments, "Busy")):
            for i, b in enumerate(blocks):
                days = ", ".join(DAY_NAMES[d] for d in b.days)
                label = f" — {escape_text(b.label)}" if b.label else ""
                btn = pn.widgets.Button(label=f"Remove {word.lower()} time {i + 1}",
                                        color="light", width=150)
                btn.on_click(held(lambda _e, kind=kind, i=i: self._remove_block(kind, i)))
                rows.append(pn.FlexBox(pn.pane.HTML(
                    f"<b>{word}</b> {days}, {format_minutes(b.start)}–{format_minutes(b.end)}"
                    f"{label}", sizing_mode="stretch_width"), btn, sizing_mode="stretch_width"))
        self.blocks.objects = rows or [pn.pane.Markdown("*No free time entered yet.*")]

    def _changed(self, _):
        if self._syncing or self.state.learner is None:
            return
        self.state.update_learner(
            max_hours_per_week=float(self.max_hours.value),
            transport=list(self.transport.value) or ["walk"],
            max_travel_minutes=int(self.max_travel.value),
            home_broadband=bool(self.broadband.value), device=self.device.value,
            budget=float(self.budget.value or 0),
        )

    def _add_block(self, kind: str):
        lr = self.state.learner
        if lr is None:
            return
        if not self.block_days.value:
            self.state.error = "Choose at least one day."
            return
        if self.block_end.value <= self.block_start.value:
            self.state.error = "The end time must be after the start time."
            return
        block = TimeBlock(tuple(d for d in DAYS if d in self.block_days.value),
                          int(self.block_start.value), int(self.block_end.value),
                          self.block_label.value.strip() if kind == "commitments" else "")
        self.state.update_learner(**{kind: [*getattr(lr, kind), block]})

    def _remove_block(self, kind: str, i: int):
        lr = self.state.learner
        self.state.update_learner(**{kind: [b for j, b in enumerate(getattr(lr, kind))
                                            if j != i]})
