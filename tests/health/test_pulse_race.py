"""Double submits of the pulse on PostgreSQL with real concurrent connections: one row per period, no 500, and the
mentor told once."""

from __future__ import annotations

import threading

from sqlalchemy import select

from mentorloom.accounts.models import User
from mentorloom.db import Database
from mentorloom.health import pulse
from mentorloom.health.models import Pulse
from mentorloom.mentorships.access import seat_for
from mentorloom.notifications.models import Notification
from tests.mentorships.helpers import make_pair


def test_concurrent_answers_make_one_row(pg_database: Database) -> None:
    with pg_database.session() as session:
        pair = make_pair(session, started_days_ago=5, coordinator_headers={})
        pair.program.settings = {"health": {"pulse_enabled": True}}
        program_id, mentorship_id, mentee_id = pair.program.id, pair.mentorship.id, pair.mentee.user_id
    runners = 6
    barrier = threading.Barrier(runners)
    outcomes: list[str] = []

    def run(score: int) -> None:
        try:
            with pg_database.session() as session:
                seat = seat_for(session, session.get_one(User, mentee_id), program_id, mentorship_id)
                barrier.wait(timeout=30)
                pulse.answer(session, seat, score, stuck=True, text="the same line")
            outcomes.append("ok")
        except Exception as exc:  # pragma: no cover - what the test is about
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=run, args=(1 + i % 5,)) for i in range(runners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["ok"] * runners
    with pg_database.session() as session:
        rows = session.scalars(select(Pulse).where(Pulse.mentorship_id == mentorship_id)).all()
        assert len(rows) == 1 and rows[0].period == 1 and rows[0].stuck
        told = session.scalars(select(Notification).where(Notification.kind == "pulse_stuck")).all()
        assert len(told) == 1
