"""iCalendar import (busy times -> weekly commitments -> availability) and plan export.

The real files in ``../shared/data/ics`` are messy on purpose (see its README); each test states
the concrete fact it checks, worked out by hand from the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import icalendar
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import EXAMPLES, SAMPLE_DATA
from workbench.domain.dataset import Catalogue, Learner, Plan, TimeBlock
from workbench.formats.ics import (
    availability_from_busy,
    busy_to_weekly,
    import_calendar,
    learner_time_zone,
    plan_to_ics,
    read_busy_times,
    reading_window,
    weekly_meetings,
)
from workbench.formats.report import ImportFailed

from .conftest import FIXTURES, SHARED_DATA, shared_file

# The real calendars in ../shared/data/ics (see its README); each test needing one skips, naming
# it, when it is not beside this clone. The fixtures under tests/fixtures/ics cover the same paths.
SHARED_ICS = [
    "icalendar__event_with_recurrence_exdates_on_different_lines.ics",
    "icalendar__issue_112_missing_tzinfo_on_exdate.ics",
    "icalevents__icloud.ics",
    "icalevents__multi_exdate_same_line_ms.ics",
    "icaljs__recur_instances.ics",
    "node-ical__badRRULE.ics",
    "node-ical__biweekly-exdate-until.ics",
    "node-ical__music-school-weekly-until.ics",
    "recurring-ical-events__machbar_16_feb_2019.ics",
    "recurring-ical-events__school_issue_48_dst.ics",
]
OWN_FILES = [*sorted((FIXTURES / "ics").glob("*.ics")), EXAMPLES / "family.ics"]
ALL_FILES = OWN_FILES + sorted((SHARED_DATA / "ics").glob("*.ics"))
ICS = FIXTURES / "ics"

D = dt.date


def read(name, start, end, tz="America/Chicago"):
    return read_busy_times(shared_file("ics", name), window_start=start, window_end=end, tz=tz)


def local(df, tz):
    """Starts as 'Mon 2020-11-02 14:15' strings in ``tz``."""
    return df["start"].dt.tz_convert(tz).dt.strftime("%a %Y-%m-%d %H:%M").tolist()


# --- every real file -------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHARED_ICS)
def test_every_real_file_reads_every_event(name):
    path = shared_file("ics", name)
    df, report = read_busy_times(path, window_start=D(2012, 1, 1), window_end=D(2023, 12, 31))
    events = len(re.findall(rb"^BEGIN:VEVENT", path.read_bytes(), flags=re.M))
    assert report.read == events
    assert report.imported + len(report.skipped) == events
    assert list(df.columns[:6]) == ["summary", "start", "end", "all_day", "uid", "line"]
    assert str(df["start"].dt.tz) == "America/Chicago"
    assert (df["end"] >= df["start"]).all()


def test_exdates_on_separate_lines_are_all_removed():
    # Tuesdays 10:00 Vienna, 27 Mar - 3 Jul 2012 (UNTIL = 3 Jul 08:00Z, inclusive): 15 Tuesdays,
    # 5 excluded one per line.
    df, report = read("icalendar__event_with_recurrence_exdates_on_different_lines.ics",
                      D(2012, 1, 1), D(2012, 12, 31), tz="Europe/Vienna")
    starts = local(df, "Europe/Vienna")
    assert len(starts) == 10
    for gone in ("2012-04-03", "2012-04-10", "2012-04-17", "2012-05-01", "2012-05-29"):
        assert not any(gone in s for s in starts)
    assert starts[0] == "Tue 2012-03-27 10:00" and starts[-1] == "Tue 2012-07-03 10:00"
    assert not report.skipped


def test_bare_vevent_without_vcalendar_and_utc_until():
    # Fri+Sat 12:00 New York from Sat 7 Sep 2013 until 25 Oct 03:59:59Z (= Thu 24 Oct evening):
    # 13 instances, 2 EXDATEs (Fri 11 and Sat 12 Oct).
    df, _ = read("icalendar__issue_112_missing_tzinfo_on_exdate.ics", D(2013, 9, 1),
                 D(2013, 12, 31), tz="America/New_York")
    starts = local(df, "America/New_York")
    assert len(starts) == 11
    assert "Fri 2013-10-11 12:00" not in starts and "Sat 2013-10-12 12:00" not in starts
    assert starts[-1] == "Sat 2013-10-19 12:00"
    assert set(df["summary"]) == {"Market East Live!"}


def test_icloud_weekly_gymnastics_and_yearly_birthday():
    # Kinderturnen: Mondays 16:15 Berlin 22 Feb - 26 Sep 2016 = 32 Mondays, 11 EXDATEs.
    df, _ = read("icalevents__icloud.ics", D(2016, 1, 1), D(2017, 12, 31), tz="Europe/Berlin")
    gym = df[df["summary"] == "Kinderturnen"]
    assert len(gym) == 21
    assert set(gym["start"].dt.strftime("%a %H:%M")) == {"Mon 16:15"}
    assert "Mon 2016-03-21 16:15" not in local(gym, "Europe/Berlin")
    birthday = df[df["summary"] == "Geburtstag"]
    assert local(birthday, "Europe/Berlin") == ["Fri 2016-12-09 10:00", "Sat 2017-12-09 10:00"]
    assert (birthday["repeats"] == "YEARLY").all()


def test_windows_time_zone_and_exdates_on_one_folded_line():
    # "Eastern Standard Time" is America/New_York; Fridays 11:00 from 11 Mar to 29 Apr 2022
    # (8 Fridays), minus 3 EXDATEs in one comma list folded over two lines. New York changes
    # to summer time on 13 Mar: the wall-clock time stays 11:00.
    df, report = read("icalevents__multi_exdate_same_line_ms.ics", D(2022, 3, 1), D(2022, 5, 31))
    assert local(df, "America/New_York") == [
        "Fri 2022-03-11 11:00", "Fri 2022-03-25 11:00", "Fri 2022-04-15 11:00",
        "Fri 2022-04-22 11:00", "Fri 2022-04-29 11:00"]
    offsets = {s.utcoffset() for s in df["start"].dt.tz_convert("America/New_York")}
    assert offsets == {dt.timedelta(hours=-5), dt.timedelta(hours=-4)}
    assert not report.warnings


def test_monthly_byday_with_rdates_exdates_and_moved_instances():
    # First Tuesday monthly 10:00 Los Angeles from 2 Oct 2012. The 2 Oct instance moved to
    # 15:00; the RDATE of Mon 5 Nov moved to Tue 6 Nov 20:00; 4 Dec excluded; RDATEs on
    # 10 and 30 Nov added.
    df, report = read("icaljs__recur_instances.ics", D(2012, 10, 1), D(2013, 1, 31),
                      tz="America/Los_Angeles")
    assert local(df, "America/Los_Angeles") == [
        "Tue 2012-10-02 15:00", "Tue 2012-11-06 10:00", "Tue 2012-11-06 20:00",
        "Sat 2012-11-10 10:00", "Fri 2012-11-30 10:00", "Tue 2013-01-01 10:00"]
    assert report.read == 3 and not report.skipped
    # RDATE as a PERIOD keeps its own length; a plain RDATE takes the event's 30 minutes
    later, _ = read("icaljs__recur_instances.ics", D(2023, 11, 1), D(2023, 11, 30), tz="UTC")
    lengths = dict(zip(local(later, "UTC"), later["end"] - later["start"], strict=True))
    assert lengths == {"Tue 2023-11-07 18:00": pd.Timedelta(minutes=30),
                       "Thu 2023-11-23 09:00": pd.Timedelta(minutes=30),
                       "Sat 2023-11-25 09:00": pd.Timedelta(hours=3, minutes=30)}


def test_malformed_rrule_is_reported_by_title_and_line_and_the_rest_imports():
    df, report = read("node-ical__badRRULE.ics", D(2020, 9, 1), D(2020, 12, 31),
                      tz="America/Denver")
    assert report.read == 3 and report.imported == 2
    [issue] = report.skipped
    assert issue.line == 50 and issue.field == "RRULE"
    assert "Academic Time" in issue.message and "AnythingRandom" in issue.message
    assert "Academic Time" not in set(df["summary"])
    brain = df[df["summary"] == "Brain Break"]
    assert set(brain["start"].dt.tz_convert("America/Denver").dt.strftime("%H:%M")) == {"09:40"}
    assert "Thu 2020-10-15 09:40" not in local(brain, "America/Denver")  # EXDATE
    # Europe/Budapest has no VTIMEZONE: the Olson name is used; the RRULE's x-parameter is fine
    other = df[df["summary"] == "Invalid RRULE property"]
    budapest = other["start"].dt.tz_convert("Europe/Budapest").dt.strftime("%H:%M")
    assert len(other) > 0 and set(budapest) == {"07:20"}
    assert "Thu 2020-12-24 07:20" not in local(other, "Europe/Budapest")


def test_biweekly_comma_exdates_and_exdates_at_the_wrong_time():
    df, report = read("node-ical__biweekly-exdate-until.ics", D(2017, 2, 1), D(2017, 12, 31))
    comma = local(df[df["summary"] == "Example of comma-separated exdates"], "America/Chicago")
    # every other week (Sunday weeks) Mon+Thu from Thu 16 Feb until 13 Aug: 25, minus 4 EXDATEs
    assert len(comma) == 21
    assert comma[:3] == ["Thu 2017-02-16 09:00", "Mon 2017-02-27 09:00", "Thu 2017-03-02 09:00"]
    for gone in ("2017-07-06", "2017-07-17", "2017-07-20", "2017-08-03"):
        assert not any(gone in s for s in comma)
    bad = local(df[df["summary"] == "Example of exdate with bad times"], "UTC")
    # EXDATE 06:00 (no zone) on a 14:00Z event still means "not on 18 and 19 December"
    assert "Mon 2017-12-04 14:00" in bad
    assert not any("2017-12-18" in s or "2017-12-19" in s for s in bad)
    assert sum(w.field == "EXDATE" for w in report.warnings) == 2


def test_gmt_offset_label_and_floating_until():
    # TZID "(GMT +01:00)" is not an Olson name: a fixed +01:00 with a warning. Floating UNTIL
    # 1 Dec 02:00 ends the Tuesday series on 29 Nov. No VERSION line.
    df, report = read("node-ical__music-school-weekly-until.ics", D(2022, 9, 1), D(2022, 12, 31))
    assert len(df) == 9
    utc = local(df, "UTC")
    assert utc[0] == "Tue 2022-10-04 13:00" and utc[-1] == "Tue 2022-11-29 13:00"
    assert [w.field for w in report.warnings] == ["TZID"]
    assert "(GMT +01:00)" in report.warnings[0].message
    assert report.warnings[0].line == 8
    assert set(df["summary"]) == {"Music School"}  # trailing space trimmed


def test_dst_crossing_keeps_local_wall_clock_time():
    # Event#4 is Fridays 14:15 Chicago; DST ends 1 Nov 2020. EXDATEs on 23 Oct and 6 Nov.
    df, _ = read("recurring-ical-events__school_issue_48_dst.ics", D(2020, 10, 19),
                 D(2020, 11, 15))
    fridays = df[(df["summary"] == "Event#4") & (df["start"].dt.dayofweek == 4)]
    assert local(fridays, "America/Chicago") == ["Fri 2020-10-30 14:15", "Fri 2020-11-13 14:15"]
    assert [s.utcoffset().total_seconds() / 3600 for s in fridays["start"]] == [-5, -6]
    assert (fridays["end"] - fridays["start"] == pd.Timedelta(minutes=15)).all()


def test_school_calendar_counts():
    df, report = read("recurring-ical-events__school_issue_48_dst.ics", D(2020, 11, 16),
                      D(2020, 11, 29))
    assert report.read == 13 and not report.skipped
    event1 = local(df[df["summary"] == "Event#1"], "America/Chicago")
    # Mon/Tue/Thu/Fri 8:15 from 16 Nov, Thanksgiving Thu 26 and Fri 27 excluded
    assert event1 == ["Mon 2020-11-16 08:15", "Tue 2020-11-17 08:15", "Thu 2020-11-19 08:15",
                      "Fri 2020-11-20 08:15", "Mon 2020-11-23 08:15", "Tue 2020-11-24 08:15"]


def test_makerspace_overrides_counts_and_monthly_rules():
    df, report = read("recurring-ical-events__machbar_16_feb_2019.ics", D(2017, 6, 1),
                      D(2019, 6, 30), tz="Europe/Berlin")
    assert report.read == 64 and not report.skipped
    cafe = df[df["uid"] == "ome5r9735mpdoo3n6lpf8oi0c4@google.com"]
    # 3rd Saturday monthly from 17 Nov 2018 until 15 Mar 2019; three instances moved
    assert local(cafe, "Europe/Berlin") == [
        "Sat 2018-11-17 11:00", "Sat 2018-12-08 11:00", "Sun 2019-01-27 11:00",
        "Sun 2019-02-24 11:00"]
    seminar = df[df["summary"] == "Uni Potsdam - Drohnenseminar"]
    assert len(seminar) == 8  # COUNT=8 on Mon+Wed from Wed 23 Aug 2017
    last_saturday = local(df[df["uid"] == "52uuaoruefesorque1gpjabr6t@google.com"],
                          "Europe/Berlin")
    # last Saturday monthly from 30 Jun 2018, 28 Jul and 25 Aug excluded, Sept/Oct moved
    assert last_saturday == ["Sat 2018-06-30 11:00", "Sat 2018-09-22 11:00",
                             "Sat 2018-10-20 11:00"]
    daily_once = df[df["summary"] == "mB-onTour: repairCafé"]
    assert "Sat 2019-06-22 11:00" in local(daily_once, "Europe/Berlin")  # FREQ=DAILY;COUNT=1
    congress = df[df["summary"] == "34c3 in der machBar"]  # one all-day event
    assert congress["all_day"].all() and len(congress) == 1
    assert (congress["end"] - congress["start"]).iloc[0] == pd.Timedelta(days=1)
    # CODEWEEK and the Maker Fair are all-day but marked as free time: not busy
    assert not {"CODEWEEK", "mB - OnTour: Maker Fair"} & set(df["summary"])
    assert any("2 events are marked as free time" in w.message for w in report.warnings)


# --- synthetic calendars for what the real files do not show ---------------------------------


def calendar(*events: str, newline: str = "\r\n") -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for e in events:
        lines += ["BEGIN:VEVENT", *e.strip().splitlines(), "END:VEVENT"]
    return (newline.join([*lines, "END:VCALENDAR"]) + newline).encode()


SOCCER = """UID:soccer
SUMMARY:Soccer
DTSTART;TZID=America/Chicago:20250901T170000
DTEND;TZID=America/Chicago:20250901T183000
RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=20"""


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_any_line_ending_and_folded_lines(newline):
    folded = "UID:x\nSUMMARY:Piano with Ms. Alvarez at the\n  community centre\n" \
             "DTSTART;TZID=America/Chicago:20250902T160000\nDTEND;TZID=America/Chicago:2025\n" \
             " 0902T170000\nRRULE:FREQ=DAILY;INTERVAL=7;UNTIL=20250916"
    df, _ = read_busy_times(calendar(SOCCER, folded, newline=newline),
                            window_start=D(2025, 9, 1), window_end=D(2025, 9, 30))
    piano = df[df["summary"].str.startswith("Piano")]
    assert piano["summary"].iloc[0] == "Piano with Ms. Alvarez at the community centre"
    assert local(piano, "America/Chicago") == ["Tue 2025-09-02 16:00", "Tue 2025-09-09 16:00",
                                               "Tue 2025-09-16 16:00"]
    assert (df["summary"] == "Soccer").sum() == 9


def test_cancelled_instance_all_day_and_unknown_zone():
    cancelled = """UID:soccer
SUMMARY:Soccer
RECURRENCE-ID;TZID=America/Chicago:20250903T170000
DTSTART;TZID=America/Chicago:20250903T170000
DTEND;TZID=America/Chicago:20250903T183000
STATUS:CANCELLED"""
    trip = "UID:trip\nSUMMARY:Camp\nDTSTART;VALUE=DATE:20250905\nDTEND;VALUE=DATE:20250907"
    odd = "UID:odd\nSUMMARY:Tutor\nDTSTART;TZID=Somewhere Odd:20250904T100000\nDURATION:PT45M"
    df, report = read_busy_times(calendar(SOCCER, cancelled, trip, odd),
                                 window_start=D(2025, 9, 1), window_end=D(2025, 9, 7))
    soccer = local(df[df["summary"] == "Soccer"], "America/Chicago")
    assert soccer == ["Mon 2025-09-01 17:00"]
    camp = df[df["summary"] == "Camp"].iloc[0]
    assert camp["all_day"] and (camp["end"] - camp["start"]) == pd.Timedelta(days=2)
    tutor = df[df["summary"] == "Tutor"].iloc[0]
    assert tutor["start"].strftime("%H:%M") == "10:00"  # read in the learner's zone
    assert tutor["end"] - tutor["start"] == pd.Timedelta(minutes=45)
    [warning] = report.warnings
    assert "Somewhere Odd" in warning.message and warning.line is not None


@pytest.mark.parametrize(("tzid", "summer", "winter", "warns"), [
    ("Central Standard Time", "15:00", "15:00", False),
    ("/mozilla.org/20050126_1/America/Chicago", "15:00", "15:00", False),
    ('"(UTC-06:00) Central Time (US & Canada)"', "15:00", "15:00", True),
    ('"(UTC-05:00) Bogota, Lima, Quito"', "15:00", "14:00", True),
    ('"GMT-0500"', "15:00", "14:00", True),
])
def test_time_zone_names_from_other_programs(tzid, summer, winter, warns):
    event = f"UID:t\nSUMMARY:Class\nDTSTART;TZID={tzid}:20251029T150000\nDURATION:PT1H\n" \
            "RRULE:FREQ=WEEKLY;COUNT=2"
    df, report = read_busy_times(calendar(event), window_start=D(2025, 10, 27),
                                 window_end=D(2025, 11, 9))
    assert df["start"].dt.strftime("%H:%M").tolist() == [summer, winter]
    assert bool(report.warnings) == warns


def test_yearly_and_rdate_and_duplicate_free_events():
    yearly = "UID:b\nSUMMARY:Grandma\nDTSTART:20200310T180000Z\nDTEND:20200310T200000Z\n" \
             "RRULE:FREQ=YEARLY\nRDATE:20230401T180000Z"
    free = "UID:f\nSUMMARY:Maybe\nDTSTART:20230310T180000Z\nTRANSP:TRANSPARENT"
    df, report = read_busy_times(calendar(yearly, free), window_start=D(2023, 1, 1),
                                 window_end=D(2024, 12, 31))
    assert local(df, "UTC") == ["Fri 2023-03-10 18:00", "Sat 2023-04-01 18:00",
                                "Sun 2024-03-10 18:00"]
    assert any("free time" in w.message for w in report.warnings)


def test_not_a_calendar_fails_and_cut_off_event_is_reported():
    with pytest.raises(ImportFailed) as info:
        read_busy_times(b"name,start\nSoccer,17:00\n", window_start=D(2025, 1, 1),
                        window_end=D(2025, 1, 31))
    assert "not an iCalendar" in str(info.value)
    data = calendar(SOCCER)[:-40]  # cut inside the event
    with pytest.raises(ImportFailed):
        read_busy_times(data, window_start=D(2025, 1, 1), window_end=D(2025, 1, 31))
    df, report = read_busy_times(calendar(SOCCER, SOCCER.replace("soccer", "s2"))[:-40],
                                 window_start=D(2025, 9, 1), window_end=D(2025, 9, 7))
    assert report.read == 2 and report.imported == 1
    assert "cut off" in report.skipped[0].message
    assert len(df) == 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_only_ever_fail_with_import_failed(data):
    try:
        df, _ = read_busy_times(data, window_start=D(2020, 1, 1), window_end=D(2020, 3, 31))
    except ImportFailed:
        return
    assert isinstance(df, pd.DataFrame)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_FILES), st.floats(0, 1), st.integers(0, 255),
       st.integers(0, 10**6))
def test_truncated_or_damaged_real_files_only_ever_fail_with_import_failed(path, cut, byte, where):
    data = bytearray(path.read_bytes()[: int(len(path.read_bytes()) * cut)])
    if data and byte % 2:
        data[where % len(data)] = byte
    try:
        df, report = read_busy_times(bytes(data), window_start=D(2012, 1, 1),
                                     window_end=D(2021, 12, 31))
    except ImportFailed as exc:
        assert exc.report.skipped
        return
    assert report.imported <= report.read
    assert len(df) == 0 or (df["end"] >= df["start"]).all()


# --- the project's own fixtures: what real calendars got wrong -------------------------------


def test_moved_day_of_an_all_day_series_leaves_its_old_day_free():
    # "At his dad's" is all day every Thursday from 10 Sep (6 times); four of those Thursdays
    # are moved to Saturday mornings, each RECURRENCE-ID written differently: a floating
    # midnight, midnight in Chicago, that midnight in UTC (05:00Z), and a plain date.
    df, report = read_busy_times(ICS / "allday_override.ics", window_start=D(2026, 9, 7),
                                 window_end=D(2026, 10, 18))
    assert not report.skipped and not report.warnings
    dad = df[df["summary"] == "At his dad's"]
    assert local(dad, "America/Chicago") == ["Thu 2026-09-10 00:00", "Thu 2026-10-15 00:00"]
    assert dad["all_day"].all()
    moved = df[df["summary"].str.contains("moved")]
    assert local(moved, "America/Chicago") == [
        "Sat 2026-09-19 10:00", "Sat 2026-09-26 10:00", "Sat 2026-10-03 10:00",
        "Sat 2026-10-10 10:00"]
    assert moved["line"].tolist() == [13, 21, 29, 37]  # each from its own override
    # 2 all-day Thursdays of 6 are not a weekly pattern: Thursday afternoon stays free but
    # for the club; a phantom on 1 October (the UTC form) would make it 3 of 6 and block it
    assert busy_to_weekly(df, D(2026, 9, 7), D(2026, 10, 18)) == [
        {"days": ["Thu"], "start": "16:00", "end": "17:30", "label": "Robotics club"},
        {"days": ["Sat"], "start": "10:00", "end": "12:00",
         "label": "At his dad's (moved to Saturday)"}]


def test_exdate_lists_folded_separate_and_date_only():
    # Tue+Thu 3:15 pm from 8 Sep to 8 Oct (10 days) minus a folded comma list of three, one on
    # its own line and one given as a date only
    df, report = read_busy_times(ICS / "exdate_lists.ics", window_start=D(2026, 9, 1),
                                 window_end=D(2026, 10, 31))
    assert local(df, "America/Chicago") == [
        "Tue 2026-09-08 15:15", "Thu 2026-09-10 15:15", "Tue 2026-09-22 15:15",
        "Thu 2026-09-24 15:15", "Thu 2026-10-08 15:15"]
    assert not report.skipped and not report.warnings


def test_weekly_times_keep_their_clock_time_across_the_change_to_standard_time():
    # 1 November 2026: Chicago goes from UTC-5 to UTC-6. A lesson set in Chicago stays at
    # 4:30 pm; a call set in UTC (15:00Z) moves from 10 am to 9 am Chicago time.
    df, _ = read_busy_times(ICS / "dst_change.ics", window_start=D(2026, 10, 1),
                            window_end=D(2026, 11, 30))
    piano = df[df["summary"] == "Piano lesson"]
    assert set(piano["start"].dt.strftime("%H:%M")) == {"16:30"}
    assert [s.utcoffset() / dt.timedelta(hours=1) for s in piano["start"]] == [-5, -5, -6, -6]
    assert (piano["end"] - piano["start"] == pd.Timedelta(minutes=45)).all()
    call = df[df["summary"] == "Call with grandma"]
    assert call["start"].dt.strftime("%H:%M").tolist() == ["10:00", "10:00", "09:00"]


def test_windows_zone_names_need_no_vtimezone():
    df, report = read_busy_times(ICS / "windows_zones.ics", window_start=D(2026, 10, 1),
                                 window_end=D(2026, 10, 31))
    by = {r.summary: r.start.strftime("%a %H:%M") for r in df.itertuples()}
    assert by["Tutoring (Pacific)"] == "Wed 15:00"  # 1 pm Pacific
    assert by["Language exchange (Berlin)"] == "Thu 16:00"  # 11 pm in Berlin
    assert by["Band practice"] == "Fri 17:00"
    # only Outlook's display name is a guess, and the report says so with its line
    [note] = report.warnings
    assert note.field == "TZID" and note.line == 24 and "America/Chicago" in note.message


@pytest.mark.parametrize("tz", ["America/Chicago", "Europe/Berlin", "Asia/Tokyo"])
def test_floating_times_are_the_learners_wall_clock_time(tz):
    df, report = read_busy_times(ICS / "floating.ics", window_start=D(2026, 9, 1),
                                 window_end=D(2026, 12, 31), tz=tz)
    assert set(df["start"].dt.strftime("%a %H:%M")) == {"Wed 18:00"}
    assert str(df["start"].dt.tz) == tz
    assert len(df) == 17  # 18 Wednesdays to 30 December, 25 November skipped
    assert "2026-11-25" not in " ".join(local(df, tz))
    assert not report.warnings


@pytest.fixture
def riverbend_tz_learner():
    return Learner("L-x", "X", 9, "Eastside")


def test_calendar_outside_the_school_year_changes_nothing(catalogue, riverbend_tz_learner):
    # the catalogue's sections run 1 Sep 2025 - 29 May 2026; the calendar is 2019-20
    with pytest.raises(ImportFailed) as info:
        import_calendar(ICS / "outside_window.ics", riverbend_tz_learner, catalogue=catalogue)
    [issue] = info.value.report.skipped
    assert "no event in the calendar falls between September 1, 2025 and May 29, 2026 " \
           "(the catalogue's school year)" in issue.message
    assert "first event is on September 3, 2019 and its last on June 6, 2020" in issue.message
    # the same calendar read for its own dates does import
    new, report = import_calendar(ICS / "outside_window.ics", riverbend_tz_learner,
                                  D(2019, 9, 1), D(2020, 5, 31), catalogue=catalogue)
    assert [b.to_dict() for b in new.commitments] == [
        {"days": ["Tue", "Thu"], "start": "17:00", "end": "18:30", "label": "Swim team"}]
    assert any("the dates asked for" in w.message for w in report.warnings)


def test_default_window_is_the_catalogues_school_year(catalogue):
    start, end, why = reading_window(catalogue=catalogue)
    assert (start, end) == catalogue.school_year == (D(2025, 9, 1), D(2026, 5, 29))
    assert why == "the catalogue's school year"
    assert reading_window(D(2025, 10, 1), None, catalogue)[:2] == (D(2025, 10, 1),
                                                                  D(2026, 5, 29))
    assert reading_window(today=D(2026, 12, 1))[:2] == (D(2026, 8, 1), D(2027, 7, 31))
    with pytest.raises(ValueError, match="before the first"):
        reading_window(D(2026, 1, 2), D(2026, 1, 1))
    # soccer runs 10 of the school year's 39 weeks: not a weekly commitment for the year, and
    # the import says so and changes nothing
    maya = Learner("L-maya", "Maya R.", 11, "Eastside")
    with pytest.raises(ImportFailed) as info:
        import_calendar(calendar(SOCCER), maya, catalogue=catalogue)
    report = info.value.report
    assert "no event happens at the same time in most weeks between September 1, 2025 and " \
           "May 29, 2026 (the catalogue's school year)" in report.skipped[0].message
    # for its own ten weeks it is one
    new, _ = import_calendar(calendar(SOCCER), maya, D(2025, 9, 1), D(2025, 11, 9),
                             catalogue=catalogue)
    assert [b.label for b in new.commitments] == ["Soccer"]


def test_time_zone_comes_from_the_learner_then_the_catalogue(catalogue):
    maya = Learner("L-maya", "Maya R.", 11, "Eastside")
    assert learner_time_zone(maya, catalogue)[0] == getattr(catalogue, "time_zone",
                                                            "America/Chicago")
    assert learner_time_zone(maya, catalogue, "Asia/Tokyo") == ("Asia/Tokyo",
                                                                "the time zone asked for")
    if hasattr(maya, "time_zone"):
        tokyo = dataclasses.replace(maya, time_zone="Asia/Tokyo")
        assert learner_time_zone(tokyo, catalogue) == ("Asia/Tokyo", "the learner's time zone")
        # the floating choir is at 6 pm wherever the family is; the zone is named in the report
        new, report = import_calendar(ICS / "floating.ics", tokyo, D(2026, 9, 1),
                                      D(2026, 12, 31))
        assert [b.to_dict() for b in new.commitments] == [
            {"days": ["Wed"], "start": "18:00", "end": "19:30", "label": "Choir"}]
        assert any("in Asia/Tokyo (the learner's time zone)" in w.message
                   for w in report.warnings)
    with pytest.raises(ImportFailed, match="not a time zone name"):
        import_calendar(ICS / "floating.ics", maya, D(2026, 9, 1), D(2026, 12, 31),
                        tz="Mars/Olympus")


def test_missing_file_is_one_line_that_names_it(riverbend_tz_learner, tmp_path):
    with pytest.raises(ImportFailed) as info:
        import_calendar(tmp_path / "family.ics", riverbend_tz_learner, D(2026, 9, 1),
                        D(2026, 12, 31))
    text = str(info.value)
    assert "\n" not in text and "family.ics" in text and "could not open" in text


# --- weekly blocks and availability ---------------------------------------------------------


def test_busy_to_weekly_needs_half_the_weeks_and_ignores_one_off_all_day():
    df, _ = read("recurring-ical-events__school_issue_48_dst.ics", D(2020, 10, 19),
                 D(2020, 11, 15))
    blocks = busy_to_weekly(df, D(2020, 10, 19), D(2020, 11, 15))
    assert blocks == [
        {"days": ["Mon", "Tue", "Thu", "Fri"], "start": "10:15", "end": "10:30",
         "label": "Event#2"},
        # Tuesdays 12:30 began 3 Nov: 2 of 4 Tuesdays is exactly half
        {"days": ["Tue"], "start": "12:30", "end": "12:45", "label": "Event#3"},
        {"days": ["Tue", "Fri"], "start": "14:15", "end": "14:30", "label": "Event#4"},
    ]
    stricter = busy_to_weekly(df, D(2020, 10, 19), D(2020, 11, 15), min_share=0.75)
    assert all(b["label"] != "Event#3" for b in stricter)
    # a one-off two-day camp covering the only Saturday and Sunday in the window is not weekly
    camp = "UID:c\nSUMMARY:Camp\nDTSTART;VALUE=DATE:20250906\nDTEND;VALUE=DATE:20250908"
    weekly_all_day = "UID:w\nSUMMARY:Dad's day\nDTSTART;VALUE=DATE:20250903\nRRULE:FREQ=WEEKLY"
    df2, _ = read_busy_times(calendar(camp, weekly_all_day), window_start=D(2025, 9, 1),
                             window_end=D(2025, 9, 7))
    assert busy_to_weekly(df2, D(2025, 9, 1), D(2025, 9, 7)) == [
        {"days": ["Wed"], "start": "00:00", "end": "24:00", "label": "Dad's day"}]


def test_availability_from_busy_merges_identical_days():
    busy = [{"days": ["Mon", "Wed"], "start": "17:00", "end": "18:30", "label": "Soccer"},
            {"days": ["Sat"], "start": "07:00", "end": "22:00", "label": "Work"}]
    free = availability_from_busy(busy, "15:00", "20:00", days=["Mon", "Tue", "Wed", "Sat"])
    assert free == [
        {"days": ["Mon", "Wed"], "start": "15:00", "end": "17:00"},
        {"days": ["Mon", "Wed"], "start": "18:30", "end": "20:00"},
        {"days": ["Tue"], "start": "15:00", "end": "20:00"},
    ]
    for block in free:
        TimeBlock.from_dict(block)  # the learner availability shape


def test_import_calendar_returns_a_new_learner():
    maya = Learner("L-maya", "Maya R.", 11, "Eastside",
                   availability=[TimeBlock(("Mon", "Tue", "Wed"), 15 * 60, 20 * 60)],
                   commitments=[TimeBlock(("Sat",), 9 * 60, 13 * 60, "Works at the bakery")])
    before = maya.to_dict()
    new, report = import_calendar(calendar(SOCCER), maya, D(2025, 9, 1), D(2025, 11, 23))
    assert maya.to_dict() == before
    assert new is not maya and new.commitments is not maya.commitments
    assert [b.to_dict() for b in new.commitments] == [
        {"days": ["Sat"], "start": "09:00", "end": "13:00", "label": "Works at the bakery"},
        {"days": ["Mon", "Wed"], "start": "17:00", "end": "18:30", "label": "Soccer"}]
    assert [b.to_dict() for b in new.availability] == [
        {"days": ["Mon", "Wed"], "start": "15:00", "end": "17:00"},
        {"days": ["Mon", "Wed"], "start": "18:30", "end": "20:00"},
        {"days": ["Tue"], "start": "15:00", "end": "20:00"}]
    assert report.imported == 1
    # importing again adds nothing new
    again, _ = import_calendar(calendar(SOCCER), new, D(2025, 9, 1), D(2025, 11, 23))
    assert again.commitments == new.commitments
    no_times = Learner("L-x", "X", 9, "Eastside")
    fresh, _ = import_calendar(calendar(SOCCER), no_times, D(2025, 9, 1), D(2025, 10, 31))
    assert fresh.availability[0].to_dict() == {"days": ["Mon", "Wed"], "start": "08:00",
                                               "end": "17:00"}


# --- export ----------------------------------------------------------------------------------


@pytest.fixture
def catalogue():
    return Catalogue.from_frames(
        competencies=pd.DataFrame({"competency_id": ["C1"], "domain": ["Math"],
                                   "name": ["Algebra"], "description": ["x"]}),
        requirements=pd.DataFrame({"requirement_id": ["R1"], "name": ["r"], "domain": ["Math"],
                                   "min_competencies": [1], "level": [3]}),
        providers=pd.DataFrame({
            "provider_id": ["P1", "P2"], "name": ["Eastside Library", "Online Academy"],
            "kind": ["library", "online"], "zone": ["Eastside", "online"],
            "address": ["1150 W Lakeside Avenue, Chicago, IL 60640 (Room 2, ground floor)", ""]}),
        opportunities=pd.DataFrame({
            "opportunity_id": ["O1", "O2", "O3"], "provider_id": ["P1", "P2", "P1"],
            "title": ["Robotics Club; beginners, welcome — ¡todos!", "Algebra online",
                      "Mentoring"],
            "kind": ["program", "online_course", "mentorship"],
            "modality": ["in_person", "online_self_paced", "in_person"],
            "min_grade": [6] * 3, "max_grade": [12] * 3, "cost": [120, 0, 35.5],
            "seats": [10] * 3, "requires_broadband": [False, True, False],
            "requires_device": [False, True, False]}),
        sections=pd.DataFrame({
            "section_id": ["S1", "S2", "S3", "S4"], "opportunity_id": ["O1", "O2", "O3", "O1"],
            "start_date": ["2025-09-03", "2025-09-01", "2025-09-01", "2025-10-01"],
            "end_date": ["2025-12-17", "2025-12-19", "2025-12-19", "2026-05-29"],
            "days": ["Mon;Wed", "", "", "Sat"], "start_time": ["15:30", "", "", "09:00"],
            "end_time": ["17:00", "", "", "11:30"], "self_paced_hours": [0, 3, 0, 0],
            "times_tba": [False, False, True, False]}),
        alignments=pd.DataFrame({"opportunity_id": ["O1"], "competency_id": ["C1"],
                                 "intensity": [1.0], "max_level": [3]}),
        travel_times=pd.DataFrame({"from_zone": ["Eastside"], "to_zone": ["Eastside"],
                                   "mode": ["walk"], "minutes": [5]}),
    )


MAYA = Learner("L-maya", "Maya R.", 11, "Eastside")
PLAN = Plan("P-maya-a", "L-maya", "Plan A: robotics + online", ["S1", "S2", "S3", "S4"])
NOW = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.UTC)


def test_export_is_valid_rfc5545(catalogue):
    data = plan_to_ics(catalogue, MAYA, PLAN, now=NOW)
    assert data == plan_to_ics(catalogue, MAYA, PLAN, now=NOW)  # deterministic
    assert b"\n" not in data.replace(b"\r\n", b"") and data.endswith(b"\r\n")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert data.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    cal = icalendar.Calendar.from_ical(data)
    assert cal["CALSCALE"] == "GREGORIAN"
    [zone] = cal.walk("VTIMEZONE")
    assert zone["TZID"] == "America/Chicago"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    events = cal.walk("VEVENT")
    assert len(events) == 2  # the own-pace and to-be-arranged sections have no meetings
    first = events[0]
    assert str(first["SUMMARY"]) == "Robotics Club; beginners, welcome — ¡todos!"
    assert first["DTSTART"].dt == dt.datetime(2025, 9, 3, 15, 30,
                                              tzinfo=first["DTSTART"].dt.tzinfo)
    assert str(first["DTSTART"].dt.tzinfo) == "America/Chicago"
    assert first["RRULE"]["BYDAY"] == ["MO", "WE"]
    # the last day, 17 Dec 23:59:59 in Chicago (CST), in UTC
    assert first["RRULE"]["UNTIL"][0] == dt.datetime(2025, 12, 18, 5, 59, 59, tzinfo=dt.UTC)
    assert "1150 W Lakeside Avenue" in str(first["LOCATION"])
    assert "$120" in str(first["DESCRIPTION"]) and "3:30 pm" in str(first["DESCRIPTION"])
    assert first["DTSTAMP"].dt == NOW
    saturday = events[1]
    assert saturday["DTSTART"].dt.date() == D(2025, 10, 4)  # first Saturday on/after 1 Oct
    note = str(cal["X-WR-CALDESC"])
    assert "Algebra online" in note and "own pace" in note and "Mentoring" in note


def test_export_uids_are_stable_per_plan_and_section(catalogue):
    def uids(plan, now):
        cal = icalendar.Calendar.from_ical(plan_to_ics(catalogue, MAYA, plan, now=now))
        return {str(e["UID"]): int(e["SEQUENCE"]) for e in cal.walk("VEVENT")}

    first = uids(PLAN, NOW)
    later = uids(PLAN, NOW + dt.timedelta(days=3))
    assert first.keys() == later.keys() and len(first) == 2
    assert all(later[u] > first[u] for u in first)  # a re-export is a newer version
    other = Plan("P-maya-b", "L-maya", "Plan B", ["S1"])
    assert not uids(other, NOW).keys() & first.keys()


def test_round_trip_gives_back_the_same_weekly_meetings(catalogue):
    data = plan_to_ics(catalogue, MAYA, PLAN, now=NOW)
    df, report = read_busy_times(data, window_start=D(2025, 10, 1), window_end=D(2025, 12, 17))
    assert not report.skipped and not report.warnings
    assert busy_to_weekly(df, D(2025, 10, 1), D(2025, 12, 17)) == weekly_meetings(catalogue,
                                                                                 PLAN)
    # the meetings keep their clock time across the 2 Nov change back to standard time
    assert set(df["start"].dt.strftime("%H:%M")) == {"15:30", "09:00"}
    # and in another zone the same instants come back
    df_ny, _ = read_busy_times(data, window_start=D(2025, 10, 1), window_end=D(2025, 12, 17),
                               tz="America/New_York")
    assert set(df_ny["start"].dt.strftime("%H:%M")) == {"16:30", "10:00"}


SAMPLE = SAMPLE_DATA


def coverage(blocks) -> set[tuple[str, int]]:
    """(day, minute) pairs a list of weekly blocks covers: overlapping sections merge."""
    out = set()
    for b in blocks:
        block = TimeBlock.from_dict(b)
        out |= {(d, m) for d in block.days for m in range(block.start, block.end)}
    return out


@pytest.mark.skipif(not (SAMPLE / "sections.csv").exists(), reason="no sample data yet")
def test_round_trip_of_every_sample_plan():
    from workbench.domain.schema import FRAME_NAMES

    frames = {name: pd.read_csv(SAMPLE / file, dtype=str, keep_default_na=False)
              for file, name in FRAME_NAMES.items()}
    cat = Catalogue.from_frames(**frames)
    table = cat.section_table
    checked = 0
    for path in sorted((SAMPLE / "plans").glob("*.json")):
        plan = Plan.from_dict(json.loads(path.read_text()))
        meets = table.loc[[s for s in plan.sections if s in table.index and table.loc[s, "meets"]]]
        data = plan_to_ics(cat, MAYA, plan, now=NOW)
        if meets.empty:
            continue
        # the weeks when every meeting section runs
        start, end = meets["start_date"].max().date(), meets["end_date"].min().date()
        if end < start:
            continue
        df, report = read_busy_times(data, window_start=start, window_end=end)
        assert not report.skipped, path.name
        got = busy_to_weekly(df, start, end)
        assert coverage(got) == coverage(weekly_meetings(cat, plan)), path.name
        checked += 1
    assert checked > 0


# --- the command line: --from/--to, and nothing changed when nothing is in the dates ----------


def test_cli_reads_the_dates_asked_for_and_changes_nothing_outside_them(tmp_path, monkeypatch,
                                                                         capsys):
    from workbench.cli import main
    from workbench.store import Store

    db = tmp_path / "store.sqlite"
    monkeypatch.setenv("WORKBENCH_DB", str(db))
    old = str(ICS / "outside_window.ics")
    assert main(["import", "ics", old, "--learner", "L-maya"]) == 2
    out = capsys.readouterr()
    assert "no event in the calendar falls between" in out.out + out.err
    assert len(out.err.strip().splitlines()) == 1 and "Nothing was changed" in out.err
    assert main(["import", "ics", old, "--learner", "L-maya", "--from", "2019-09-01",
                 "--to", "2020-05-31"]) == 0
    assert "Swim team" in {b.label for b in Store(db).learner("L-maya").commitments}
    capsys.readouterr()
    assert main(["import", "ics", old, "--learner", "L-maya", "--from", "2019-13-01"]) == 2
    err = capsys.readouterr().err
    assert "--from 2019-13-01: not a date" in err and len(err.strip().splitlines()) == 1


def _own_zone_calendar(offset: str) -> bytes:
    return calendar("UID:x\nSUMMARY:Piano\nDTSTART;TZID=Family Zone:20261005T100000\n"
                    "DURATION:PT1H").replace(
        b"BEGIN:VEVENT", b"BEGIN:VTIMEZONE\r\nTZID:Family Zone\r\nBEGIN:STANDARD\r\n"
        b"DTSTART:19700101T000000\r\nTZOFFSETFROM:" + offset.encode() + b"\r\nTZOFFSETTO:"
        + offset.encode() + b"\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT", 1)


def test_each_file_is_read_with_its_own_time_zone_definitions():
    # icalendar keeps the first definition of a zone name for the whole process; two families'
    # files defining "Family Zone" differently must each get their own
    window = {"window_start": D(2026, 10, 1), "window_end": D(2026, 10, 31), "tz": "UTC"}
    for offset, utc in (("-0500", "15:00"), ("+0300", "07:00"), ("-0500", "15:00")):
        df, report = read_busy_times(_own_zone_calendar(offset), **window)
        assert df["start"].dt.strftime("%H:%M").tolist() == [utc], offset
        assert not report.warnings
