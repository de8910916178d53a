"""An erased person's open offers and mentor requests end at the erasure: nobody can answer for them.

An offer left open kept the mentee out of every matching run (and held the mentor's slot); a pending request to an
erased mentor counted against the mentee's open-request limit until it expired.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.matching import mentor_requests, service
from mentorloom.matching.inputs import engaged_mentees
from mentorloom.matching.models import MentorRequest, Proposal, ProposalStatus, RequestStatus, Response
from mentorloom.notifications.models import MailState, OutboxMail
from mentorloom.privacy.erasure import erase_person
from mentorloom.programs.models import Role
from tests.factories import make_program, make_user
from tests.matching.helpers import participant


def test_an_erased_mentors_offer_is_declined_and_the_mentee_gets_the_next_best(db_session: Session) -> None:
    program = make_program(db_session)
    anna = participant(db_session, program, Role.MENTOR, "Anna")
    mia = participant(db_session, program, Role.MENTEE, "Mia")
    run = service.start_run(db_session, program, make_user(db_session))
    service.compute_run(db_session, run)
    (offer,) = service.publish(db_session, run)
    assert offer.mentor_id == anna.id and mia.id in engaged_mentees(db_session, program.id)
    bernd = participant(db_session, program, Role.MENTOR, "Bernd")  # joins after the run: the next best
    erase_person(db_session, anna.user, by=make_user(db_session, is_admin=True))
    db_session.refresh(offer)
    assert offer.status is ProposalStatus.DECLINED and offer.mentor_response is Response.DECLINED
    assert offer.mentee_response is None and offer.decline_reason == ""
    (new,) = db_session.scalars(
        select(Proposal).where(Proposal.mentee_id == mia.id, Proposal.status == ProposalStatus.OFFERED)
    ).all()
    assert new.mentor_id == bernd.id
    waiting = select(OutboxMail.to_address).where(OutboxMail.state == MailState.PENDING)
    assert set(db_session.scalars(waiting)) == {mia.user.email, bernd.user.email}  # the new offer; none to Anna


def test_an_erased_mentees_offer_frees_the_mentors_slot_without_a_new_offer(db_session: Session) -> None:
    program = make_program(db_session)
    participant(db_session, program, Role.MENTOR, "Anna")
    mia = participant(db_session, program, Role.MENTEE, "Mia")
    run = service.start_run(db_session, program, make_user(db_session))
    service.compute_run(db_session, run)
    (offer,) = service.publish(db_session, run)
    erase_person(db_session, mia.user, by=make_user(db_session, is_admin=True))
    db_session.refresh(offer)
    assert offer.status is ProposalStatus.DECLINED and offer.mentee_response is Response.DECLINED
    open_offers = select(Proposal).where(Proposal.program_id == program.id, Proposal.status == ProposalStatus.OFFERED)
    assert db_session.scalars(open_offers).all() == []


def test_pending_requests_end_withdrawn_or_expired_and_free_the_mentees_limit(db_session: Session) -> None:
    program = make_program(db_session)
    anna = participant(db_session, program, Role.MENTOR, "Anna", capacity=2)
    bernd = participant(db_session, program, Role.MENTOR, "Bernd", capacity=2)
    mia = participant(db_session, program, Role.MENTEE, "Mia")
    tom = participant(db_session, program, Role.MENTEE, "Tom")
    to_anna = mentor_requests.send_request(db_session, program, mia, anna.id, "")
    to_bernd = mentor_requests.send_request(db_session, program, tom, bernd.id, "")
    admin = make_user(db_session, is_admin=True)
    erase_person(db_session, anna.user, by=admin)  # a mentor who received a request
    erase_person(db_session, tom.user, by=admin)  # a mentee who sent one
    db_session.expire_all()
    assert db_session.get_one(MentorRequest, to_anna.id).status is RequestStatus.EXPIRED
    assert db_session.get_one(MentorRequest, to_bernd.id).status is RequestStatus.WITHDRAWN
    assert mentor_requests.open_requests(db_session, mia.id) == []
    assert mentor_requests.incoming_requests(db_session, bernd.id) == []
