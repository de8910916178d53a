"""Retention run by two workers at once (every `mentorloom worker` runs the periodic jobs, and the README allows
any number of them): the program's due pairs are anonymised once and the run is recorded once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from mentorloom.audit.models import AuditAction, AuditEvent
from mentorloom.db import Database, utcnow
from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.privacy.retention import apply_retention
from mentorloom.programs.models import Program
from tests.factories import make_program
from tests.privacy.helpers import build_world
from tests.races import at_once


def _run(database: Database, program_id: int, barrier: threading.Barrier) -> str:
    with database.session() as session:
        program = session.get_one(Program, program_id)
        barrier.wait(timeout=30)
        outcome = apply_retention(session, program, utcnow())
    return f"{outcome.mentorships} anonymised"


def test_two_retention_runs_at_once_anonymise_and_record_once(racing_database: Database) -> None:
    with racing_database.session() as session:
        program = make_program(session, name="Retention race")
        program.settings = {"retention_months": 12}
        build_world(session, status=MentorshipStatus.COMPLETED, ended_days_ago=400, program=program)
        program_id = program.id
    outcomes = at_once(2, lambda i, barrier: _run(racing_database, program_id, barrier))
    assert sorted(outcomes) == ["0 anonymised", "1 anonymised"], outcomes
    with racing_database.session() as session:
        runs = select(func.count()).where(
            AuditEvent.action == AuditAction.RETENTION_ANONYMISED, AuditEvent.target_id == program_id
        )
        assert session.scalar(runs) == 1
