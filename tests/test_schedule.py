"""A plan's week: meetings, trips between them, hours and travel per week."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.domain.dataset import Catalogue, Learner
from workbench.domain.schedule import (
    MEETING_COLUMNS,
    TRIP_COLUMNS,
    day_trips,
    plan_meetings,
    shared_weekdays,
    weekly_hours,
    weekly_travel_minutes,
)

FALL = ("2026-09-07", "2027-01-22")
SPRING = ("2027-01-25", "2027-06-11")
YEAR = ("2026-09-07", "2027-06-11")


def section(section_id, opportunity_id, days="", start="", end="", dates=YEAR, **extra):
    return {"section_id": section_id, "opportunity_id": opportunity_id,
            "start_date": dates[0], "end_date": dates[1], "days": days, "start_time": start,
            "end_time": end, **extra}


def build(sections) -> Catalogue:
    """Two places (a library at home, a CTE centre downtown), one online provider, 3 courses."""
    opp = dict(kind="program", modality="in_person", min_grade=9, max_grade=12, cost=0.0,
               seats=10, requires_broadband=False, requires_device=False)
    return Catalogue.from_frames(
        competencies=pd.DataFrame({"competency_id": ["C1"], "domain": ["Mathematics"],
                                   "name": ["Ratios"], "description": [""]}),
        requirements=pd.DataFrame({"requirement_id": ["R1"], "name": ["Math"],
                                   "domain": ["Mathematics"], "min_competencies": [1],
                                   "level": [3]}),
        providers=pd.DataFrame([
            {"provider_id": "P-lib", "name": "Eastside Library", "kind": "library",
             "zone": "Eastside"},
            {"provider_id": "P-cte", "name": "Downtown CTE Centre", "kind": "cte_center",
             "zone": "Downtown"},
            {"provider_id": "P-far", "name": "Hill Farm", "kind": "workplace", "zone": "Farside"},
            {"provider_id": "P-web", "name": "Learn Online", "kind": "online", "zone": "online"},
        ]),
        opportunities=pd.DataFrame([
            {"opportunity_id": "O-rob", "provider_id": "P-lib", "title": "Robotics Club", **opp},
            {"opportunity_id": "O-weld", "provider_id": "P-cte", "title": "Welding I", **opp},
            {"opportunity_id": "O-farm", "provider_id": "P-far", "title": "Farm", **opp},
            {"opportunity_id": "O-code", "provider_id": "P-web", "title": "Coding",
             **opp, "modality": "online_self_paced"},
            {"opportunity_id": "O-live", "provider_id": "P-web", "title": "Live Spanish",
             **opp, "modality": "online_live"},
        ]),
        sections=pd.DataFrame(sections),
        alignments=pd.DataFrame(columns=["opportunity_id", "competency_id", "intensity",
                                         "max_level", "min_level"]),
        travel_times=pd.DataFrame([
            ("Eastside", "Eastside", "walk", 10), ("Eastside", "Eastside", "transit", 10),
            ("Eastside", "Downtown", "transit", 20), ("Eastside", "Downtown", "walk", 45),
            ("Downtown", "Farside", "car", 30),
        ], columns=["from_zone", "to_zone", "mode", "minutes"]),
    )


SECTIONS = [
    section("S-weld", "O-weld", "Tue;Thu", "15:00", "16:00"),
    section("S-rob", "O-rob", "Tue", "16:20", "17:00"),
    section("S-rob-fall", "O-rob", "Wed", "16:00", "17:00", FALL),
    section("S-weld-spring", "O-weld", "Wed", "17:00", "18:00", SPRING),
    section("S-code", "O-code", self_paced_hours=3, dates=FALL),
    section("S-live", "O-live", "Mon", "18:00", "19:00"),
    section("S-farm", "O-farm", "Fri", "15:00", "16:00"),
    section("S-tba", "O-rob", times_tba=True),
]
CAT = build(SECTIONS)
MAYA = Learner(learner_id="L-maya", name="Maya", grade=11, home_zone="Eastside",
               transport=["walk", "transit"])


def mondays(first, last):
    """Every Monday from the week of ``first`` to the week of ``last``, counted by pandas."""
    first = pd.Timestamp(first)
    return pd.date_range(first - pd.Timedelta(days=first.weekday()), last, freq="W-MON")


def test_plan_meetings_one_row_per_meeting_day():
    m = plan_meetings(CAT, ["S-rob", "S-weld", "S-code", "S-tba", "S-live", "S-nope", "S-rob"])
    assert list(m.columns) == MEETING_COLUMNS
    assert list(zip(m["day"], m["section_id"], strict=True)) == [
        ("Mon", "S-live"), ("Tue", "S-weld"), ("Tue", "S-rob"), ("Thu", "S-weld")]
    tue = m[m["day"] == "Tue"].iloc[0]
    assert (tue["start_min"], tue["end_min"], tue["zone"]) == (900, 960, "Downtown")
    assert tue["title"] == "Welding I" and tue["provider_name"] == "Downtown CTE Centre"
    assert m.set_index("section_id")["in_person"].to_dict() == {
        "S-live": False, "S-weld": True, "S-rob": True}
    assert m["start_date"].iloc[0] == pd.Timestamp(YEAR[0])
    assert plan_meetings(CAT, []).columns.tolist() == MEETING_COLUMNS


def test_day_trips_home_between_and_back():
    trips = day_trips(CAT, MAYA, ["S-rob", "S-weld"])
    assert list(trips.columns) == TRIP_COLUMNS
    tue = trips[trips["day"] == "Tue"].reset_index(drop=True)
    assert list(zip(tue["from_zone"], tue["to_zone"], strict=True)) == [
        ("Eastside", "Downtown"), ("Downtown", "Eastside"), ("Eastside", "Eastside")]
    assert tue["minutes"].tolist() == [20, 20, 10]
    assert tue["depart_min"].tolist() == [880, 960, 1020]
    assert tue["arrive_min"].tolist() == [900, 980, 1030]
    assert tue["mode"].tolist() == ["transit", "transit", "walk"]
    assert tue.at[1, "before_section"] == "S-weld" and tue.at[1, "after_section"] == "S-rob"
    assert tue.at[1, "window_minutes"] == 20
    # Thursday has welding only: there and back
    thu = trips[trips["day"] == "Thu"]
    assert len(thu) == 2 and thu["minutes"].tolist() == [20, 20]
    weeks = len(mondays(*YEAR))
    assert (trips["weeks"] == weeks).all()


def test_day_trips_only_link_meetings_that_run_in_the_same_weeks():
    trips = day_trips(CAT, MAYA, ["S-rob-fall", "S-weld-spring"])
    wed = trips[trips["day"] == "Wed"]
    # never a trip from the fall club to the spring class: they never share a Wednesday
    assert not (wed["before_section"].eq("S-rob-fall") & wed["after_section"].eq(
        "S-weld-spring")).any()
    assert len(wed) == 4
    fall = wed[wed["after_section"].eq("S-rob-fall")]
    assert fall["weeks"].item() == len(mondays(*FALL))


def test_day_trips_unreachable_and_online():
    trips = day_trips(CAT, MAYA, ["S-farm", "S-live", "S-code"])
    assert set(trips["day"]) == {"Fri"}  # online meetings need no trip
    assert np.isinf(trips["minutes"]).all()
    assert trips["mode"].isna().all()
    assert trips["depart_min"].isna().iloc[0]
    assert day_trips(CAT, MAYA, []).columns.tolist() == TRIP_COLUMNS


def test_weekly_hours_per_week_over_the_plan():
    hours = weekly_hours(CAT, ["S-rob", "S-code"])
    assert list(hours.index) == list(mondays(*YEAR))
    assert hours.index.name == "week_start"
    fall = hours.index <= pd.Timestamp(FALL[1])
    assert np.allclose(hours[fall], 40 / 60 + 3)
    assert np.allclose(hours[~fall], 40 / 60)
    # given weeks, including weeks the plan does not run in
    weeks = pd.DatetimeIndex(["2026-08-31", "2026-09-07"])
    assert weekly_hours(CAT, ["S-rob", "S-code"], weeks).tolist() == pytest.approx(
        [0, 40 / 60 + 3])
    assert weekly_hours(CAT, []).empty


def test_weekly_hours_counts_only_meeting_days_inside_the_dates():
    cat = build([section("S-a", "O-rob", "Mon;Fri", "15:00", "17:00",
                         ("2026-09-09", "2026-09-14"))])
    hours = weekly_hours(cat, ["S-a"])
    # starts on a Wednesday: that week only Friday; the next only Monday the 14th
    assert hours.tolist() == [2.0, 2.0]
    assert list(hours.index) == [pd.Timestamp("2026-09-07"), pd.Timestamp("2026-09-14")]


def test_weekly_travel_minutes_is_an_average_over_the_weeks_the_plan_runs():
    n_year, n_fall = len(mondays(*YEAR)), len(mondays(*FALL))
    # Robotics: 10 min there and back every Tuesday; the fall club adds 20 a week in the fall
    minutes = weekly_travel_minutes(CAT, MAYA, ["S-rob", "S-rob-fall"])
    assert minutes == pytest.approx((20 * n_year + 20 * n_fall) / n_year)
    assert weekly_travel_minutes(CAT, MAYA, ["S-code", "S-live"]) == 0.0
    assert weekly_travel_minutes(CAT, MAYA, []) == 0.0
    # trips that cannot be made are left out, not counted as infinite
    assert weekly_travel_minutes(CAT, MAYA, ["S-farm"]) == 0.0


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 400), st.integers(0, 30), st.integers(0, 400), st.integers(0, 30))
def test_shared_weekdays_matches_the_calendar(a0, alen, b0, blen):
    base = pd.Timestamp("2026-09-01")
    a = pd.date_range(base + pd.Timedelta(days=a0), periods=alen + 1)
    b = pd.date_range(base + pd.Timedelta(days=b0), periods=blen + 1)
    both = a.intersection(b)
    expected = sum({1 << d for d in both.weekday})
    day = np.datetime64("1970-01-01")
    first = [(x[0].to_datetime64().astype("datetime64[D]") - day).astype(int) for x in (a, b)]
    last = [(x[-1].to_datetime64().astype("datetime64[D]") - day).astype(int) for x in (a, b)]
    assert int(shared_weekdays(first[0], last[0], first[1], last[1])) == expected


# ---- the sample data ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample():
    loading = pytest.importorskip("workbench.formats.datadir")
    from workbench import SAMPLE_DATA

    if not (SAMPLE_DATA / "sections.csv").exists():
        pytest.skip("no sample data yet")
    return loading.load_dataset(SAMPLE_DATA)


def test_sample_plans_have_consistent_weeks(sample):
    cat = sample.catalogue
    for plan in sample.plans.values():
        learner = sample.learners[plan.learner_id]
        meetings = plan_meetings(cat, plan.sections)
        trips = day_trips(cat, learner, plan.sections)
        ok = np.isfinite(trips["minutes"].astype(float))
        assert np.allclose(trips["arrive_min"][ok] - trips["depart_min"][ok],
                           trips["minutes"][ok])
        # every day with an in-person meeting starts and ends at home
        for day in set(meetings.loc[meetings["in_person"], "day"]):
            legs = trips[trips["day"] == day]
            assert legs["before_section"].isna().any() and legs["after_section"].isna().any()
        hours = weekly_hours(cat, plan.sections)
        assert (hours >= 0).all() and (hours.index.dayofweek == 0).all()
        assert weekly_travel_minutes(cat, learner, plan.sections) >= 0


def test_trips_kept_between_calls_follow_the_learner_and_are_not_shared():
    who = Learner(learner_id="L-maya", name="Maya", grade=11, home_zone="Eastside",
                  transport=["walk", "transit"])
    first = day_trips(CAT, who, ["S-rob", "S-weld"])
    first.loc[:, "minutes"] = -1.0
    again = day_trips(CAT, who, ["S-rob", "S-weld"])
    assert (again["minutes"] > 0).all()
    who.transport = ["walk"]   # the same learner object, now without transit
    walking = day_trips(CAT, who, ["S-rob", "S-weld"])
    fresh = day_trips(CAT, Learner(learner_id="L-x", name="X", grade=11, home_zone="Eastside",
                                   transport=["walk"]), ["S-rob", "S-weld"])
    pd.testing.assert_frame_equal(walking, fresh)
    assert weekly_travel_minutes(CAT, who, ["S-rob", "S-weld"]) == weekly_travel_minutes(
        CAT, Learner(learner_id="L-x", name="X", grade=11, home_zone="Eastside",
                     transport=["walk"]), ["S-rob", "S-weld"])
