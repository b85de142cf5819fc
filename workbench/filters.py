"""The catalogue's filters as one Parameterized object: what the Opportunities step shows.

``CatalogueFilter`` holds every filter as a Parameter (words, interest, subject area, competency,
provider kind, how it is taught, day, start time, cost, trip time, grade, "fits", "helps a
goal") and derives the matching sections from the session's state, so a test or a notebook
drives it exactly as the page does::

    f = CatalogueFilter(state=session)
    f.param.update(kind="library", fits_only=True)
    f.rows()            # the matching sections, in the order the page lists them

param only (no Panel): the view binds widgets to these Parameters with ``from_param``. The
choices' labels are in the session's language and follow ``state.language``.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import param

from .domain.dataset import DAYS, MODALITY_WORDS, PROVIDER_KIND_WORDS, Catalogue
from .state import PlanningSession

_INDEX: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

#: The start times offered ("starts at or after"), minutes after midnight.
START_TIMES = tuple(range(7 * 60, 21 * 60, 60))
#: The order of a row's fit in the list: in the plan, fits, does not fit.
STATUS_ORDER = {"in_plan": 0, "fits": 1, "no": 2}


def catalogue_index(catalogue: Catalogue) -> pd.DataFrame:
    """The learner-independent columns the filters test, one row per section (built once per
    catalogue and shared read-only: nothing in it is about a learner)."""
    if catalogue in _INDEX:
        return _INDEX[catalogue]
    t = catalogue.section_table
    al = catalogue.alignments.merge(catalogue.competencies[["competency_id", "domain"]],
                                    on="competency_id")
    comps = al.groupby("opportunity_id")["competency_id"].agg(frozenset)
    domains = al.groupby("opportunity_id")["domain"].agg(frozenset)
    interests = t["interests"].fillna("").astype(str)
    df = pd.DataFrame({
        "title": t["title"].astype(str).to_numpy(),
        "provider": t["provider_name"].astype(str).to_numpy(),
        "opportunity_id": t["opportunity_id"].astype(str).to_numpy(),
        "interests": [frozenset(x.strip() for x in s.split(";") if x.strip())
                      for s in interests],
        "competencies": t["opportunity_id"].map(comps).to_numpy(),
        "domains": t["opportunity_id"].map(domains).to_numpy(),
        "kind": t["provider_kind"].to_numpy(),
        "modality": t["modality"].to_numpy(),
        "day_mask": np.where(t["meets"].to_numpy(dtype=bool), t["day_mask"].to_numpy(), 0),
        "start_min": t["start_min"].to_numpy(),
        "meets": t["meets"].to_numpy(dtype=bool),
        "min_grade": t["min_grade"].to_numpy(),
        "max_grade": t["max_grade"].to_numpy(),
        "cost": t["cost"].to_numpy(dtype=float),
        "hay": (t["title"].astype(str) + " " + t["provider_name"].astype(str) + " "
                + interests).str.lower().to_numpy(),
    }, index=t.index.copy())
    for col in ("competencies", "domains"):
        df[col] = [x if isinstance(x, frozenset) else frozenset() for x in df[col]]
    _INDEX[catalogue] = df
    return df


class CatalogueFilter(param.Parameterized):
    """Which catalogue sections to show, and in what order (fits first)."""

    state = param.ClassSelector(class_=PlanningSession, doc="The planning session.")
    search = param.String(default="", doc="Words in the title, provider or interests.")
    interest = param.Selector(default="", objects=[""], doc="An interest tag ('' any).")
    domain = param.Selector(default="", objects=[""], doc="A subject area ('' any).")
    competency = param.Selector(default="", objects=[""], doc="A competency id ('' any).")
    kind = param.Selector(default="", objects=["", *PROVIDER_KIND_WORDS],
                          doc="A kind of provider ('' any).")
    modality = param.Selector(default="", objects=["", *MODALITY_WORDS],
                              doc="How it is taught ('' any).")
    day = param.Selector(default="", objects=["", *DAYS], doc="Meets on this day ('' any).")
    starts_after = param.Selector(default=-1, objects=[-1, *START_TIMES],
                                  doc="Starts at or after this time (minutes; -1 any time).")
    max_cost = param.Number(default=None, allow_None=True, bounds=(0, None),
                            doc="The most it may cost, in dollars (None: no limit).")
    max_travel = param.Number(default=None, allow_None=True, bounds=(0, None),
                              doc="The longest one-way trip from home, in minutes (None: any).")
    right_grade = param.Boolean(default=True, doc="Only sections for the learner's grade.")
    fits_only = param.Boolean(default=False, doc="Only sections that would fit the plan.")
    helps_goal = param.Boolean(default=False,
                               doc="Only sections that practise one of the learner's goals.")
    page = param.Integer(default=0, bounds=(0, None), doc="Which page of rows (from 0).")
    page_size = param.Integer(default=12, bounds=(4, 100), doc="Rows a page.")

    _FILTERS = ("search", "interest", "domain", "competency", "kind", "modality", "day",
                "starts_after", "max_cost", "max_travel", "right_grade", "fits_only",
                "helps_goal")

    def __init__(self, **params):
        super().__init__(**params)
        self._catalogue_choices()
        self._relabel()

    # ---- choices ---------------------------------------------------------------------------
    def _catalogue_choices(self) -> None:
        """Choices that come from the catalogue (again after a catalogue import)."""
        cat = self.state.catalogue
        idx = catalogue_index(cat)
        self._interests = sorted({t for cell in idx["interests"] for t in cell})
        self._domains = sorted(cat.competencies["domain"].astype(str).unique())
        self._competencies = {str(r.competency_id): str(r.name)
                              for r in cat.competencies.itertuples()}
        for name in ("interest", "domain", "competency"):
            if getattr(self, name) not in [""] + {
                    "interest": self._interests, "domain": self._domains,
                    "competency": list(self._competencies)}[name]:
                setattr(self, name, "")

    @param.depends("state.language", watch=True)
    def _relabel(self) -> None:
        """The choices' labels in the session's language (their values stay the same)."""
        w = self.state.format
        any_ = {w.gettext("Any"): ""}
        self.param.interest.objects = {**any_, **{i: i for i in self._interests}}
        self.param.domain.objects = {**any_, **{d: d for d in self._domains}}
        self.param.competency.objects = {**any_, **{n: c for c, n in
                                                    self._competencies.items()}}
        self.param.kind.objects = {**any_, **{w.provider_kind(k): k
                                              for k in PROVIDER_KIND_WORDS}}
        self.param.modality.objects = {**any_, **{w.modality(m): m for m in MODALITY_WORDS}}
        self.param.day.objects = {**any_, **{w.day(d): d for d in DAYS}}
        self.param.starts_after.objects = {w.gettext("Any time"): -1,
                                           **{w.clock(m): m for m in START_TIMES}}

    def catalogue_changed(self) -> None:
        """The session switched catalogues (an import): new choices, first page."""
        self._catalogue_choices()
        self._relabel()
        self.page = 0

    @param.depends(*_FILTERS, watch=True)
    def _first_page(self) -> None:
        # a new filter starts again at the first page
        self.page = 0

    # ---- the rows --------------------------------------------------------------------------
    def goals_helped(self) -> pd.Series:
        """For every section: the learner's goals it practises at the levels each goal needs
        (a tuple of goal positions in ``learner.goals``; empty when none)."""
        cat, lr = self.state.catalogue, self.state.learner
        idx = catalogue_index(cat)
        if lr is None or not lr.goals:
            return pd.Series([()] * len(idx), index=idx.index, dtype=object)
        al = cat.alignments
        helps: dict[str, list[int]] = {}
        for gi, g in enumerate(lr.goals):
            cur = lr.level(g.competency_id)
            if cur >= g.level:
                continue
            rows = al[(al["competency_id"] == g.competency_id) & (al["min_level"] < g.level)
                      & (al["max_level"] > cur)]
            for opp in rows["opportunity_id"].unique():
                helps.setdefault(opp, []).append(gi)
        return pd.Series([tuple(helps.get(o, ())) for o in idx["opportunity_id"]],
                         index=idx.index, dtype=object)

    @param.depends(*_FILTERS, "state.fit", "state.learner")
    def rows(self) -> pd.DataFrame:
        """The sections that pass every filter, in the order the page lists them: in the plan,
        then those that fit, then the rest; within each, the ones that practise a goal first.

        Columns: ``status`` ("in_plan", "fits", "no"), ``reason`` (why not, in the session's
        language), ``travel_minutes`` (one way; inf: no way there), ``helps`` (goal positions).
        """
        idx = catalogue_index(self.state.catalogue)
        mask = np.ones(len(idx), dtype=bool)
        q = self.search.strip().lower()
        if q:
            mask &= np.array([q in h for h in idx["hay"]], dtype=bool)
        for name, col in (("interest", "interests"), ("domain", "domains"),
                          ("competency", "competencies")):
            value = getattr(self, name)
            if value:
                mask &= np.array([value in s for s in idx[col]], dtype=bool)
        if self.kind:
            mask &= (idx["kind"] == self.kind).to_numpy()
        if self.modality:
            mask &= (idx["modality"] == self.modality).to_numpy()
        if self.day:
            mask &= (idx["day_mask"].to_numpy() & (1 << DAYS.index(self.day))) > 0
        if self.starts_after is not None and self.starts_after >= 0:
            mask &= idx["meets"].to_numpy() & (idx["start_min"].to_numpy() >= self.starts_after)
        if self.max_cost is not None:
            mask &= idx["cost"].to_numpy() <= self.max_cost
        lr = self.state.learner
        if self.right_grade and lr is not None:
            mask &= (idx["min_grade"].to_numpy() <= lr.grade) & \
                (idx["max_grade"].to_numpy() >= lr.grade)
        helps = self.goals_helped()
        if self.helps_goal:
            mask &= np.array([bool(h) for h in helps], dtype=bool)
        out = pd.DataFrame({"helps": helps[mask]}, index=idx.index[mask])
        fit = self.state.fit
        if fit is None:
            out["status"], out["reason"], out["travel_minutes"] = "fits", "", np.nan
        else:
            f = fit.reindex(out.index)
            out["status"] = np.where(f["in_plan"].to_numpy(dtype=bool), "in_plan",
                                     np.where(f["fits"].to_numpy(dtype=bool), "fits", "no"))
            out["reason"] = f["reason"].fillna("").to_numpy()
            out["travel_minutes"] = f["travel_minutes"].astype(float).to_numpy()
        if self.max_travel is not None:
            out = out[(out["travel_minutes"] <= self.max_travel).to_numpy()]
        if self.fits_only:
            out = out[(out["status"] == "fits").to_numpy()]
        key = out["status"].map(STATUS_ORDER).to_numpy() * 2 + \
            np.array([0 if h else 1 for h in out["helps"]], dtype=int)
        return out.iloc[np.argsort(key, kind="stable")]

    def pages(self, n_rows: int) -> int:
        """How many pages ``n_rows`` rows take (at least one)."""
        return max(1, -(-n_rows // self.page_size))

    def page_of(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The rows of the current page (the last page when ``page`` is past the end)."""
        page = min(self.page, self.pages(len(rows)) - 1)
        return rows.iloc[page * self.page_size:(page + 1) * self.page_size]
