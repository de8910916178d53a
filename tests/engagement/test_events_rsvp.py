"""Answers and seats: a yes beyond the capacity waits in line, a freed seat goes to the first person waiting (told
exactly once), a lower capacity takes no seat away, a higher one seats people waiting; a hypothesis model of
random answers and capacity changes; and the last-seat race with real concurrent connections on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import Database, utcnow
from mentorloom.engagement import events
from mentorloom.engagement.models import Event, EventAudience, Rsvp, RsvpAnswer
from mentorloom.engagement.schemas.events import EventIn, InviteIn
from mentorloom.errors import NotFound
from mentorloom.notifications.models import Notification
from mentorloom.programs.models import Membership, Program, Role
from tests.factories import make_membership, make_program, make_user

YES, NO, MAYBE = RsvpAnswer.YES, RsvpAnswer.NO, RsvpAnswer.MAYBE


@dataclass
class Setup:
    program: Program
    coordinator: User
    people: list[User]


def _setup(session: Session, n: int = 6) -> Setup:
    program = make_program(session)
    coordinator = make_user(session, name="Cora Coordinator")
    make_membership(session, program=program, user=coordinator, role=Role.COORDINATOR)
    people = []
    for i in range(n):
        user = make_user(session, name=f"Guest {i}")
        make_membership(session, program=program, user=user, role=Role.MENTEE)
        people.append(user)
    return Setup(program, coordinator, people)


def _body(capacity: int | None, audience: str = "program") -> EventIn:
    day = (utcnow() + timedelta(days=10)).date().isoformat()
    return EventIn(
        title="Workshop",
        starts_at=f"{day}T10:00",
        ends_at=f"{day}T12:00",
        timezone="Europe/Berlin",
        capacity=capacity,
        audience=audience,  # type: ignore[arg-type]
    )


def _event(session: Session, settings: Settings, s: Setup, capacity: int | None, audience: str = "program") -> Event:
    seat = events.program_seat(session, s.coordinator, s.program.id)
    return events.create_event(session, settings, seat, _body(capacity, audience))


def _answer(session: Session, settings: Settings, event: Event, user: User, reply: RsvpAnswer) -> Rsvp:
    access = events.event_access(session, user, event.program_id, event.id)
    return events.answer(session, settings, access, reply)


def _set_capacity(session: Session, settings: Settings, s: Setup, event: Event, capacity: int | None) -> None:
    access = events.event_access(session, s.coordinator, event.program_id, event.id)
    events.update_event(session, settings, access, _body(capacity))


def _state(session: Session, event: Event) -> tuple[set[int], list[int]]:
    rows = session.scalars(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.answer == YES)).all()
    seated = {r.user_id for r in rows if r.waiting_since is None}
    waiting = [r.user_id for r in sorted((r for r in rows if r.waiting_since), key=lambda r: (r.waiting_since, r.id))]
    return seated, waiting


def _freed(session: Session, event_id: int) -> Counter[int]:
    rows = session.scalars(select(Notification).where(Notification.kind == "event_seat_freed")).all()
    return Counter(n.user_id for n in rows if n.link.endswith(f"/events/{event_id}"))


def test_a_full_event_puts_a_yes_on_the_waiting_list_and_passes_freed_seats_on(
    db_session: Session, settings: Settings
) -> None:
    s = _setup(db_session)
    a, b, c, d = s.people[:4]
    event = _event(db_session, settings, s, capacity=2)
    _answer(db_session, settings, event, a, YES)
    _answer(db_session, settings, event, b, YES)
    _answer(db_session, settings, event, c, YES)
    _answer(db_session, settings, event, d, YES)
    assert _state(db_session, event) == ({a.id, b.id}, [c.id, d.id])
    assert events.my_answer(db_session, event, d).position == 2
    assert events.counts(db_session, event).seats_left == 0
    # a waiting "maybe" just leaves the line; a seated "no" frees the seat for the first in line
    _answer(db_session, settings, event, a, MAYBE)
    assert _state(db_session, event) == ({b.id, c.id}, [d.id])
    assert _freed(db_session, event.id) == Counter({c.id: 1})
    assert events.my_answer(db_session, event, d).position == 1
    # answering yes again does nothing: still on the list, nobody told twice
    _answer(db_session, settings, event, c, YES)
    _answer(db_session, settings, event, d, YES)
    assert _state(db_session, event) == ({b.id, c.id}, [d.id])
    # lowering the capacity takes no seat away; raising it seats the waiting
    _set_capacity(db_session, settings, s, event, 1)
    assert _state(db_session, event) == ({b.id, c.id}, [d.id])
    _answer(db_session, settings, event, b, NO)
    assert _state(db_session, event) == ({c.id}, [d.id])  # still full at capacity 1
    _set_capacity(db_session, settings, s, event, 3)
    assert _state(db_session, event) == ({c.id, d.id}, [])
    assert _freed(db_session, event.id) == Counter({c.id: 1, d.id: 1})
    _set_capacity(db_session, settings, s, event, None)
    for user in s.people:
        _answer(db_session, settings, event, user, YES)
    assert _state(db_session, event)[1] == []  # unlimited: nobody waits


def test_only_the_invited_may_answer(db_session: Session, settings: Settings) -> None:
    s = _setup(db_session, 3)
    event = _event(db_session, settings, s, capacity=5, audience="invited")
    with pytest.raises(NotFound):
        _answer(db_session, settings, event, s.people[0], YES)
    coord = events.event_access(db_session, s.coordinator, s.program.id, event.id)
    member = db_session.scalar(
        select(Membership).where(Membership.user_id == s.people[0].id, Membership.program_id == s.program.id)
    )
    assert member is not None
    events.invite(db_session, settings, coord, InviteIn(membership_ids=[member.id]))
    assert _answer(db_session, settings, event, s.people[0], YES).waiting_since is None
    with pytest.raises(NotFound):
        _answer(db_session, settings, event, s.people[1], YES)


# --- the model: random answers and capacity changes --------------------------------------------------------------

steps = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.integers(0, 4), st.sampled_from([YES, NO, MAYBE])),
        st.tuples(st.just("capacity"), st.integers(1, 4), st.just(YES)),
    ),
    min_size=1,
    max_size=18,
)


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(capacity=st.integers(1, 3), script=steps)
def test_seats_never_exceed_capacity_and_the_line_is_first_come_first_served(
    db_session: Session, settings: Settings, capacity: int, script: list[tuple[str, int, RsvpAnswer]]
) -> None:
    savepoint = db_session.begin_nested()
    try:
        s = _setup(db_session, 5)
        event = _event(db_session, settings, s, capacity=capacity)
        cap = capacity
        seated: set[int] = set()
        waiting: list[int] = []
        told: Counter[int] = Counter()

        def fill() -> None:
            while waiting and len(seated) < cap:
                first = waiting.pop(0)
                seated.add(first)
                told[first] += 1

        for what, n, reply in script:
            before = len(seated)
            if what == "capacity":
                cap = n
                _set_capacity(db_session, settings, s, event, n)
                fill()
            else:
                user = s.people[n].id
                _answer(db_session, settings, event, s.people[n], reply)
                if reply is YES and user not in seated and user not in waiting:
                    (seated.add(user) if len(seated) < cap else waiting.append(user))
                elif reply is not YES and user in seated:
                    seated.discard(user)
                    fill()
                elif reply is not YES and user in waiting:
                    waiting.remove(user)
            db_seated, db_waiting = _state(db_session, event)
            assert (db_seated, db_waiting) == (seated, waiting)
            assert len(db_seated) <= max(cap, before)  # no step seats anyone beyond the capacity
            assert not db_waiting or len(db_seated) >= cap  # nobody waits while a seat is free
            assert not db_seated & set(db_waiting)
            assert _freed(db_session, event.id) == told
            for position, user_id in enumerate(db_waiting, start=1):
                assert events.my_answer(db_session, event, db_session.get_one(User, user_id)).position == position
    finally:
        savepoint.rollback()


# --- the last-seat race on PostgreSQL -----------------------------------------------------------------------------


def _race(database: Database, settings: Settings, event_id: int, user_ids: list[int], reply: RsvpAnswer) -> list[str]:
    """Everyone answers at the same moment, each on their own connection; 'ok' or the error per person."""
    barrier = threading.Barrier(len(user_ids))
    outcomes: list[str] = []

    def run(user_id: int) -> None:
        try:
            with database.session() as session:
                user = session.get_one(User, user_id)
                event = session.get_one(Event, event_id)
                access = events.event_access(session, user, event.program_id, event_id)
                barrier.wait(timeout=30)
                events.answer(session, settings, access, reply)
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=run, args=(u,)) for u in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.parametrize(("capacity", "people"), [(1, 8), (3, 10)])
def test_the_last_seat_is_given_once_under_concurrent_yeses(
    pg_database: Database, settings: Settings, capacity: int, people: int
) -> None:
    with pg_database.session() as session:
        s = _setup(session, people)
        event = _event(session, settings, s, capacity=capacity)
        event_id, user_ids = event.id, [u.id for u in s.people]
        assert event.audience is EventAudience.PROGRAM
    assert _race(pg_database, settings, event_id, user_ids, YES) == ["ok"] * people
    with pg_database.session() as session:
        event = session.get_one(Event, event_id)
        seated, waiting = _state(session, event)
        assert len(seated) == capacity and len(waiting) == people - capacity
        rows = session.scalars(select(Rsvp).where(Rsvp.event_id == event_id)).all()
        stamps = sorted(r.waiting_since for r in rows if r.waiting_since is not None)
        assert len(set(stamps)) == len(stamps)  # a strict order: the line is who came first
        first_waiting = waiting[0]
        leaver = sorted(seated)[0]
    # one seated person leaves while all the waiting ones ask again at the same moment: the first in line gets
    # the seat, is told exactly once, and the line keeps its order
    racers = [leaver, *waiting]
    answers = {leaver: NO}
    barrier = threading.Barrier(len(racers))
    outcomes: list[str] = []

    def run(user_id: int) -> None:
        try:
            with pg_database.session() as session:
                user = session.get_one(User, user_id)
                access = events.event_access(session, user, s.program.id, event_id)
                barrier.wait(timeout=30)
                events.answer(session, settings, access, answers.get(user_id, YES))
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=run, args=(u,)) for u in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["ok"] * len(racers)
    with pg_database.session() as session:
        event = session.get_one(Event, event_id)
        new_seated, new_waiting = _state(session, event)
        assert new_seated == (seated - {leaver}) | {first_waiting}
        assert new_waiting == waiting[1:]
        assert _freed(session, event_id) == Counter({first_waiting: 1})
        total = session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.event_id == event_id))
        assert total == people
