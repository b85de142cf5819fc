"""Feasibility: every kind of problem, in plain words, and a catalogue fit that agrees with it."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.domain.dataset import Catalogue, Learner, TimeBlock
from workbench.domain.feasibility import (
    FIT_KINDS,
    KIND_TITLES,
    PROBLEM_KINDS,
    Problem,
    catalogue_fit,
    check_plan,
)

# ---- a small hand-written catalogue -------------------------------------------------------------
PROVIDERS = [
    {"provider_id": "P-lib", "name": "Eastside Library", "kind": "library", "zone": "Eastside",
     "offers_broadband": True, "lends_devices": True},
    {"provider_id": "P-cte", "name": "Downtown CTE Centre", "kind": "cte_center",
     "zone": "Downtown"},
    {"provider_id": "P-col", "name": "Riverside College", "kind": "college", "zone": "Riverside"},
    {"provider_id": "P-farm", "name": "Hill Farm", "kind": "workplace", "zone": "Farside"},
    {"provider_id": "P-web", "name": "Learn Online", "kind": "online", "zone": "online"},
]
TRAVEL = [
    ("Eastside", "Eastside", "walk", 10), ("Eastside", "Eastside", "transit", 10),
    ("Downtown", "Downtown", "walk", 5), ("Riverside", "Riverside", "walk", 5),
    ("Eastside", "Downtown", "transit", 20), ("Eastside", "Downtown", "walk", 45),
    ("Eastside", "Downtown", "car", 12),
    ("Eastside", "Riverside", "transit", 55), ("Eastside", "Riverside", "car", 25),
    ("Downtown", "Riverside", "transit", 30),
    ("Eastside", "Farside", "car", 30), ("Downtown", "Farside", "car", 30),
]
OPPORTUNITIES = {
    "O-rob": dict(provider_id="P-lib", title="Robotics Club", kind="program"),
    "O-weld": dict(provider_id="P-cte", title="Welding I", kind="cte_pathway", cost=120),
    "O-alg": dict(provider_id="P-col", title="College Algebra", kind="dual_enrollment",
                  min_grade=11, cost=200),
    "O-farm": dict(provider_id="P-farm", title="Farm Internship", kind="internship"),
    "O-code": dict(provider_id="P-web", title="Coding at Home", kind="online_course",
                   modality="online_self_paced", cost=50, requires_broadband=True,
                   requires_device=True),
    "O-art": dict(provider_id="P-cte", title="Art Studio", kind="course", seats=0),
}
OPP_DEFAULTS = dict(kind="program", modality="in_person", min_grade=9, max_grade=12, cost=0.0,
                    seats=10, requires_broadband=False, requires_device=False)
FALL = ("2026-09-07", "2027-01-22")
SPRING = ("2027-01-25", "2027-06-11")
YEAR = ("2026-09-07", "2027-06-11")


def section(section_id, opportunity_id, days="", start="", end="", dates=YEAR, **extra):
    return {"section_id": section_id, "opportunity_id": opportunity_id,
            "start_date": dates[0], "end_date": dates[1], "days": days, "start_time": start,
            "end_time": end, **extra}


SECTIONS = [
    section("S-rob-tue", "O-rob", "Tue", "15:30", "17:30"),
    section("S-rob-thu", "O-rob", "Thu", "15:30", "17:30"),
    section("S-weld-tue", "O-weld", "Tue", "15:00", "17:00"),
    section("S-weld-wed", "O-weld", "Wed", "15:30", "17:30"),
    section("S-alg-mon", "O-alg", "Mon", "16:00", "18:00"),
    section("S-farm-fri", "O-farm", "Fri", "15:00", "18:00"),
    section("S-code", "O-code", self_paced_hours=3),
    section("S-art-tue", "O-art", "Tue", "18:00", "19:00"),
    section("S-art-wed", "O-art", "Wed", "18:00", "19:00", seats=4),
]


def build(sections=SECTIONS, opportunities=None, alignments=(), providers=PROVIDERS,
          travel=TRAVEL) -> Catalogue:
    """A valid catalogue from hand-written rows (opportunities override the defaults by id)."""
    opps = {k: dict(v) for k, v in OPPORTUNITIES.items()}
    for oid, changes in (opportunities or {}).items():
        opps.setdefault(oid, {}).update(changes)
    opp_rows = [{"opportunity_id": k, **OPP_DEFAULTS, **v} for k, v in opps.items()]
    comps = pd.DataFrame({"competency_id": ["MATH.1", "CTE.1"],
                          "domain": ["Mathematics", "Career"],
                          "name": ["Solving linear equations", "Measuring and layout"],
                          "description": ["", ""]})
    return Catalogue.from_frames(
        competencies=comps,
        requirements=pd.DataFrame({"requirement_id": ["R1"], "name": ["Math"],
                                   "domain": ["Mathematics"], "min_competencies": [1],
                                   "level": [3]}),
        providers=pd.DataFrame(providers),
        opportunities=pd.DataFrame(opp_rows),
        sections=pd.DataFrame(list(sections)),
        alignments=pd.DataFrame(list(alignments), columns=[
            "opportunity_id", "competency_id", "intensity", "max_level", "min_level"]),
        travel_times=pd.DataFrame(list(travel), columns=["from_zone", "to_zone", "mode",
                                                         "minutes"]),
    )


def weekdays(start="15:00", end="20:00"):
    return [TimeBlock.from_dict({"days": "Mon;Tue;Wed;Thu;Fri", "start": start, "end": end})]


def maya(**changes) -> Learner:
    base = dict(learner_id="L-maya", name="Maya", grade=11, home_zone="Eastside",
                transport=["walk", "transit"], max_travel_minutes=40, home_broadband=True,
                device="own", budget=300.0, max_hours_per_week=10.0, availability=weekdays(),
                commitments=[TimeBlock.from_dict({"days": "Sat", "start": "09:00",
                                                  "end": "13:00",
                                                  "label": "Works at the bakery"})])
    base.update(changes)
    return Learner(**base)


CAT = build()


def kinds(problems):
    return [p.kind for p in problems]


def only(problems, kind):
    found = [p for p in problems if p.kind == kind]
    assert found, f"no {kind} problem in {problems}"
    return found


# ---- the whole plan -----------------------------------------------------------------------------
def test_a_plan_that_fits_has_no_problems():
    assert check_plan(CAT, maya(), ["S-rob-tue", "S-weld-wed"]) == []
    assert check_plan(CAT, maya(), []) == []


def test_problem_to_dict_and_titles():
    p = Problem("budget", ("S-1",), "The plan costs $10.", "Ask.")
    assert p.to_dict() == {"kind": "budget", "sections": ["S-1"], "message": "The plan costs $10.",
                           "fix": "Ask."}
    assert set(KIND_TITLES) == set(PROBLEM_KINDS) == set(FIT_KINDS)


def test_time_conflict_names_titles_days_times_and_a_fix():
    (p,) = check_plan(CAT, maya(), ["S-rob-tue", "S-weld-tue"])
    assert p.kind == "time_conflict"
    assert set(p.sections) == {"S-rob-tue", "S-weld-tue"}
    assert p.message == ("Robotics Club (Tuesday 3:30 pm–5:30 pm) overlaps "
                         "Welding I (Tuesday 3 pm–5 pm).")
    # the other groups of both opportunities fit the rest of the plan
    assert "Another group of Welding I would fit: Wednesday 3:30 pm–5:30 pm" in p.fix
    assert "Another group of Robotics Club would fit: Thursday 3:30 pm–5:30 pm" in p.fix


def test_no_conflict_when_the_dates_never_meet():
    cat = build([section("S-a", "O-rob", "Tue", "15:30", "17:30", FALL),
                 section("S-b", "O-weld", "Tue", "15:30", "17:30", SPRING)])
    assert "time_conflict" not in kinds(check_plan(cat, maya(), ["S-a", "S-b"]))
    # one shared day is enough: ranges overlapping only on a Tuesday still clash
    cat = build([section("S-a", "O-rob", "Tue", "15:30", "17:30", ("2026-09-07", "2026-09-08")),
                 section("S-b", "O-weld", "Tue;Wed", "15:30", "17:30",
                         ("2026-09-08", "2026-12-01"))])
    (p,) = only(check_plan(cat, maya(), ["S-a", "S-b"]), "time_conflict")
    assert "Tuesday" in p.message and "Wednesday" not in p.message


MINUTES = st.integers(min_value=6 * 60, max_value=21 * 60)


@st.composite
def two_sections(draw):
    rows = []
    for sid, opp in (("S-a", "O-rob"), ("S-b", "O-weld")):
        days = draw(st.sets(st.sampled_from(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
                            min_size=1))
        start = draw(MINUTES)
        length = draw(st.integers(min_value=15, max_value=180))
        first = draw(st.integers(min_value=0, max_value=60))
        span = draw(st.integers(min_value=0, max_value=60))
        d0 = pd.Timestamp("2026-09-01") + pd.Timedelta(days=first)
        d1 = d0 + pd.Timedelta(days=span)
        rows.append(section(sid, opp, ";".join(sorted(days)), f"{start // 60:02d}:{start % 60:02d}",
                            f"{(start + length) // 60:02d}:{(start + length) % 60:02d}",
                            (d0.date().isoformat(), d1.date().isoformat())))
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_sections())
def test_a_conflict_between_a_and_b_is_found_between_b_and_a(rows):
    cat = build(rows)
    lr = maya(availability=[], commitments=[])
    ab = {frozenset(p.sections) for p in check_plan(cat, lr, ["S-a", "S-b"])
          if p.kind == "time_conflict"}
    ba = {frozenset(p.sections) for p in check_plan(cat, lr, ["S-b", "S-a"])
          if p.kind == "time_conflict"}
    assert ab == ba
    # and brute force over the real dates agrees
    t = cat.section_table
    a, b = t.loc["S-a"], t.loc["S-b"]
    dates = pd.date_range(max(a.start_date, b.start_date), min(a.end_date, b.end_date))
    clash = any(
        (a.day_mask >> d.weekday()) & 1 and (b.day_mask >> d.weekday()) & 1
        and a.start_min < b.end_min and b.start_min < a.end_min for d in dates)
    assert bool(ab) == clash


def test_duplicate_sections_of_one_opportunity():
    (p,) = check_plan(CAT, maya(), ["S-rob-tue", "S-rob-thu"])
    assert p.kind == "duplicate"
    assert p.sections == ("S-rob-tue", "S-rob-thu")
    assert "Robotics Club is in this plan 2 times" in p.message


def test_unavailable_outside_free_time_and_in_a_commitment():
    cat = build([*SECTIONS, section("S-rob-sat", "O-rob", "Sat", "10:00", "12:00"),
                 section("S-rob-late", "O-rob", "Mon", "19:00", "21:00")])
    (p,) = check_plan(cat, maya(), ["S-rob-late"])
    assert p.kind == "unavailable"
    assert p.message == ("Robotics Club meets Monday 7 pm–9 pm, but Maya is free on Monday only "
                         "3 pm–8 pm.")
    assert "Another group of Robotics Club would fit: Tuesday 3:30 pm–5:30 pm" in p.fix
    saturday = [TimeBlock.from_dict({"days": "Sat", "start": "08:00", "end": "18:00"})]
    (p,) = check_plan(cat, maya(availability=weekdays() + saturday), ["S-rob-sat"])
    assert p.kind == "unavailable"
    assert "clashes with Works at the bakery (Saturday 9 am–1 pm)" in p.message
    # not free on Saturday at all, and busy: both are said
    problems = check_plan(cat, maya(), ["S-rob-sat"])
    assert kinds(problems) == ["unavailable", "unavailable"]
    assert "is not free on Saturdays" in problems[0].message
    # no availability given means no limit; self-paced sections are never outside free time
    assert check_plan(cat, maya(availability=[], commitments=[]), ["S-rob-late"]) == []
    assert check_plan(cat, maya(availability=[]), ["S-code"]) == []


def test_travel_time_between_meetings_in_different_places():
    cat = build([section("S-weld", "O-weld", "Tue", "15:00", "16:00"),
                 section("S-rob", "O-rob", "Tue", "16:10", "17:00")])
    (p,) = check_plan(cat, maya(), ["S-rob", "S-weld"])
    assert p.kind == "travel_time"
    assert p.sections == ("S-weld", "S-rob")
    assert p.message == ("On Tuesday, Maya has 10 minutes to get from Welding I (Downtown CTE "
                         "Centre) to Robotics Club (Eastside Library), but the trip takes 20 "
                         "minutes by bus or train.")
    # with 20 minutes it works
    cat = build([section("S-weld", "O-weld", "Tue", "15:00", "16:00"),
                 section("S-rob", "O-rob", "Tue", "16:20", "17:00")])
    assert check_plan(cat, maya(), ["S-rob", "S-weld"]) == []


def test_too_far_from_home():
    (p,) = check_plan(CAT, maya(), ["S-alg-mon"])
    assert p.kind == "too_far"
    assert p.message == ("It takes 55 minutes by bus or train from home to College Algebra at "
                         "Riverside College; Maya's longest trip is 40 minutes.")


def test_transport_no_mode_reaches_and_car_needed():
    (p,) = check_plan(CAT, maya(), ["S-farm-fri"])
    assert p.kind == "transport"
    assert p.message == ("Maya cannot get from home to Farm Internship at Hill Farm on foot or "
                         "by bus or train.")
    assert p.fix == "It can be reached in 30 minutes by car."
    cat = build(opportunities={"O-rob": {"requires_car": True}})
    (p,) = check_plan(cat, maya(), ["S-rob-tue"])
    assert p.kind == "transport" and "needs a car" in p.message
    assert check_plan(cat, maya(transport=["walk", "car"]), ["S-rob-tue"]) == []


def test_transport_between_two_places_no_mode_connects():
    travel = [t for t in TRAVEL if {t[0], t[1]} != {"Eastside", "Downtown"} or t[2] != "car"]
    travel = [*travel, ("Downtown", "Eastside", "car", 12)]
    cat = build([section("S-weld", "O-weld", "Tue", "15:00", "16:00"),
                 section("S-rob", "O-rob", "Tue", "17:00", "18:00")],
                travel=[t for t in travel if not (t[2] == "transit"
                                                  and {t[0], t[1]} == {"Downtown", "Eastside"})])
    lr = maya(transport=["transit"], max_travel_minutes=60)
    problems = check_plan(cat, lr, ["S-weld", "S-rob"])
    assert ("transport", ("S-weld", "S-rob")) in [(p.kind, p.sections) for p in problems]


def test_weekly_hours_says_which_week_and_how_many():
    lr = maya(max_hours_per_week=3.5)
    cat = build([section("S-rob", "O-rob", "Tue", "15:30", "17:30"),
                 section("S-code", "O-code", self_paced_hours=3, dates=FALL)])
    (p,) = check_plan(cat, lr, ["S-rob", "S-code"])
    assert p.kind == "weekly_hours"
    assert p.message.startswith("In the week of September 7, 2026 the plan takes 5 hours; Maya "
                                "wants at most 3.5 hours a week.")
    assert "20 weeks go over in all" in p.message
    assert p.fix == "Leaving out Coding at Home would save 3 hours that week."


def test_budget_counts_each_opportunity_once_and_says_how_much_over():
    (p,) = check_plan(CAT, maya(budget=300), ["S-weld-wed", "S-alg-mon"])[-1:]
    assert p.kind == "budget"
    assert p.message == "The plan costs $320 in all; the budget is $300."
    assert p.fix.startswith("That is $20 over.")
    assert "budget" not in kinds(check_plan(CAT, maya(budget=120), ["S-weld-tue", "S-weld-wed"]))


def test_broadband_names_a_place_with_free_internet():
    (p,) = check_plan(CAT, maya(home_broadband=False), ["S-code"])
    assert p.kind == "broadband"
    assert p.message == "Coding at Home needs internet, and Maya's home has none."
    assert p.fix == "Eastside Library offers free internet, 10 minutes away on foot."
    # nothing within reach: the fix says so
    (p,) = check_plan(CAT, maya(home_broadband=False, max_travel_minutes=5), ["S-code"])
    assert p.fix.startswith("No place that offers free internet is within 5 minutes")


def test_device_names_a_place_that_lends_one():
    (p,) = check_plan(CAT, maya(device="phone"), ["S-code"])
    assert p.kind == "device"
    assert "a phone is not enough" in p.message
    assert p.fix == "Eastside Library lends laptops, 10 minutes away on foot."


def test_grade():
    (p,) = check_plan(CAT, maya(grade=9, max_travel_minutes=60), ["S-alg-mon"])
    assert p.kind == "grade"
    assert p.message == "College Algebra is for grades 11–12; Maya is in grade 9."


def test_prerequisite_in_level_words():
    cat = build(alignments=[("O-weld", "CTE.1", 1.0, 3, 2), ("O-weld", "MATH.1", 1.0, 3, 0)])
    (p,) = check_plan(cat, maya(levels={"CTE.1": 1}), ["S-weld-wed"])
    assert p.kind == "prerequisite"
    assert p.message == ("Welding I expects Developing in Measuring and layout (now Emerging) "
                         "first.")
    assert check_plan(cat, maya(levels={"CTE.1": 2}), ["S-weld-wed"]) == []


def test_capacity_suggests_a_group_with_seats():
    (p,) = check_plan(CAT, maya(), ["S-art-tue"])
    assert p.kind == "capacity"
    assert p.message == "Art Studio (Tuesday 6 pm–7 pm) has no seats left."
    assert p.fix == "Another group of Art Studio would fit: Wednesday 6 pm–7 pm."


def test_times_tba_is_reported_not_assumed_to_fit():
    cat = build([*SECTIONS, section("S-rob-tba", "O-rob", times_tba=True)])
    (p,) = check_plan(cat, maya(), ["S-rob-tba"])
    assert p.kind == "times_tba"
    assert "times to be arranged — ask the provider before counting on it" in p.message


def test_every_problem_at_once_in_a_fixed_order():
    cat = build([*SECTIONS, section("S-rob-tba", "O-rob", times_tba=True)],
                alignments=[("O-weld", "CTE.1", 1.0, 3, 2)])
    lr = maya(grade=10, home_broadband=False, device="none", budget=100, max_hours_per_week=2)
    plan = ["S-farm-fri", "S-rob-tue", "S-weld-tue", "S-alg-mon", "S-code", "S-art-tue",
            "S-rob-tba"]
    problems = check_plan(cat, lr, plan)
    assert problems == check_plan(cat, lr, plan)
    order = [PROBLEM_KINDS.index(k) for k in kinds(problems)]
    assert order == sorted(order)
    assert {"time_conflict", "duplicate", "too_far", "transport", "weekly_hours", "budget",
            "broadband", "device", "grade", "prerequisite", "capacity", "times_tba"} <= set(
        kinds(problems))
    for p in problems:
        assert_plain(p.message)
        assert_plain(p.fix)


def assert_plain(text: str):
    """No raw codes: 24-hour times, ids, enum values, zone codes of the data."""
    assert not re.search(r"\b\d{1,2}:\d{2}\b(?! ?[ap]m)", text), text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text
    assert "S-" not in text and "O-" not in text and "P-" not in text, text
    assert "nan" not in text.lower().split() and "inf" not in text.split(), text


# ---- catalogue fit ------------------------------------------------------------------------------
def test_catalogue_fit_covers_every_section():
    fit = catalogue_fit(CAT, maya(), ["S-rob-tue"])
    assert list(fit.index) == list(CAT.section_table.index)
    assert list(fit.columns) == ["in_plan", "fits", "reason_kind", "reason", "travel_minutes",
                                 "travel_mode"]
    assert fit.at["S-rob-tue", "in_plan"] and fit.at["S-rob-tue", "fits"]
    assert fit.at["S-weld-tue", "reason_kind"] == "time_conflict"
    assert fit.at["S-weld-tue", "reason"] == "Same time as Robotics Club"
    assert fit.at["S-weld-wed", "fits"] and fit.at["S-weld-wed", "reason"] == ""
    assert fit.at["S-rob-thu", "reason_kind"] == "duplicate"
    assert fit.at["S-art-tue", "reason_kind"] == "capacity"
    assert fit.at["S-alg-mon", "reason_kind"] == "too_far"
    assert fit.at["S-alg-mon", "travel_minutes"] == 55
    assert fit.at["S-alg-mon", "travel_mode"] == "transit"
    assert fit.at["S-code", "travel_minutes"] == 0
    assert fit.at["S-farm-fri", "reason_kind"] == "transport"
    assert np.isinf(fit.at["S-farm-fri", "travel_minutes"])
    for text in fit["reason"]:
        assert_plain(text)


def test_catalogue_fit_on_an_empty_plan():
    fit = catalogue_fit(CAT, maya(), [])
    assert not fit["in_plan"].any()
    assert fit.loc["S-rob-tue", "fits"]


# random small catalogues: the fit must agree with check_plan on what adding a section breaks
ZONE_OF = {"O-rob": "Eastside", "O-weld": "Downtown", "O-alg": "Riverside"}


@st.composite
def scenarios(draw):
    n = draw(st.integers(min_value=3, max_value=7))
    rows = []
    for i in range(n):
        opp = draw(st.sampled_from(["O-rob", "O-weld", "O-alg", "O-code", "O-art", "O-farm"]))
        dates = draw(st.sampled_from([YEAR, FALL, SPRING]))
        extra = {}
        if draw(st.booleans()):
            extra["seats"] = draw(st.sampled_from([0, 3]))
        if opp == "O-code":
            rows.append(section(f"S-{i}", opp, self_paced_hours=draw(st.sampled_from([1, 4])),
                                dates=dates, **extra))
            continue
        if draw(st.integers(0, 9)) == 0:
            rows.append(section(f"S-{i}", opp, dates=dates, times_tba=True, **extra))
            continue
        days = draw(st.sets(st.sampled_from(["Mon", "Tue", "Wed", "Sat"]), min_size=1,
                            max_size=2))
        start = draw(st.sampled_from([900, 930, 960, 990, 1020, 1080, 1170]))
        length = draw(st.sampled_from([30, 60, 90, 120]))
        if draw(st.booleans()):
            extra["zone"] = draw(st.sampled_from(["Eastside", "Downtown", "Riverside"]))
        rows.append(section(f"S-{i}", opp, ";".join(sorted(days)),
                            f"{start // 60:02d}:{start % 60:02d}",
                            f"{(start + length) // 60:02d}:{(start + length) % 60:02d}",
                            dates, **extra))
    plan = draw(st.lists(st.sampled_from([r["section_id"] for r in rows]), unique=True,
                         max_size=3))
    learner = maya(
        grade=draw(st.sampled_from([9, 11])),
        transport=draw(st.sampled_from([["walk"], ["walk", "transit"], ["car"]])),
        max_travel_minutes=draw(st.sampled_from([15, 40, 60])),
        home_broadband=draw(st.booleans()), device=draw(st.sampled_from(["own", "phone"])),
        budget=draw(st.sampled_from([0.0, 150.0, 1000.0])),
        max_hours_per_week=draw(st.sampled_from([2.0, 4.0, 10.0])),
        availability=draw(st.sampled_from([[], weekdays("15:00", "19:00")])),
        levels={"CTE.1": draw(st.integers(0, 2))})
    return rows, plan, learner


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_catalogue_fit_agrees_with_check_plan(scenario):
    rows, plan, learner = scenario
    cat = build(rows, alignments=[("O-weld", "CTE.1", 1.0, 3, 2)])
    fit = catalogue_fit(cat, learner, plan)
    assert fit["in_plan"].sum() == len(plan)
    for sid in fit.index[~fit["in_plan"]]:
        new = {p.kind for p in check_plan(cat, learner, [*plan, sid]) if sid in p.sections}
        assert fit.at[sid, "fits"] == (not new), (sid, fit.loc[sid].to_dict(), new)
        if new:
            assert fit.at[sid, "reason_kind"] in new
            assert fit.at[sid, "reason"]


def test_catalogue_fit_vectorised_on_a_large_catalogue():
    """2,000 sections: the fit covers them all and matches check_plan on a sample."""
    rng = np.random.default_rng(7)
    opps = ["O-rob", "O-weld", "O-alg", "O-code", "O-art", "O-farm"]
    rows = []
    for i in range(2000):
        opp = opps[rng.integers(len(opps))]
        if opp == "O-code":
            rows.append(section(f"S-{i:04d}", opp, self_paced_hours=float(rng.integers(1, 5))))
            continue
        start = int(rng.choice([900, 930, 960, 1020, 1080]))
        day = ["Mon", "Tue", "Wed", "Thu", "Fri"][rng.integers(5)]
        rows.append(section(f"S-{i:04d}", opp, day, f"{start // 60:02d}:{start % 60:02d}",
                            f"{(start + 60) // 60:02d}:{start % 60:02d}",
                            [YEAR, FALL, SPRING][rng.integers(3)]))
    cat = build(rows)
    plan = ["S-0000", "S-0001", "S-0002", "S-0003"]
    lr = maya(max_travel_minutes=60)
    fit = catalogue_fit(cat, lr, plan)
    assert len(fit) == 2000
    for sid in rng.choice(fit.index[~fit["in_plan"]], 25, replace=False):
        new = {p.kind for p in check_plan(cat, lr, [*plan, sid]) if sid in p.sections}
        assert fit.at[sid, "fits"] == (not new)


# ---- the sample data ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample():
    loading = pytest.importorskip("workbench.formats.datadir")
    from workbench import SAMPLE_DATA

    if not (SAMPLE_DATA / "sections.csv").exists():
        pytest.skip("no sample data yet")
    return loading.load_dataset(SAMPLE_DATA)


def test_sample_plans_are_checked_in_plain_words(sample):
    assert sample.plans
    for plan in sample.plans.values():
        learner = sample.learners[plan.learner_id]
        problems = check_plan(sample.catalogue, learner, plan.sections)
        assert problems == check_plan(sample.catalogue, learner, list(plan.sections))
        for p in problems:
            assert p.kind in PROBLEM_KINDS
            assert set(p.sections) <= set(plan.sections)
            assert_plain(p.message)
            assert_plain(p.fix)


def test_sample_catalogue_fit_agrees_with_check_plan(sample):
    rng = np.random.default_rng(3)
    cat = sample.catalogue
    for plan in list(sample.plans.values())[:4]:
        learner = sample.learners[plan.learner_id]
        fit = catalogue_fit(cat, learner, plan.sections)
        assert len(fit) == len(cat.section_table)
        for sid in rng.choice(fit.index[~fit["in_plan"]], 15, replace=False):
            new = {p.kind for p in check_plan(cat, learner, [*plan.sections, sid])
                   if sid in p.sections}
            assert fit.at[sid, "fits"] == (not new), (plan.plan_id, sid, new,
                                                      fit.loc[sid].to_dict())


# ---- the per-learner answers kept between edits -----------------------------------------------
def test_fit_and_check_follow_a_learner_who_changes_between_calls():
    """The learner-only tests are kept in the session's cache; a changed learner must not get
    stale ones."""
    from workbench.domain.arrays import EngineCache

    cat, who, cache = build(), maya(), EngineCache()
    plan = ["S-rob-tue", "S-weld-wed"]
    catalogue_fit(cat, who, plan, cache=cache)
    check_plan(cat, who, plan, cache=cache)
    assert len(cache) > 0
    who.transport = ["walk"]
    who.availability = weekdays("16:00", "17:00")
    who.max_travel_minutes = 5
    who.grade = 6
    who.levels = {"MATH.ALG": 4}
    kept_fit = catalogue_fit(cat, who, plan, cache=cache)
    kept_check = check_plan(cat, who, plan, cache=cache)
    pd.testing.assert_frame_equal(kept_fit, catalogue_fit(cat, who, plan))  # nothing kept
    assert kept_check == check_plan(cat, who, plan)
    # a cache used with another catalogue forgets the first one's answers
    other = build()
    pd.testing.assert_frame_equal(catalogue_fit(other, who, plan, cache=cache),
                                  catalogue_fit(other, who, plan))


def test_changing_a_fit_frame_does_not_change_the_next_fit():
    cat, who = build(), maya()
    first = catalogue_fit(cat, who, ["S-rob-tue"])
    expected = first.copy()
    first.loc[:, "travel_mode"] = "changed"
    first.loc[:, "travel_minutes"] = -1.0
    pd.testing.assert_frame_equal(catalogue_fit(cat, who, ["S-rob-tue"]), expected)
    assert [str(t) for t in expected.dtypes] == ["bool", "bool", "object", "object", "float64",
                                                 "object"]
