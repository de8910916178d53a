"""Concurrent recomputes of one pair on PostgreSQL (goal progress from both people at once, or beside the nightly
job): one row per pair, never a unique violation (the load test, bench/load.py, answered 500 here)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from mentorloom.db import Database
from mentorloom.health import service
from mentorloom.health.models import PairHealth
from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Program
from tests.mentorships.helpers import make_pair


def _race(database: Database, runners: list[Callable[..., object]], mentorship_id: int) -> list[str]:
    barrier = threading.Barrier(len(runners))
    outcomes: list[str] = []

    def run(action: Callable[..., object]) -> None:
        try:
            with database.session() as session:
                mentorship = session.get_one(Mentorship, mentorship_id)
                barrier.wait(timeout=30)
                action(session, mentorship)
            outcomes.append("ok")
        except Exception as exc:  # pragma: no cover - what the test is about
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=run, args=(action,)) for action in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("scored_before", [False, True], ids=["first score", "rescore"])
def test_concurrent_pair_recomputes_keep_one_row(pg_database: Database, scored_before: bool) -> None:
    with pg_database.session() as session:
        pair = make_pair(session, started_days_ago=20, coordinator_headers={})
        mentorship_id = pair.mentorship.id
        if scored_before:
            service.recompute_pair(session, pair.mentorship)
    outcomes = _race(pg_database, [service.recompute_pair] * 6, mentorship_id)
    assert outcomes == ["ok"] * 6
    with pg_database.session() as session:
        assert session.scalar(select(func.count()).select_from(PairHealth)) == 1


def test_a_pair_recompute_beside_the_program_recompute(pg_database: Database) -> None:
    with pg_database.session() as session:
        pair = make_pair(session, started_days_ago=20, coordinator_headers={})
        mentorship_id = pair.mentorship.id

    def whole_program(session: object, mentorship: Mentorship) -> object:
        return service.recompute_program(session, session.get_one(Program, mentorship.program_id))  # type: ignore[attr-defined]

    outcomes = _race(pg_database, [whole_program, service.recompute_pair] * 3, mentorship_id)
    assert outcomes == ["ok"] * 6
    with pg_database.session() as session:
        assert session.scalar(select(func.count()).select_from(PairHealth)) == 1
