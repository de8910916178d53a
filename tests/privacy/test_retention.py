"""Retention: mentorships that ended longer ago than the program keeps them lose their words (dates, states and
ratings stay), their dormant people are erased, active and recent pairs are untouched, and a second run (or one
after a crash) changes nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.audit.models import AuditEvent
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.jobs import JobContext
from mentorloom.jobs.registry import load_all_jobs
from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.privacy import tasks
from mentorloom.privacy.retention import apply_retention
from mentorloom.programs.models import Program
from mentorloom.programs.service import program_settings
from tests.conftest import SharedConnectionDatabase
from tests.factories import make_program
from tests.privacy.helpers import World, build_world
from tests.privacy.test_erasure import every_text, figures
from tests.programs.test_settings import _coordinator_form


def _retention_program(session: Session, months: int) -> Program:
    program = make_program(session, name=f"Retention {months}")
    program.settings = {"retention_months": months}
    session.flush()
    return program


def _backdate(session: Session, world: World, side: str, days: int) -> None:
    membership = world.pair.mentee if side == "mentee" else world.pair.mentor
    membership.created_at = membership.user.created_at = utcnow() - timedelta(days=days)
    session.flush()


def test_only_old_ended_mentorships_lose_their_words_and_twice_changes_nothing(
    db_session: Session, settings: Settings
) -> None:
    program = _retention_program(db_session, 12)
    old = build_world(db_session, status=MentorshipStatus.COMPLETED, ended_days_ago=400, program=program)
    recent = build_world(db_session, status=MentorshipStatus.ENDED_EARLY, ended_days_ago=30, program=program)
    active = build_world(db_session, program=program)
    _backdate(db_session, old, "mentee", 800)  # dormant: erased after the anonymisation
    before = figures(db_session, program)
    ended_at, started_at = old.mentorship.ended_at, old.mentorship.started_at

    ctx = JobContext(settings, SharedConnectionDatabase(db_session))
    assert tasks.retention_sweep(ctx) == 1
    db_session.expire_all()
    text = every_text(db_session)
    for owner in ("mentor", "mentee", "pair", "coordinator"):
        assert not [m for m in old.of(owner) if m in text], owner
        assert all(m in text for m in recent.of(owner) + active.of(owner)), owner
    assert figures(db_session, program) == before
    assert old.mentorship.anonymised_at is not None and old.mentorship.status is MentorshipStatus.COMPLETED
    assert (old.mentorship.ended_at, old.mentorship.started_at) == (ended_at, started_at)
    assert recent.mentorship.anonymised_at is None and active.mentorship.anonymised_at is None
    assert old.mentee.erased_at is not None and not old.mentee.is_active
    assert old.mentor.erased_at is None  # joined recently: not dormant
    assert recent.mentee.erased_at is None and active.mentee.erased_at is None
    [event] = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "retention_anonymised")).all()
    assert event.detail == {"mentorships": 1, "people": 1} and event.program_id == program.id
    assert event.origin == "" or event.origin.startswith("job:")

    assert tasks.retention_sweep(ctx) == 0
    db_session.expire_all()
    assert every_text(db_session) == text
    assert len(db_session.scalars(select(AuditEvent).where(AuditEvent.action == "retention_anonymised")).all()) == 1


def test_a_program_that_keeps_everything_is_left_alone(db_session: Session) -> None:
    program = _retention_program(db_session, 0)
    old = build_world(db_session, status=MentorshipStatus.COMPLETED, ended_days_ago=4000, program=program)
    outcome = apply_retention(db_session, program, utcnow())
    assert (outcome.mentorships, outcome.people) == (0, 0)
    text = every_text(db_session)
    assert all(m in text for m in old.of("mentee") + old.of("pair"))


def test_a_run_after_a_crash_erases_the_people_it_left(db_session: Session) -> None:
    """The anonymisation was committed but the run died before erasing: the next run erases, anonymises nothing."""
    program = _retention_program(db_session, 6)
    old = build_world(db_session, status=MentorshipStatus.ENDED_EARLY, ended_days_ago=365, program=program)
    _backdate(db_session, old, "mentor", 800)
    old.mentorship.anonymised_at = utcnow()  # as if the first run had stopped right after it
    db_session.flush()
    outcome = apply_retention(db_session, program, utcnow())
    assert (outcome.mentorships, outcome.people) == (0, 1)
    assert old.mentor.erased_at is not None


def test_the_job_is_registered_as_a_daily_sweep() -> None:
    spec = load_all_jobs()[tasks.RETENTION_JOB]
    assert spec.every is not None


@pytest.mark.anyio
async def test_the_settings_form_edits_the_retention_period(client: httpx.AsyncClient, db_session: Session) -> None:
    program, fields = await _coordinator_form(client, db_session)
    assert fields["settings.retention_months"] == "24"
    fields |= {"settings.retention_months": "0"}
    assert (await client.post(f"/programs/{program.id}/edit", data=fields)).status_code == 303
    db_session.expire_all()
    assert program_settings(db_session.get_one(Program, program.id)).retention_months == 0
    fields |= {"settings.retention_months": "-1"}
    assert (await client.post(f"/programs/{program.id}/edit", data=fields)).status_code == 422
