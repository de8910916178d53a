"""Re-match priority: a mentee whose mentorship ended early with a re-match promised is placed first."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.matching import service
from mentorloom.matching.models import MatchRun, Proposal
from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus
from mentorloom.programs.models import Membership, Program, Role
from tests.factories import make_program, make_user
from tests.matching.helpers import coordinator_user, participant
from tests.matching.test_views import login

pytestmark = pytest.mark.anyio


def _run(session: Session, program: Program) -> MatchRun:
    run = service.start_run(session, program, make_user(session))
    service.compute_run(session, run)
    return run


def _proposed_mentee(session: Session, program: Program, mentor: Membership) -> int | None:
    """Run the matching and return who was proposed for `mentor`."""
    run = _run(session, program)
    return session.scalar(select(Proposal.mentee_id).where(Proposal.run_id == run.id, Proposal.mentor_id == mentor.id))


def _past_mentorship(
    session: Session, program: Program, mentor: Membership, mentee: Membership, **fields: object
) -> Mentorship:
    mentorship = Mentorship(
        program_id=program.id, mentor_id=mentor.id, mentee_id=mentee.id, source=MentorshipSource.MATCHING, **fields
    )
    session.add(mentorship)
    session.flush()
    return mentorship


def test_the_latest_promised_rematch_wins_a_scarce_place(db_session: Session) -> None:
    program = make_program(db_session)
    anna = participant(db_session, program, Role.MENTOR, "Anna", expertise=[{"skill": "Negotiation", "level": 5}])
    mia = participant(db_session, program, Role.MENTEE, "Mia", wanted_skills=[{"skill": "Negotiation", "priority": 1}])
    ben = participant(db_session, program, Role.MENTEE, "Ben")
    # Ben's former mentor speaks no language Ben does, so only Anna is left for either mentee
    olga = participant(db_session, program, Role.MENTOR, "Olga", languages=["fr"])
    assert _proposed_mentee(db_session, program, anna) == mia.id  # the better fit, without priority

    _past_mentorship(db_session, program, olga, ben, status=MentorshipStatus.ENDED_EARLY, rematch_priority=True)
    assert _proposed_mentee(db_session, program, anna) == ben.id

    # a later mentorship of Ben's (since completed) used the promise up: the old flag no longer counts
    _past_mentorship(db_session, program, olga, ben, status=MentorshipStatus.COMPLETED)
    assert _proposed_mentee(db_session, program, anna) == mia.id


async def test_the_review_page_marks_priority_mentees(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    participant(db_session, program, Role.MENTOR, "Anna", capacity=2)
    participant(db_session, program, Role.MENTEE, "Mia")
    ben = participant(db_session, program, Role.MENTEE, "Ben")
    olga = participant(db_session, program, Role.MENTOR, "Olga", languages=["fr"])
    _past_mentorship(db_session, program, olga, ben, status=MentorshipStatus.ENDED_EARLY, rematch_priority=True)
    run = _run(db_session, program)
    await login(client, db_session, coordinator_user(db_session, program))
    page = (await client.get(f"/programs/{program.id}/matching/runs/{run.id}")).text
    assert page.count("Mentee · re-match priority") == 1
    assert page.index("Ben") < page.index("Mentee · re-match priority") < page.index("Mia")
