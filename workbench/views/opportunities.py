"""Step 3 — Opportunities: the whole catalogue, filtered, each row saying whether it still fits."""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import panel as pn
import param

from .. import EXAMPLES
from ..domain.dataset import (
    DAY_NAMES,
    DAYS,
    MODALITY_WORDS,
    PROVIDER_KIND_WORDS,
    Catalogue,
    format_minutes,
)
from .imports import ImportBox
from .widgets import StepView, Tick, WholeNumberInput, held, watch_when_shown

_DISPLAY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def catalogue_display(catalogue: Catalogue) -> pd.DataFrame:
    """The learner-independent columns of the catalogue table, in words (built once)."""
    if catalogue in _DISPLAY:
        return _DISPLAY[catalogue]
    t = catalogue.section_table
    al = catalogue.alignments.merge(catalogue.competencies[["competency_id", "domain"]],
                                    on="competency_id")
    comps = al.groupby("opportunity_id")["competency_id"].agg(lambda s: ";".join(s))
    domains = al.groupby("opportunity_id")["domain"].agg(lambda s: ";".join(sorted(set(s))))

    def when(row):
        if row.times_tba:
            return "Times to be arranged"
        if not row.meets:
            return f"Own pace, about {row.self_paced_hours:g} h a week"
        days = [d for i, d in enumerate(DAYS) if row.day_mask >> i & 1]
        names = ", ".join(DAY_NAMES[d][:3] for d in days)
        return f"{names} {format_minutes(row.start_min)}–{format_minutes(row.end_min)}"

    df = pd.DataFrame({
        "section_id": t["section_id"].to_numpy(),
        "Title": t["title"].to_numpy(),
        "Provider": t["provider_name"].to_numpy(),
        "Type": t["provider_kind"].map(PROVIDER_KIND_WORDS).to_numpy(),
        "How": t["modality"].map(MODALITY_WORDS).to_numpy(),
        "When": [when(r) for r in t.itertuples()],
        "Dates": [f"{a:%b %-d} – {b:%b %-d, %Y}" for a, b in zip(t["start_date"], t["end_date"],
                                                                  strict=True)],
        "Cost": t["cost"].to_numpy(dtype=float),
        "Seats": t["seats_left"].to_numpy(),
        "Grades": [f"{a}–{b}" for a, b in zip(t["min_grade"], t["max_grade"], strict=True)],
        "_interests": t["interests"].fillna("").to_numpy(),
        "_competencies": t["opportunity_id"].map(comps).fillna("").to_numpy(),
        "_domains": t["opportunity_id"].map(domains).fillna("").to_numpy(),
        "_kind": t["provider_kind"].to_numpy(),
        "_modality": t["modality"].to_numpy(),
        "_day_mask": t["day_mask"].to_numpy(),
        "_start": t["start_min"].to_numpy(),
        "_min_grade": t["min_grade"].to_numpy(),
        "_max_grade": t["max_grade"].to_numpy(),
    })
    df.index = df["section_id"]
    _DISPLAY[catalogue] = df
    return df


class OpportunitiesStep(StepView):
    """Search the catalogue by interest, competency, provider, time, cost, travel and fit."""

    page_size = param.Integer(default=12, bounds=(5, 100), doc="Rows per page of the table.")

    def __init__(self, **params):
        super().__init__(**params)
        cat = self.state.catalogue
        self._display = catalogue_display(cat)
        any_ = {"Any": ""}
        self.search = pn.widgets.TextInput(label="Search", placeholder="e.g. robotics, nursing",
                                           width=220)
        self.interest = pn.widgets.Select(label="Interest", width=170)
        self.domain = pn.widgets.Select(label="Subject area", width=190)
        self.competency = pn.widgets.Select(label="Competency", width=220)
        self.kind = pn.widgets.Select(label="Provider", options={**any_, **{
            v: k for k, v in PROVIDER_KIND_WORDS.items()}}, width=190)
        self.modality = pn.widgets.Select(label="How", options={**any_, **{
            v: k for k, v in MODALITY_WORDS.items()}}, width=190)
        self._set_catalogue_options(cat)
        self.day = pn.widgets.Select(label="Day", options={**any_, **{
            DAY_NAMES[d]: d for d in DAYS}}, width=130)
        self.after = pn.widgets.Select(label="Starts at or after", options={
            "Any time": -1, **{format_minutes(m): m for m in range(7 * 60, 21 * 60, 60)}},
            width=150)
        self.max_cost = WholeNumberInput(label="Most it may cost ($)", value=None, start=0,
                                            width=150, placeholder="no limit")
        self.max_travel = WholeNumberInput(label="Longest trip (min)", value=None, start=0,
                                              width=140, placeholder="no limit")
        self.grade_fit = Tick(label="Right grade only", value=True)
        self.fits_only = Tick(label="Only ones that fit the plan", value=False)
        self.count = pn.pane.Markdown("")
        self.table = pn.widgets.Tabulator(
            pd.DataFrame(), show_index=False, disabled=True, selectable=1,
            pagination="remote", page_size=self.page_size, sizing_mode="stretch_width",
            layout="fit_data_stretch", name="Catalogue",
            formatters={"Cost": {"type": "money", "symbol": "$", "precision": 0}},
        )
        self.add = pn.widgets.Button(label="Add selected to plan", color="primary",
                                     disabled=True)
        self.add.on_click(held(self._add))
        self.table.param.watch(self._selected, "selection")
        self._filters = (self.search, self.interest, self.domain, self.competency, self.kind,
                         self.modality, self.day, self.after, self.max_cost, self.max_travel,
                         self.grade_fit, self.fits_only)
        for w in self._filters:
            w.param.watch(self._refresh, "value")
        mappings = {p.stem.replace("_", " "): str(p) for p in sorted(EXAMPLES.glob("*.yaml"))}
        self.mapping = pn.widgets.Select(label="Column mapping", options=mappings, width=300)
        self.upload = ImportBox(self._import_catalogue, state=self.state,
                                on_applied=self._catalogue_changed, file_label="Catalogue file",
                                label="Add a provider catalogue (.csv) to this workbench",
                                accept=".csv,.txt")
        self._layout = pn.Column(
            pn.pane.Markdown("## Find opportunities\nEvery row says whether it still fits the "
                             "current plan, and if not, why."),
            pn.FlexBox(*self._filters[:-2], pn.Column(self.grade_fit, self.fits_only)),
            pn.Row(self.add, self.count),
            self.table,
            pn.Card(self.mapping, self.upload, title="Import a provider catalogue",
                    collapsed=True, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
        watch_when_shown(self, "Opportunities", self._refresh, ["fit"])

    def _set_catalogue_options(self, cat) -> None:
        """Filter choices that come from the catalogue (again after a catalogue import)."""
        any_ = {"Any": ""}
        interests = sorted({t for cell in self._display["_interests"] for t in cell.split(";")
                            if t})
        self.interest.options = {**any_, **{i: i for i in interests}}
        self.domain.options = {**any_, **{d: d for d in sorted(cat.competencies["domain"]
                                                             .unique())}}
        self.competency.options = {**any_, **{f"{r.name}": r.competency_id
                                              for r in cat.competencies.itertuples()}}

    def filtered(self) -> pd.DataFrame:
        """The table rows that pass every filter, fit columns included (fits first)."""
        d = self._display
        mask = np.ones(len(d), dtype=bool)
        q = self.search.value.strip().lower()
        if q:
            hay = (d["Title"] + " " + d["Provider"] + " " + d["_interests"]).str.lower()
            mask &= hay.str.contains(q, regex=False).to_numpy()
        if self.interest.value:
            mask &= d["_interests"].str.split(";").map(
                lambda x: self.interest.value in x).to_numpy()
        if self.domain.value:
            mask &= d["_domains"].str.contains(self.domain.value, regex=False).to_numpy()
        if self.competency.value:
            mask &= d["_competencies"].str.split(";").map(
                lambda x: self.competency.value in x).to_numpy()
        if self.kind.value:
            mask &= (d["_kind"] == self.kind.value).to_numpy()
        if self.modality.value:
            mask &= (d["_modality"] == self.modality.value).to_numpy()
        if self.day.value:
            mask &= (d["_day_mask"].to_numpy() & (1 << DAYS.index(self.day.value))) > 0
        if self.after.value is not None and self.after.value >= 0:
            mask &= d["_start"].to_numpy() >= self.after.value
        if self.max_cost.value is not None:
            mask &= d["Cost"].to_numpy() <= self.max_cost.value
        lr = self.state.learner
        if self.grade_fit.value and lr is not None:
            mask &= (d["_min_grade"].to_numpy() <= lr.grade) & (d["_max_grade"].to_numpy()
                                                                 >= lr.grade)
        out = d.loc[mask, ["section_id", "Title", "When", "Cost", "Provider", "How", "Type",
                           "Dates", "Seats", "Grades"]].copy()
        fit = self.state.fit
        if fit is not None:
            f = fit.reindex(out.index)
            travel = f["travel_minutes"].astype(float)
            if self.max_travel.value is not None:
                keep = (travel <= self.max_travel.value).to_numpy()
                out, f, travel = out[keep], f[keep], travel[keep]
            out.insert(1, "Fits?", np.where(f["in_plan"], "In plan",
                                            np.where(f["fits"], "Fits", "No")))
            mins = travel.to_numpy(dtype=float)
            out.insert(4, "Trip", np.where(~np.isfinite(mins), "No way there",
                                           np.where(mins <= 0, "None",
                                                    [f"{m:.0f} min" if np.isfinite(m) else ""
                                                     for m in mins])))
            out.insert(5, "Why not", f["reason"].fillna("").to_numpy())
            if self.fits_only.value:
                out = out[f["fits"].to_numpy() & ~f["in_plan"].to_numpy()]
            order = np.argsort(out["Fits?"].map({"In plan": 0, "Fits": 1, "No": 2}).to_numpy(),
                               kind="stable")
            out = out.iloc[order]
        return out

    def _refresh(self, *_):
        out = self.filtered()
        self.table.value = out.reset_index(drop=True)
        self.table.hidden_columns = ["section_id"]
        n = len(out)
        fits = int((out["Fits?"] == "Fits").sum()) if "Fits?" in out else n
        self.count.object = f"**{n}** of {len(self._display)} sections shown; **{fits}** fit."
        self.add.disabled = True

    def _import_catalogue(self, data: bytes, filename: str):
        return self.state.import_catalogue(data, self.mapping.value, filename)

    def _catalogue_changed(self, _pending) -> None:
        """The session switched to the imported catalogue: rebuild the table and its choices."""
        cat = self.state.catalogue
        self._display = catalogue_display(cat)
        self._set_catalogue_options(cat)
        self._refresh()

    def _selected(self, event):
        self.add.disabled = not event.new
        if event.new:
            title = self.table.value["Title"].iloc[event.new[0]]
            plan = self.state.plan.name if self.state.plan else "a new plan"
            self.add.label = f"Add {title[:40]} to {plan}"
        else:
            self.add.label = "Add selected to plan"

    def _add(self, _):
        if not self.table.selection:
            return
        sid = self.table.value["section_id"].iloc[self.table.selection[0]]
        self.state.add_section(sid)
