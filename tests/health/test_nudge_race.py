"""Coordinators nudging the same pair at the same moment, with real concurrent connections on both databases: one
nudge is logged and mailed, the others are told the pair was nudged already.

On SQLite, SELECT ... FOR UPDATE is ignored: without a write first, every runner read "no nudge yet" and then
inserted one. The pair's row lock (`db.lock_row`) serialises them on both databases.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from mentorloom.accounts.models import User
from mentorloom.db import Database
from mentorloom.errors import Conflict
from mentorloom.health import dashboard, service
from mentorloom.health.models import HealthNudge
from mentorloom.notifications.models import OutboxMail
from mentorloom.programs.models import Program
from tests.matching.helpers import coordinator_user
from tests.mentorships.helpers import make_pair
from tests.races import at_once

RUNNERS = 6


def test_simultaneous_nudges_log_and_mail_one(racing_database: Database) -> None:
    with racing_database.session() as session:
        pair = make_pair(session, started_days_ago=70, coordinator_headers={})
        service.recompute_program(session, pair.program)
        coordinators = [coordinator_user(session, pair.program, f"Coordinator {i}").id for i in range(RUNNERS)]
        program_id, mentorship_id = pair.program.id, pair.mentorship.id

    def nudge(index: int, barrier: threading.Barrier) -> str:
        try:
            with racing_database.session() as session:
                program = session.get_one(Program, program_id)
                by = session.get_one(User, coordinators[index])
                barrier.wait(timeout=30)
                dashboard.nudge(session, program, mentorship_id, by)
        except Conflict:
            return "refused"
        return "nudged"

    outcomes = at_once(RUNNERS, nudge)
    assert sorted(outcomes) == ["nudged"] + ["refused"] * (RUNNERS - 1)
    with racing_database.session() as session:
        nudges = session.scalar(select(func.count()).where(HealthNudge.mentorship_id == mentorship_id))
        mails = session.scalar(select(func.count()).where(OutboxMail.template == "health_nudge"))
    assert nudges == 1
    assert mails == 2  # one to each partner
