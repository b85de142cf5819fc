"""Seeded, deterministic catalogues and rosters for tests, benchmarks and district-scale demos.

Everything is drawn from one ``numpy.random.Generator`` per call, so the same seed always gives the
same frames and learners: no wall clock, no network, no iteration over Python sets. The output
follows ``docs/data-format.md`` exactly, so ``Catalogue.from_frames(**frames)`` accepts it and
``workbench.formats.datadir.write_data_dir`` writes it as a data directory that loads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .dataset import (
    DAYS,
    MODES,
    PROVIDER_KINDS,
    Catalogue,
    Goal,
    Learner,
    Plan,
    TimeBlock,
)

SCHOOL_YEAR_START = dt.date(2026, 8, 31)
SCHOOL_YEAR_END = dt.date(2027, 6, 11)
FALL_TERM = (dt.date(2026, 8, 31), dt.date(2027, 1, 22))
SPRING_TERM = (dt.date(2027, 1, 25), dt.date(2027, 6, 11))
ONLINE_ZONE = "online"

#: The shared vocabulary of interest tags used by opportunities and learners.
INTERESTS = (
    "robotics", "coding", "engineering", "health care", "art", "music", "outdoors",
    "agriculture", "construction", "writing", "business", "environment", "animals", "design",
    "media", "cooking", "sports", "history", "science", "math", "public service", "languages",
    "manufacturing", "theatre",
)

#: Domains with the prefix their competency ids start with.
DOMAINS = (
    ("Mathematics", "MATH"),
    ("English Language Arts", "ELA"),
    ("Science", "SCI"),
    ("Social Studies", "SOC"),
    ("Career & Technical", "CTE"),
    ("Essential Skills", "ESS"),
    ("Digital Literacy", "DIG"),
)

STRENGTHS = (
    "hands-on building", "curious", "kind to others", "persistent", "good with numbers",
    "strong reader", "creative", "organised", "speaks two languages", "good listener",
    "leads groups", "patient with younger kids",
)

# The kinds of opportunity each kind of provider usually offers, with relative weights.
_OFFERS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "school": (("course", "program", "project"), (0.7, 0.2, 0.1)),
    "cte_center": (("cte_pathway", "course", "apprenticeship"), (0.6, 0.3, 0.1)),
    "college": (("dual_enrollment", "course"), (0.8, 0.2)),
    "community": (("program", "volunteer", "mentorship"), (0.6, 0.25, 0.15)),
    "workplace": (("internship", "apprenticeship", "mentorship"), (0.6, 0.25, 0.15)),
    "online": (("online_course", "course"), (0.85, 0.15)),
    "library": (("program", "project", "volunteer"), (0.7, 0.2, 0.1)),
    "museum": (("program", "project", "volunteer"), (0.6, 0.25, 0.15)),
    "place_based": (("project", "volunteer", "program"), (0.7, 0.2, 0.1)),
}
_PROVIDER_WEIGHTS = {
    "school": 0.14, "cte_center": 0.06, "college": 0.05, "community": 0.18, "workplace": 0.2,
    "online": 0.08, "library": 0.1, "museum": 0.06, "place_based": 0.13,
}
# Which domains an opportunity kind mostly practises (first is the most likely).
_KIND_DOMAINS = {
    "course": ("MATH", "ELA", "SCI", "SOC", "DIG"),
    "cte_pathway": ("CTE", "MATH", "ESS", "DIG"),
    "dual_enrollment": ("MATH", "ELA", "SCI", "SOC"),
    "program": ("ESS", "SCI", "DIG", "ELA"),
    "internship": ("CTE", "ESS"),
    "apprenticeship": ("CTE", "ESS", "MATH"),
    "online_course": ("DIG", "MATH", "ELA", "SCI"),
    "project": ("SCI", "SOC", "ESS"),
    "mentorship": ("ESS", "CTE"),
    "volunteer": ("ESS", "SOC"),
}
_MENTORS = (
    "Licensed electrician", "Registered nurse", "Welding supervisor", "Software developer",
    "Veterinary technician", "Small-business owner", "Graphic designer", "Park ranger",
    "Chef", "Carpenter", "Lab technician", "Pharmacist",
)

# Weekly meeting patterns: (days, start, end).
_MEETING_PATTERNS = (
    ("Mon;Wed", "15:30", "17:30"),
    ("Tue;Thu", "15:30", "17:30"),
    ("Wed", "16:00", "18:00"),
    ("Tue;Thu", "18:00", "20:45"),
    ("Mon;Wed", "18:00", "20:45"),
    ("Sat", "09:00", "12:00"),
    ("Sat", "13:00", "16:00"),
    ("Mon;Tue;Wed;Thu;Fri", "08:00", "11:00"),
    ("Mon;Tue;Wed;Thu;Fri", "12:00", "14:30"),
    ("Mon;Wed;Fri", "09:00", "10:15"),
    ("Fri", "15:00", "17:00"),
    ("Thu", "16:30", "19:30"),
)
# Which patterns suit each opportunity kind (indexes into _MEETING_PATTERNS).
_KIND_PATTERNS = {
    "course": (0, 1, 2, 8, 9, 10),
    "cte_pathway": (7, 8),
    "dual_enrollment": (3, 4, 9),
    "program": (0, 1, 2, 5, 6, 10),
    "internship": (11, 10, 5, 2),
    "apprenticeship": (7, 8, 5),
    "online_course": (3, 4, 2),
    "project": (5, 6, 2, 10),
    "mentorship": (2, 10, 11),
    "volunteer": (5, 6, 10),
}


def _iso(d: dt.date) -> str:
    return d.isoformat()


def _zone_names(n_zones: int) -> list[str]:
    return [f"Z{i:02d}" for i in range(1, n_zones + 1)]


def travel_times_for(
    zones: Sequence[str], xy_km: np.ndarray, no_transit: Iterable[str] = (),
    max_walk_minutes: float = 90.0,
) -> pd.DataFrame:
    """Travel rows between every pair of zones (both directions once, a < b, plus a == b).

    Minutes grow with straight-line distance, with a fixed wait for transit and parking for cars.
    Zones in ``no_transit`` (rural ones) get no transit rows at all; walks longer than
    ``max_walk_minutes`` are left out because nobody plans them.

    Parameters
    ----------
    zones : sequence of str
        Zone names.
    xy_km : ndarray, shape (n, 2)
        Zone centres in kilometres on a flat map.
    no_transit : iterable of str
        Zones no bus or train reaches.
    max_walk_minutes : float
        Longest walk to list.

    Returns
    -------
    pandas.DataFrame
        Columns from_zone, to_zone, mode, minutes.
    """
    no_transit = {str(z) for z in no_transit}
    n = len(zones)
    ii, jj = np.triu_indices(n)
    d = np.hypot(*(xy_km[ii] - xy_km[jj]).T)
    # within a zone, trips are short but not free
    d = np.where(ii == jj, 1.0, d * 1.3)  # 1.3: streets are longer than straight lines
    speeds = {"walk": (12.0, 0.0), "bike": (4.0, 2.0), "transit": (3.0, 12.0), "car": (1.6, 6.0)}
    rows = []
    zones_arr = np.asarray(zones, dtype=object)
    rural = np.array([z in no_transit for z in zones])
    for mode in MODES:
        per_km, fixed = speeds[mode]
        minutes = np.round(d * per_km + fixed)
        keep = np.ones(len(d), dtype=bool)
        if mode == "walk":
            keep &= minutes <= max_walk_minutes
        if mode == "transit":
            keep &= ~rural[ii] & ~rural[jj]
        rows.append(pd.DataFrame({
            "from_zone": zones_arr[ii[keep]], "to_zone": zones_arr[jj[keep]], "mode": mode,
            "minutes": minutes[keep].astype(float),
        }))
    return pd.concat(rows, ignore_index=True)


def generate_frames(
    n_sections: int = 2000, seed: int = 0, n_competencies: int = 60, n_zones: int = 16,
) -> dict[str, pd.DataFrame]:
    """A synthetic but consistent catalogue with about ``n_sections`` sections.

    Parameters
    ----------
    n_sections : int
        Number of sections; opportunities are about ``n_sections / 2.4`` and providers about
        one per six opportunities.
    seed : int
        Seed for ``numpy.random.default_rng``; the same seed always gives identical frames.
    n_competencies : int
        Competencies, spread over the seven domains.
    n_zones : int
        Geographic zones (plus the ``online`` zone for online providers).

    Returns
    -------
    dict of str to pandas.DataFrame
        Keyed competencies, requirements, providers, opportunities, sections, alignments,
        travel_times, with the columns of ``schema.FILES``.
    """
    if n_sections < 1 or n_competencies < len(DOMAINS) or n_zones < 2:
        raise ValueError("need n_sections >= 1, n_competencies >= 7 and n_zones >= 2")
    rng = np.random.default_rng(seed)

    # --- zones and travel -------------------------------------------------------------------
    zones = _zone_names(n_zones)
    xy = rng.uniform(0, 25, size=(n_zones, 2))
    centre = np.array([12.5, 12.5])
    far = np.hypot(*(xy - centre).T)
    rural = [z for z, f in zip(zones, far, strict=True) if f > 11]
    travel = travel_times_for(zones, xy, no_transit=rural)

    # --- competencies and requirements --------------------------------------------------------
    dom_idx = np.arange(n_competencies) % len(DOMAINS)
    counters = dict.fromkeys(range(len(DOMAINS)), 0)
    comp_ids, comp_dom = [], []
    for d in dom_idx:
        counters[int(d)] += 1
        comp_ids.append(f"{DOMAINS[d][1]}.G{counters[int(d)]}")
        comp_dom.append(DOMAINS[d][0])
    competencies = pd.DataFrame({
        "competency_id": comp_ids,
        "domain": comp_dom,
        "name": [f"{DOMAINS[d][0]} skill {counters_i}" for d, counters_i in
                 zip(dom_idx, [int(c.split("G")[-1]) for c in comp_ids], strict=True)],
        "description": [f"Generated competency {c} for testing and benchmarks." for c in comp_ids],
        "parent_id": "",
        "source_uri": "",
        "difficulty": np.round(rng.uniform(0.6, 1.8, n_competencies), 2),
    })
    requirements = pd.DataFrame({
        "requirement_id": [f"REQ.{p}" for _, p in DOMAINS],
        "name": [f"{name}: {max(1, round(0.6 * counters[i]))} competencies at Proficient"
                 for i, (name, _) in enumerate(DOMAINS)],
        "domain": [name for name, _ in DOMAINS],
        "min_competencies": [max(1, round(0.6 * counters[i])) for i in range(len(DOMAINS))],
        "level": 3,
    })

    # --- providers ------------------------------------------------------------------------------
    n_opps = max(len(PROVIDER_KINDS), min(n_sections, round(n_sections / 2.4)))
    n_prov = max(len(PROVIDER_KINDS), round(n_opps / 6))
    kinds = np.array(PROVIDER_KINDS, dtype=object)
    weights = np.array([_PROVIDER_WEIGHTS[k] for k in PROVIDER_KINDS])
    prov_kind = np.concatenate([
        kinds, rng.choice(kinds, size=n_prov - len(kinds), p=weights / weights.sum())])
    zone_of = rng.integers(0, n_zones, n_prov)
    prov_zone = np.where(prov_kind == "online", ONLINE_ZONE, np.asarray(zones, dtype=object)[zone_of])
    # a made-up town centred near 40 N, 90 W; 1 km is about 0.009 degrees
    lat = np.where(prov_kind == "online", np.nan,
                   np.round(40.0 + (xy[zone_of, 1] + rng.normal(0, 0.4, n_prov)) * 0.009, 5))
    lon = np.where(prov_kind == "online", np.nan,
                   np.round(-90.0 + (xy[zone_of, 0] + rng.normal(0, 0.4, n_prov)) * 0.0117, 5))
    prov_ids = [f"PR-{i:04d}" for i in range(n_prov)]
    providers = pd.DataFrame({
        "provider_id": prov_ids,
        "name": [f"{k.replace('_', ' ').title()} {i}" for i, k in enumerate(prov_kind)],
        "kind": prov_kind,
        "zone": prov_zone,
        "address": [f"{100 + 7 * i} Main St" if z != ONLINE_ZONE else ""
                    for i, z in enumerate(prov_zone)],
        "lat": lat,
        "lon": lon,
        "offers_broadband": np.isin(prov_kind, ["library", "community"]),
        "lends_devices": (prov_kind == "library") | ((prov_kind == "community")
                                                     & (rng.random(n_prov) < 0.3)),
    })

    # --- opportunities --------------------------------------------------------------------------
    # every provider offers at least one opportunity; the rest go to random providers
    opp_prov = np.concatenate([np.arange(n_prov), rng.integers(0, n_prov, max(0, n_opps - n_prov))])
    opp_prov = np.sort(opp_prov[:n_opps])
    pk = prov_kind[opp_prov]
    u = rng.random(n_opps)
    opp_kind = np.empty(n_opps, dtype=object)
    for k, (offers, w) in _OFFERS.items():
        m = pk == k
        cum = np.cumsum(w) / np.sum(w)
        opp_kind[m] = np.asarray(offers, dtype=object)[np.searchsorted(cum, u[m], side="right")
                                                       .clip(0, len(offers) - 1)]
    modality = np.full(n_opps, "in_person", dtype=object)
    online = pk == "online"
    modality[online] = np.where(rng.random(online.sum()) < 0.7, "online_self_paced",
                                "online_live")
    blended = ~online & np.isin(opp_kind, ["course", "dual_enrollment", "program"]) \
        & (rng.random(n_opps) < 0.12)
    modality[blended] = "blended"
    min_grade = rng.integers(6, 12, n_opps)
    min_grade = np.where(np.isin(opp_kind, ["dual_enrollment", "internship", "apprenticeship"]),
                         np.maximum(min_grade, 10), min_grade)
    max_grade = np.minimum(12, min_grade + rng.integers(1, 7, n_opps))
    max_grade = np.maximum(max_grade, min_grade)
    price_list = np.array([0, 0, 0, 0, 0, 0, 15, 25, 40, 60, 90, 120, 180, 250, 400, 650])
    cost = price_list[rng.integers(0, len(price_list), n_opps)].astype(float)
    cost = np.where(np.isin(opp_kind, ["internship", "volunteer", "mentorship"]), 0.0, cost)
    seats = np.where(rng.random(n_opps) < 0.05, 0, rng.integers(4, 31, n_opps))
    is_online = np.isin(modality, ["online_live", "online_self_paced", "blended"])
    n_tags = rng.integers(1, 4, n_opps)
    tag_order = np.argsort(rng.random((n_opps, len(INTERESTS))), axis=1)
    interests = [";".join(INTERESTS[t] for t in sorted(tag_order[i, :n_tags[i]]))
                 for i in range(n_opps)]
    workish = np.isin(opp_kind, ["internship", "apprenticeship", "mentorship"])
    mentor = np.where(workish, np.asarray(_MENTORS, dtype=object)[
        rng.integers(0, len(_MENTORS), n_opps)], "")
    credit_hours = np.where(opp_kind == "dual_enrollment",
                            rng.choice([3.0, 3.0, 4.0], n_opps), 0.0)
    opp_ids = [f"O-{i:05d}" for i in range(n_opps)]
    opportunities = pd.DataFrame({
        "opportunity_id": opp_ids,
        "provider_id": np.asarray(prov_ids, dtype=object)[opp_prov],
        "title": [f"{k.replace('_', ' ').capitalize()} {i}" for i, k in enumerate(opp_kind)],
        "kind": opp_kind,
        "modality": modality,
        "min_grade": min_grade,
        "max_grade": max_grade,
        "cost": cost,
        "seats": seats,
        "requires_broadband": is_online,
        "requires_device": is_online,
        "interests": interests,
        "mentor_role": mentor,
        "description": "",
        "requires_car": (opp_kind == "internship") & (rng.random(n_opps) < 0.06),
        "credit_hours": credit_hours,
    })

    # --- sections -------------------------------------------------------------------------------
    sec_opp = np.concatenate([np.arange(min(n_opps, n_sections)),
                              rng.integers(0, n_opps, max(0, n_sections - n_opps))])
    sec_opp = np.sort(sec_opp)
    sk = opp_kind[sec_opp]
    smod = modality[sec_opp]
    # dates: fall term, spring term, full year, or a short 6-10 week run
    date_kind = rng.choice(4, n_sections, p=[0.3, 0.3, 0.2, 0.2])
    y0 = np.datetime64(SCHOOL_YEAR_START)
    starts = np.where(date_kind == 1, np.datetime64(SPRING_TERM[0]), y0)
    ends = np.where(date_kind == 0, np.datetime64(FALL_TERM[1]), np.datetime64(SCHOOL_YEAR_END))
    short = date_kind == 3
    week0 = rng.integers(0, 30, n_sections)
    n_weeks = rng.integers(6, 11, n_sections)
    short_start = y0 + (week0 * 7).astype("timedelta64[D]")
    short_end = short_start + (n_weeks * 7 - 3).astype("timedelta64[D]")  # Monday -> Friday
    starts = np.where(short, short_start, starts)
    ends = np.where(short, np.minimum(short_end, np.datetime64(SCHOOL_YEAR_END)), ends)
    pat_choice = rng.random(n_sections)
    pat = np.empty(n_sections, dtype=int)
    for k, allowed in _KIND_PATTERNS.items():
        m = sk == k
        pat[m] = np.asarray(allowed)[(pat_choice[m] * len(allowed)).astype(int)]
    days = np.asarray([p[0] for p in _MEETING_PATTERNS], dtype=object)[pat]
    t0 = np.asarray([p[1] for p in _MEETING_PATTERNS], dtype=object)[pat]
    t1 = np.asarray([p[2] for p in _MEETING_PATTERNS], dtype=object)[pat]
    self_paced = smod == "online_self_paced"
    tba = ~self_paced & np.isin(sk, ["internship", "mentorship", "project"]) \
        & (rng.random(n_sections) < 0.05)
    no_meet = self_paced | tba
    days = np.where(no_meet, "", days)
    t0 = np.where(no_meet, "", t0)
    t1 = np.where(no_meet, "", t1)
    sp_hours = np.where(self_paced, rng.integers(2, 7, n_sections).astype(float),
                        np.where(smod == "blended", rng.integers(1, 4, n_sections), 0.0))
    sec_seats = np.where(rng.random(n_sections) < 0.15,
                         rng.integers(0, 21, n_sections).astype(float), np.nan)
    sections = pd.DataFrame({
        "section_id": [f"S-{i:05d}" for i in range(n_sections)],
        "opportunity_id": np.asarray(opp_ids, dtype=object)[sec_opp],
        "start_date": pd.to_datetime(starts).strftime("%Y-%m-%d"),
        "end_date": pd.to_datetime(ends).strftime("%Y-%m-%d"),
        "days": days,
        "start_time": t0,
        "end_time": t1,
        "zone": "",
        "self_paced_hours": sp_hours.astype(float),
        "seats": sec_seats,
        "times_tba": tba,
    })

    # --- alignments -----------------------------------------------------------------------------
    # Each opportunity practises 1-4 competencies, mostly from the domains its kind suits:
    # competencies in a favoured domain get a bonus before taking the top k of random keys.
    prefix_of = np.array([c.split(".")[0] for c in comp_ids], dtype=object)
    keys = rng.random((n_opps, n_competencies))
    for k, doms in _KIND_DOMAINS.items():
        m = opp_kind == k
        bonus = np.isin(prefix_of, doms[:2]).astype(float)
        keys[m] += bonus
    n_align = rng.integers(1, 5, n_opps)
    top = np.argsort(-keys, axis=1)[:, :4]
    a_opp = np.repeat(np.arange(n_opps), n_align)
    a_rank = np.concatenate([np.arange(k) for k in n_align])
    a_comp = top[a_opp, a_rank]
    n_a = len(a_opp)
    max_level = rng.choice([2, 3, 3, 4, 4], n_a)
    min_level = np.where(rng.random(n_a) < 0.15, rng.integers(1, 3, n_a), 0)
    min_level = np.minimum(min_level, max_level - 1)
    alignments = pd.DataFrame({
        "opportunity_id": np.asarray(opp_ids, dtype=object)[a_opp],
        "competency_id": np.asarray(comp_ids, dtype=object)[a_comp],
        "intensity": np.round(np.clip(rng.lognormal(0.6, 0.6, n_a), 0.5, 6.0), 2),
        "max_level": max_level,
        "min_level": min_level,
    })

    return {
        "competencies": competencies, "requirements": requirements, "providers": providers,
        "opportunities": opportunities, "sections": sections, "alignments": alignments,
        "travel_times": travel,
    }


_TRANSPORT_SETS = (
    ("walk",), ("walk", "transit"), ("walk", "bike"), ("walk", "bike", "transit"),
    ("walk", "car"), ("walk", "transit", "car"), ("walk", "bike", "car"),
)
_TRANSPORT_P = np.array([0.12, 0.25, 0.12, 0.12, 0.2, 0.12, 0.07])
_DEVICES = np.array(["own", "shared", "phone", "none"], dtype=object)
_DEVICE_P = np.array([0.6, 0.22, 0.14, 0.04])
_BUDGETS = np.array([0, 0, 50, 100, 150, 250, 400, 600, 1000], dtype=float)
_LANGUAGES = np.array(["en"] * 14 + ["es", "es", "es", "vi", "so", "ar"], dtype=object)
_FIRST = ("Ana", "Ben", "Chloe", "Dev", "Eli", "Fatima", "Gabe", "Hana", "Isaac", "Jada", "Kai",
          "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma",
          "Vic", "Wen", "Xavi", "Yara", "Zoe")
_LAST_INITIAL = "ABCDEFGHJKLMNOPRSTVWY"


def generate_roster(
    catalogue: Catalogue, n_learners: int, seed: int = 0,
    plans_per_learner: tuple[int, int] = (2, 3),
) -> tuple[list[Learner], list[Plan]]:
    """Plausible learners in grades 6-12 with a few plans each, drawn from ``catalogue``.

    All random draws are made as arrays up front; the per-learner loop only assembles objects, so
    50,000 learners take seconds.

    Parameters
    ----------
    catalogue : Catalogue
        Where home zones, competencies and sections come from.
    n_learners : int
        How many learners.
    seed : int
        Seed for ``numpy.random.default_rng``.
    plans_per_learner : (int, int)
        Fewest and most plans per learner (inclusive).

    Returns
    -------
    (list of Learner, list of Plan)
        Learners ``L-000001``...; plans ``P-000001-a``... of 2-5 sections the learner's grade
        may join.
    """
    rng = np.random.default_rng(seed)
    n = int(n_learners)
    land_zones = np.array([z for z in catalogue.zones if z != ONLINE_ZONE], dtype=object)
    comp_ids = catalogue.competencies["competency_id"].to_numpy(dtype=object)
    n_comp = len(comp_ids)
    table = catalogue.section_table
    sec_ids = table["section_id"].to_numpy(dtype=object)
    gmin = table["min_grade"].to_numpy()
    gmax = table["max_grade"].to_numpy()
    pools = {g: np.flatnonzero((gmin <= g) & (gmax >= g)) for g in range(6, 13)}
    for g, pool in pools.items():
        if len(pool) == 0:  # tiny catalogues: fall back to every section
            pools[g] = np.arange(len(sec_ids))

    grade = rng.integers(6, 13, n)
    home = land_zones[rng.integers(0, len(land_zones), n)]
    transport = rng.choice(len(_TRANSPORT_SETS), n, p=_TRANSPORT_P / _TRANSPORT_P.sum())
    max_travel = rng.choice(np.array([20, 30, 30, 40, 45, 60]), n)
    broadband = rng.random(n) < 0.82
    device = rng.choice(_DEVICES, n, p=_DEVICE_P)
    budget = rng.choice(_BUDGETS, n)
    max_hours = rng.integers(5, 17, n).astype(float)
    avail_kind = rng.choice(3, n, p=[0.7, 0.2, 0.1])  # after school, + Saturday, flexible days
    end_hour = rng.choice(np.array([18, 19, 20, 21]), n)
    has_commit = rng.random(n) < 0.3
    commit_day = rng.integers(0, 6, n)
    n_interests = rng.integers(1, 5, n)
    interest_order = np.argsort(rng.random((n, len(INTERESTS))), axis=1)
    strength = rng.integers(0, len(STRENGTHS), (n, 2))
    language = rng.choice(_LANGUAGES, n)
    n_levels = rng.integers(min(15, n_comp), min(30, n_comp) + 1, n)
    level_order = np.argsort(rng.random((n, n_comp)), axis=1)
    level_p = np.clip(0.2 + 0.06 * (grade - 6), 0.05, 0.9)
    level_vals = rng.binomial(4, level_p[:, None], (n, n_comp))
    n_goals = rng.integers(1, 4, n)
    goal_month = rng.integers(1, 7, (n, 3))
    n_plans = rng.integers(plans_per_learner[0], plans_per_learner[1] + 1, n)
    max_plans = int(plans_per_learner[1])
    plan_sizes = rng.integers(2, 6, (n, max_plans))
    # eight candidate draws per plan, so that after dropping repeats five distinct remain
    plan_keys = rng.random((n, max_plans, 8))
    first = rng.integers(0, len(_FIRST), n)
    last = rng.integers(0, len(_LAST_INITIAL), n)

    learners: list[Learner] = []
    plans: list[Plan] = []
    for i in range(n):
        lid = f"L-{i + 1:06d}"
        g = int(grade[i])
        if avail_kind[i] == 2:
            availability = [TimeBlock(DAYS[:5], 9 * 60, 17 * 60)]
        else:
            availability = [TimeBlock(DAYS[:5], 15 * 60, int(end_hour[i]) * 60)]
            if avail_kind[i] == 1:
                availability.append(TimeBlock(("Sat",), 9 * 60, 17 * 60))
        commitments = []
        if has_commit[i]:
            d = int(commit_day[i])
            commitments.append(TimeBlock((DAYS[d],), 16 * 60, 18 * 60, "Family commitment"))
        k = int(n_levels[i])
        chosen = level_order[i, :k]
        levels = {str(comp_ids[c]): int(level_vals[i, c]) for c in chosen}
        goals = []
        for j in range(min(int(n_goals[i]), k)):
            c = comp_ids[chosen[j]]
            target = int(min(4, max(3, levels[str(c)] + 1)))
            goals.append(Goal(str(c), target, dt.date(2027, int(goal_month[i, j]), 1)))
        learners.append(Learner(
            learner_id=lid,
            name=f"{_FIRST[first[i]]} {_LAST_INITIAL[last[i]]}.",
            grade=g,
            home_zone=str(home[i]),
            transport=list(_TRANSPORT_SETS[transport[i]]),
            max_travel_minutes=int(max_travel[i]),
            home_broadband=bool(broadband[i]),
            device=str(device[i]),
            budget=float(budget[i]),
            max_hours_per_week=float(max_hours[i]),
            availability=availability,
            commitments=commitments,
            interests=[INTERESTS[t] for t in interest_order[i, :n_interests[i]]],
            strengths=sorted({STRENGTHS[s] for s in strength[i]}),
            levels=levels,
            goals=goals,
            language=str(language[i]),
        ))
        pool = pools[g]
        for p in range(int(n_plans[i])):
            size = int(plan_sizes[i, p])
            picks = (plan_keys[i, p] * len(pool)).astype(int)
            picks = list(dict.fromkeys(pool[picks].tolist()))[:size]  # unique, order kept
            plans.append(Plan(f"P-{i + 1:06d}-{'abcdefgh'[p]}", lid,
                              f"Plan {'ABCDEFGH'[p]}", [str(sec_ids[s]) for s in picks]))
    return learners, plans

