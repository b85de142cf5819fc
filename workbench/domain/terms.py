"""When a plan's pieces run: the plan's terms, and each piece's days, times, dates and cost in
words.

A school year's sections start and end at different dates (a fall course, a spring club, a
six-week workshop), so one weekly calendar of every piece would draw a fall Tuesday class on top
of a spring Tuesday club. ``plan_terms`` cuts the year into the stretches of weeks in which the
same pieces run, so a calendar can show one at a time. ``section_words`` says one piece the way a
family would ("Teen Robotics Club — Tuesday 4 pm–5:30 pm, Sep–Dec, $40").

Pure: no Panel, no files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import Catalogue
from .words import ENGLISH, Words

__all__ = ["SectionWords", "Term", "plan_terms", "section_words"]


@dataclass(frozen=True)
class Term:
    """A stretch of weeks in which the same pieces of a plan run."""

    start: dt.date
    """The first day one of its pieces runs."""
    end: dt.date
    """The last day one of its pieces runs."""
    section_ids: tuple[str, ...]
    """The pieces that run in it, in plan order."""
    weeks: int

    def label(self, words: Words = ENGLISH) -> str:
        """"Aug 31 – Jan 24": the term's first and last day, short."""
        return words.pgettext("date span", "{start} – {end}").format(
            start=_short_day(words, self.start), end=_short_day(words, self.end))


def _short_day(words: Words, d: dt.date) -> str:
    return words.pgettext("short date", "{month} {day}").format(
        month=words.month_short(d), day=d.day)


def plan_terms(catalogue: Catalogue, section_ids) -> list[Term]:
    """The stretches of weeks in which the same pieces of the plan run, in date order.

    A piece runs in a week when one of its days falls in that week (Monday to Sunday). Weeks in
    which nothing runs are left out (they start a new term after them). A plan whose pieces all
    run the whole year has one term.
    """
    t = catalogue.section_table
    ids = [s for s in dict.fromkeys(section_ids) if s in t.index]
    if not ids:
        return []
    start = pd.to_datetime(t.loc[ids, "start_date"]).dt.normalize().to_numpy()
    end = pd.to_datetime(t.loc[ids, "end_date"]).dt.normalize().to_numpy()
    first = pd.Timestamp(start.min())
    first -= pd.Timedelta(days=first.weekday())
    mondays = pd.date_range(first, pd.Timestamp(end.max()), freq="7D").to_numpy()
    sundays = mondays + np.timedelta64(6, "D")
    runs = (start[None, :] <= sundays[:, None]) & (end[None, :] >= mondays[:, None])
    terms: list[Term] = []
    key, begin = None, 0
    for w in range(len(mondays) + 1):
        now = tuple(np.flatnonzero(runs[w])) if w < len(mondays) else None
        if now != key:
            if key:  # a stretch with something running ends here
                # from the first piece starting in its first week (else that Monday) to the
                # last piece ending in its last week (else that Sunday)
                starts = [start[i] for i in key if start[i] >= mondays[begin]]
                ends = [end[i] for i in key if end[i] <= sundays[w - 1]]
                first_day = min(starts) if starts else mondays[begin]
                last_day = max(ends) if ends else sundays[w - 1]
                terms.append(Term(pd.Timestamp(first_day).date(), pd.Timestamp(last_day).date(),
                                  tuple(ids[i] for i in key), w - begin))
            key, begin = now, w
    return terms


@dataclass(frozen=True)
class SectionWords:
    """One piece of a plan in words."""

    title: str
    provider: str
    when: str
    """"Tuesday 4 pm–5:30 pm", "At its own pace, about 3 hours a week", "Times to be arranged"."""
    dates: str
    """"Sep 14 – Dec 11"."""
    cost: str
    grades: str
    how: str
    kind: str

    def label(self, words: Words = ENGLISH) -> str:
        """"Teen Robotics Club — Tuesday 4 pm–5:30 pm, Sep 14 – Dec 11, $40"."""
        return words.gettext("{title} — {when}, {dates}, {cost}").format(
            title=self.title, when=self.when, dates=self.dates, cost=self.cost)


def section_words(catalogue: Catalogue, section_id: str, words: Words = ENGLISH) -> SectionWords:
    """A section's title, provider, meeting times, dates, cost and grades in ``words``."""
    row = catalogue.section_table.loc[section_id]
    if bool(row["times_tba"]):
        when = words.gettext("Times to be arranged")
    elif not bool(row["meets"]):
        when = words.gettext("At its own pace, about {hours} a week").format(
            hours=words.hours(float(row["self_paced_hours"])))
    else:
        when = words.when(int(row["day_mask"]), int(row["start_min"]), int(row["end_min"]))
    a, b = pd.Timestamp(row["start_date"]).date(), pd.Timestamp(row["end_date"]).date()
    dates = words.pgettext("date span", "{start} – {end}").format(
        start=_short_day(words, a), end=_short_day(words, b))
    cost = float(row["cost"])
    return SectionWords(
        title=str(row["title"]), provider=str(row["provider_name"]), when=when, dates=dates,
        cost=words.money(cost) if cost > 0 else words.gettext("free"),
        grades=words.grades(int(row["min_grade"]), int(row["max_grade"])),
        how=words.modality(str(row["modality"])), kind=words.provider_kind(
            str(row["provider_kind"])))
