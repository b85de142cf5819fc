"""Step 3 — Opportunities: the whole catalogue, filtered, each row saying whether it still fits,
which goals it practises, and adding it in one click.

The filters are a ``CatalogueFilter`` (``workbench.filters``); the widgets here are bound to its
Parameters with ``from_param``. Rows are cards (no sideways scrolling on a phone): title, when,
dates, provider, how it is taught, grades, cost, trip and seats, the learner's goals it practises,
and why it would not fit, in full.
"""

from __future__ import annotations

import numpy as np
import panel as pn
import param

from .. import EXAMPLES
from ..domain.terms import section_words
from ..domain.words import capitalize
from ..filters import CatalogueFilter, catalogue_index
from ..markup import attr, escape_text
from ..plots import short_plan_label
from .imports import ImportBox
from .widgets import (
    ClickableTable,
    StepView,
    Tick,
    WholeNumberInput,
    card_filled_when_opened,
    held,
    watch_when_shown,
    wrap_row,
)

#: Cards and their buttons (inside the list's own shadow root).
CARD_CSS = """
:host{display:block;width:100%}
.wb-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,330px),1fr));
gap:.75rem;list-style:none;margin:0;padding:0}
.wb-card{border:1px solid #c9ccd1;border-radius:8px;padding:.7rem .8rem;background:#fff;
font-size:16px;line-height:1.4;overflow-wrap:anywhere;display:flex;flex-direction:column;gap:.2rem}
.wb-card h3{font-size:1.1rem;font-weight:700;margin:.1rem 0 .2rem}
.wb-card .wb-meta{color:#333}
.wb-badge{display:inline-block;font-size:16px;font-weight:600;border-radius:4px;
padding:.05rem .45rem;margin-right:.3rem}
.wb-badge-fits{background:#e6f4ea;color:#0b5a31}
.wb-badge-in_plan{background:#e3eefa;color:#0b3f6e}
.wb-badge-no{background:#fdecea;color:#8a1c1c}
.wb-why{color:#8a1c1c}
.wb-helps{color:#0b4f8a;font-weight:600}
.wb-card button{margin-top:.4rem;font:inherit;min-height:44px;padding:.35rem .8rem;
border-radius:6px;cursor:pointer;text-align:left;white-space:normal;border:1px solid #0b4f8a}
.wb-card button.wb-add{background:#0b4f8a;color:#fff}
.wb-card button.wb-anyway{background:#fff;color:#0b4f8a}
.wb-card button.wb-remove{background:#f1f3f5;color:#1b1b1b;border-color:#6c757d}
.wb-card button:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
"""

#: Controls a thumb can hit, text a phone can read.
CONTROL_CSS = ":host{font-size:16px} :host .bk-btn{min-height:44px;font-size:16px}"
FIELD_CSS = (":host{font-size:16px} :host .bk-input{min-height:44px;font-size:16px} "
             ":host label{font-size:16px}")
#: A tick box tapped through its label: the label is the 44 px target.
TICK_CSS = (":host{font-size:16px} :host label{min-height:44px;display:flex;align-items:center;"
            "gap:.5em} :host input{width:22px;height:22px;flex:none}")
#: A card's header (its open/close button) big enough to tap.
CARD_HEADER_CSS = ":host{font-size:16px} .card-header{min-height:44px;font-size:16px}"


def bound_tick(obj: param.Parameterized, name: str, label: str) -> Tick:
    """A labelled yes/no box bound both ways to ``obj.<name>`` (a Boolean Parameter)."""
    tick = Tick(label=label, value=bool(getattr(obj, name)))
    tick._box.stylesheets = [*tick._box.stylesheets, TICK_CSS]
    # param calls a watcher only when the value changes, so the two never loop
    tick.param.watch(lambda e: setattr(obj, name, e.new), "value")
    obj.param.watch(lambda e: setattr(tick, "value", e.new), name)
    return tick


class OpportunitiesStep(StepView):
    """Search the catalogue by interest, competency, provider, time, cost, travel and fit."""

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        _ = s.gettext
        self.filters = f = CatalogueFilter(state=s)
        # description=None: the Parameters' docs are for programmers, not a tooltip on the page
        self.search = pn.widgets.TextInput.from_param(
            f.param.search, name=_("Search"), placeholder=_("e.g. robotics, nursing"),
            description=None, sizing_mode="stretch_width", max_width=360,
            stylesheets=[FIELD_CSS])
        sel = {"sizing_mode": "stretch_width", "min_width": 160, "max_width": 260,
               "stylesheets": [FIELD_CSS], "description": None}
        self.interest = pn.widgets.Select.from_param(f.param.interest, name=_("Interest"), **sel)
        self.domain = pn.widgets.Select.from_param(f.param.domain, name=_("Subject area"), **sel)
        self.competency = pn.widgets.Select.from_param(f.param.competency,
                                                       name=_("Competency"), **sel)
        self.kind = pn.widgets.Select.from_param(f.param.kind, name=_("Provider"), **sel)
        self.modality = pn.widgets.Select.from_param(f.param.modality, name=_("How it is taught"),
                                                     **sel)
        self.day = pn.widgets.Select.from_param(f.param.day, name=_("Day"), **sel)
        self.after = pn.widgets.Select.from_param(f.param.starts_after,
                                                  name=_("Starts at or after"), **sel)
        self.max_cost = WholeNumberInput.from_param(
            f.param.max_cost, name=_("Most it may cost ($)"), placeholder=_("no limit"), **sel)
        self.max_travel = WholeNumberInput.from_param(
            f.param.max_travel, name=_("Longest trip (minutes)"), placeholder=_("no limit"),
            **sel)
        self.grade_fit = bound_tick(f, "right_grade", _("Right grade only"))
        self.fits_only = bound_tick(f, "fits_only", _("Only ones that fit the plan"))
        self.helps_goal = bound_tick(f, "helps_goal", _("Only ones that practise a goal"))
        self.count = pn.pane.HTML("", sizing_mode="stretch_width",
                                  stylesheets=[":host{font-size:16px}"])
        self.cards = ClickableTable(on_pick=held(self._picked), sizing_mode="stretch_width",
                                    stylesheets=[CARD_CSS])
        self.prev = pn.widgets.Button(name=_("← Previous page"), stylesheets=[CONTROL_CSS])
        self.next = pn.widgets.Button(name=_("Next page →"), stylesheets=[CONTROL_CSS])
        self.prev.on_click(held(lambda _e: self._turn(-1)))
        self.next.on_click(held(lambda _e: self._turn(1)))
        self.page_words = pn.pane.HTML("", stylesheets=[":host{font-size:16px}"])
        mappings = {p.stem.replace("_", " "): str(p) for p in sorted(EXAMPLES.glob("*.yaml"))}
        self.mapping = pn.widgets.Select(name=_("Column mapping"), options=mappings,
                                         sizing_mode="stretch_width", max_width=360,
                                         stylesheets=[FIELD_CSS])
        self.upload = ImportBox(self._import_catalogue, state=s,
                                on_applied=self._catalogue_changed,
                                file_label=_("Catalogue file"),
                                label=_("Add a provider catalogue (.csv) to this workbench"),
                                accept=".csv,.txt")
        self._filters = (self.search, self.interest, self.domain, self.competency, self.kind,
                         self.modality, self.day, self.after, self.max_cost, self.max_travel,
                         self.grade_fit, self.fits_only, self.helps_goal)
        # the two folded cards get their contents when first opened (served): 14 of the
        # step's 35 models, which a first visit then does without
        more = card_filled_when_opened(
            lambda: [wrap_row(self.domain, self.competency, self.kind, self.modality, self.day,
                              self.after, self.max_cost, self.max_travel)],
            self.lazy, title=_("More ways to filter"), sizing_mode="stretch_width",
            stylesheets=[CARD_HEADER_CSS])
        self._layout = pn.Column(
            pn.pane.HTML(
                "<h2>" + escape_text(_("Find opportunities")) + "</h2><p>"
                + escape_text(_("Every row says whether it still fits the current plan (and if "
                                "not, why) and which of the learner's goals it practises. Add "
                                "it to the plan with one click."))
                + "</p>", sizing_mode="stretch_width", stylesheets=[":host{font-size:16px}"]),
            wrap_row(self.search, self.interest),
            wrap_row(self.grade_fit, self.fits_only, self.helps_goal),
            more, self.count, self.cards,
            wrap_row(self.prev, self.page_words, self.next, align="center"),
            card_filled_when_opened(lambda: [self.mapping, self.upload], self.lazy,
                                    title=_("Import a provider catalogue"),
                                    sizing_mode="stretch_width", stylesheets=[CARD_HEADER_CSS]),
            sizing_mode="stretch_width",
        )
        f.param.watch(held(self._refresh), [*CatalogueFilter._FILTERS, "page"])
        watch_when_shown(self, "Opportunities", self._refresh, ["fit", "learner", "plan_id"])

    # ---- what the list shows ---------------------------------------------------------------
    def filtered(self):
        """The rows that pass every filter, in list order (``CatalogueFilter.rows``)."""
        return self.filters.rows()

    def _refresh(self, *_):
        s, f = self.state, self.filters
        _ = s.gettext
        rows = f.rows()
        page = f.page_of(rows)
        self._shown = list(page.index)
        n, pages = len(rows), f.pages(len(rows))
        at = min(f.page, pages - 1)
        fits = int((rows["status"] == "fits").sum())
        total = len(catalogue_index(s.catalogue))
        self.count.object = "<p role=\"status\">" + escape_text(_(
            "{shown} of {total} sections shown; {fits} would fit the plan.").format(
            shown=s.format.integer(n), total=s.format.integer(total),
            fits=s.format.integer(fits))) + "</p>"
        self.page_words.object = escape_text(_("Page {page} of {pages}").format(
            page=at + 1, pages=pages))
        self.prev.disabled = at <= 0
        self.next.disabled = at >= pages - 1
        self.cards.html = self._cards_html(page)

    def _cards_html(self, page) -> str:
        s = self.state
        w, _ = s.format, s.gettext
        if not len(page):
            return "<p>" + escape_text(_("Nothing matches these filters. Try fewer of them.")) \
                + "</p>"
        plan = s.plan
        plan_name = short_plan_label(plan.name) if plan else _("a new plan")
        goals = s.learner.goals if s.learner else []
        names = s.catalogue.competencies.set_index("competency_id")["name"]
        seats = s.catalogue.section_table["seats_left"]
        badge = {"in_plan": _("In the plan"), "fits": _("Fits"), "no": _("Does not fit")}
        said = {sid: section_words(s.catalogue, sid, w) for sid in page.index}
        titles = [sw.title for sw in said.values()]
        cards = []
        for sid, row in page.iterrows():
            sw = said[sid]
            status = row["status"]
            trip = float(row["travel_minutes"])
            if not np.isfinite(trip):
                trip_words = _("No way to get there")
            elif trip <= 0:
                trip_words = _("No trip needed")
            else:
                trip_words = _("Trip: {duration} each way").format(duration=w.duration(trip))
            left = int(seats.get(sid, 0))
            seat_words = s.ngettext("{n} seat left", "{n} seats left", left).format(
                n=w.integer(left))
            parts = [f'<li class="wb-card"><div><span class="wb-badge wb-badge-{status}">'
                     f"{escape_text(badge[status])}</span></div>",
                     f'<h3 class="wb-data">{escape_text(sw.title)}</h3>',
                     f'<div class="wb-meta">{escape_text(capitalize(sw.when))} · '
                     f"{escape_text(sw.dates)}</div>",
                     f'<div class="wb-meta">{escape_text(sw.provider)} · {escape_text(sw.kind)}'
                     f" · {escape_text(sw.how)}</div>",
                     f'<div class="wb-meta">{escape_text(capitalize(sw.grades))} · '
                     f"{escape_text(sw.cost)} · {escape_text(trip_words)} · "
                     f"{escape_text(seat_words)}</div>"]
            helped = [names.get(goals[i].competency_id, goals[i].competency_id)
                      for i in row["helps"] if i < len(goals)]
            if helped:
                parts.append('<div class="wb-helps">' + escape_text(
                    _("Practises a goal: {goals}").format(goals=w.join(helped))) + "</div>")
            if status == "no" and row["reason"]:
                parts.append('<div class="wb-why">' + escape_text(
                    _("Why it does not fit: {reason}").format(reason=row["reason"])) + "</div>")
            if status == "in_plan":
                label, cls, pick = _("Remove {title} from {plan}"), "wb-remove", "remove"
            elif status == "fits":
                label, cls, pick = _("Add {title} to {plan}"), "wb-add", "add"
            else:
                label, cls, pick = _("Add {title} to {plan} anyway"), "wb-anyway", "add"
            # two groups of one programme on the page: the button says which one
            name = sw.title if titles.count(sw.title) == 1 else _(
                "{title} ({when}, {dates})").format(title=sw.title, when=sw.when, dates=sw.dates)
            text = label.format(title=name, plan=plan_name)
            parts.append(f'<button type="button" class="{cls}" data-pick="{attr(pick)}:'
                         f'{attr(sid)}">{escape_text(text)}</button></li>')
            cards.append("".join(parts))
        return '<ul class="wb-cards">' + "".join(cards) + "</ul>"

    # ---- actions ---------------------------------------------------------------------------
    def _picked(self, pick: str) -> None:
        action, _sep, sid = pick.partition(":")
        if sid not in getattr(self, "_shown", ()):
            return  # only what is on screen can be picked
        if action == "add":
            self.state.add_section(sid)
        elif action == "remove":
            self.state.remove_section(sid)

    def add(self, section_id: str) -> None:
        """What the card's Add button does (for notebooks and tests)."""
        self._picked(f"add:{section_id}")

    def _turn(self, delta: int) -> None:
        f = self.filters
        rows = f.rows()
        f.page = int(np.clip(min(f.page, f.pages(len(rows)) - 1) + delta, 0,
                             f.pages(len(rows)) - 1))

    def _import_catalogue(self, data: bytes, filename: str):
        return self.state.import_catalogue(data, self.mapping.value, filename)

    def _catalogue_changed(self, _pending) -> None:
        """The session switched to the imported catalogue: new choices, the list again."""
        self.filters.catalogue_changed()
        self._refresh()
