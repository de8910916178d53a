"""Match-time criterion scores: kept for pairs formed through a run's offer or a self-service request, once,
and never for pairs a coordinator creates directly."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.matching import match_scores, mentor_requests, service
from mentorloom.matching.engine import CRITERIA
from mentorloom.matching.models import MatchScore, Proposal, ProposalStatus, Response
from mentorloom.mentorships import lifecycle
from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.matching.helpers import coordinator_user, participant, sample_people

WEIGHTS = {"values": 0.4, "text": 0.2, "expertise": 0.2, "interests": 0.1, "time": 0.1, "preference": 0.3}


def _mentorship(session: Session, mentee_id: int) -> Mentorship:
    return session.scalars(select(Mentorship).where(Mentorship.mentee_id == mentee_id)).one()


def test_an_accepted_offer_keeps_its_criteria_and_the_weights_then(db_session: Session) -> None:
    program = make_program(db_session)
    program.settings = {"matching_weights": WEIGHTS}
    boss = coordinator_user(db_session, program)
    people = sample_people(db_session, program)
    run = service.start_run(db_session, program, boss)
    service.compute_run(db_session, run)
    service.publish(db_session, run)
    offer = db_session.scalars(
        select(Proposal).where(Proposal.run_id == run.id, Proposal.mentee_id == people["sophie"].id)
    ).one()
    assert offer.status is ProposalStatus.OFFERED and offer.score is not None
    service.respond(db_session, offer, people["sophie"].user, Response.ACCEPTED)
    assert db_session.scalars(select(MatchScore)).all() == []  # one yes places nothing
    service.respond(db_session, offer, people["anna"].user, Response.ACCEPTED)

    pair = _mentorship(db_session, people["sophie"].id)
    row = db_session.get_one(MatchScore, pair.id)
    assert row.program_id == program.id
    assert row.score == offer.score and row.criteria == offer.criteria
    assert set(row.criteria) == set(CRITERIA) and row.criteria["values"] == 1.0  # Sophie and Anna share both
    assert row.weights == WEIGHTS


def test_recording_twice_keeps_the_first(db_session: Session) -> None:
    program = make_program(db_session)
    boss = coordinator_user(db_session, program)
    mentor = participant(db_session, program, Role.MENTOR, "Mona")
    mentee = participant(db_session, program, Role.MENTEE, "Max")
    pair = lifecycle.create_direct(db_session, program, boss, mentor.id, mentee.id)
    first = match_scores.record(db_session, pair, 70.0, {"values": 0.5}, {"values": 0.3})
    again = match_scores.record(db_session, pair, 10.0, {"values": 0.1}, {"values": 0.9})
    db_session.expire_all()
    stored = db_session.get_one(MatchScore, pair.id)
    assert again is first or again.mentorship_id == first.mentorship_id
    assert (stored.score, stored.criteria, stored.weights) == (70.0, {"values": 0.5}, {"values": 0.3})
    assert len(db_session.scalars(select(MatchScore)).all()) == 1


def test_an_accepted_request_is_scored_like_the_shortlist(db_session: Session) -> None:
    program = make_program(db_session)
    mentor = participant(
        db_session, program, Role.MENTOR, "Mona", values=["autonomy"], expertise=[{"skill": "Python", "level": 4}]
    )
    other = participant(db_session, program, Role.MENTOR, "Otto", values=["security"])
    mentee = participant(
        db_session,
        program,
        Role.MENTEE,
        "Max",
        values=["autonomy", "family"],
        wanted_skills=[{"skill": "Python", "priority": 1}],
    )
    shown = {c.mentor.id: c for c in mentor_requests.shortlist(db_session, program, mentee)}
    request = mentor_requests.send_request(db_session, program, mentee, mentor.id, "Hallo")
    mentor_requests.send_request(db_session, program, mentee, other.id, "")
    mentor_requests.answer_request(db_session, request, mentor, accept=True)

    row = db_session.get_one(MatchScore, _mentorship(db_session, mentee.id).id)
    assert row.criteria == shown[mentor.id].criteria
    assert row.score == pytest.approx(shown[mentor.id].score, abs=1e-3)  # the shortlist shows it rounded
    assert 0 < row.criteria["values"] < 1 and row.criteria["expertise"] > 0
    assert row.weights == match_scores.current_weights(program)


def test_a_pair_the_coordinator_creates_directly_has_no_match_score(db_session: Session) -> None:
    program = make_program(db_session)
    boss = coordinator_user(db_session, program)
    mentor = participant(db_session, program, Role.MENTOR, "Mona")
    mentee = participant(db_session, program, Role.MENTEE, "Max")
    pair = lifecycle.create_direct(db_session, program, boss, mentor.id, mentee.id)
    assert db_session.get(MatchScore, pair.id) is None
