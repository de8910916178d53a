"""Runs with nothing to match finish cleanly and say why; a pair that failed is not suggested again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.matching import service
from mentorloom.matching.mentor_requests import shortlist
from mentorloom.matching.models import Proposal, ProposalStatus, Response, RunStatus
from mentorloom.programs.models import Role
from tests.factories import make_program, make_user
from tests.matching.helpers import participant


def test_mentees_without_any_mentor_are_listed_as_unmatched(db_session: Session) -> None:
    program = make_program(db_session)
    mia = participant(db_session, program, Role.MENTEE, "Mia")
    run = service.start_run(db_session, program, make_user(db_session))
    service.compute_run(db_session, run)
    rows = db_session.scalars(select(Proposal).where(Proposal.run_id == run.id)).all()
    assert run.status is RunStatus.READY and run.progress == 100
    assert [(p.mentee_id, p.mentor_id, p.status, p.unmatched_reason) for p in rows] == [
        (mia.id, None, ProposalStatus.UNMATCHED, "no_compatible_mentor")
    ]
    assert run.stats["matched"] == 0 and run.stats["unmatched_reasons"] == {"no_compatible_mentor": 1}


def test_a_run_without_mentees_is_ready_and_empty(db_session: Session) -> None:
    program = make_program(db_session)
    participant(db_session, program, Role.MENTOR, "Anna")
    run = service.start_run(db_session, program, make_user(db_session))
    service.compute_run(db_session, run)
    assert run.status is RunStatus.READY and run.stats["matched"] == 0 and run.stats["unmatched"] == 0
    assert db_session.scalar(select(Proposal.id).where(Proposal.run_id == run.id)) is None


def test_a_declined_mentor_is_neither_offered_again_nor_on_the_shortlist(db_session: Session) -> None:
    program = make_program(db_session)
    anna = participant(db_session, program, Role.MENTOR, "Anna")
    mia = participant(db_session, program, Role.MENTEE, "Mia")
    assert [c.mentor.id for c in shortlist(db_session, program, mia)] == [anna.id]
    run = service.start_run(db_session, program, make_user(db_session))
    service.compute_run(db_session, run)
    (offer,) = service.publish(db_session, run)
    assert service.answer_offer(db_session, offer, mia.user, Response.DECLINED, "We already work together") is None
    assert shortlist(db_session, program, mia) == []
