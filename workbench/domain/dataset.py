"""The workbench's data model: a catalogue of opportunities, learners and their plans.

Everything here is plain Python, pandas and numpy, and reads no files: loading and validating
data directories lives in ``workbench.formats.datadir``; this module only describes what a
whole, consistent dataset is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .schema import FRAME_NAMES, typed_frame

# the vocabulary is re-exported: most code imports it together with the data model
from .vocabulary import (  # noqa: F401
    DAY_NAMES,
    DAYS,
    DEVICES,
    LEVELS,
    MODALITIES,
    MODALITY_WORDS,
    MODE_WORDS,
    MODES,
    OPPORTUNITY_KINDS,
    PROFICIENT,
    PROVIDER_KIND_WORDS,
    PROVIDER_KINDS,
)


def level_word(level: float | int) -> str:
    """The family-readable word for a proficiency level (rounded to the nearest level)."""
    return LEVELS[int(np.clip(round(float(level)), 0, 4))]


def parse_days(text: str) -> tuple[str, ...]:
    """``"Mon;Wed"`` -> ``("Mon", "Wed")`` in week order; unknown names raise ValueError."""
    parts = [p.strip()[:3].title() for p in str(text).replace(",", ";").split(";") if p.strip()]
    for p in parts:
        if p not in DAYS:
            raise ValueError(f"unknown day {p!r} (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
    return tuple(d for d in DAYS if d in parts)


def parse_minutes(text: str) -> int:
    """``"15:30"`` -> 930 minutes after midnight; ``"24:00"`` is allowed as end of day."""
    hh, mm = str(text).strip().split(":")
    h, m = int(hh), int(mm)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m != 0):
        raise ValueError(f"{text!r} is not a time of day (HH:MM)")
    return h * 60 + m


def format_minutes(minutes: int) -> str:
    """930 -> ``"3:30 pm"``: times as families read them."""
    minutes = int(minutes)
    h, m = divmod(minutes, 60)
    suffix = "am" if h < 12 or h == 24 else "pm"
    h12 = h % 12 or 12
    return f"{h12}:{m:02d} {suffix}" if m else f"{h12} {suffix}"


def day_mask(days: tuple[str, ...]) -> int:
    """Weekdays as a 7-bit mask (bit 0 = Monday) for vectorised overlap tests."""
    return sum(1 << DAYS.index(d) for d in days)


@dataclass(frozen=True)
class TimeBlock:
    """A weekly block of time: on these days, from start to end (minutes after midnight)."""

    days: tuple[str, ...]
    start: int
    end: int
    label: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> TimeBlock:
        return cls(parse_days(d["days"] if isinstance(d["days"], str) else ";".join(d["days"])),
                   parse_minutes(d["start"]), parse_minutes(d["end"]), str(d.get("label", "")))

    def to_dict(self) -> dict:
        out = {"days": list(self.days), "start": _hhmm(self.start), "end": _hhmm(self.end)}
        if self.label:
            out["label"] = self.label
        return out


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Goal:
    """Reach ``level`` in a competency by a date."""

    competency_id: str
    level: int
    by: dt.date

    @classmethod
    def from_dict(cls, d: dict) -> Goal:
        return cls(str(d["competency_id"]), int(d["level"]), dt.date.fromisoformat(str(d["by"])))

    def to_dict(self) -> dict:
        return {"competency_id": self.competency_id, "level": self.level, "by": self.by.isoformat()}


@dataclass
class Evidence:
    """A record that raised a learner's level: where it came from is always kept."""

    competency_id: str
    level: int
    source: str
    issued_on: str = ""
    verified: bool = False
    note: str = ""
    #: the credential's own result: its rubric level or value ("Mastered", "A"), and status
    result: str = ""
    status: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> Evidence:
        return cls(str(d["competency_id"]), int(d["level"]), str(d.get("source", "")),
                   str(d.get("issued_on", "")), bool(d.get("verified", False)),
                   str(d.get("note", "")), str(d.get("result", "")), str(d.get("status", "")))

    def to_dict(self) -> dict:
        out = asdict(self)
        for key in ("result", "status"):  # written only when the credential gave one
            if not out[key]:
                del out[key]
        return out


@dataclass
class Learner:
    """One learner's situation: who they are, where they are, and when they are free."""

    learner_id: str
    name: str
    grade: int
    home_zone: str
    transport: list[str] = field(default_factory=lambda: ["walk"])
    max_travel_minutes: int = 30
    home_broadband: bool = True
    device: str = "own"
    budget: float = 0.0
    max_hours_per_week: float = 10.0
    availability: list[TimeBlock] = field(default_factory=list)
    commitments: list[TimeBlock] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    strengths: list[str] = field(default_factory=list)
    levels: dict[str, int] = field(default_factory=dict)
    goals: list[Goal] = field(default_factory=list)
    language: str = "en"
    pathway: str = ""
    supportive_adults: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    notes: str = ""
    #: IANA time zone of the family's calendar; "" = the catalogue's (``Catalogue.time_zone``)
    time_zone: str = ""

    @property
    def has_device(self) -> bool:
        """A computer or tablet the learner can use for online learning (a phone is not enough)."""
        return self.device in ("shared", "own")

    def level(self, competency_id: str) -> int:
        return int(self.levels.get(competency_id, 0))

    @classmethod
    def from_dict(cls, d: dict) -> Learner:
        return cls(
            learner_id=str(d["learner_id"]),
            name=str(d["name"]),
            grade=int(d["grade"]),
            home_zone=str(d["home_zone"]),
            transport=[str(m) for m in d.get("transport", ["walk"])],
            max_travel_minutes=int(d.get("max_travel_minutes", 30)),
            home_broadband=bool(d.get("home_broadband", True)),
            device=str(d.get("device", "own")),
            budget=float(d.get("budget", 0.0)),
            max_hours_per_week=float(d.get("max_hours_per_week", 10.0)),
            availability=[TimeBlock.from_dict(b) for b in d.get("availability", [])],
            commitments=[TimeBlock.from_dict(b) for b in d.get("commitments", [])],
            interests=[str(x) for x in d.get("interests", [])],
            strengths=[str(x) for x in d.get("strengths", [])],
            levels={str(k): int(v) for k, v in d.get("levels", {}).items()},
            goals=[Goal.from_dict(g) for g in d.get("goals", [])],
            language=str(d.get("language", "en")),
            pathway=str(d.get("pathway", "")),
            supportive_adults=[str(x) for x in d.get("supportive_adults", [])],
            evidence=[Evidence.from_dict(e) for e in d.get("evidence", [])],
            notes=str(d.get("notes", "")),
            time_zone=str(d.get("time_zone", "")),
        )

    def to_dict(self) -> dict:
        return {
            "learner_id": self.learner_id, "name": self.name, "grade": self.grade,
            "home_zone": self.home_zone, "transport": list(self.transport),
            "max_travel_minutes": self.max_travel_minutes,
            "home_broadband": self.home_broadband, "device": self.device,
            "budget": self.budget, "max_hours_per_week": self.max_hours_per_week,
            "availability": [b.to_dict() for b in self.availability],
            "commitments": [b.to_dict() for b in self.commitments],
            "interests": list(self.interests), "strengths": list(self.strengths),
            "levels": dict(self.levels), "goals": [g.to_dict() for g in self.goals],
            "language": self.language, "pathway": self.pathway,
            "supportive_adults": list(self.supportive_adults),
            "evidence": [e.to_dict() for e in self.evidence], "notes": self.notes,
        } | ({"time_zone": self.time_zone} if self.time_zone else {})


@dataclass
class Plan:
    """A named combination of sections one learner might take."""

    plan_id: str
    learner_id: str
    name: str
    sections: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: dict) -> Plan:
        return cls(str(d["plan_id"]), str(d["learner_id"]), str(d["name"]),
                   [str(s) for s in d.get("sections", [])])

    def to_dict(self) -> dict:
        return {"plan_id": self.plan_id, "learner_id": self.learner_id, "name": self.name,
                "sections": list(self.sections)}


@dataclass(eq=False)  # compared and hashed by identity: caches key on the catalogue object
class Catalogue:
    """Every competency, requirement, provider, opportunity and section, as DataFrames.

    The frames are exactly the validated CSV files (typed). ``section_table`` joins them into the
    one table that feasibility, projection and the app's catalogue view work from.
    """

    competencies: pd.DataFrame
    requirements: pd.DataFrame
    providers: pd.DataFrame
    opportunities: pd.DataFrame
    sections: pd.DataFrame
    alignments: pd.DataFrame
    travel_times: pd.DataFrame
    #: IANA time zone the sections' times are in, and a learner's calendar by default
    #: (Riverbend, the sample district, is in US Central time)
    time_zone: str = "America/Chicago"

    @property
    def provider_table(self) -> pd.DataFrame:
        """``providers`` indexed by ``provider_id``, made once per providers table."""
        made = self.__dict__.get("_provider_table")
        if made is None or made[0] is not self.providers:
            made = self.__dict__["_provider_table"] = (
                self.providers, self.providers.set_index("provider_id"))
        return made[1]

    @cached_property
    def section_table(self) -> pd.DataFrame:
        """One row per section with its opportunity, provider, resolved zone and parsed times.

        Columns added: ``zone`` (the section's, else the provider's), ``provider_kind``,
        ``provider_name``, ``day_mask`` (7-bit), ``n_days``, ``start_min``/``end_min`` (minutes
        after midnight, -1 with no meetings), ``meets`` (has weekly meetings), ``in_person``
        (needs travel), ``online`` (needs broadband/device), ``weekly_hours``
        (meeting hours + self-paced hours per week), ``seats_left``.
        """
        s = self.sections.copy()
        o = self.opportunities.set_index("opportunity_id")
        p = self.providers.set_index("provider_id")
        s = s.join(o, on="opportunity_id", rsuffix="_opp")
        s["provider_name"] = s["provider_id"].map(p["name"])
        s["provider_kind"] = s["provider_id"].map(p["kind"])
        zone = s["zone"].where(s["zone"].astype(str).str.len() > 0) if "zone" in s else None
        s["zone"] = zone.fillna(s["provider_id"].map(p["zone"])) if zone is not None else \
            s["provider_id"].map(p["zone"])
        s["day_mask"] = s["days"].map(lambda d: day_mask(parse_days(d)) if d else 0).astype(int)
        s["n_days"] = s["day_mask"].map(lambda m: bin(m).count("1")).astype(int)
        has_time = s["start_time"].astype(str).str.contains(":")
        s["start_min"] = np.where(has_time, s["start_time"].map(
            lambda t: parse_minutes(t) if ":" in str(t) else -1), -1).astype(int)
        s["end_min"] = np.where(has_time, s["end_time"].map(
            lambda t: parse_minutes(t) if ":" in str(t) else -1), -1).astype(int)
        tba = s["times_tba"].astype(bool) if "times_tba" in s else False
        s["meets"] = (s["day_mask"] > 0) & (s["start_min"] >= 0) & ~tba
        s["in_person"] = s["meets"] & s["modality"].isin(["in_person", "blended"])
        s["online"] = s["modality"].isin(["online_live", "online_self_paced", "blended"])
        meeting_hours = np.where(s["meets"], s["n_days"] * (s["end_min"] - s["start_min"]) / 60, 0)
        s["meeting_hours"] = meeting_hours.astype(float)
        s["self_paced_hours"] = s["self_paced_hours"].fillna(0.0).astype(float)
        s["weekly_hours"] = s["meeting_hours"] + s["self_paced_hours"]
        # sections.seats overrides the opportunity's seats where given
        s["seats_left"] = pd.to_numeric(s["seats"], errors="coerce").fillna(s["seats_opp"])
        s["seats_left"] = s["seats_left"].astype(int)
        s["start_date"] = pd.to_datetime(s["start_date"])
        s["end_date"] = pd.to_datetime(s["end_date"])
        s["weeks"] = ((s["end_date"] - s["start_date"]).dt.days // 7 + 1).astype(int)
        return s.set_index("section_id", drop=False)

    @classmethod
    def from_frames(cls, **frames: pd.DataFrame) -> Catalogue:
        """Build from frames named like the files (``sections=...``), filling optional columns.

        The frames must already be valid; use ``formats.datadir.load_dataset`` for files from
        users.
        """
        return cls(**{name: typed_frame(f, frames[name]) for f, name in FRAME_NAMES.items()})

    @cached_property
    def zones(self) -> list[str]:
        z = set(self.travel_times["from_zone"]) | set(self.travel_times["to_zone"])
        return sorted(z | set(self.providers["zone"].astype(str)))

    @cached_property
    def travel_matrix(self) -> dict[str, np.ndarray]:
        """Minutes between zones per mode, as zone x zone arrays (inf = no such route).

        A missing (a, b) uses (b, a): trips are taken to be as long both ways.
        """
        idx = {z: i for i, z in enumerate(self.zones)}
        out = {}
        for mode in MODES:
            m = np.full((len(idx), len(idx)), np.inf)
            rows = self.travel_times[self.travel_times["mode"] == mode]
            a = rows["from_zone"].map(idx).to_numpy()
            b = rows["to_zone"].map(idx).to_numpy()
            v = rows["minutes"].to_numpy(dtype=float)
            m[b, a] = np.minimum(m[b, a], v)
            m[a, b] = np.minimum(m[a, b], v)
            out[mode] = m
        return out

    def zone_index(self, zone: str) -> int:
        return self.zones.index(zone)

    def travel_minutes(self, a: str, b: str, modes) -> tuple[float, str | None]:
        """The fastest trip from zone a to zone b by any of ``modes``: (minutes, mode).

        Returns (inf, None) when no listed mode connects them.
        """
        if a not in self.zones or b not in self.zones:
            return float("inf"), None
        i, j = self.zone_index(a), self.zone_index(b)
        best, best_mode = float("inf"), None
        for mode in modes:
            if mode in self.travel_matrix and self.travel_matrix[mode][i, j] < best:
                best, best_mode = float(self.travel_matrix[mode][i, j]), mode
        return best, best_mode

    def travel_from(self, zone: str, modes) -> pd.Series:
        """Fastest minutes from ``zone`` to every zone by any of ``modes`` (inf if none)."""
        i = self.zone_index(zone) if zone in self.zones else None
        vals = np.full(len(self.zones), np.inf)
        if i is not None:
            for mode in modes:
                if mode in self.travel_matrix:
                    vals = np.minimum(vals, self.travel_matrix[mode][i])
        return pd.Series(vals, index=self.zones)

    @cached_property
    def competency_names(self) -> dict[str, str]:
        return dict(zip(self.competencies["competency_id"], self.competencies["name"], strict=True))

    @cached_property
    def school_year(self) -> tuple[dt.date, dt.date]:
        """First and last dates any section meets: the planning horizon by default."""
        t = self.section_table
        return t["start_date"].min().date(), t["end_date"].max().date()


@dataclass
class Dataset:
    """A whole, consistent data directory: a catalogue plus learners and their plans."""

    catalogue: Catalogue
    learners: dict[str, Learner]
    plans: dict[str, Plan]
    root: Path | None = None

    def plans_for(self, learner_id: str) -> list[Plan]:
        return [p for p in self.plans.values() if p.learner_id == learner_id]
