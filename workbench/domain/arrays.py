"""What the engine keeps between calls, and who may see it.

Two kinds of things are worth keeping:

* ``CatalogueArrays``: everything the engine reads about a catalogue, as read-only numpy arrays,
  built once per catalogue (lazily, under a lock) and shared by every planning session and
  batch worker in the process. Nothing in it depends on a learner or on model parameters.
  ``catalogue_arrays(catalogue)`` returns it; it goes away with its catalogue.
* ``EngineCache``: results about one learner that one planning session reuses between edits
  (the learner-only feasibility tests, a plan's trips, a comparison's per-plan parts). Each
  session owns one and passes it in (``cache=``); it is never module-level, so one family's
  answers can never reach another family's page. Without a cache nothing is kept.

The text helpers used to match a learner's interests and strengths against opportunities
(``text_words``, ``word_stem``, ``interest_tags``) live here because the arrays index
opportunities by them.
"""

from __future__ import annotations

import functools
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import ClassVar

import numpy as np
import pandas as pd

from .dataset import MODES, OPPORTUNITY_KINDS, Catalogue

#: Words that say nothing about what a strength or a domain is ("good with numbers").
STOP_WORDS = frozenset({"good", "with", "strong", "and", "the", "to", "of", "at", "on", "in",
                        "for", "others", "very", "two", "a", "an", "is"})
N_MODE_SETS = 1 << len(MODES)


def text_words(text) -> list[str]:
    """Lower-case words (letters and hyphens) of a text."""
    return re.findall(r"[a-z][a-z\-]*", str(text).lower())


def word_stem(word: str) -> str:
    """A crude stem: the first five letters ("numbers" and "number" both give "numbe")."""
    return word[:5]


def interest_tags(text) -> set[str]:
    """A ``;`` list of interest tags as a set of lower-case tags."""
    return {t.strip().lower() for t in str(text).split(";") if t.strip()}


def mode_set(modes: Iterable[str]) -> int:
    """Ways of travelling as a bit mask over ``MODES`` (unknown names are ignored)."""
    given = set(modes)
    return sum(1 << i for i, m in enumerate(MODES) if m in given)


def day_numbers(dates) -> np.ndarray:
    """Dates as whole days since 1970-01-01 (int64), for fast date arithmetic."""
    return np.asarray(pd.DatetimeIndex(dates).values.astype("datetime64[D]").astype(np.int64))


def weekday_of(days) -> np.ndarray:
    """Monday = 0 for day numbers (1970-01-01 was a Thursday)."""
    return (np.asarray(days) + 3) % 7


def monday_grid(first_day: int, last_day: int) -> np.ndarray:
    """Day numbers of the Mondays of every week from ``first_day`` to ``last_day``."""
    start = first_day - int(weekday_of(first_day))
    return np.arange(start, last_day + 1, 7, dtype=np.int64)


def _frozen(a) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


def _csr(groups: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, ptr): ``order[ptr[g]:ptr[g + 1]]`` are the rows of group g, in row order."""
    order = np.argsort(groups, kind="stable")
    ptr = np.searchsorted(groups[order], np.arange(n_groups + 1))
    return order.astype(np.int64), ptr.astype(np.int64)


class CatalogueArrays:
    """A catalogue as read-only arrays: sections, opportunities, alignments, zones, trips.

    Build it with ``catalogue_arrays(catalogue)`` (once per catalogue; shared by every session
    and thread). Every array has ``flags.writeable == False`` and every mapping is read-only,
    so no caller can change what another sees. Sections are in ``catalogue.section_table``
    order, opportunities in ``catalogue.opportunities`` order (then any an orphan section names),
    competencies in ``catalogue.competencies`` order, zones in ``catalogue.zones`` order.
    It holds no reference to the catalogue itself.
    """

    def __init__(self, catalogue: Catalogue):
        t = catalogue.section_table
        # ---- sections ------------------------------------------------------------------------
        self.n_sections = n_s = len(t)
        self.section_ids = _frozen(t.index.astype(str).to_numpy(dtype=object))
        self.section_index = pd.Index(self.section_ids, name="section_id", dtype=object)
        self.position: Mapping[str, int] = MappingProxyType(
            {sid: i for i, sid in enumerate(self.section_ids)})
        self.rows = _frozen(np.arange(n_s))
        self.title = _frozen(t["title"].astype(str).to_numpy(dtype=object))
        self.provider_name = _frozen(t["provider_name"].astype(str).to_numpy(dtype=object))
        self.opportunity_id = _frozen(t["opportunity_id"].astype(str).to_numpy(dtype=object))
        self.zone_name = _frozen(t["zone"].astype(str).to_numpy(dtype=object))
        self.weekly_hours = _frozen(t["weekly_hours"].to_numpy(dtype=float))
        self.self_paced_hours = _frozen(t["self_paced_hours"].to_numpy(dtype=float))
        self.meets = _frozen(t["meets"].to_numpy(dtype=bool))
        self.in_person = _frozen(t["in_person"].to_numpy(dtype=bool))
        # in-person sections need a trip even when their times are not published
        self.at_place = _frozen(t["modality"].isin(["in_person", "blended"]).to_numpy(dtype=bool))
        self.day_mask = _frozen(np.where(self.meets, t["day_mask"].to_numpy(dtype=np.int64), 0))
        self.start_min = _frozen(t["start_min"].to_numpy(dtype=np.int64))
        self.end_min = _frozen(t["end_min"].to_numpy(dtype=np.int64))
        self.start_date = _frozen(t["start_date"].to_numpy(dtype="datetime64[ns]"))
        self.end_date = _frozen(t["end_date"].to_numpy(dtype="datetime64[ns]"))
        self.first_day = _frozen(day_numbers(t["start_date"]))
        self.last_day = _frozen(day_numbers(t["end_date"]))
        self.min_grade = _frozen(t["min_grade"].to_numpy(dtype=np.int64))
        self.max_grade = _frozen(t["max_grade"].to_numpy(dtype=np.int64))
        self.seats_left = _frozen(t["seats_left"].to_numpy(dtype=np.int64))
        self.times_tba = _frozen(t["times_tba"].to_numpy(dtype=bool))
        self.needs_internet = _frozen(t["requires_broadband"].to_numpy(dtype=bool)
                                      | t["online"].to_numpy(dtype=bool))
        self.needs_device = _frozen(t["requires_device"].to_numpy(dtype=bool))
        self.needs_car = _frozen(t["requires_car"].to_numpy(dtype=bool))
        self.at_school = _frozen((t["provider_kind"] == "school").to_numpy(dtype=bool))
        self.cost = _frozen(t["cost"].to_numpy(dtype=float))
        school = t["start_date"].min(), t["end_date"].max()
        self.school_year = (school[0].date(), school[1].date()) if n_s else (None, None)

        # ---- zones and trips -----------------------------------------------------------------
        self.zones: tuple[str, ...] = tuple(catalogue.zones)
        self.zone_at: Mapping[str, int] = MappingProxyType(
            {z: i for i, z in enumerate(self.zones)})
        n_z = len(self.zones)
        self.zone = _frozen(t["zone"].astype(str).map(self.zone_at).fillna(-1)
                            .to_numpy(dtype=np.int64))
        # per set of ways of travelling (a MODES bit mask), from each zone (the last row and
        # column: a zone the data does not know) to each zone:
        #   reach    fastest minutes, inf where no listed mode goes (the projection's trips)
        #   fastest  the same, but a zone with no row to itself is 0 minutes on foot (a plan's
        #            trips: getting around one's own neighbourhood never breaks a plan)
        reach = np.full((N_MODE_SETS, n_z + 1, n_z + 1), np.inf)
        fastest = np.full((N_MODE_SETS, n_z + 1, n_z + 1), np.inf)
        how = np.full((N_MODE_SETS, n_z + 1, n_z + 1), None, dtype=object)
        diag = np.arange(n_z)
        for tm in range(N_MODE_SETS):
            best = np.full((n_z, n_z), np.inf)
            mode = np.full((n_z, n_z), None, dtype=object)
            for i, m in enumerate(MODES):
                if tm >> i & 1:
                    mat = catalogue.travel_matrix[m]
                    faster = mat < best
                    best = np.where(faster, mat, best)
                    mode[faster] = m
            reach[tm, :n_z, :n_z] = best
            missing = ~np.isfinite(best[diag, diag])
            best[diag[missing], diag[missing]] = 0.0
            mode[diag[missing], diag[missing]] = "walk"
            fastest[tm, :n_z, :n_z] = best
            how[tm, :n_z, :n_z] = mode
        self.reach, self.fastest, self.fastest_mode = _frozen(reach), _frozen(fastest), \
            _frozen(how)

        # ---- catalogue weeks: hours of every section in every week it could run -------------
        if n_s:
            self.weeks = _frozen(monday_grid(int(self.first_day.min()), int(self.last_day.max())))
        else:
            self.weeks = _frozen(np.zeros(0, dtype=np.int64))
        self.hours = _frozen(self.hours_in_weeks(self.rows, self.weeks))

        # ---- competencies --------------------------------------------------------------------
        comps = catalogue.competencies
        self.competency_ids: tuple[str, ...] = tuple(str(c) for c in comps["competency_id"])
        self.competency_at: Mapping[str, int] = MappingProxyType(
            {c: i for i, c in enumerate(self.competency_ids)})
        self.competency_frame = comps[["competency_id", "name", "domain"]].reset_index(drop=True)
        self.competency_names: Mapping[str, str] = MappingProxyType(dict(catalogue.competency_names))
        self.difficulty = _frozen(comps["difficulty"].to_numpy(dtype=float))
        domains = comps["domain"].astype(str).to_numpy(dtype=object)
        self.domains: tuple[str, ...] = tuple(sorted(set(domains)))
        self.competency_domain = _frozen(pd.Index(self.domains).get_indexer(domains)
                                         .astype(np.int64))
        self.competency_domain_name = _frozen(domains)
        self.domain_stems: tuple[frozenset[str], ...] = tuple(
            frozenset(word_stem(w) for w in text_words(d) if w not in STOP_WORDS)
            for d in self.domains)

        # ---- opportunities -------------------------------------------------------------------
        opps = catalogue.opportunities.reset_index(drop=True)
        known = [str(o) for o in opps["opportunity_id"]]
        extra = sorted(set(self.opportunity_id) - set(known))  # sections naming no opportunity
        self.opportunity_ids: tuple[str, ...] = tuple(known + extra)
        self.opportunity_at: Mapping[str, int] = MappingProxyType(
            {o: i for i, o in enumerate(self.opportunity_ids)})
        n_o = len(self.opportunity_ids)
        self.opportunity = _frozen(np.array([self.opportunity_at[o] for o in self.opportunity_id],
                                            dtype=np.int64))
        pad = [np.nan] * len(extra)
        # a missing cost counts as free, as pandas' sum has it
        self.opportunity_cost = _frozen(np.nan_to_num(np.r_[opps["cost"].to_numpy(dtype=float),
                                                            pad], nan=0.0))
        kinds = list(OPPORTUNITY_KINDS) + sorted(set(opps["kind"].astype(str))
                                                 - set(OPPORTUNITY_KINDS))
        self.kinds: tuple[str, ...] = tuple(kinds)
        self.opportunity_kind = _frozen(np.r_[pd.Index(kinds).get_indexer(opps["kind"].astype(str)),
                                              [-1] * len(extra)].astype(np.int64))
        tags = [frozenset(interest_tags(x)) for x in opps["interests"]] + [frozenset()] * len(extra)
        titles = [str(x) for x in opps["title"]] + [""] * len(extra)
        self.opportunity_tags: tuple[frozenset[str], ...] = tuple(tags)
        # what a strength can match in an opportunity: stems of its tags' and title's words
        targets = [frozenset({word_stem(w) for tag in tg for w in text_words(tag)}
                             | {word_stem(w) for w in text_words(title)})
                   for tg, title in zip(tags, titles, strict=True)]
        self.opportunity_stems: tuple[frozenset[str], ...] = tuple(targets)
        self.tag_opportunities = self._inverted(tags)
        # the same tags as bits (64 to a word), for matching many learners' interests at once
        self.tag_bit: Mapping[str, int] = MappingProxyType(
            {t: i for i, t in enumerate(sorted(set().union(*tags)))})
        bits = np.zeros((n_o, max(1, -(-len(self.tag_bit) // 64))), dtype=np.uint64)
        for o, tg in enumerate(tags):
            for t in tg:
                b = self.tag_bit[t]
                bits[o, b // 64] |= np.uint64(1) << np.uint64(b % 64)
        self.opportunity_tag_bits = _frozen(bits)
        self.stem_opportunities = self._inverted(targets)
        order, ptr = _csr(self.opportunity, n_o)
        self.opportunity_sections, self.opportunity_section_ptr = _frozen(order), _frozen(ptr)

        # ---- alignments, grouped by opportunity, each group in file order --------------------
        a = catalogue.alignments.reset_index(drop=True)
        oid = a["opportunity_id"]
        a_opp = np.array([-1 if pd.isna(o) else self.opportunity_at.get(str(o), -1) for o in oid],
                         dtype=np.int64)
        a_comp = np.array([self.competency_at.get(str(c), -1) for c in a["competency_id"]],
                          dtype=np.int64)
        self.opportunity_aligned = _frozen(np.bincount(a_opp[a_opp >= 0], minlength=n_o) > 0)
        use = (a_opp >= 0) & (a_comp >= 0)   # alignments to competencies the catalogue lists
        idx = np.flatnonzero(use)
        order, ptr = _csr(a_opp[idx], n_o)
        idx = idx[order]
        self.alignment_ptr = _frozen(ptr)
        self.alignment_competency = _frozen(a_comp[idx])
        self.alignment_intensity = _frozen(a["intensity"].to_numpy(dtype=float)[idx])
        lo = a["min_level"].to_numpy(dtype=np.int64)[idx]
        hi = a["max_level"].to_numpy(dtype=np.int64)[idx]
        steps = np.arange(4)
        # opportunity o counts toward level step k -> k+1 only for min_level <= k < max_level
        self.alignment_steps = _frozen((steps[None] >= lo[:, None]) & (steps[None] < hi[:, None]))
        # share of an opportunity's hours going to each domain, in proportion to intensity
        sums: list[dict[str, float]] = [{} for _ in range(n_o)]
        for o, c, inten in zip(a_opp[use], a_comp[use], a["intensity"].to_numpy()[use],
                               strict=True):
            per = sums[o]
            dom = str(domains[c])
            per[dom] = per.get(dom, 0.0) + (0.0 if pd.isna(inten) else float(inten))
        shares = []
        with np.errstate(invalid="ignore", divide="ignore"):
            for per in sums:
                doms = sorted(per)
                v = np.array([per[d] for d in doms])
                shares.append(MappingProxyType(dict(zip(doms, (v / v.sum()).tolist(),
                                                        strict=True))))
        self.opportunity_domains: tuple[Mapping[str, float], ...] = tuple(shares)
        # prerequisites: a sections x competencies matrix of levels needed to join
        need = a[a["min_level"].to_numpy() > 0]
        self.prerequisite_ids: tuple[str, ...] = tuple(dict.fromkeys(need["competency_id"]))
        prereq = np.zeros((n_s, len(self.prerequisite_ids)), dtype=np.int64)
        if len(need) and n_s:
            table = need.pivot_table(index="opportunity_id", columns="competency_id",
                                     values="min_level", aggfunc="max").reindex(
                index=list(self.opportunity_ids), columns=list(self.prerequisite_ids))
            prereq = table.fillna(0).to_numpy(dtype=np.int64)[self.opportunity]
        self.prerequisite = _frozen(prereq)
        self.prerequisite_names = _frozen(np.array(
            [self.competency_names.get(c, c) for c in self.prerequisite_ids], dtype=object))

        # ---- requirements --------------------------------------------------------------------
        r = catalogue.requirements
        self.requirements: tuple[tuple[str, str, str, int, int], ...] = tuple(zip(
            r["requirement_id"].tolist(), r["name"].tolist(), r["domain"].tolist(),
            [int(x) for x in r["level"]], [int(x) for x in r["min_competencies"]], strict=True))

    @staticmethod
    def _inverted(sets: list[frozenset[str]]) -> Mapping[str, np.ndarray]:
        """word -> the (sorted) opportunity codes whose set holds it."""
        out: dict[str, list[int]] = {}
        for o, s in enumerate(sets):
            for w in s:
                out.setdefault(w, []).append(o)
        return MappingProxyType({w: _frozen(np.array(v, dtype=np.int64)) for w, v in out.items()})

    # ---- helpers -----------------------------------------------------------------------------
    def known(self, section_ids) -> list[str]:
        """The plan's section ids that exist, each once, in plan order."""
        position = self.position
        return [s for s in dict.fromkeys(str(x) for x in section_ids) if s in position]

    def positions(self, section_ids) -> np.ndarray:
        """Row positions of the plan's known sections, in plan order."""
        position = self.position
        return np.array([position[s] for s in self.known(section_ids)], dtype=np.int64)

    def hours_in_weeks(self, pos: np.ndarray, weeks: np.ndarray) -> np.ndarray:
        """Hours each section at ``pos`` takes in each week: a ``len(pos) x len(weeks)`` array.

        ``weeks`` are day numbers of each week's first day. A meeting counts when its date falls
        inside the section's dates; self-paced hours count in full in any week the section runs
        on at least one day.
        """
        pos = np.asarray(pos, dtype=np.int64)
        weeks = np.asarray(weeks, dtype=np.int64)
        first, last = self.first_day[pos], self.last_day[pos]
        dates = weeks[:, None] + np.arange(7)[None, :]                       # W x 7
        running = (dates[None] >= first[:, None, None]) & (dates[None] <= last[:, None, None])
        meets = self.meets[pos]
        on_day = ((self.day_mask[pos][:, None] >> np.arange(7)) & 1) > 0     # S x 7
        length = np.where(meets, (self.end_min[pos] - self.start_min[pos]) / 60, 0.0)
        meeting = (running & on_day[:, None, :]).sum(axis=2) * length[:, None]
        return meeting + running.any(axis=2) * self.self_paced_hours[pos][:, None]

    def home_zone(self, zone: str) -> int:
        """A home zone's row in ``reach`` / ``fastest`` (the last row when it is unknown)."""
        return self.zone_at.get(zone, len(self.zones))

    def trips(self, modes) -> tuple[np.ndarray, np.ndarray]:
        """Fastest minutes and mode between every two known zones by any of ``modes``."""
        n = len(self.zones)
        tm = mode_set(modes)
        return self.fastest[tm, :n, :n], self.fastest_mode[tm, :n, :n]

    # a CatalogueArrays travels to Dask workers: arrays and mappings become read-only again
    def __getstate__(self) -> dict:
        return {k: dict(v) if isinstance(v, MappingProxyType) else v
                for k, v in self.__dict__.items()}

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            if isinstance(v, np.ndarray):
                v.setflags(write=False)
            elif isinstance(v, dict):
                v = MappingProxyType(v)
            setattr(self, k, v)


_SHARED: weakref.WeakKeyDictionary[Catalogue, CatalogueArrays] = weakref.WeakKeyDictionary()
_BUILD_LOCK = threading.Lock()


def catalogue_arrays(catalogue: Catalogue) -> CatalogueArrays:
    """The catalogue's read-only arrays, built on first use (once, even from several threads).

    A catalogue is treated as read-only once loaded; the arrays are dropped with it.
    """
    arrays = _SHARED.get(catalogue)
    if arrays is None:
        with _BUILD_LOCK:
            arrays = _SHARED.get(catalogue)
            if arrays is None:
                arrays = _SHARED[catalogue] = CatalogueArrays(catalogue)
    return arrays


class EngineCache:
    """Results about one learner that one planning session reuses between edits.

    A session (``PlanningSession``) owns one and passes it to ``check_plan``,
    ``catalogue_fit``, ``plan_ledger`` and ``compare_plans``; nothing in it is ever seen by
    another session. Everything is keyed by the learner's situation and the plan, so a changed
    learner never gets stale answers, and it forgets everything when used with another
    catalogue. Each store is bounded (a few learners' plans at once). Not for use by two
    threads at once: one session, one cache.
    """

    LIMITS: ClassVar[Mapping[str, int]] = MappingProxyType({
        "section_tests": 16, "trip_legs": 64, "comparison_parts": 32, "text_columns": 16,
        "competency_text": 64})

    def __init__(self):
        self._arrays: CatalogueArrays | None = None
        self._stores: dict[str, dict] = {name: {} for name in self.LIMITS}

    def get(self, name: str, arrays: CatalogueArrays, key):
        """The result kept under ``key`` in store ``name`` for this catalogue, or None."""
        if arrays is not self._arrays:
            self.clear()
            self._arrays = arrays
        return self._stores[name].get(key)

    def keep(self, name: str, key, value):
        """Keep ``value`` under ``key`` (a full store is emptied first) and return it."""
        s = self._stores[name]
        if key not in s and len(s) >= self.LIMITS[name]:
            s.clear()  # a few learners' plans are in use at once; forget old ones
        s[key] = value
        return value

    def clear(self) -> None:
        """Forget everything."""
        for s in self._stores.values():
            s.clear()
        self._arrays = None

    def __len__(self) -> int:
        return sum(len(s) for s in self._stores.values())


_FROM_ARRAYS = getattr(pd.DataFrame, "_from_arrays", None)


def frame_of_arrays(columns: Mapping[str, object], index: pd.Index | None = None) -> pd.DataFrame:
    """A frame holding these column arrays as they are (each already of the type it should
    have and not shared with anything that changes it), in this order.

    pandas' own column-arrays constructor: the same frame as ``pd.DataFrame(columns)``, without
    wrapping each column in a Series first, which is most of the time a frame of a few rows or a
    few plain columns takes. The public route where pandas has no such constructor.
    """
    if index is None:
        index = pd.RangeIndex(len(next(iter(columns.values()))) if columns else 0)
    if _FROM_ARRAYS is not None:
        return _FROM_ARRAYS(list(columns.values()), columns=_column_index(tuple(columns)),
                            index=index, verify_integrity=False)
    return pd.DataFrame({name: pd.Series(values, index=index, copy=False,
                                         dtype=getattr(values, "dtype", None))
                         for name, values in columns.items()})


@functools.lru_cache(maxsize=256)
def _column_index(names: tuple[str, ...]) -> pd.Index:
    """The column labels as pandas would index them, made once per set of names (an Index is
    immutable, and frames share them as pandas itself does; making one infers text types,
    which costs more than the frame)."""
    return pd.Index(list(names))
