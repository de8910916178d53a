"""Find a time: recurring slots for two people across time zones and daylight-saving changes (pure, no database)."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorloom.errors import ValidationFailed
from mentorloom.meetings.slots import CADENCES, Person, Shift, Slot, overlap_minutes_per_week, suggest_slots

YEAR_2027 = {"starts_on": date(2027, 1, 1), "until": date(2027, 12, 31)}
FAST = settings(max_examples=80, deadline=None)


def window(day: int, start: str, end: str) -> dict[str, Any]:
    return {"day": day, "start": start, "end": end}


def weekly(first: Person, second: Person, duration: int = 60, **plan: Any) -> list[Slot]:
    return suggest_slots(first, second, duration_minutes=duration, cadence="weekly", **(YEAR_2027 | plan))


# --- daylight saving -------------------------------------------------------------------------------------------


def test_berlin_evening_at_the_edge_of_new_york_is_moved_out_between_the_two_switch_dates() -> None:
    # Berlin 18:00 is New York 12:00 all year, except while only the US has switched: 14-28 March 2027
    # (second vs last Sunday of March) and 31 October-7 November 2027 (last Sunday of October vs first of
    # November). Then it is New York 13:00, past the end of the window.
    berlin = Person("Europe/Berlin", [window(1, "18:00", "21:00")])
    new_york = Person("America/New_York", [window(1, "09:00", "13:00")])
    [slot] = weekly(berlin, new_york)
    assert (slot.weekday, slot.start, slot.second_weekday, slot.second_start) == (1, time(18), 1, time(12))
    assert (slot.occurrences, slot.fitting) == (52, 49)
    assert slot.fit == pytest.approx(49 / 52)
    assert slot.moved_out == (
        Shift(date(2027, 3, 16), "second", date(2027, 3, 16), time(13)),
        Shift(date(2027, 3, 23), "second", date(2027, 3, 23), time(13)),
        Shift(date(2027, 11, 2), "second", date(2027, 11, 2), time(13)),
    )
    assert slot.label() == ("Tue 18:00 (Europe/Berlin)", "Tue 12:00 (America/New_York)")
    assert overlap_minutes_per_week(berlin, new_york, date(2027, 1, 7)) == 60
    assert overlap_minutes_per_week(berlin, new_york, date(2027, 3, 17)) == 0


def test_slot_in_the_hour_skipped_in_spring_is_moved_out_for_the_first_person() -> None:
    # 02:00 does not exist in Berlin on 28 March 2027: the meeting happens at 03:00-04:00 local, past 03:30.
    # So the snug 10:00 slot, which fits every Sunday, ranks first although 02:00 sits further inside.
    night = Person("Europe/Berlin", [window(6, "01:30", "03:30"), window(6, "10:00", "11:00")])
    always = Person("UTC", [window(day, "00:00", "24:00") for day in range(7)])
    slots = weekly(night, always, starts_on=date(2027, 3, 1), until=date(2027, 4, 30), step_minutes=60)
    assert [(s.weekday, s.start, s.fitting, s.occurrences) for s in slots] == [(6, time(10), 8, 8), (6, time(2), 7, 8)]
    assert slots[1].moved_out == (Shift(date(2027, 3, 28), "first", date(2027, 3, 28), time(3)),)


def test_auckland_and_los_angeles_differ_in_weekday_and_stay_inside_through_four_switches() -> None:
    # Auckland Monday 08:00 is Los Angeles Sunday 11:00 in January (21 h apart), 12:00 or 13:00 later in the year.
    auckland = Person("Pacific/Auckland", [window(0, "07:00", "11:00")])
    los_angeles = Person("America/Los_Angeles", [window(6, "10:00", "15:00")])
    best = weekly(auckland, los_angeles)[0]
    assert (best.weekday, best.start) == (0, time(8))
    assert (best.second_weekday, best.second_start) == (6, time(11))
    assert best.first_on == date(2027, 1, 4)
    assert (best.fit, best.moved_out) == (1.0, ())


# --- simple cases ------------------------------------------------------------------------------------------------


def test_same_zone_is_the_plain_intersection() -> None:
    mentor = Person("Europe/Berlin", [window(0, "09:00", "12:00")])
    mentee = Person("Europe/Berlin", [window(0, "10:00", "11:00")])
    slots = weekly(mentor, mentee)
    assert [(s.weekday, s.start, s.second_weekday, s.second_start, s.fit) for s in slots] == [
        (0, time(10), 0, time(10), 1.0)
    ]
    assert slots[0].moved_out == ()
    assert slots[0].rrule == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"


def test_no_common_time_gives_nothing() -> None:
    mentor = Person("Europe/Berlin", [window(0, "09:00", "12:00")])
    mentee = Person("America/New_York", [window(0, "09:00", "12:00")])  # 15:00-18:00 in Berlin
    assert weekly(mentor, mentee) == []
    assert overlap_minutes_per_week(mentor, mentee, date(2027, 5, 5)) == 0
    assert weekly(mentor, Person("UTC", [])) == []


def test_an_overlap_shorter_than_the_meeting_gives_nothing() -> None:
    mentor = Person("UTC", [window(2, "09:00", "10:00")])
    mentee = Person("UTC", [window(2, "09:30", "12:00")])
    assert overlap_minutes_per_week(mentor, mentee, date(2027, 5, 5)) == 30
    assert weekly(mentor, mentee) == []


def test_windows_ending_at_midnight_join_the_next_day() -> None:
    late = Person("UTC", [window(4, "22:00", "24:00"), window(5, "00:00", "01:00")])
    tokyo = Person("Asia/Tokyo", [window(5, "07:00", "10:00")])  # Friday 22:00 to Saturday 01:00 UTC
    slots = weekly(late, tokyo, duration=120)
    assert [(s.weekday, s.start, s.second_weekday, s.second_start, s.fit) for s in slots] == [
        (4, time(22, 30), 5, time(7, 30), 1.0)
    ]
    assert overlap_minutes_per_week(late, tokyo, date(2027, 5, 5)) == 180


def test_sunday_until_midnight_joins_monday_morning() -> None:
    owl = Person("UTC", [window(6, "23:00", "24:00"), window(0, "00:00", "01:00")])
    anyone = Person("UTC", [window(day, "00:00", "24:00") for day in range(7)])
    slots = weekly(owl, anyone)
    assert [(s.weekday, s.start, s.fit) for s in slots] == [(6, time(23, 30), 1.0)]


# --- ranking and diversity ---------------------------------------------------------------------------------------


def test_three_suggestions_spread_over_the_week() -> None:
    office = [window(day, "09:00", "17:00") for day in range(5)]
    slots = weekly(Person("UTC", office), Person("UTC", office))
    assert [(s.weekday, s.start) for s in slots] == [(0, time(10)), (1, time(10)), (2, time(10))]


def test_one_common_day_gives_suggestions_two_hours_apart() -> None:
    monday = [window(0, "09:00", "17:00")]
    slots = weekly(Person("UTC", monday), Person("Europe/London", monday), **{"until": date(2027, 3, 1)})
    assert [(s.weekday, s.start) for s in slots] == [(0, time(10)), (0, time(12)), (0, time(14))]


def test_a_narrow_overlap_gives_one_suggestion_not_three_near_duplicates() -> None:
    narrow = [window(0, "10:00", "12:00")]
    slots = weekly(Person("UTC", narrow), Person("UTC", narrow))
    assert [(s.weekday, s.start) for s in slots] == [(0, time(10, 30))]  # 30 minutes from either edge


def test_full_fit_beats_comfort_and_comfort_beats_the_hour() -> None:
    mentor = Person("Europe/Berlin", [window(1, "18:00", "21:00"), window(3, "06:00", "10:00")])
    mentee = Person("America/New_York", [window(1, "09:00", "13:00"), window(3, "00:00", "05:00")])
    slots = weekly(mentor, mentee)
    # Thursday 07:00 and 08:00 Berlin both fit every week an hour inside both windows; 08:00 wins as
    # 07:00 is before eight in Berlin too. Thursday 06:00 fits every week at the edges; the Tuesday evening
    # slot loses three weeks to daylight saving, so it comes last despite its better hours.
    assert [(s.weekday, s.start, s.fitting) for s in slots] == [(3, time(8), 52), (3, time(6), 52), (1, time(18), 49)]


# --- cadences ----------------------------------------------------------------------------------------------------


def test_biweekly_starts_on_the_first_such_weekday_and_monthly_on_the_first_of_the_month() -> None:
    monday = [window(0, "09:00", "12:00")]
    people = Person("UTC", monday), Person("UTC", monday)
    plan = {"duration_minutes": 60, "starts_on": date(2027, 1, 6), "until": date(2027, 12, 31)}
    [biweekly] = suggest_slots(*people, cadence="biweekly", **plan)
    assert (biweekly.first_on, biweekly.occurrences) == (date(2027, 1, 11), 26)
    assert biweekly.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
    [monthly] = suggest_slots(*people, cadence="monthly", **plan)
    assert (monthly.first_on, monthly.occurrences) == (date(2027, 2, 1), 11)
    assert monthly.rrule == "FREQ=MONTHLY;BYDAY=1MO"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cadence": "daily"}, "cadence"),
        ({"until": date(2026, 12, 31)}, "until"),
        ({"until": date(2033, 1, 1)}, "until"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"step_minutes": 7}, "step_minutes"),
        ({"first": Person("Mars/Olympus_Mons", [])}, "timezone"),
        ({"first": Person("UTC", [window(0, "25:00", "26:00")])}, "availability"),
        ({"first": Person("UTC", [window(0, "12:00", "11:00")])}, "availability"),
        ({"first": Person("UTC", [window(7, "10:00", "11:00")])}, "availability"),
    ],
)
def test_bad_input_names_its_field(change: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"first": Person("UTC", []), "second": Person("UTC", []), "duration_minutes": 60}
    args |= {"cadence": "weekly", **YEAR_2027} | change
    with pytest.raises(ValidationFailed) as caught:
        suggest_slots(**args)
    assert caught.value.field == field


def test_a_year_of_weekly_candidates_takes_well_under_100_ms() -> None:
    always = Person("Europe/Berlin", [window(day, "00:00", "24:00") for day in range(7)])
    awake = Person("America/New_York", [window(day, "07:00", "22:00") for day in range(7)])
    timings = []
    for _ in range(3):
        began = clock.perf_counter()
        slots = weekly(always, awake)
        timings.append(clock.perf_counter() - began)
    assert len(slots) == 3
    assert min(timings) < 0.1


# --- the invariant, checked by an independent calendar ------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Auckland",
    "Australia/Lord_Howe",  # a 30-minute daylight-saving shift
    "Asia/Kathmandu",  # UTC+05:45
    "America/Sao_Paulo",
]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def people(draw: st.DrawFn) -> Person:
    windows = []
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, 95)) * 15
        end = min(24 * 60, start + draw(st.integers(2, 48)) * 15)
        windows.append(window(draw(st.integers(0, 6)), _hhmm(start), _hhmm(end)))
    return Person(draw(st.sampled_from(ZONES)), windows)


def _expected_dates(cadence: str, weekday: int, starts_on: date, until: date) -> list[date]:
    days = [starts_on + timedelta(days=n) for n in range((until - starts_on).days + 1)]
    on_weekday = [d for d in days if d.weekday() == weekday]
    if cadence == "biweekly":
        return on_weekday[::2]
    if cadence == "monthly":
        return [d for d in on_weekday if d.day <= 7]
    return on_weekday


def _inside(person: Person, begins: datetime, ends: datetime) -> bool:
    """Whether the meeting's local wall-clock span lies in one (joined) window, using plain local datetimes."""
    zone = ZoneInfo(person.timezone)
    a, b = (moment.astimezone(zone).replace(tzinfo=None) for moment in (begins, ends))
    lo, hi = min(a, b), max(a, b)
    spans = []
    for offset in range(-8, 9):
        day = lo.date() + timedelta(days=offset)
        midnight = datetime.combine(day, time())
        for w in person.windows:
            if w["day"] == day.weekday():
                start_h, start_m = map(int, w["start"].split(":"))
                end_h, end_m = map(int, w["end"].split(":"))
                begin = midnight + timedelta(hours=start_h, minutes=start_m)
                spans.append((begin, midnight + timedelta(hours=end_h, minutes=end_m)))
    joined: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return any(start <= lo and hi <= end for start, end in joined)


@FAST
@given(
    first=people(),
    second=people(),
    duration=st.sampled_from([30, 45, 60, 90]),
    cadence=st.sampled_from(CADENCES),
    starts_on=st.dates(date(2024, 1, 1), date(2031, 12, 31)),
    span=st.integers(0, 420),
)
def test_every_kept_occurrence_is_inside_both_windows_and_fit_is_their_share(
    first: Person, second: Person, duration: int, cadence: str, starts_on: date, span: int
) -> None:
    until = starts_on + timedelta(days=span)
    slots = suggest_slots(first, second, duration_minutes=duration, cadence=cadence, starts_on=starts_on, until=until)
    zone = ZoneInfo(first.timezone)
    for slot in slots:
        dates = _expected_dates(cadence, slot.weekday, starts_on, until)
        assert (slot.occurrences, slot.first_on) == (len(dates), dates[0])
        fitting, missed, regular = 0, set(), None
        for on in dates:
            begins = datetime.combine(on, slot.start, tzinfo=zone).astimezone(UTC)
            ends = begins + timedelta(minutes=duration)
            inside = {"first": _inside(first, begins, ends), "second": _inside(second, begins, ends)}
            if all(inside.values()):
                fitting += 1
                regular = regular or begins.astimezone(ZoneInfo(second.timezone))
            missed |= {(on, who) for who, ok in inside.items() if not ok}
        assert {(shift.on, shift.who) for shift in slot.moved_out} == missed
        assert slot.fitting == fitting > 0
        assert slot.fit == pytest.approx(fitting / len(dates))
        assert regular is not None
        assert (slot.second_weekday, slot.second_start) == (regular.weekday(), regular.time())
    marks = [slot.weekday * 1440 + slot.start.hour * 60 + slot.start.minute for slot in slots]
    for i, a in enumerate(marks):
        for b in marks[i + 1 :]:
            assert min(abs(a - b), 7 * 1440 - abs(a - b)) >= 120
