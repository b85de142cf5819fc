"""Step 1 — Learner: who they are, what they like, where they are now, where they want to be."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import panel as pn
import param
from panel.custom import JSComponent

from ..domain.dataset import Goal
from ..domain.words import NP_
from ..markup import attr, escape_text
from .imports import ImportBox
from .week import transport_options
from .widgets import (
    WRAP,
    ClickableHTML,
    DateBox,
    StepView,
    WholeNumberInput,
    held,
    rule,
    watch_when_shown,
    wrap_row,
)

#: Family languages, each in its own words (the code is what the learner record keeps).
LANGUAGES = {"English": "en", "Español": "es", "Tiếng Việt": "vi", "العربية": "ar",
             "Soomaali": "so", "中文": "zh", "Kreyòl ayisyen": "ht"}
#: The interest tags of the built-in catalogue, as words (a catalogue's own tags are data).
INTEREST_WORDS = {
    "agriculture": NP_("interest", "agriculture"), "animals": NP_("interest", "animals"),
    "art": NP_("interest", "art"), "business": NP_("interest", "business"),
    "coding": NP_("interest", "coding"), "construction": NP_("interest", "construction"),
    "cooking": NP_("interest", "cooking"), "design": NP_("interest", "design"),
    "engineering": NP_("interest", "engineering"),
    "environment": NP_("interest", "environment"),
    "health care": NP_("interest", "health care"), "history": NP_("interest", "history"),
    "languages": NP_("interest", "languages"),
    "manufacturing": NP_("interest", "manufacturing"), "math": NP_("interest", "math"),
    "media": NP_("interest", "media"), "music": NP_("interest", "music"),
    "outdoors": NP_("interest", "outdoors"),
    "public service": NP_("interest", "public service"),
    "robotics": NP_("interest", "robotics"), "science": NP_("interest", "science"),
    "sports": NP_("interest", "sports"), "theatre": NP_("interest", "theatre"),
    "writing": NP_("interest", "writing"),
}
#: The longest learner name the form takes (longer names from files are wrapped, not cut).
NAME_LIMIT = 80


def split_list(text: str) -> list[str]:
    """"a, b ,, c" -> ["a", "b", "c"]."""
    return [t.strip() for t in text.split(",") if t.strip()]


class LevelChoice(param.Parameterized):
    """One skill's level, a row of ``LevelTable`` (no widget of its own: setting ``value``
    here or choosing in the browser is the same change)."""

    competency_id = param.String(default="", doc="The skill.")
    label = param.String(default="", doc="The skill's name, the row's label.")
    value = param.Integer(default=0, allow_None=True, doc="The level, 0 (Not yet) to 4.")


class LevelTable(JSComponent):
    """Every skill of a subject area with its level: a native ``<select>`` per skill, each
    labelled by the skill's name, all in one model (a Select widget per skill made the Learner
    step some 25 Bokeh models heavier, and rebuilt them for every area).

    ``objects`` are the rows (``LevelChoice``); the browser reports a choice as
    ``{"id", "level"}`` and the row's ``value`` follows.
    """

    objects = param.List(default=[], item_type=LevelChoice, doc="The rows, in order.")
    rows = param.List(default=[], doc="[{'id', 'name'}] as drawn (follows ``objects``).")
    words = param.List(default=[], doc="The level words, 0 to 4.")
    values = param.Dict(default={}, doc="Skill id -> level, as drawn (follows ``objects``).")

    _rename: ClassVar[dict] = {"objects": None}
    _esm = """
    export function render({ model }) {
      const box = document.createElement("div")
      box.className = "wb-levels"
      let selects = {}
      const build = () => {
        box.replaceChildren()
        selects = {}
        model.rows.forEach((row, i) => {
          const cell = document.createElement("div")
          cell.className = "wb-level"
          const label = document.createElement("label")
          label.htmlFor = "wb-level-" + i
          label.textContent = row.name
          const select = document.createElement("select")
          select.id = "wb-level-" + i
          select.className = "bk-input"
          model.words.forEach((word, level) => {
            const option = document.createElement("option")
            option.value = String(level)
            option.textContent = word
            select.append(option)
          })
          select.addEventListener("change", () => {
            model.send_msg({ id: row.id, level: Number(select.value) })
          })
          cell.append(label, select)
          box.append(cell)
          selects[row.id] = select
        })
        show()
      }
      const show = () => {
        for (const [id, select] of Object.entries(selects)) {
          const v = model.values[id]
          const want = String(v === null || v === undefined ? 0 : v)
          if (select.value !== want) select.value = want
        }
      }
      build()
      model.on(["rows", "words"], build)
      model.on("values", show)
      return box
    }
    """
    _stylesheets: ClassVar[list[str]] = [""":host{display:block;width:100%}
    .wb-levels{display:flex;flex-wrap:wrap;gap:.5rem 1rem;padding:0 10px}
    .wb-level{display:flex;flex-direction:column;gap:.25rem;width:300px;max-width:100%}
    .wb-level label{font-size:16px;white-space:normal;overflow-wrap:anywhere}
    .wb-level select{font:inherit;font-size:16px;min-height:44px;padding:.3rem .5rem;
    border:1px solid #6c757d;border-radius:.375rem;background:#fff;color:#1b1b1b;
    max-width:100%;box-sizing:border-box}
    .wb-level select:focus-visible{outline:3px solid #0b4f8a;outline-offset:2px}"""]

    def __init__(self, on_change=None, **params):
        super().__init__(**params)
        self._on_change = on_change
        self._watchers: list = []
        self._drawn_objects()

    @param.depends("objects", watch=True)
    def _drawn_objects(self):
        for row, watcher in self._watchers:
            row.param.unwatch(watcher)
        self._watchers = [(row, row.param.watch(self._row_changed, "value"))
                          for row in self.objects]
        self.param.update(rows=[{"id": r.competency_id, "name": r.label} for r in self.objects],
                          values={r.competency_id: r.value for r in self.objects})

    def _row_changed(self, event):
        row = event.obj
        self.values = {**self.values, row.competency_id: event.new}
        if self._on_change is not None:
            self._on_change(row.competency_id, event.new)

    def _handle_msg(self, msg):
        if not isinstance(msg, dict):
            return
        level = msg.get("level")
        for row in self.objects:
            if row.competency_id == msg.get("id") and isinstance(level, int) and \
                    0 <= level < len(self.words):
                row.value = level


class LearnerStep(StepView):
    """Pick or create a learner; edit where they live, interests, strengths, levels (as words)
    and goals."""

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        _ = s.gettext
        cat = s.catalogue
        zones = {z: z for z in cat.zones if z != "online"}
        languages = {**LANGUAGES, _("Other"): "other"}

        # ---- who ---------------------------------------------------------------------------
        self.picker = pn.widgets.Select(label=_("Learner"), options=s.learner_names(),
                                        value=s.learner_id, width=320)
        self.picker.param.watch(held(self._pick), "value")
        self.show_new = pn.widgets.Toggle(label=_("Add a new learner"), color="default",
                                          width=220)
        # the new-learner form is built the first time it is asked for (most visits never open
        # it: its ten models were a tenth of a new session's server time)
        self.new_form = pn.Column(visible=False, sizing_mode="stretch_width",
                                  styles={"border-left": "4px solid #0b4f8a",
                                          "padding-left": ".6rem"})
        self.show_new.param.watch(held(self._toggle_new_form), "value")

        # ---- about them --------------------------------------------------------------------
        self.learner_name = pn.widgets.TextInput(label=_("Name"), width=240,
                                                 max_length=NAME_LIMIT)
        self.grade = WholeNumberInput(label=_("Grade"), start=0, end=12, width=110)
        self.home_zone = pn.widgets.Select(label=_("Where they live"), options=zones,
                                           width=240)
        self.language = pn.widgets.Select(label=_("Family's language"), options=languages,
                                          width=240)
        self.pathway = pn.widgets.TextInput(label=_("Career pathway"), width=280,
                                            placeholder=_("e.g. Health careers"),
                                            max_length=120)
        tags = {t for cell in cat.opportunities["interests"] for t in str(cell).split(";") if t}
        self.interests = pn.widgets.CheckBoxGroup(label=_("Interests"),
                                                  options=self._interest_options(tags),
                                                  inline=True, stylesheets=[WRAP],
                                                  sizing_mode="stretch_width")
        self.strengths = pn.widgets.TextInput(label=_("Strengths (separate with commas)"),
                                              sizing_mode="stretch_width", max_width=640)
        self.adults = pn.widgets.TextInput(label=_("Supportive adults (separate with commas)"),
                                           sizing_mode="stretch_width", max_width=640)
        # each box edits its own field of the learner, and only when it differs: the boxes
        # catching up with a newly chosen learner change nothing
        self._fields = {
            "name": (self.learner_name, lambda v: v.strip()),
            "grade": (self.grade, lambda v: None if v is None else int(v)),
            "home_zone": (self.home_zone, lambda v: v or None),
            "language": (self.language, lambda v: v),
            "pathway": (self.pathway, lambda v: v.strip()),
            "interests": (self.interests, list),
            "strengths": (self.strengths, split_list),
            "supportive_adults": (self.adults, split_list),
        }
        for field, (widget, _convert) in self._fields.items():
            widget.param.watch(held(lambda e, field=field: self._field_changed(field, e.new)),
                               "value")

        # the first screen: who. About them, goals, levels now, evidence and the credential
        # upload are further down the page; served, they join it once the page has loaded
        # (``finish``): goals to the upload took a fifth off a new session's server time
        self._rest: list | None = None
        self._layout = pn.Column(
            pn.pane.Markdown("## " + _("Who are we planning with?")),
            wrap_row(self.picker, self.show_new, align="end"),
            self.new_form,
            sizing_mode="stretch_width",
        )
        # the boxes about them are made now (the step keeps them up to date) but join the page
        # with the rest: their models were a fifth of a new session's server time, and they
        # are below the first screen on a phone
        self._about = [
            rule(),
            wrap_row(self.learner_name, self.grade, self.home_zone, self.language,
                     self.pathway),
            pn.pane.Markdown("**" + _("Interests") + "** " + _("(tick all that apply)")),
            self.interests, self.strengths, self.adults,
        ]
        if self.first_screen:
            # one line in their place meanwhile (a page scrolled down at once is not blank)
            coming = escape_text(_("More about the learner, goals and levels are on their "
                                   "way…"))
            self._layout.append(pn.pane.HTML(f'<p class="wb-empty wb-coming">{coming}</p>',
                                             sizing_mode="stretch_width"))
        else:
            self._layout.extend(self._about + self._build_rest())
        watch_when_shown(self, "Learner", self._sync, ["learner"])

    @property
    def finished(self) -> bool:
        return self._rest is not None

    def finish(self) -> None:
        if self._rest is None:
            self._layout.objects = self._layout.objects[:-1] + self._about + self._build_rest()
            self._sync_rest()

    def _build_rest(self) -> list:
        """Goals, levels now, evidence and the credential upload: their widgets, and the
        panes in the order they are shown (``_rest``)."""
        s = self.state
        w, _ = s.format, s.gettext
        cat = s.catalogue
        # ---- goals -------------------------------------------------------------------------
        comps = cat.competencies
        self._comp_options = {f"{r.name} ({r.domain})": r.competency_id
                              for r in comps.itertuples()}
        self.goal_comp = pn.widgets.Select(label=_("Goal: which skill"),
                                           options=self._comp_options, width=320)
        self.goal_level = pn.widgets.Select(
            label=_("Reach"), options={word: i for i, word in enumerate(w.levels()) if i},
            value=3, width=160)
        last_day = cat.section_table["end_date"].max()
        self.goal_date = DateBox(label=_("By"), width=180,
                                 value=last_day.date() if hasattr(last_day, "date")
                                 else dt.date(2027, 6, 1))
        self.goal_date.param.watch(lambda e: self._say_date(), "value")
        self._say_date()
        self.add_goal = pn.widgets.Button(label=_("Add goal"), color="primary")
        self.add_goal.on_click(held(self._add_goal))
        self.goals = ClickableHTML(on_pick=held(self._remove_goal), sizing_mode="stretch_width")

        # ---- levels now: one subject area at a time, every skill of it on screen ------------
        self._areas = list(dict.fromkeys(comps["domain"]))
        self.area = pn.widgets.Select(label=_("Subject area"), options=self._areas,
                                      value=self._areas[0], width=320)
        self.area.param.watch(held(self._show_area), "value")
        self.level_boxes = LevelTable(on_change=held(self._level_changed),
                                      words=list(w.levels()), sizing_mode="stretch_width")
        self._level_widgets: dict[str, LevelChoice] = {}

        self.evidence = pn.pane.HTML(sizing_mode="stretch_width",
                                     stylesheets=[":host{font-size:16px}"])
        self.upload = ImportBox(
            s.import_credentials, state=s, file_label=_("Credential file"),
            label=_("Add evidence from a credential: Open Badges or a Comprehensive Learner "
                    "Record (.json or .jwt)"), accept=".json,.jwt,.jws")

        self._rest = [
            pn.pane.Markdown("### " + _("Goals")),
            self.goals,
            wrap_row(self.goal_comp, self.goal_level, self.goal_date, self.add_goal,
                     align="end"),
            pn.pane.Markdown("### " + _("Where the learner is now") + "\n" + _(
                "Choose a subject area, then a level for each skill. Levels go Not yet → "
                "Emerging → Developing → Proficient → Advanced."),
                sizing_mode="stretch_width"),
            self.area, self.level_boxes,
            self.evidence,
            self.upload,
        ]
        return self._rest

    def _toggle_new_form(self, event) -> None:
        if event.new and not self.new_form.objects:
            self._build_new_form()
        self.new_form.visible = event.new

    def _build_new_form(self) -> None:
        s = self.state
        w, _ = s.format, s.gettext
        zones = {z: z for z in s.catalogue.zones if z != "online"}
        self.new_name = pn.widgets.TextInput(label=_("New learner's name"), width=240,
                                             placeholder=_("First name"), max_length=NAME_LIMIT)
        self.new_grade = WholeNumberInput(label=_("Grade"), value=None, start=0, end=12,
                                          width=110)
        self.new_zone = pn.widgets.Select(label=_("Where they live"), width=240,
                                          options={_("Choose an area…"): "", **zones}, value="")
        self.new_transport = pn.widgets.CheckBoxGroup(
            label=_("How they get around"), options=transport_options(w), value=[],
            inline=True, stylesheets=[WRAP], sizing_mode="stretch_width")
        self.new_budget = WholeNumberInput(label=_("Budget for the year ($, 0 is fine)"),
                                           value=None, start=0, end=100000, width=240)
        self.new_hours = WholeNumberInput(label=_("Most hours of learning a week"), value=None,
                                          start=1, end=40, width=240)
        self.create = pn.widgets.Button(label=_("Create learner"), color="primary")
        self.create.on_click(held(self._create))
        self.new_form.objects = [
            pn.pane.Markdown(_("Everything here is needed to check trips, costs and hours; "
                               "you can change it later."), sizing_mode="stretch_width"),
            wrap_row(self.new_name, self.new_grade, self.new_zone, self.new_budget,
                     self.new_hours),
            pn.pane.Markdown("**" + _("How they get around") + "**"), self.new_transport,
            self.create]

    def _interest_options(self, tags) -> dict[str, str]:
        """Interest tags as words in the session's language (tags the catalogue's own words
        do not name are shown as written), in the order of those words."""
        w = self.state.format
        named = {(w.marked(INTEREST_WORDS[t]) if t in INTEREST_WORDS else t): t for t in tags}
        return dict(sorted(named.items(), key=lambda kv: kv[0].lower()))

    def _say_date(self) -> None:
        self.goal_date.words = self.state.format.date(self.goal_date.value) \
            if self.goal_date.value else ""

    # ---- state -> widgets ------------------------------------------------------------------
    def _sync(self, *_):
        s, lr = self.state, self.state.learner
        # every watcher below compares with the learner first, so catching up changes nothing
        self.picker.options = s.learner_names()
        self.picker.value = s.learner_id
        if lr is None:
            return
        self.learner_name.value = lr.name
        self.grade.value = lr.grade
        if lr.home_zone not in self.home_zone.values:
            self.home_zone.options = {**self.home_zone.options, lr.home_zone: lr.home_zone}
        self.home_zone.value = lr.home_zone
        self.language.value = lr.language if lr.language in self.language.values else "other"
        self.pathway.value = lr.pathway
        if set(lr.interests) - set(self.interests.values):
            self.interests.options = self._interest_options(set(self.interests.values) |
                                                            set(lr.interests))
        self.interests.value = list(lr.interests)
        self.strengths.value = ", ".join(lr.strengths)
        self.adults.value = ", ".join(lr.supportive_adults)
        self._sync_rest()

    def _sync_rest(self) -> None:
        if self._rest is None or self.state.learner is None:
            return
        self._show_area()
        self._render_goals()
        self._render_evidence()

    def _show_area(self, *_):
        """The chosen area's skills, each with its level; a level change keeps them shown."""
        s, lr = self.state, self.state.learner
        comps = s.catalogue.competencies
        rows = comps[comps["domain"] == self.area.value]
        if list(self._level_widgets) != list(rows["competency_id"]):
            self._level_widgets = {r.competency_id: LevelChoice(
                competency_id=r.competency_id, label=r.name, value=lr.level(r.competency_id)
                if lr else 0) for r in rows.itertuples()}
            self.level_boxes.objects = list(self._level_widgets.values())
        for cid, box in self._level_widgets.items():
            box.value = lr.level(cid) if lr else 0

    def _render_goals(self):
        s, lr = self.state, self.state.learner
        w, _ = s.format, s.gettext
        names = s.catalogue.competency_names
        remove = _("Remove")
        items = []
        for i, g in enumerate(lr.goals):
            text = _("{level} in {skill} by {date} (now: {now})").format(
                level=w.level(g.level), skill=names.get(g.competency_id, g.competency_id),
                date=w.date(g.by), now=w.level(lr.level(g.competency_id)))
            name = _("Remove goal: {goal}").format(goal=text)
            items.append(f'<li><span>{escape_text(text)}</span><button type="button" '
                         f'data-pick="{i}" aria-label="{attr(name)}">'
                         f"{escape_text(remove)}</button></li>")
        empty = _("No goals yet. Add one below.")
        self.goals.html = (f'<ul class="wb-rows">{"".join(items)}</ul>' if items else
                           f'<p class="wb-empty">{escape_text(empty)}</p>')

    def _render_evidence(self):
        s, lr = self.state, self.state.learner
        w, _ = s.format, s.gettext
        if not lr.evidence:
            self.evidence.object = ""
            return
        names = s.catalogue.competency_names
        items = []
        for e in lr.evidence:
            what = (_("{level} in {skill}").format(
                level=w.level(e.level), skill=names.get(e.competency_id, e.competency_id))
                if e.competency_id else _("Evidence only (matches no skill here)"))
            when = f" ({w.date(e.issued_on)})" if e.issued_on else ""
            trust = _("verified") if e.verified else _("not verified")
            items.append(f"<li>{escape_text(what)} — {escape_text(e.source)}"
                         f"{escape_text(when)} — {escape_text(trust)}</li>")
        heading = _("Evidence from learning anywhere")
        self.evidence.object = (f"<h3>{escape_text(heading)}</h3>"
                                f"<ul>{''.join(items)}</ul>")

    # ---- widgets -> state ------------------------------------------------------------------
    def _pick(self, event):
        if event.new and event.new != self.state.learner_id:
            self.state.learner_id = event.new

    def _create(self, _event):
        try:
            made = self.state.create_learner(
                self.new_name.value, self.new_grade.value if self.new_grade.value is not None
                else 0, self.new_zone.value or None, transport=list(self.new_transport.value),
                budget=self.new_budget.value, max_hours_per_week=self.new_hours.value)
        except ValueError as exc:
            self.state.error = str(exc)
            return
        if made is not None:
            self.new_name.value = ""
            self.new_form.visible = self.show_new.value = False

    def _field_changed(self, field: str, value) -> None:
        s, lr = self.state, self.state.learner
        if lr is None:
            return
        value = self._fields[field][1](value)
        if field == "language" and value == "other" and lr.language not in \
                self.language.values:
            return  # a language this list does not name stays as it is
        if value is None or getattr(lr, field) == value:
            return  # the box only caught up with the learner
        if field == "name" and not value:
            s.error = s.gettext("A learner needs a name.")
            return
        s.update_learner(**{field: value})

    def _level_changed(self, competency_id: str, level):
        lr = self.state.learner
        if lr is None or level is None or lr.level(competency_id) == int(level):
            return
        self.state.update_learner(levels={**lr.levels, competency_id: int(level)})

    def _add_goal(self, _event):
        s, lr = self.state, self.state.learner
        if lr is None:
            return
        if self.goal_date.value is None:
            s.error = s.gettext("Choose the date the goal is for.")
            return
        goal = Goal(self.goal_comp.value, int(self.goal_level.value), self.goal_date.value)
        goals = [g for g in lr.goals if g.competency_id != goal.competency_id] + [goal]
        s.update_learner(goals=goals)

    def _remove_goal(self, pick: str):
        lr = self.state.learner
        if lr is None or not pick.isdigit():
            return
        i = int(pick)
        self.state.update_learner(goals=[g for j, g in enumerate(lr.goals) if j != i])
