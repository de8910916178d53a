"""The calendar feed, read by two independent parsers, holds exactly the pair's meetings: for random plans
in zones with and without daylight saving, at local times near the change, with occurrences moved,
cancelled, and series replanned.

Service level (a database session and `feed.build_feed`), so each example costs milliseconds, not a request.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import recurring_ical_events
import vobject
from hypothesis import HealthCheck, example, given, note, reject
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.errors import ValidationFailed
from mentorloom.meetings import feed, recurrence, series, service
from mentorloom.meetings.models import Meeting, MeetingSeries, MeetingStatus
from mentorloom.mentorships.access import Seat, seat_for
from mentorloom.mentorships.models import Agreement, AgreementStatus
from mentorloom.programs.models import Cadence
from tests.mentorships.helpers import Pair, make_pair

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2032, 1, 1, tzinfo=UTC))
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "UTC",
    "Europe/London",
    "America/Sao_Paulo",
)


# --- reading a calendar, twice ----------------------------------------------------------------------


def with_icalendar(text: bytes) -> list[datetime]:
    """Every event's start in UTC as icalendar + recurring-ical-events expand it (one entry per meeting)."""
    calendar = icalendar.Calendar.from_ical(text)
    events = recurring_ical_events.of(calendar).between(*WINDOW)
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in events)


def with_vobject(text: bytes) -> list[datetime]:
    """vobject expands each rule with its EXDATEs (dateutil); an override (same UID, RECURRENCE-ID) replaces
    the instance it names, as RFC 5545 says, matched per UID. One entry per meeting."""
    # vobject keeps the first VTIMEZONE it ever read for a TZID, for the whole process: a calendar read earlier,
    # covering other years, would stand in for this one's.
    registry = vars(vobject.icalendar)["__tzidMap"]
    for tzid in [t for t in registry if t != "UTC"]:
        del registry[tzid]
    calendar = vobject.readOne(text.decode())
    expanded: dict[str, Counter[datetime]] = {}
    overrides: list[tuple[str, datetime, datetime]] = []
    singles: list[datetime] = []
    for event in calendar.vevent_list:
        uid = event.uid.value
        start = event.dtstart.value.astimezone(UTC)
        if hasattr(event, "recurrence_id"):
            overrides.append((uid, event.recurrence_id.value.astimezone(UTC), start))
        elif hasattr(event, "rrule"):
            expanded.setdefault(uid, Counter()).update(s.astimezone(UTC) for s in event.getrruleset(addRDate=True))
        else:
            singles.append(start)
    starts = list(singles)
    for uid, original, start in overrides:
        instances = expanded.get(uid, Counter())
        assert instances[original] > 0, f"override {uid} {original} names no instance of its rule"
        instances[original] -= 1
        starts.append(start)
    for instances in expanded.values():
        starts += instances.elements()
    return sorted(starts)


def expected_starts(session: Session, pair: Pair) -> list[datetime]:
    """What the feed must hold: every meeting of the pair that is not cancelled, at its (moved) start."""
    rows = session.scalars(
        select(Meeting.starts_at).where(
            Meeting.mentorship_id == pair.mentorship.id, Meeting.status != MeetingStatus.CANCELLED
        )
    )
    return sorted(s.astimezone(UTC) for s in rows)


def assert_feed_matches(session: Session, settings: Settings, pair: Pair) -> bytes:
    session.flush()
    session.expire_all()
    text = feed.build_feed(session, settings, pair.mentee.user)
    expected = expected_starts(session, pair)
    assert with_icalendar(text) == expected, "icalendar + recurring-ical-events"
    assert with_vobject(text) == expected, "vobject"
    return text


def assert_rules_expand_to_rows(session: Session, pair: Pair) -> None:
    """Each series' stored rule expands to exactly its occurrence rows (their original starts)."""
    for item in session.scalars(select(MeetingSeries).where(MeetingSeries.mentorship_id == pair.mentorship.id)):
        rows = sorted(m.original_start for m in series.occurrences_of(session, item) if m.original_start)
        if not rows:
            continue  # replaced before its first meeting: nothing of it is left to expand
        rule = recurrence.occurrences(item.rrule, item.starts_on, item.local_time, item.timezone, item.until)
        assert rule == rows, item.rrule


# --- a pair ready to plan, without the API ----------------------------------------------------------


def ready_pair(session: Session, cadence: Cadence = Cadence.WEEKLY) -> tuple[Pair, Seat]:
    """An active pair (five years planned) whose agreement with `cadence` is confirmed."""
    pair = make_pair(session, duration_months=60)
    now = utcnow()
    session.add(
        Agreement(
            mentorship_id=pair.mentorship.id,
            cycle=pair.mentorship.cycle,
            version=1,
            status=AgreementStatus.CONFIRMED,
            cadence=cadence,
            planned_months=60,
            confirmed_by_mentor_at=now,
            confirmed_by_mentee_at=now,
        )
    )
    session.flush()
    return pair, seat_for(session, pair.mentor.user, pair.program.id, pair.mentorship.id)


# --- the property -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """Something done to the n-th occurrence (modulo their number) after planning."""

    index: int
    what: str  # "move", "cancel", "agenda"
    days: int = 0
    minutes: int = 0  # the new local time of day, in minutes
    zone: str = "UTC"  # the zone the new time is given in


local_times = st.one_of(
    st.builds(time, st.integers(1, 3), st.sampled_from([0, 15, 30, 45])),  # around the change at 02:00/03:00
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 30])),
)
plans = st.builds(
    recurrence.Plan,
    cadence=st.sampled_from(list(Cadence)),
    weekday=st.integers(0, 6),
    local_time=local_times,
    timezone=st.sampled_from(ZONES),
    starts_on=st.dates(date(2027, 1, 1), date(2028, 12, 31)),
    until=st.just(date(2027, 1, 1)),  # replaced below: a range of 1 to 14 months
    monthly_by=st.sampled_from(["weekday", "date"]),
    week_of_month=st.sampled_from([1, 2, 3, 4, -1]),
    day_of_month=st.sampled_from([1, 15, 28, 29, 30, 31]),
)
changes = st.lists(
    st.builds(
        Change,
        index=st.integers(0, 400),
        what=st.sampled_from(["move", "cancel", "agenda"]),
        days=st.integers(-3, 3),
        minutes=st.integers(0, 24 * 60 - 1).map(lambda m: m - m % 15),
        zone=st.sampled_from(ZONES),
    ),
    max_size=6,
)


def _apply(session: Session, seat: Seat, change: Change) -> None:
    rows = list(
        session.scalars(
            select(Meeting)
            .where(Meeting.mentorship_id == seat.mentorship.id, Meeting.status == MeetingStatus.SCHEDULED)
            .order_by(Meeting.starts_at)
        )
    )
    if not rows:
        return
    meeting = rows[change.index % len(rows)]
    if change.what == "cancel":
        service.cancel(session, seat, meeting)
    elif change.what == "agenda":
        service.add_agenda_item(session, seat, meeting, "Something to talk about", seat.user)
    else:
        day = meeting.starts_at.astimezone(recurrence.zone(change.zone)).date() + timedelta(days=change.days)
        at = datetime.combine(day, time(change.minutes // 60, change.minutes % 60))
        service.move(session, seat, meeting, service.When(day=day, at=at, timezone=change.zone))


def check_plan(
    session: Session,
    settings: Settings,
    plan: recurrence.Plan,
    months: int,
    before: list[Change],
    replan: tuple[int, recurrence.Plan] | None,
    after: list[Change],
) -> None:
    pair, seat = ready_pair(session, plan.cadence)
    plan = _with_until(plan, months)
    _plan(session, seat, plan)
    for change in before:
        _apply(session, seat, change)
    if replan is not None:
        weeks, second = replan
        starts_on = plan.starts_on + timedelta(weeks=weeks)
        second = _with_until(
            recurrence.Plan(**{**vars(second), "starts_on": starts_on, "until": starts_on}), months // 2 + 1
        )
        _plan(session, seat, second)
    for change in after:
        _apply(session, seat, change)
    session.flush()
    assert_rules_expand_to_rows(session, pair)
    assert_feed_matches(session, settings, pair)


def _plan(session: Session, seat: Seat, plan: recurrence.Plan) -> None:
    try:
        series.plan(session, seat, plan, series.Details(), seat.user)
    except ValidationFailed as exc:
        if exc.field != "until":
            raise
        reject()  # the 31st in a single month without one, and the like: no meeting, nothing to read


def _with_until(plan: recurrence.Plan, months: int) -> recurrence.Plan:
    until = plan.starts_on + timedelta(days=30 * months)
    return recurrence.Plan(**{**vars(plan), "until": until})


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=plans,
    months=st.integers(1, 14),
    before=changes,
    replan=st.one_of(st.none(), st.tuples(st.integers(1, 30), plans)),
    after=changes,
)
@example(  # a weekly series at 02:30 in Berlin across the spring and the autumn change, one moved, one cancelled
    plan=recurrence.Plan(Cadence.WEEKLY, 6, time(2, 30), "Europe/Berlin", date(2027, 3, 1), date(2027, 3, 1)),
    months=9,
    before=[Change(3, "move", 1, 19 * 60, "Europe/Berlin"), Change(5, "cancel")],
    replan=None,
    after=[],
).via("the example of the issue")
@example(  # the first meeting at a time that does not exist that night (02:30 when Berlin springs forward)
    plan=recurrence.Plan(Cadence.WEEKLY, 6, time(2, 30), "Europe/Berlin", date(2027, 3, 28), date(2027, 3, 28)),
    months=1,
    before=[Change(2, "cancel")],
    replan=None,
    after=[],
).via("a first meeting in the gap")
@example(  # 01:30 on the day New York falls back, moved to the second 01:30 given in UTC
    plan=recurrence.Plan(Cadence.WEEKLY, 6, time(1, 30), "America/New_York", date(2027, 10, 1), date(2027, 10, 1)),
    months=2,
    before=[Change(5, "move", 0, 6 * 60 + 30, "UTC")],
    replan=None,
    after=[],
).via("an ambiguous local time")
@example(  # a monthly series by date on the 31st, replanned biweekly in Auckland
    plan=recurrence.Plan(
        Cadence.MONTHLY, 0, time(2, 0), "Australia/Sydney", date(2027, 1, 1), date(2027, 1, 1), "date", 1, 31
    ),
    months=14,
    before=[Change(2, "agenda"), Change(4, "agenda"), Change(6, "cancel")],
    replan=(
        12,
        recurrence.Plan(Cadence.BIWEEKLY, 2, time(2, 15), "Pacific/Auckland", date(2027, 1, 1), date(2027, 1, 1)),
    ),
    after=[Change(1, "move", -2, 2 * 60 + 30, "Pacific/Auckland")],
).via("replanned")
def test_the_feed_holds_exactly_the_meetings(
    db_session: Session,
    settings: Settings,
    plan: recurrence.Plan,
    months: int,
    before: list[Change],
    replan: tuple[int, recurrence.Plan] | None,
    after: list[Change],
) -> None:
    note(f"{plan=} {months=} {before=} {replan=} {after=}")
    savepoint = db_session.begin_nested()
    try:
        check_plan(db_session, settings, plan, months, before, replan, after)
    finally:
        savepoint.rollback()
        db_session.expunge_all()  # ids are used again by the next example


def test_the_helpers_tell_a_wrong_calendar_from_the_rows(db_session: Session, settings: Settings) -> None:
    """The readers above can fail: a calendar that lost its EXDATE or its moved start differs from the rows."""
    pair, seat = ready_pair(db_session)
    plan = recurrence.Plan(Cadence.WEEKLY, 1, time(18), "Europe/Berlin", date(2027, 3, 1), date(2027, 4, 30))
    made, _replaced = series.plan(db_session, seat, plan, series.Details(), seat.user)
    first, second = series.occurrences_of(db_session, made)[:2]
    service.move(db_session, seat, first, service.When(date(2027, 3, 3), datetime(2027, 3, 3, 9), "Europe/Berlin"))
    service.cancel(db_session, seat, second)
    text = assert_feed_matches(db_session, settings, pair)
    expected = expected_starts(db_session, pair)
    for read in (with_icalendar, with_vobject):
        assert len(read(text.replace(b"EXDATE", b"X-EXDATE"))) == len(expected) + 1
        assert (
            read(
                text.replace(
                    b"DTSTART;TZID=Europe/Berlin:20270303T090000", b"DTSTART;TZID=Europe/Berlin:20270303T100000"
                )
            )
            != expected
        )
