"""Two first looks at a pair's meetings at once on PostgreSQL: one room, the same for both, never a unique
violation (the load test, bench/load.py, answered 500 here)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from mentorloom.db import Database
from mentorloom.meetings import video
from mentorloom.meetings.models import PairMeetingSettings
from mentorloom.mentorships.models import Mentorship
from tests.mentorships.helpers import make_pair


def test_concurrent_first_looks_make_one_room(pg_database: Database) -> None:
    with pg_database.session() as session:
        mentorship_id = make_pair(session, started_days_ago=5, coordinator_headers={}).mentorship.id
    runners = 6
    barrier = threading.Barrier(runners)
    rooms: list[str] = []

    def run() -> None:
        try:
            with pg_database.session() as session:
                mentorship = session.get_one(Mentorship, mentorship_id)
                barrier.wait(timeout=30)
                rooms.append(video.pair_settings(session, mentorship).video_room)
        except Exception as exc:  # pragma: no cover - what the test is about
            rooms.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(rooms) == runners and len(set(rooms)) == 1 and rooms[0].startswith("mentorloom-"), rooms
    with pg_database.session() as session:
        assert session.scalar(select(func.count()).select_from(PairMeetingSettings)) == 1
