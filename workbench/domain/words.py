"""Numbers, money, times, dates, levels and yes/no in a family's own language, in one place.

A :class:`Words` holds one session's translations (a ``gettext`` translations object) and its
Babel locale, and turns the engine's numbers and codes into words: ``money(1234.5)`` is
"$1,234.50" (en_US and es_US alike), ``date(...)`` "June 1, 2027" or "1 de junio de 2027",
``duration(439)`` "7 h 19 min", ``level(3)`` "Proficient" or "Competente". Every sentence the
engine says is a catalogue string with named ``{placeholders}``, filled here at display time, so
the same result reads correctly in any language.

Nothing here reads files: ``workbench.i18n`` loads the catalogues and builds the ``Words`` a
session uses; :data:`ENGLISH` (no catalogue, the source strings as they are) is the default of
every domain function that takes ``words=``. A ``Words`` is read-only, so one may serve any number
of sessions and threads.

Strings that are defined before any language is known (level names, day plurals, the glossary)
are marked with :func:`N_` / :func:`NP_` so ``pybabel extract`` finds them, and translated when
shown.
"""

from __future__ import annotations

import datetime as dt
import gettext
import math
import re

import numpy as np
import pandas as pd
from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_percent, parse_pattern

from .vocabulary import DAYS, MODES

#: How a goal's chance is said, everywhere it is said (the app, the family summary, the command
#: line's text and JSON, the plan suggestions): from ON_TRACK up "On track" (and counted among
#: the goals a plan makes likely), from COULD_REACH up "Could reach", below it "Not yet on
#: track"; under NOTHING_YET the plan has nothing that practises the goal.
ON_TRACK = 0.7
COULD_REACH = 0.4
NOTHING_YET = 0.005



def goal_reached(current_level, target_level, probability) -> bool:
    """A goal is reached only when certain: at its level already, with a chance of 1. A recorded
    level that evidence makes uncertain is a chance (its sentence says so, and no table or
    explanation calls it reached)."""
    return int(current_level) >= int(target_level) and float(probability) >= 1.0

def N_(message: str) -> str:
    """Mark a string for the catalogue without translating it yet (it is translated when shown)."""
    return message


def NP_(context: str, message: str) -> tuple[str, str]:
    """Mark a string with a context (``pgettext``) for the catalogue, translated when shown."""
    return context, message


# ---- vocabulary: the source strings, translated when shown -----------------------------------
#: The five proficiency levels, 0 .. 4 (``dataset.LEVELS`` is the same words as data).
LEVEL_WORDS = (
    NP_("level", "Not yet"), NP_("level", "Emerging"), NP_("level", "Developing"),
    NP_("level", "Proficient"), NP_("level", "Advanced"),
)
#: "on Mondays", as in "Maya is not free on Saturdays" (weekday order, Monday first).
WEEKDAY_PLURALS = (
    NP_("every weekday", "Mondays"), NP_("every weekday", "Tuesdays"),
    NP_("every weekday", "Wednesdays"), NP_("every weekday", "Thursdays"),
    NP_("every weekday", "Fridays"), NP_("every weekday", "Saturdays"),
    NP_("every weekday", "Sundays"),
)
#: How a trip is made, after a number of minutes: "20 minutes on foot".
TRIP_WORDS = {
    "walk": NP_("trip", "on foot"), "bike": NP_("trip", "by bike"),
    "transit": NP_("trip", "by bus or train"), "car": NP_("trip", "by car"),
}
#: How the learner gets around, in a list: "walking, by bike".
MODE_WORDS = {
    "walk": NP_("getting around", "walking"), "bike": NP_("getting around", "by bike"),
    "transit": NP_("getting around", "by bus or train"), "car": NP_("getting around", "by car"),
}
PROVIDER_KIND_WORDS = {
    "school": N_("School"), "cte_center": N_("Career & technical centre"),
    "college": N_("College"), "community": N_("Community organisation"),
    "workplace": N_("Workplace"), "online": N_("Online"), "library": N_("Library"),
    "museum": N_("Museum"), "place_based": N_("Place-based project"),
}
MODALITY_WORDS = {
    "in_person": N_("In person"), "online_live": N_("Online, live"),
    "online_self_paced": N_("Online, own pace"), "blended": N_("Part in person, part online"),
}
YES_NO = (NP_("answer", "No"), NP_("answer", "Yes"))

#: Words a data file may use for true and false (compared lower-cased, after stripping): the one
#: set every reader uses. An empty cell is neither; each reader says what empty means.
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f"})


def parse_yes_no(text) -> bool | None:
    """``"Yes"``, ``"true"``, ``"1"`` -> True; ``"no"``, ``"0"`` -> False; anything else None."""
    if isinstance(text, bool | np.bool_):
        return bool(text)
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    s = str(text).strip().lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    return None


#: The glossary: (key, term, what it means). One click away on every step.
GLOSSARY = (
    ("competency_credit", N_("Competency credit"),
     N_("One competency credit is one skill the learner can show at Proficient or above. It is "
        "counted by what the learner can do, not by how long they sat in a class. \"Credits "
        "expected\" adds up the chance of each skill reaching Proficient by the end of the "
        "year, so 2.5 means about two or three skills. Skills already at Proficient count too; "
        "\"new credits\" counts only the ones this plan would add.")),
    ("carnegie_unit", N_("Carnegie unit"),
     N_("The traditional way schools count credit: one Carnegie unit is 120 hours of class "
        "time in a subject, about one hour a day for a school year. It counts time spent, not "
        "what was learned. It is shown next to competency credit so you can compare the two "
        "ways of counting.")),
    ("cost_per_credit", N_("Cost per new credit"),
     N_("What the plan costs, divided by the new competency credits it is expected to add. It "
        "helps compare plans: a lower number means more new learning for each dollar. When a "
        "plan is expected to add almost no new credit, there is nothing to divide by, so no "
        "number is shown.")),
    ("chance", N_("Chance"),
     N_("How likely the learner is to reach a goal by its date with this plan, from 0% to "
        "100%. It comes from a model that looks at how many hours the plan practises each "
        "skill, how often the learner can attend, travel and late hours, and the learner's "
        "interests. Nobody knows exactly how fast learners learn, so the workbench tries many "
        "plausible learning paces and shows the average chance with the range it most likely "
        "falls in: \"72% (likely 60%–80%)\" means 8 of every 10 paces tried give between 60% "
        "and 80%. It is an estimate, not a promise: it is never shown as a sure thing, and it "
        "changes as the learner's evidence changes.")),
    ("range", N_("Range of likely levels"),
     N_("The band drawn around a projected level (the 80% band): the learner has about 8 "
        "chances in 10 of landing inside it, 1 in 10 of doing better and 1 in 10 of doing less "
        "well. It includes what the workbench does not know about how fast learners learn, how "
        "often they attend and how much they engage. A wide band means the estimate is less "
        "certain.")),
)


_TIME_AT = dt.datetime(2000, 1, 3)  # any date: clock times are formatted as times of that day


class Words:
    """One session's language: translated strings and Babel formats for its locale.

    Parameters
    ----------
    translations
        A ``gettext`` translations object (``gettext.translation(...)``); None: the source
        (English) strings as they are.
    locale
        A Babel locale or its name (``"es_US"``): numbers, money, dates and clock times.
    language
        The catalogue's language code, as an HTML ``lang`` attribute (default: the locale's).
    currency
        The currency amounts are in.
    """

    def __init__(self, translations: gettext.NullTranslations | None = None,
                 locale: Locale | str = "en_US", language: str | None = None,
                 currency: str = "USD"):
        self.translations = translations if translations is not None \
            else gettext.NullTranslations()
        self.locale = locale if isinstance(locale, Locale) else Locale.parse(locale)
        self.language = language or self.locale.language
        self.currency = currency
        # the translations object is read-only: bind its lookups once
        self.gettext = self.translations.gettext
        self.ngettext = self.translations.ngettext
        self.pgettext = self.translations.pgettext
        self.npgettext = self.translations.npgettext
        # patterns parsed once: formatting is then several times quicker (the catalogue fit
        # formats a number for every distinct reason on every edit)
        pattern = self.locale.currency_formats["standard"].pattern.split(";")[0]
        self._money_cents = parse_pattern(pattern)
        self._money_whole = parse_pattern(re.sub(r"0\.0+", "0", pattern))
        self._decimals = {d: parse_pattern("#,##0." + "#" * d if d > 0 else "#,##0")
                          for d in range(4)}
        short = self.locale.time_formats["short"].pattern
        self._twelve_hour = "h" in short or "K" in short
        periods = self.locale.day_periods["format"]["abbreviated"]
        self._periods = [(periods[k], periods[k].lower()) for k in ("am", "pm") if k in periods]
        self._clock: dict[int, str] = {}

    def __repr__(self) -> str:
        return f"Words(language={self.language!r}, locale={str(self.locale)!r})"

    # ---- translation ------------------------------------------------------------------------
    def marked(self, message: str | tuple[str, str]) -> str:
        """Translate a string marked with :func:`N_` or :func:`NP_`."""
        if isinstance(message, tuple):
            return self.pgettext(*message)
        return self.gettext(message)

    # ---- numbers and money ------------------------------------------------------------------
    def number(self, x, digits: int = 1) -> str:
        """``1234.5`` -> "1,234.5"; at most ``digits`` decimals, no trailing zeros; "—" if none."""
        if not _finite(x):
            return "—"
        pattern = self._decimals.get(digits) or parse_pattern("#,##0." + "#" * digits)
        return pattern.apply(float(x), self.locale)

    def integer(self, n) -> str:
        return self.number(n, 0)

    def plural(self, x, digits: int = 1) -> int:
        """The count ``ngettext`` should see for ``x`` shown with ``digits`` decimals: 1 when it
        reads "1", else a whole number (2 for a fraction, as "1.5 hours" is plural)."""
        if not _finite(x):
            return 2
        shown = round(float(x), digits)
        return int(shown) if float(shown).is_integer() else 2

    def money(self, amount, estimate: bool = False) -> str:
        """``1234.5`` -> "$1,234.50", ``300`` -> "$300": cents only when the amount has them.

        ``estimate=True`` rounds to whole dollars (a derived figure such as the cost per credit,
        where cents would suggest a precision the model lacks). "—" when there is no amount.
        """
        if not _finite(amount):
            return "—"
        x = float(amount)
        whole = estimate or abs(x - round(x)) < 0.005
        pattern = self._money_whole if whole else self._money_cents
        return pattern.apply(x, self.locale, currency=self.currency, currency_digits=False)

    def percent(self, p) -> str:
        """``0.72`` -> "72%" (rounded to a whole percent)."""
        if not _finite(p):
            return "—"
        return format_percent(float(p), locale=self.locale)

    def chance(self, p) -> str:
        """A probability as a percent that never rounds a real chance to a certainty or to none:
        "72%", "over 99%", "under 1%"."""
        if not _finite(p):
            return "—"
        p = float(p)
        if 0.995 <= p < 1:
            return self.gettext("over {percent}").format(percent=self.percent(0.99))
        if 0 < p < 0.005:
            return self.gettext("under {percent}").format(percent=self.percent(0.01))
        return self.percent(p)

    def chance_range(self, low, high) -> str:
        """Two chances as a range: "60%–80%"."""
        return self.pgettext("range", "{low}–{high}").format(low=self.chance(low),
                                                            high=self.chance(high))

    def likely_range(self, p, low=None, high=None) -> str:
        """Where a chance most likely lies, given what the model does not know (its 80%
        interval over draws of the parameters): "likely 60%–80%", "likely 88% or more",
        "likely 5% or less"; for a chance over 99% with no range to show, "very likely, not
        certain"; "" when there is no range to show."""
        if not _finite(p):
            return ""
        low = p if not _finite(low) else low
        high = p if not _finite(high) else high
        lo, hi = self.chance(low), self.chance(high)
        if lo == hi or float(low) >= 0.995 or (float(high) >= 0.995 and lo == self.chance(p)):
            if 0.985 <= float(p) < 1:  # reads as 99% or more
                return self.gettext("very likely, not certain")
            return ""
        if float(high) >= 0.995:
            return self.gettext("likely {low} or more").format(low=lo)
        if float(low) < 0.005:
            return self.gettext("likely {high} or less").format(high=hi)
        return self.gettext("likely {range}").format(range=self.chance_range(low, high))

    def chance_span(self, p, low=None, high=None) -> str:
        """A chance with its range, for a table cell: "72% (likely 60%–80%)", "over 99% (very
        likely, not certain)"; never a bare "over 99%"."""
        span = self.likely_range(p, low, high)
        if not span:
            return self.chance(p)
        return self.gettext("{chance} ({range})").format(chance=self.chance(p), range=span)

    def number_span(self, x, low=None, high=None, digits: int = 1) -> str:
        """A number with its 80% interval, e.g. expected credits: "2.5 (likely 2.1–2.9)"; the
        number alone when the interval reads the same."""
        text, span = self.number(x, digits), self.number_range(low, high, digits)
        if not span:
            return text
        return self.gettext("{chance} ({range})").format(chance=text, range=span)

    def number_range(self, low, high, digits: int = 1) -> str:
        """"likely 2.1–2.9" ("" when there is no range or it reads as one number)."""
        if not (_finite(low) and _finite(high)):
            return ""
        lo, hi = self.number(low, digits), self.number(high, digits)
        if lo == hi:
            return ""
        return self.gettext("likely {range}").format(
            range=self.pgettext("range", "{low}–{high}").format(low=lo, high=hi))

    # ---- clock times and durations ----------------------------------------------------------
    def clock(self, minutes) -> str:
        """Minutes after midnight as a family reads a clock: 930 -> "3:30 pm" (es_US
        "3:30 p.m."); whole hours without ":00"; 1440 (end of day) is midnight."""
        minutes = int(minutes)
        text = self._clock.get(minutes)
        if text is None:
            h, m = divmod(minutes % 1440, 60)
            at = _TIME_AT.replace(hour=h, minute=m)
            skeleton = ("hm" if m else "h") if self._twelve_hour else ("Hm" if m else "H")
            text = format_skeleton(skeleton, at, locale=self.locale)
            for period, lower in self._periods:
                text = text.replace(period, lower)
            # CLDR's narrow no-break space is missing from many fonts: a plain no-break space
            text = text.replace("\u202f", "\u00a0")
            self._clock[minutes] = text
        return text

    def clock_span(self, start, end) -> str:
        """"3:30 pm–5:30 pm"."""
        return self.pgettext("time span", "{start}–{end}").format(start=self.clock(start),
                                                                 end=self.clock(end))

    def minutes(self, n) -> str:
        """"55 minutes" (rounded to a whole minute)."""
        if not _finite(n):
            return "—"
        n = round(float(n))
        return self.ngettext("{minutes} minute", "{minutes} minutes", n).format(
            minutes=self.integer(n))

    def hours(self, h) -> str:
        """"5 hours", "1.5 hours" (at most one decimal)."""
        if not _finite(h):
            return "—"
        return self.ngettext("{hours} hour", "{hours} hours", self.plural(h)).format(
            hours=self.number(h))

    def duration(self, minutes) -> str:
        """A length of time in hours and minutes: 439 -> "7 h 19 min", 45 -> "45 min"."""
        if not _finite(minutes):
            return "—"
        h, m = divmod(round(float(minutes)), 60)
        if h and m:
            return self.pgettext("duration", "{hours} h {minutes} min").format(
                hours=self.integer(h), minutes=self.integer(m))
        if h:
            return self.pgettext("duration", "{hours} h").format(hours=self.integer(h))
        return self.pgettext("duration", "{minutes} min").format(minutes=self.integer(m))

    # ---- dates and days ---------------------------------------------------------------------
    def date(self, d) -> str:
        """"June 1, 2027" / "1 de junio de 2027"; "—" when there is no date."""
        d = _as_date(d)
        return "—" if d is None else format_date(d, "long", locale=self.locale)

    def month_day(self, d) -> str:
        """"June 1" / "1 de junio"."""
        d = _as_date(d)
        return "—" if d is None else format_skeleton("MMMMd", d, locale=self.locale)

    def date_span(self, start, end) -> str:
        """"September 8 – June 1, 2027" (the year once when both dates share it)."""
        a, b = _as_date(start), _as_date(end)
        first = self.month_day(a) if a is not None and b is not None and a.year == b.year \
            else self.date(a)
        return self.pgettext("date span", "{start} – {end}").format(start=first,
                                                                   end=self.date(b))

    def day(self, day) -> str:
        """A weekday ("Mon" or 0 for Monday) by name: "Monday" / "lunes"."""
        i = DAYS.index(day) if isinstance(day, str) else int(day)
        return self.locale.days["format"]["wide"][i]

    def day_short(self, day) -> str:
        """A weekday's short name, for a calendar's columns: "Mon" / "lun"."""
        i = DAYS.index(day) if isinstance(day, str) else int(day)
        return self.locale.days["format"]["abbreviated"][i].rstrip(".")

    def month_short(self, d, year: bool = False) -> str:
        """A month's short name, for a time axis: "Sep", "Jan 2027" / "sept", "ene 2027"."""
        d = _as_date(d)
        if d is None:
            return "—"
        return format_skeleton("MMMy" if year else "MMM", d, locale=self.locale).replace(
            ".", "")

    def every_day(self, day) -> str:
        """A weekday as a habit: "Mondays" / "los lunes"."""
        i = DAYS.index(day) if isinstance(day, str) else int(day)
        return self.marked(WEEKDAY_PLURALS[i])

    def days(self, days) -> str:
        """Weekdays (a 7-bit mask, bit 0 Monday, or day codes) as words: "Tuesday",
        "Tuesday and Thursday", "Monday to Friday"."""
        if isinstance(days, int | np.integer):
            idx = [i for i in range(7) if int(days) >> i & 1]
        else:
            idx = sorted(DAYS.index(d) for d in days)
        if len(idx) >= 3 and idx == list(range(idx[0], idx[-1] + 1)):
            return self.pgettext("days", "{first} to {last}").format(
                first=self.day(idx[0]), last=self.day(idx[-1]))
        return self.join([self.day(i) for i in idx])

    def when(self, days, start, end) -> str:
        """When something meets: "Tuesday 3:30 pm–5:30 pm"."""
        return self.pgettext("meets", "{days} {times}").format(days=self.days(days),
                                                              times=self.clock_span(start, end))

    def join(self, items, last: str = "and") -> str:
        """"a, b and c" (``last="and"``) or "a, b or c" (``last="or"``)."""
        items = [str(x) for x in items]
        if len(items) <= 1:
            return "".join(items)
        head = ", ".join(items[:-1])
        if last == "or":
            return self.pgettext("list", "{items} or {last}").format(items=head, last=items[-1])
        return self.pgettext("list", "{items} and {last}").format(items=head, last=items[-1])

    # ---- vocabulary -------------------------------------------------------------------------
    def level(self, level) -> str:
        """A proficiency level (rounded to the nearest of 0 .. 4) as a word: "Proficient"."""
        return self.marked(LEVEL_WORDS[min(max(round(float(level)), 0), 4)])

    def levels(self) -> tuple[str, ...]:
        """The five level words, 0 .. 4."""
        return tuple(self.marked(w) for w in LEVEL_WORDS)

    def yes_no(self, value) -> str:
        """"Yes" / "No"."""
        return self.marked(YES_NO[bool(value)])

    def by_mode(self, mode: str) -> str:
        """How a trip is made: "on foot", "by bus or train"."""
        return self.marked(TRIP_WORDS[mode]) if mode in TRIP_WORDS else str(mode)

    def getting_around(self, mode: str) -> str:
        """One way of getting around, in a list: "walking", "by bike"."""
        return self.marked(MODE_WORDS[mode]) if mode in MODE_WORDS else str(mode)

    def modes(self, modes) -> str:
        """The ways a learner travels, as trips: "on foot or by bike"."""
        words = [self.by_mode(m) for m in MODES if m in set(modes)]
        return self.join(words, "or") if words else self.gettext(
            "with no way of travelling listed")

    def provider_kind(self, kind: str) -> str:
        return self.marked(PROVIDER_KIND_WORDS[kind]) if kind in PROVIDER_KIND_WORDS \
            else str(kind)

    def modality(self, modality: str) -> str:
        return self.marked(MODALITY_WORDS[modality]) if modality in MODALITY_WORDS \
            else str(modality)

    def grade(self, grade: int) -> str:
        """"grade 9", "kindergarten"."""
        grade = int(grade)
        if grade == 0:
            return self.gettext("kindergarten")
        return self.gettext("grade {grade}").format(grade=grade)

    def grades(self, low: int, high: int) -> str:
        """Who an opportunity is for: "grades 11–12", "grade 9 only", "kindergarten to grade 5"."""
        low, high = int(low), int(high)
        if low == high:
            return self.gettext("{grade} only").format(grade=self.grade(low))
        if low > 0:
            return self.gettext("grades {low}–{high}").format(low=low, high=high)
        return self.gettext("kindergarten to grade {high}").format(high=high)

    def learner_name(self, name: str) -> str:
        """The learner's name, or "the learner" when it is blank."""
        return name.strip() or self.gettext("the learner")

    def glossary(self) -> list[tuple[str, str, str]]:
        """The glossary in this language: (key, term, what it means)."""
        return [(key, self.gettext(term), self.gettext(text)) for key, term, text in GLOSSARY]

    # ---- sentences --------------------------------------------------------------------------
    def likelihood(self, p: float) -> str:
        """A chance as a word: "very likely" (90% or more), "likely" (from ``ON_TRACK``),
        "about as likely as not" (from ``COULD_REACH``), "unlikely" (10% or more), "very
        unlikely"."""
        if p >= 0.9:
            return self.gettext("very likely")
        if p >= ON_TRACK:
            return self.gettext("likely")
        if p >= COULD_REACH:
            return self.gettext("about as likely as not")
        if p >= 0.1:
            return self.gettext("unlikely")
        return self.gettext("very unlikely")

    def goal_sentence(self, name: str, target_level: int, by, current_level: int,
                      probability: float, low: float | None = None,
                      high: float | None = None) -> str:
        """One goal in plain words: "On track to reach Proficient in Algebra by June 1, 2027
        (72% chance; likely 60%–80%)."; never a promise of 100%, never a bare "over 99%".

        ``low`` and ``high`` are the chance's 80% interval over draws of the parameters."""
        target = self.level(target_level)
        if goal_reached(current_level, target_level, probability):
            return self.gettext("Already at {level} in {competency} — goal reached.").format(
                level=target, competency=name)
        chance = float(probability)
        when = self.date(by)
        if chance < NOTHING_YET:
            return self.gettext(
                "This plan has nothing yet that practises {competency}: {level} by {date} "
                "would need another opportunity.").format(competency=name, level=target,
                                                          date=when)
        span = self.likely_range(chance, low, high)
        if not span:
            if chance >= ON_TRACK:
                text = self.gettext("On track to reach {level} in {competency} by {date} "
                                    "({chance} chance).")
            elif chance >= COULD_REACH:
                text = self.gettext("Could reach {level} in {competency} by {date} "
                                    "({chance} chance).")
            else:
                text = self.gettext("Not yet on track to reach {level} in {competency} by "
                                    "{date} ({chance} chance).")
        elif chance >= ON_TRACK:
            text = self.gettext("On track to reach {level} in {competency} by {date} "
                                "({chance} chance; {range}).")
        elif chance >= COULD_REACH:
            text = self.gettext("Could reach {level} in {competency} by {date} "
                                "({chance} chance; {range}).")
        else:
            text = self.gettext("Not yet on track to reach {level} in {competency} by {date} "
                                "({chance} chance; {range}).")
        return text.format(level=target, competency=name, date=when, chance=self.chance(chance),
                           range=span)


def capitalize(text: str) -> str:
    """The first letter in upper case (Spanish day names are lower case mid-sentence)."""
    return text[:1].upper() + text[1:]


def possessive(name: str) -> str:
    """The English possessive of a name ("Maya's", "James'"), for the English source strings;
    a translation uses ``{name}`` with its own grammar instead."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _finite(x) -> bool:
    return x is not None and not isinstance(x, bool) and isinstance(
        x, int | float | np.number) and bool(np.isfinite(x))


def _as_date(d) -> dt.date | None:
    if d is None or d is pd.NaT or (isinstance(d, float) and math.isnan(d)):
        return None
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    ts = pd.Timestamp(d)
    return None if ts is pd.NaT else ts.date()


#: The source strings as they are (no catalogue), in US English: the default everywhere.
ENGLISH = Words()
