"""Why this chance: for each goal, what in the plan practises it, what holds it back, and what
would raise it most — worked out by the projection itself, never written by hand.

Each goal's chance comes from the practice the plan's pieces give its competency before the
goal's date (hours a week x practice per hour x share attended x engagement, week by week; see
``docs/model.md``). ``explain_goals`` takes those numbers apart piece by piece, then projects
variants of the plan with the public projection (``project``, ``practice_array`` and
``evolve``): one more hour a week of each piece that practises the goal, and each of a few
sections that would still fit and practise it. ``explanation_text`` says it all in the session's
language.

Pure: no Panel, no files. Everything shown comes from these numbers, so "why 75%?" always has an
answer the model itself gives.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .arrays import catalogue_arrays
from .dataset import Catalogue, Learner
from .projection import (
    DEFAULT_PARAMETERS,
    ModelParameters,
    Projection,
    engagement,
    evolve,
    learn_rates,
    practice_array,
    project,
    range_bounds,
    range_multipliers,
    section_attendance,
    week_hours,
)
from .schedule import fastest_trips
from .words import ENGLISH, Words, goal_reached

__all__ = ["GoalExplanation", "GoalPiece", "Improvement", "explain_goals", "explanation_text",
           "goal_week"]

#: How many fitting sections per goal are projected as "adding it" variants (the ones that give
#: the goal's competency the most practice per week).
CANDIDATES_PER_GOAL = 3
#: At most this many "adding it" variants in all (each is one projection).
MAX_CANDIDATES = 8


@dataclass(frozen=True)
class GoalPiece:
    """One piece of the plan and the practice it gives a goal's competency."""

    section_id: str
    title: str
    hours_per_week: float
    """Hours a week it meets (or the self-paced hours)."""
    intensity: float
    """How much each hour practises the competency (the catalogue's alignment intensity)."""
    attendance: float
    """Share of the hours the learner is expected to attend."""
    engagement: float
    """1 + interest boost + strength boost."""
    weeks: int
    """Weeks it runs before the goal's date."""
    counts: bool
    """Whether it practises the steps the goal needs (an alignment covers levels min..max)."""
    travel_minutes: float
    """One-way trip from home (0: no trip needed; inf: no listed way to get there)."""
    travel_loss: float
    """Share of attendance lost to the trip."""
    late_loss: float
    """Share of attendance lost because it ends late."""
    interest_match: bool
    strength_match: bool
    interest_boost: float = 0.0
    """The extra engagement a match with the learner's interests would give (the model's)."""
    competencies: int = 1
    """How many competencies the opportunity is aligned to (its hours are shared by them)."""
    share: float = 1.0
    """Share of each hour this competency gets: ``competencies ** -alignment_overlap``."""

    @property
    def practice_per_week(self) -> float:
        """hours x intensity x share x attendance x engagement: what one week of it gives the
        competency (before the week's practice saturates)."""
        return self.hours_per_week * self.intensity * self.share * self.attendance \
            * self.engagement

    @property
    def practice_before(self) -> float:
        """The practice it gives before the goal's date (0 when it does not count)."""
        return self.practice_per_week * self.weeks if self.counts else 0.0


@dataclass(frozen=True)
class Improvement:
    """A change to the plan and the goal's chance with it (a re-projection)."""

    kind: str
    """"more_hours" (one more hour a week of a piece) or "add" (add a section that fits)."""
    section_id: str
    title: str
    probability: float
    hours: float
    """The hours a week it adds."""
    day_mask: int = 0
    """When it meets (for "add": a 7-bit day mask, bit 0 Monday; 0 at its own pace)."""
    start_min: int = 0
    end_min: int = 0


@dataclass(frozen=True)
class GoalExplanation:
    """Why one goal has the chance it has under one plan."""

    competency_id: str
    name: str
    target_level: int
    by: dt.date
    current_level: int
    probability: float
    """The mean chance over draws of the model's parameters (``projection.project_ranges``)."""
    low_level: int
    """The level the learner has a 1 in 10 chance of being below at the goal's date."""
    high_level: int
    """The level the learner has a 1 in 10 chance of being above at the goal's date."""
    pieces: tuple[GoalPiece, ...]
    practice_needed: float
    """The practice the steps from the current level to the goal usually take (the sum of
    1 / learn rate over the steps: each step's expected number of practice opportunities)."""
    improvements: tuple[Improvement, ...]
    """Best first; only changes that raise the chance."""
    probability_low: float = float("nan")
    """The 10th percentile of the chance over draws of the parameters."""
    probability_high: float = float("nan")
    """The 90th percentile of the chance over draws of the parameters."""
    learn_rate_share: float = float("nan")
    """How much of that range comes from not knowing the learn rate: the width of the range
    with only the learn rate drawn over its width with everything drawn (0 to 1; NaN without
    a range)."""

    @property
    def reached(self) -> bool:
        return goal_reached(self.current_level, self.target_level, self.probability)

    @property
    def practice_before(self) -> float:
        return float(sum(p.practice_before for p in self.pieces))

    @property
    def best(self) -> Improvement | None:
        return self.improvements[0] if self.improvements else None


def goal_week(week_starts: pd.DatetimeIndex, by) -> int:
    """The row of the projection a goal's date is read from, as the projection reads it: the
    week whose Monday starts the week of the date (the last row when the date is beyond)."""
    first = pd.Timestamp(week_starts[0]).date()
    days = (pd.Timestamp(by).date() - first).days
    return int(np.clip(days // 7, 0, len(week_starts) - 1))


def _levels_band(dist: np.ndarray) -> tuple[int, int]:
    cdf = np.cumsum(dist)
    low = int(np.clip((cdf < 0.1 - 1e-9).sum(), 0, len(dist) - 1))
    high = int(np.clip((cdf < 0.9 - 1e-9).sum(), 0, len(dist) - 1))
    return low, high


def _chances_with(practice: np.ndarray, c: int, rates: np.ndarray, start, week: int,
                  target: int, params: ModelParameters, multipliers=(1.0,)) -> np.ndarray:
    """The chance of reaching ``target`` by ``week`` with this practice on competency ``c``, in
    each draw of the parameters (a multiplier on ``n log(1 - t)`` after the week's practice
    saturates, as the projection draws it); idle weeks forget as the projection has them.
    ``start`` is where the projection starts (a level or a distribution over the levels)."""
    m = np.asarray(multipliers, dtype=float)
    begin = np.asarray(start, dtype=float)
    if begin.ndim == 0:
        begin = np.eye(5)[int(begin)]
    # the draws side by side as copies of the competency: one learn rate per draw
    drawn = -np.expm1(m[:, None] * np.log1p(-rates[c:c + 1]))               # m x 4
    each = np.broadcast_to(practice[None, :, c:c + 1, :], (1, practice.shape[0], m.size, 4))
    dist = evolve(np.broadcast_to(begin, (1, m.size, 5)).copy(), np.ascontiguousarray(each),
                  drawn, params=params)
    return np.clip(dist[0, week, :, target:].sum(axis=-1), 0.0, 1.0)


def _chance_with(practice: np.ndarray, c: int, rates: np.ndarray, start, week: int,
                 target: int, params: ModelParameters, multipliers=(1.0,)) -> float:
    """The mean chance over draws (``_chances_with``)."""
    return float(_chances_with(practice, c, rates, start, week, target, params,
                               multipliers).mean())


def explain_goals(catalogue: Catalogue, learner: Learner, section_ids,
                  params: ModelParameters = DEFAULT_PARAMETERS, *,
                  projection: Projection | None = None, candidates=(),
                  extra_hours: float = 1.0) -> list[GoalExplanation]:
    """Why each of the learner's goals has its chance under a plan.

    Parameters
    ----------
    catalogue, learner
        Where the sections come from, and whose goals.
    section_ids
        The plan's sections.
    params
        The projection's parameters.
    projection
        The plan's projection if already made (made here otherwise).
    candidates
        Sections that could be added without breaking the plan (e.g. the catalogue fit's
        fitting rows); the few that practise each goal most are projected as "adding it".
    extra_hours
        The hours a week the "more of this piece" variants add.

    Returns
    -------
    list of GoalExplanation
        One per goal, in the learner's goal order.
    """
    table = catalogue.section_table
    sections = [s for s in dict.fromkeys(section_ids) if s in table.index]
    if projection is None:
        projection = project(catalogue, learner, sections, params)
    if not learner.goals:
        return []
    week_starts = projection.week_starts
    comp_at = {c: i for i, c in enumerate(projection.competency_ids)}
    rates = learn_rates(catalogue, params)
    attend = section_attendance(catalogue, learner, sections, params)
    minutes, _mode = fastest_trips(catalogue, learner.transport)
    zone_at = {z: i for i, z in enumerate(catalogue.zones)}
    home = zone_at.get(learner.home_zone)
    interests = {x.strip().lower() for x in learner.interests}
    # each opportunity's alignments: competency -> (intensity, min_level, max_level)
    al = catalogue.alignments
    aligned: dict[str, dict[str, tuple[float, int, int]]] = {}
    for o, c, i, lo, hi in zip(al["opportunity_id"].to_numpy(), al["competency_id"].to_numpy(),
                               al["intensity"].to_numpy(dtype=float),
                               al["min_level"].to_numpy(), al["max_level"].to_numpy(),
                               strict=True):
        aligned.setdefault(o, {}).setdefault(c, (float(i), int(lo), int(hi)))
    n_w = len(week_starts) - 1
    base_practice = practice_array(catalogue, learner, sections, week_starts, params) \
        if sections else np.zeros((n_w, len(comp_at), 4))

    def section(sid: str) -> dict:
        return {k: table.at[sid, k] for k in (
            "opportunity_id", "title", "weekly_hours", "start_date", "end_date", "in_person",
            "zone", "meets", "end_min", "interests")}

    info = {sid: section(sid) for sid in sections}

    # the weeks each piece gives any hours, on the days it meets (the kernel's and ledger's rule)
    arrays = catalogue_arrays(catalogue)
    week_days = week_starts.as_unit("ns").asi8[:-1] // 86_400_000_000_000
    runs = dict(zip(sections, (week_hours(arrays, week_days, arrays.positions(sections)) > 0).T,
                    strict=True)) if sections else {}

    def weeks_before(sid: str, week: int) -> int:
        return int(runs[sid][:week].sum())

    def trip(row: dict) -> float:
        if not bool(row["in_person"]):
            return 0.0
        z = zone_at.get(str(row["zone"]))
        if home is None or z is None:
            return float("inf")
        return float(minutes[home, z])

    # "adding it" variants: fitting sections of opportunities not yet in the plan that give a
    # goal's competency the most practice a week (several groups of one opportunity: the first)
    in_plan = {info[s]["opportunity_id"] for s in sections}
    cand = pd.Index(list(dict.fromkeys(candidates)), dtype=object)
    pos = table.index.get_indexer(cand)
    cand, pos = cand[pos >= 0], pos[pos >= 0]
    opp_col = table["opportunity_id"].to_numpy(dtype=object)
    hours_col = table["weekly_hours"].to_numpy(dtype=float)
    cands: dict[str, tuple[str, float]] = {}
    seen_opp: set = set(in_plan)
    for sid, i in zip(cand, pos, strict=True):
        if sid not in info and opp_col[i] not in seen_opp:
            seen_opp.add(opp_col[i])
            cands[sid] = (opp_col[i], float(hours_col[i]))
    wanted: list[str] = []
    for g in learner.goals:
        cur = learner.level(g.competency_id)
        if cur >= g.level:
            continue
        score = []
        for sid, (opp, hours) in cands.items():
            a = aligned.get(opp, {}).get(g.competency_id)
            if a is not None and a[1] < g.level and a[2] > cur:
                score.append((-a[0] * hours, len(score), sid))
        wanted += [sid for *_k, sid in sorted(score)[:CANDIDATES_PER_GOAL] if sid not in wanted]
    variants = {sid: base_practice + practice_array(catalogue, learner, [sid], week_starts,
                                                    params)
                for sid in wanted[:MAX_CANDIDATES]}

    # the same draws of the parameters as the projection's (none when it has none)
    draws = None if projection.end_draws is None else len(projection.end_draws)
    mult = np.ones(1) if draws is None else range_multipliers(params, draws)
    learn_only = np.ones(1) if draws is None else range_multipliers(
        dataclasses.replace(params, attendance_spread=0.0, engagement_spread=0.0), draws)
    out = []
    for gi, g in enumerate(learner.goals):
        gp = projection.goals.iloc[gi]
        c = comp_at.get(g.competency_id)
        current = learner.level(g.competency_id)
        week = goal_week(week_starts, g.by)
        prob = float(gp["probability"])
        p_low = float(gp.get("probability_low", prob))
        p_high = float(gp.get("probability_high", prob))
        if c is None:
            out.append(GoalExplanation(g.competency_id, str(gp["name"]), int(g.level), g.by,
                                       current, prob, current, current, (), float("nan"), ()))
            continue
        low, high = _levels_band(projection.distribution[week, c])
        needed = float(sum(1.0 / rates[c, k] for k in range(current, int(g.level))))
        pieces = []
        for sid in sections:
            row = info[sid]
            a = aligned.get(row["opportunity_id"], {}).get(g.competency_id)
            if a is None:
                continue
            att = float(attend.get(sid, params.base_attendance))
            o = arrays.opportunity_at[row["opportunity_id"]]
            k = max(int(arrays.alignment_ptr[o + 1] - arrays.alignment_ptr[o]), 1)
            late = params.late_penalty if bool(row["meets"]) and \
                int(row["end_min"]) > params.late_hour * 60 else 0.0
            eng = engagement(catalogue, learner, row["opportunity_id"], g.competency_id, params)
            tags = {x.strip().lower() for x in str(row["interests"] or "").split(";")}
            interest = bool(interests & tags)
            pieces.append(GoalPiece(
                section_id=sid, title=str(row["title"]),
                hours_per_week=float(row["weekly_hours"]), intensity=a[0], attendance=att,
                engagement=float(eng), weeks=weeks_before(sid, week),
                counts=a[1] < g.level and a[2] > current, travel_minutes=trip(row),
                travel_loss=max(0.0, params.base_attendance - late - att), late_loss=late,
                interest_match=interest,
                strength_match=eng - 1.0 - params.interest_boost * interest > 1e-9,
                interest_boost=params.interest_boost, competencies=k,
                share=float(k) ** -params.alignment_overlap if params.alignment_overlap > 0
                else 1.0))
        improvements = []
        share = float("nan")
        if current < g.level:
            # where the projection starts (the recorded level, filtered through any evidence)
            start, target = projection.distribution[0, c], int(g.level)
            if p_high - p_low > 1e-9:
                # the range again with only the learn rate unknown: the chance only grows with
                # the multiplier, so its bounds are the chances at the bound multipliers
                lo_hi = _chances_with(base_practice, c, rates, start, week, target, params,
                                      range_bounds(learn_only))
                share = float(np.clip((lo_hi[1] - lo_hi[0]) / (p_high - p_low), 0.0, 1.0))
            for piece in pieces:
                if not piece.counts or piece.hours_per_week <= 0 or piece.weeks == 0:
                    continue
                one = practice_array(catalogue, learner, [piece.section_id], week_starts, params)
                more = base_practice + one * (extra_hours / piece.hours_per_week)
                improvements.append(Improvement(
                    "more_hours", piece.section_id, piece.title,
                    _chance_with(more, c, rates, start, week, target, params, mult),
                    float(extra_hours)))
            for sid, practice in variants.items():
                row = table.loc[sid]
                improvements.append(Improvement(
                    "add", sid, str(row["title"]),
                    _chance_with(practice, c, rates, start, week, target, params, mult),
                    float(row["weekly_hours"]),
                    int(row["day_mask"]) if bool(row["meets"]) else 0,
                    int(row["start_min"]), int(row["end_min"])))
        # only what raises the chance by at least half a point, best first (more hours of
        # something already in the plan first when two are equal: nothing new to arrange)
        improvements = sorted((i for i in improvements if i.probability >= prob + 0.005),
                              key=lambda i: (-round(i.probability, 3), i.kind != "more_hours"))
        out.append(GoalExplanation(
            competency_id=g.competency_id, name=str(gp["name"]), target_level=int(g.level),
            by=g.by, current_level=current, probability=prob, low_level=low, high_level=high,
            pieces=tuple(pieces), practice_needed=needed, improvements=tuple(improvements),
            probability_low=p_low, probability_high=p_high, learn_rate_share=share))
    return out


class ExplanationText(NamedTuple):
    """One goal's explanation in a language: a headline and lists of plain sentences."""

    headline: str
    band: str
    practised_by: list[str]
    lowered_by: list[str]
    raise_most: str
    range: str = ""
    """Where the chance most likely lies and how much of that comes from not knowing the learn
    rate ("" without a range)."""


def explanation_text(exp: GoalExplanation, words: Words = ENGLISH) -> ExplanationText:
    """A goal's explanation as sentences in ``words``' language.

    ``headline`` says the goal, its chance and how likely that is in words; ``band`` the range
    of levels the learner will likely be at by the date (8 chances in 10); ``practised_by`` one
    sentence per piece that practises it (hours x practice per hour x attendance); ``lowered_by``
    what holds the chance back; ``raise_most`` what would raise it most ("" when nothing the
    workbench tried would).
    """
    w = words
    level, date = w.level(exp.target_level), w.date(exp.by)
    if exp.reached:
        headline = w.gettext("{level} in {competency} by {date}: already reached.").format(
            level=level, competency=exp.name, date=date)
        return ExplanationText(headline, "", [], [], "")
    headline = w.gettext("{level} in {competency} by {date}: {chance} chance ({likely}).").format(
        level=level, competency=exp.name, date=date, chance=w.chance(exp.probability),
        likely=w.likelihood(exp.probability))
    span = w.likely_range(exp.probability, exp.probability_low, exp.probability_high)
    ranged = ""
    if span and exp.learn_rate_share == exp.learn_rate_share:  # a range, and not NaN
        ranged = w.gettext(
            "Nobody knows exactly how fast learners learn, so the workbench tried many "
            "plausible paces: the chance is {range}. About {share} of that range comes from not "
            "knowing the pace of learning; the rest from how often the learner attends and how "
            "much they engage.").format(range=span, share=w.percent(exp.learn_rate_share))
    elif span:
        ranged = w.gettext("The chance is {range}.").format(range=span)
    if exp.low_level == exp.high_level:
        band = w.gettext("8 chances in 10 of being at {level} by then.").format(
            level=w.level(exp.low_level))
    else:
        band = w.gettext("8 chances in 10 of being between {low} and {high} by then.").format(
            low=w.level(exp.low_level), high=w.level(exp.high_level))
    practised, lowered = [], []
    for p in exp.pieces:
        if not p.counts:
            lowered.append(w.gettext(
                "{title} practises {competency}, but not at the level this goal needs.").format(
                title=p.title, competency=exp.name))
            continue
        if p.weeks == 0:
            lowered.append(w.gettext("{title} does not run before {date}.").format(
                title=p.title, date=date))
            continue
        if p.share < 1:
            practised.append(w.gettext(
                "{title}: {hours} a week × {intensity} practice per hour × {share} of each hour"
                " (it practises {count} competencies) × {attendance} attended × {engagement} for"
                " interests and strengths = {practice} hours of practice a week, for {weeks}"
                " weeks.").format(
                title=p.title, hours=w.hours(p.hours_per_week), intensity=w.number(p.intensity),
                share=w.percent(p.share), count=w.integer(p.competencies),
                attendance=w.percent(p.attendance), engagement=w.number(p.engagement, 2),
                practice=w.number(p.practice_per_week), weeks=w.integer(p.weeks)))
        else:
            practised.append(w.gettext(
                "{title}: {hours} a week × {intensity} practice per hour × {attendance} attended"
                " × {engagement} for interests and strengths = {practice} hours of practice a "
                "week, for {weeks} weeks.").format(
                title=p.title, hours=w.hours(p.hours_per_week), intensity=w.number(p.intensity),
                attendance=w.percent(p.attendance), engagement=w.number(p.engagement, 2),
                practice=w.number(p.practice_per_week), weeks=w.integer(p.weeks)))
        if not np.isfinite(p.travel_minutes):
            lowered.append(w.gettext(
                "There is no listed way to get to {title}, so none of it is expected to be "
                "attended and it adds no practice.").format(title=p.title))
        elif p.travel_loss >= 0.005:
            lowered.append(w.gettext(
                "The trip to {title} ({duration} each way) costs {points} of attendance.").format(
                title=p.title, duration=w.duration(p.travel_minutes),
                points=w.percent(p.travel_loss)))
        if p.late_loss > 0:
            lowered.append(w.gettext(
                "{title} ends late in the day, which costs {points} of attendance.").format(
                title=p.title, points=w.percent(p.late_loss)))
        if not p.interest_match and p.interest_boost > 0:
            lowered.append(w.gettext(
                "{title} does not match the learner's listed interests (a match gives "
                "{boost} more practice).").format(title=p.title,
                                                  boost=w.percent(p.interest_boost)))
    if not exp.pieces:
        lowered.append(w.gettext("Nothing in this plan practises {competency}.").format(
            competency=exp.name))
    elif exp.practice_needed == exp.practice_needed:  # not NaN
        have, need = exp.practice_before, exp.practice_needed
        if exp.probability >= 0.995 and need > 0:
            practised.append(w.gettext(
                "That is about {have} hours of practice before {date}; going from {current} to "
                "{level} usually takes about {need}, so it is all but sure (never certain).").format(
                have=w.integer(have), date=date, current=w.level(exp.current_level),
                level=level, need=w.integer(need)))
        elif need > 0:
            practised.append(w.gettext(
                "That is about {have} hours of practice before {date}; going from {current} to "
                "{level} usually takes about {need}.").format(
                have=w.integer(have), date=date, current=w.level(exp.current_level),
                level=level, need=w.integer(need)))
    best = exp.best
    raise_most = ""
    if best is not None and best.kind == "more_hours":
        raise_most = w.gettext("What would raise it most: one more hour a week of {title} "
                               "({chance}).").format(title=best.title,
                                                     chance=w.chance(best.probability))
    elif best is not None:
        when = w.when(best.day_mask, best.start_min, best.end_min) if best.day_mask else \
            w.gettext("at its own pace")
        raise_most = w.gettext("What would raise it most: adding {title} ({when}, {hours} a "
                               "week; it still fits): {chance}.").format(
            title=best.title, when=when, hours=w.hours(best.hours),
            chance=w.chance(best.probability))
    elif exp.probability < 0.995:
        raise_most = w.gettext("Nothing the workbench tried raises this chance: look for an "
                               "opportunity that practises {competency}.").format(
            competency=exp.name)
    return ExplanationText(headline, band, practised, lowered, raise_most, ranged)
