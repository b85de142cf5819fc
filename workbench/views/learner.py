"""Step 1 — Learner: who they are, what they like, where they are now, where they want to be."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import panel as pn

from ..domain.dataset import LEVELS, Goal, level_word
from ..markup import escape_text
from .imports import ImportBox
from .widgets import WRAP, StepView, WholeNumberInput, held, rule, watch_when_shown

LANGUAGES = {"English": "en", "Spanish / Español": "es", "Vietnamese / Tiếng Việt": "vi",
             "Arabic / العربية": "ar", "Somali / Soomaali": "so", "Chinese / 中文": "zh",
             "Haitian Creole / Kreyòl": "ht", "Other": "other"}


class LearnerStep(StepView):
    """Pick or create a learner; edit interests, strengths, levels (as words) and goals."""


    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self._syncing = False
        self.picker = pn.widgets.Select(label="Learner", options=s.learner_names(),
                                        value=s.learner_id, width=320)
        self.picker.param.watch(held(self._pick), "value")
        self.new_name = pn.widgets.TextInput(label="New learner's name", placeholder="First name",
                                             width=200)
        self.new_grade = WholeNumberInput(label="Grade", value=9, start=0, end=12, width=90)
        self.create = pn.widgets.Button(label="Create learner", color="default")
        self.create.on_click(held(self._create))

        self.learner_name = pn.widgets.TextInput(label="Name", width=220)
        self.grade = WholeNumberInput(label="Grade", start=0, end=12, width=90)
        self.language = pn.widgets.Select(label="Family's language", options=LANGUAGES, width=220)
        self.pathway = pn.widgets.TextInput(label="Career pathway", width=260,
                                            placeholder="e.g. Health careers")
        interests = sorted({t for cell in s.catalogue.opportunities["interests"]
                            for t in str(cell).split(";") if t})
        self.interests = pn.widgets.CheckBoxGroup(label="Interests", options=interests,
                                                  inline=True, stylesheets=[WRAP], sizing_mode="stretch_width")
        self.strengths = pn.widgets.TextInput(label="Strengths (separate with commas)",
                                              sizing_mode="stretch_width", max_width=640)
        self.adults = pn.widgets.TextInput(label="Supportive adults (separate with commas)",
                                           sizing_mode="stretch_width", max_width=640)
        for w in (self.learner_name, self.grade, self.language, self.pathway, self.interests,
                  self.strengths, self.adults):
            w.param.watch(held(self._profile_changed), "value")

        comps = s.catalogue.competencies
        self._comp_options = {f"{r.name} ({r.domain})": r.competency_id
                              for r in comps.itertuples()}
        self.levels = pn.widgets.Tabulator(
            self._levels_frame(), groupby=["Area"], hidden_columns=["Area", "id"],
            show_index=False, height=360,
            editors={"Area": None, "Competency": None,
                     "Level now": {"type": "list", "values": list(LEVELS)}},
            layout="fit_data_stretch", sizing_mode="stretch_width", pagination=None,
            configuration={"groupStartOpen": False}, name="Current levels",
        )
        self.levels.on_edit(held(self._level_edited))

        self.goal_comp = pn.widgets.Select(label="Goal competency", options=self._comp_options,
                                           width=320)
        self.goal_level = pn.widgets.Select(label="Reach", options={w: i for i, w in
                                                                   enumerate(LEVELS) if i},
                                            value=3, width=130)
        self.goal_date = pn.widgets.DatePicker(label="By", value=dt.date(2027, 6, 1), width=150)
        self.add_goal = pn.widgets.Button(label="Add goal")
        self.add_goal.on_click(held(self._add_goal))
        self.goals = pn.Column(sizing_mode="stretch_width")
        self.evidence = pn.pane.HTML(sizing_mode="stretch_width")
        self.upload = ImportBox(
            s.import_credentials, state=s, file_label="Credential file",
            label="Add evidence from a credential: Open Badges or a Comprehensive Learner "
            "Record (.json or .jwt)", accept=".json,.jwt,.jws")

        self._layout = pn.Column(
            pn.pane.Markdown("## Who are we planning with?"),
            pn.FlexBox(self.picker, pn.Spacer(width=30), self.new_name, self.new_grade,
                   pn.Column(pn.Spacer(height=18), self.create)),
            rule(),
            pn.FlexBox(self.learner_name, self.grade, self.language, self.pathway),
            pn.pane.Markdown("**Interests** (tick all that apply)"), self.interests,
            self.strengths, self.adults,
            pn.pane.Markdown("### Goals"),
            self.goals,
            pn.FlexBox(self.goal_comp, self.goal_level, self.goal_date,
                   pn.Column(pn.Spacer(height=18), self.add_goal)),
            pn.pane.Markdown("### Where the learner is now\nClick a level to change it. "
                             "Levels go Not yet → Emerging → Developing → Proficient → Advanced."),
            self.levels,
            self.evidence,
            self.upload,
            sizing_mode="stretch_width",
        )
        watch_when_shown(self, "Learner", self._sync, ["learner"])

    # ---- state -> widgets ------------------------------------------------------------------
    def _levels_frame(self) -> pd.DataFrame:
        c = self.state.catalogue.competencies
        lr = self.state.learner
        lv = [level_word(lr.level(cid)) if lr else LEVELS[0] for cid in c["competency_id"]]
        # Tabulator writes a group header ("Area: <value>") as HTML, so the grouping column
        # carries the escaped area and stays hidden; the header then shows the area as text.
        return pd.DataFrame({"Area": c["domain"].map(escape_text), "Competency": c["name"],
                             "Level now": lv, "id": c["competency_id"]})

    def _sync(self, *_):
        lr = self.state.learner
        self._syncing = True
        try:
            self.picker.options = self.state.learner_names()
            self.picker.value = self.state.learner_id
            if lr is None:
                return
            self.learner_name.value = lr.name
            self.grade.value = lr.grade
            self.language.value = lr.language if lr.language in LANGUAGES.values() else "other"
            self.pathway.value = lr.pathway
            self.interests.options = sorted(set(self.interests.options) | set(lr.interests))
            self.interests.value = list(lr.interests)
            self.strengths.value = ", ".join(lr.strengths)
            self.adults.value = ", ".join(lr.supportive_adults)
            self.levels.value = self._levels_frame()
            self.levels.hidden_columns = ["Area", "id"]
            self._render_goals()
            self._render_evidence()
        finally:
            self._syncing = False

    def _render_goals(self):
        lr = self.state.learner
        names = self.state.catalogue.competency_names
        rows = []
        for i, g in enumerate(lr.goals):
            btn = pn.widgets.Button(label=f"Remove goal {i + 1}", color="light",
                                    width=140)
            btn.on_click(held(lambda _e, i=i: self._remove_goal(i)))
            text = (f"<b>{escape_text(LEVELS[g.level])}</b> in "
                    f"{escape_text(names.get(g.competency_id, g.competency_id))} by "
                    f"{g.by.strftime('%B %-d, %Y')} (now: {level_word(lr.level(g.competency_id))})")
            rows.append(pn.FlexBox(pn.pane.HTML(text, sizing_mode="stretch_width"), btn,
                               sizing_mode="stretch_width"))
        if not rows:
            rows = [pn.pane.Markdown("*No goals yet. Add one below.*")]
        self.goals.objects = rows

    def _render_evidence(self):
        lr = self.state.learner
        if not lr.evidence:
            self.evidence.object = ""
            return
        names = self.state.catalogue.competency_names
        items = []
        for e in lr.evidence:
            what = (f"{level_word(e.level)} in {names.get(e.competency_id, e.competency_id)}"
                    if e.competency_id else "Evidence only (matches no competency here)")
            when = f" ({e.issued_on})" if e.issued_on else ""
            trust = "verified" if e.verified else "not verified"
            items.append(f"<li>{escape_text(what)} — {escape_text(e.source)}"
                         f"{escape_text(when)} — {trust}</li>")
        items = "".join(items)
        self.evidence.object = f"<h3>Evidence from learning anywhere</h3><ul>{items}</ul>"

    # ---- widgets -> state ------------------------------------------------------------------
    def _pick(self, event):
        if not self._syncing and event.new:
            self.state.learner_id = event.new

    def _create(self, _):
        try:
            self.state.create_learner(self.new_name.value, self.new_grade.value)
        except ValueError as exc:
            self.state.error = str(exc)
            return
        self.new_name.value = ""

    def _profile_changed(self, _):
        if self._syncing or self.state.learner is None:
            return
        if not self.learner_name.value.strip():
            self.state.error = "A learner needs a name."
            return
        split = lambda text: [t.strip() for t in text.split(",") if t.strip()]  # noqa: E731
        self.state.update_learner(
            name=self.learner_name.value.strip(), grade=int(self.grade.value),
            language=self.language.value, pathway=self.pathway.value.strip(),
            interests=list(self.interests.value), strengths=split(self.strengths.value),
            supportive_adults=split(self.adults.value),
        )

    def _level_edited(self, event):
        if self._syncing or self.state.learner is None:
            return
        df = self.levels.value
        cid = df["id"].iloc[event.row]
        levels = dict(self.state.learner.levels)
        levels[cid] = LEVELS.index(event.value)
        self.state.update_learner(levels=levels)

    def _add_goal(self, _):
        lr = self.state.learner
        if lr is None or self.goal_date.value is None:
            return
        goal = Goal(self.goal_comp.value, int(self.goal_level.value), self.goal_date.value)
        goals = [g for g in lr.goals if g.competency_id != goal.competency_id] + [goal]
        self.state.update_learner(goals=goals)

    def _remove_goal(self, i):
        lr = self.state.learner
        self.state.update_learner(goals=[g for j, g in enumerate(lr.goals) if j != i])
