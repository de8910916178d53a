"""Benchmark the personal calendar feed: GET /ical/<token>.ics through the ASGI app, on a migrated SQLite database.

    .venv/bin/python bench/calendar_feed.py [--requests 200] [--profile]

Prints a table (not a test). Target: the feed of a pair with three years of weekly meetings answers in
<= 50 ms (p95). Feeds:

- "3 years weekly": one series of ~156 weekly meetings across six daylight-saving changes, 12 moved,
  8 cancelled, 6 ad-hoc meetings, the past ones held;
- "mentor, 4 pairs": a mentor with that pair and three more, each a year of monthly meetings (several programs'
  worth of events and zones in one calendar);
- "typical": one pair, a year of monthly meetings, 2 ad-hoc.

Each answer is read back with icalendar + recurring-ical-events once, to check it holds every meeting.
`--profile` prints the 25 most expensive functions of 50 requests of the largest feed (cProfile).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import httpx
import icalendar
import recurring_ical_events
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.accounts.models import User
from mentorloom.app import create_app
from mentorloom.config import Settings
from mentorloom.db import Database, utcnow
from mentorloom.meetings import feed, recurrence, series, service
from mentorloom.meetings.models import Meeting, MeetingStatus
from mentorloom.mentorships.access import Seat, seat_for
from mentorloom.mentorships.cycles import start_cycle
from mentorloom.mentorships.models import Agreement, AgreementStatus, Mentorship, MentorshipSource
from mentorloom.programs.models import Cadence, Membership, Program, Role

TARGET_MS = 50.0


@dataclass
class Feed:
    label: str
    token: str
    meetings: int  # not cancelled: what the calendar must show


def _user(session: Session, name: str) -> User:
    user = User(email=f"{name.lower().replace(' ', '.')}@example.org", display_name=name, locale="en")
    session.add(user)
    return user


def _pair(session: Session, program: Program, mentor: User, mentee: User, began: datetime, months: int) -> Seat:
    """An active pair whose cycle began at `began`, with a confirmed agreement: the mentor's seat."""
    members = []
    for user, role in ((mentor, Role.MENTOR), (mentee, Role.MENTEE)):
        membership = session.scalar(
            select(Membership).where(Membership.program_id == program.id, Membership.user_id == user.id)
        ) or Membership(program_id=program.id, user_id=user.id, role=role)
        session.add(membership)
        members.append(membership)
    session.flush()
    mentorship = Mentorship(
        program_id=program.id, mentor_id=members[0].id, mentee_id=members[1].id, source=MentorshipSource.MATCHING
    )
    start_cycle(mentorship, months, at=began)
    session.add(mentorship)
    session.flush()
    session.add(
        Agreement(
            mentorship_id=mentorship.id,
            cycle=mentorship.cycle,
            version=1,
            status=AgreementStatus.CONFIRMED,
            cadence=Cadence.WEEKLY,
            planned_months=months,
            confirmed_by_mentor_at=began,
            confirmed_by_mentee_at=began,
        )
    )
    session.flush()
    return seat_for(session, mentor, program.id, mentorship.id)


def _plan(
    session: Session, seat: Seat, cadence: Cadence, first: date, last: date, zone: str, *, moved: int, cancelled: int
) -> None:
    """A series from `first` to `last`, planned as of its first day; some meetings moved or cancelled, the
    past ones held, and three ad-hoc meetings per year."""
    plan = recurrence.Plan(cadence, first.weekday(), clock_time(18), zone, first, last, day_of_month=first.day)
    then = datetime.combine(first, clock_time(), tzinfo=UTC) - timedelta(days=1)
    made, _replaced = series.plan(session, seat, plan, series.Details(), seat.user, now=then)
    rows = series.occurrences_of(session, made)
    step = max(1, len(rows) // (moved + cancelled + 1))
    chosen = rows[step::step]
    for meeting in chosen[:moved]:
        local = meeting.starts_at.astimezone(recurrence.zone(zone)) + timedelta(days=1, hours=1)
        naive = local.replace(tzinfo=None)
        service.move(session, seat, meeting, service.When(naive.date(), naive, zone))
    for meeting in chosen[moved : moved + cancelled]:
        service.cancel(session, seat, meeting)
    years = max(1, (last - first).days // 365)
    for n in range(3 * years):
        day = first + timedelta(days=45 + n * 120)
        at = datetime.combine(day, clock_time(9, 30))
        service.add_meeting(session, seat, service.When(day, at, zone), series.Details(), seat.user)
    now = utcnow()
    for meeting in session.scalars(select(Meeting).where(Meeting.mentorship_id == seat.mentorship.id)):
        if meeting.status is MeetingStatus.SCHEDULED and meeting.ends_at < now:
            meeting.status = MeetingStatus.HELD
    session.flush()


def build(database: Database) -> list[Feed]:
    today = utcnow().date()
    began = datetime.combine(today - timedelta(days=3 * 365 - 60), clock_time(8), tzinfo=UTC)
    with database.session() as session:
        programs = []
        for n in range(3):
            program = Program(name=f"Bench program {n}", language="en", settings={}, duration_months=48)
            session.add(program)
            programs.append(program)
        session.flush()
        mentor = _user(session, "Marta Mentor")
        mentee = _user(session, "Moritz Mentee")
        others = [_user(session, f"Mentee {n}") for n in range(3)]
        lone = [_user(session, "Typical Mentor"), _user(session, "Typical Mentee")]
        session.flush()

        big = _pair(session, programs[0], mentor, mentee, began, 48)
        first = began.date() + timedelta(days=1)
        _plan(
            session, big, Cadence.WEEKLY, first, first + timedelta(days=3 * 365), "Europe/Berlin", moved=12, cancelled=8
        )
        zones = ("America/New_York", "Asia/Kolkata", "Australia/Sydney")
        for n, (other, zone) in enumerate(zip(others, zones, strict=True)):
            seat = _pair(session, programs[n % 3], mentor, other, began + timedelta(days=400 + 60 * n), 48)
            start = seat.mentorship.cycle_started_at.date() + timedelta(days=2)
            _plan(session, seat, Cadence.MONTHLY, start, start + timedelta(days=365), zone, moved=1, cancelled=1)
        typical = _pair(session, programs[2], lone[0], lone[1], datetime.now(UTC) - timedelta(days=30), 18)
        start = today + timedelta(days=3)
        _plan(
            session, typical, Cadence.MONTHLY, start, start + timedelta(days=365), "Europe/Berlin", moved=1, cancelled=0
        )

        def shown(*users: User) -> int:
            query = (
                select(Meeting.id)
                .join(Mentorship, Mentorship.id == Meeting.mentorship_id)
                .join(Membership, Membership.id.in_([Mentorship.mentor_id, Mentorship.mentee_id]))
                .where(Membership.user_id.in_([u.id for u in users]), Meeting.status != MeetingStatus.CANCELLED)
                .distinct()
            )
            return len(session.scalars(query).all())

        return [
            Feed("3 years weekly", feed.new_token(session, mentee), shown(mentee)),
            Feed("mentor, 4 pairs", feed.new_token(session, mentor), shown(mentor)),
            Feed("typical", feed.new_token(session, lone[1]), shown(lone[1])),
        ]


def events_in(body: bytes) -> int:
    calendar = icalendar.Calendar.from_ical(body)
    window = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    return len(recurring_ical_events.of(calendar).between(*window))


async def measure(client: httpx.AsyncClient, item: Feed, requests: int) -> tuple[str, ...]:
    path = f"/ical/{item.token}.ics"
    for _ in range(10):  # warm-up: imports, caches, the connection pool
        answer = await client.get(path)
    assert answer.status_code == 200, answer.text
    shown = events_in(answer.content)
    assert shown == item.meetings, f"{item.label}: the feed shows {shown} meetings, the database {item.meetings}"
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    verdict = "OK" if p95 <= TARGET_MS else "TOO SLOW"
    return (
        item.label,
        str(item.meetings),
        f"{len(answer.content):,}",
        f"{p50:.1f}",
        f"{p95:.1f}",
        f"{max(times):.1f}",
        f"<= {TARGET_MS:.0f}",
        verdict,
    )


async def measure_all(
    settings: Settings, database: Database, feeds: list[Feed], requests: int
) -> list[tuple[str, ...]]:
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    async with httpx.AsyncClient(transport=transport, base_url="https://m.example") as client:
        return [await measure(client, item, requests) for item in feeds]


def print_table(lines: list[tuple[str, ...]]) -> None:
    header = ("feed", "meetings", "bytes", "p50 ms", "p95 ms", "max ms", "target (p95)", "")
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *lines]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile 50 requests of the largest feed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        settings = Settings(
            var_dir=Path(tmp) / "var", database_url=url, secret_key="bench", base_url="https://m.example"
        )
        database = Database(settings.sqlalchemy_url)
        started = time.perf_counter()
        feeds = build(database)
        print(f"data: {time.perf_counter() - started:.1f} s; {args.requests} requests per feed after 10 warm-up ones")
        if args.profile:  # the server's work, without the HTTP layer
            profiler = cProfile.Profile()
            with database.session() as session:
                user = feed.user_for_token(session, feeds[1].token)
                assert user is not None
                profiler.enable()
                for _ in range(50):
                    feed.build_feed(session, settings, user)
                profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        lines = asyncio.run(measure_all(settings, database, feeds, args.requests))
        database.dispose()
    print_table(lines)
    print("\ntimes: the whole request through the ASGI app (httpx ASGITransport), one at a time, SQLite")


if __name__ == "__main__":
    main()
