"""A re-run whose locked pair no longer fits (its mentor lost the free slot) drops that lock and says so by name."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.jobs import JobContext
from mentorloom.matching import service, tasks
from mentorloom.matching.engine import Candidates, InfeasibleLockError, PairSet, solve_optimal
from mentorloom.matching.models import MatchRun, Proposal, ProposalStatus, RunStatus
from mentorloom.mentorships import placement
from mentorloom.mentorships.models import MentorshipSource
from mentorloom.programs.models import Membership, Program, Role
from tests.factories import make_program, make_token, make_user
from tests.matching.helpers import coordinator_user, participant
from tests.matching.test_views import login

pytestmark = pytest.mark.anyio


def _run_with_a_lock_gone_stale(session: Session) -> tuple[Program, MatchRun, dict[str, Membership]]:
    """Anna (one slot) is proposed to Sophie and the pair locked; then Anna takes Tom directly: no slot left."""
    program = make_program(session)
    people = {
        "anna": participant(session, program, Role.MENTOR, "Anna Alt", capacity=1, values=["autonomy"]),
        "bernd": participant(session, program, Role.MENTOR, "Bernd Berg", capacity=1, values=["security"]),
        "sophie": participant(session, program, Role.MENTEE, "Sophie Sommer", values=["autonomy"]),
        "tom": participant(session, program, Role.MENTEE, "Tom Tal", values=["family"]),
    }
    coordinator = coordinator_user(session, program)
    run = service.start_run(session, program, coordinator)
    service.compute_run(session, run)
    kept = session.scalars(
        select(Proposal).where(Proposal.run_id == run.id, Proposal.mentee_id == people["sophie"].id)
    ).one()
    assert kept.mentor_id == people["anna"].id
    service.set_locked(session, kept, True)
    tom_proposal = session.scalars(
        select(Proposal).where(Proposal.run_id == run.id, Proposal.mentee_id == people["tom"].id)
    ).one()
    service.reject(session, tom_proposal)  # keeps Bernd out of the picture for Tom
    placement.place(
        session,
        program,
        mentor_id=people["anna"].id,
        mentee_id=people["tom"].id,
        source=MentorshipSource.COORDINATOR,
        by=coordinator,
    )
    return program, run, people


def _assert_dropped_by_name(run: MatchRun, people: dict[str, Membership]) -> None:
    assert run.status is RunStatus.READY, run.error
    assert run.stats["dropped_locks"] == [
        {
            "mentee_id": people["sophie"].id,
            "mentee": "Sophie Sommer",
            "mentor_id": people["anna"].id,
            "mentor": "Anna Alt",
        }
    ]


def test_the_engine_says_which_mentors_locks_exceed() -> None:
    cands = Candidates.from_pairs(3, 2, np.array([0, 1, 2]), np.array([0, 0, 1]), np.array([1.0, 2.0, 3.0]))
    with pytest.raises(InfeasibleLockError) as refused:
        solve_optimal(cands, np.array([1, 0]), locked=PairSet.of([(0, 0), (1, 0), (2, 1)]))
    assert refused.value.excess == {0: 1, 1: 1}


async def test_an_inline_rerun_drops_the_stale_lock_and_names_it(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, run, people = _run_with_a_lock_gone_stale(db_session)
    coordinator = db_session.scalars(
        select(User).join(Membership).where(Membership.program_id == program.id, Membership.role == Role.COORDINATOR)
    ).one()
    base = f"/api/v1/programs/{program.id}/matching/runs"
    rerun = await client.post(f"{base}/{run.id}/rerun", headers=make_token(db_session, coordinator))
    assert rerun.status_code == 201, rerun.text
    assert rerun.json()["stats"]["dropped_locks"][0]["mentee"] == "Sophie Sommer"
    again = db_session.get_one(MatchRun, rerun.json()["id"])
    db_session.refresh(again)
    _assert_dropped_by_name(again, people)
    sophie = db_session.scalars(
        select(Proposal).where(Proposal.run_id == again.id, Proposal.mentee_id == people["sophie"].id)
    ).one()
    assert sophie.status is not ProposalStatus.LOCKED and sophie.mentor_id != people["anna"].id
    await login(client, db_session, coordinator)
    page = await client.get(f"/programs/{program.id}/matching/runs/{again.id}")
    assert page.status_code == 200
    note = page.text[page.text.index('id="dropped-locks"') :][:1500]
    assert "Sophie Sommer" in note and "Anna Alt" in note


def test_a_background_rerun_drops_the_stale_lock_instead_of_failing(
    fresh_database_url: str, settings: Settings, tmp_path: Path
) -> None:
    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    try:
        with database.session() as session:
            program, run, people = _run_with_a_lock_gone_stale(session)
            again = service.start_run(session, program, make_user(session), previous=run)
            run_id = again.id
        assert tasks.run_matching(JobContext(settings, database), run_id=run_id) == "ready"
        with database.session() as session:
            _assert_dropped_by_name(session.get_one(MatchRun, run_id), people)
    finally:
        database.dispose()
