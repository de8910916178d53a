"""Two people acting at the same moment, on separate connections: nothing is lost or overwritten silently."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.accounts.models import User
from mentorloom.db import Database
from mentorloom.errors import Conflict
from mentorloom.mentorships import agreements, lifecycle
from mentorloom.mentorships.access import seat_for
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from tests.mentorships.helpers import make_pair


def _race(database: Database, actions: list[Callable[[Session], object]]) -> list[str]:
    """Run the actions at once, each in its own unit of work; 'ok' or 'conflict' per action."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action: Callable[[Session], object]) -> None:
        try:
            with database.session() as session:
                barrier.wait()
                action(session)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def test_simultaneous_acceptances_and_agreement_saves(fresh_database_url: str) -> None:
    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    with database.session() as session:
        pair = make_pair(session, status=MentorshipStatus.PROPOSED)
        program_id, mentorship_id = pair.program.id, pair.mentorship.id
        users = (pair.mentor.user_id, pair.mentee.user_id)

    def accept(user_id: int) -> Callable[[Session], object]:
        def act(session: Session) -> object:
            seat = seat_for(session, session.get_one(User, user_id), program_id, mentorship_id)
            return lifecycle.accept(session, seat, seat.program)

        return act

    # Each side's acceptance sees the other's: the mentorship starts exactly once.
    assert _race(database, [accept(u) for u in users]) == ["ok", "ok"]
    with database.session() as session:
        assert session.get_one(Mentorship, mentorship_id).status is MentorshipStatus.ACTIVE
        seat = seat_for(session, session.get_one(User, users[0]), program_id, mentorship_id)
        lock = agreements.ensure_current(session, seat.mentorship, seat.program).lock_version  # type: ignore[union-attr]

    def save(user_id: int, months: int) -> Callable[[Session], object]:
        def act(session: Session) -> object:
            seat = seat_for(session, session.get_one(User, user_id), program_id, mentorship_id)
            change = agreements.AgreementChange(lock_version=lock, planned_months=months)
            return agreements.update(session, seat, seat.program, change)

        return act

    # Both edited the same version: one save wins, the other gets a conflict instead of overwriting it.
    assert _race(database, [save(users[0], 6), save(users[1], 9)]) == ["conflict", "ok"]
    with database.session() as session:
        mentorship = session.get_one(Mentorship, mentorship_id)
        current = agreements.current(session, mentorship)
        assert current is not None and current.lock_version == lock + 1 and current.planned_months in (6, 9)
    database.dispose()
