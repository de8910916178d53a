"""Property: whatever order requests, offers, answers, direct pairings and capacity changes come in, no mentee
is ever in two live pairs and no placement takes a mentor past their capacity.

Requests and offers are written as rows (any of them may exist, however they came about); every answer and
pairing goes through the real service functions, each in a savepoint that a refusal rolls back, as the edge does.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.errors import MentorloomError
from mentorloom.matching import mentor_requests, service
from mentorloom.matching.models import (
    MatchRun,
    MentorRequest,
    Proposal,
    ProposalStatus,
    RequestStatus,
    Response,
    RunStatus,
)
from mentorloom.mentorships import lifecycle
from mentorloom.mentorships.models import OCCUPYING, Mentorship, MentorshipStatus
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Membership, Role
from tests.factories import make_program
from tests.matching.helpers import coordinator_user, participant

MENTEES, MENTORS = 3, 2
_seq = itertools.count(1)

person = st.integers(0, MENTEES - 1)
mentor = st.integers(0, MENTORS - 1)
pick = st.integers(0, 20)  # which open request or offer, modulo how many there are
step = st.one_of(
    st.tuples(st.just("request"), person, mentor),
    st.tuples(st.just("offer"), person, mentor),
    st.tuples(st.just("accept_request"), pick),
    st.tuples(st.just("accept_offer"), pick, st.sampled_from(["mentee", "mentor", "both"])),
    st.tuples(st.just("direct"), person, mentor),
    st.tuples(st.just("capacity"), mentor, st.integers(0, 3)),
    st.tuples(st.just("end"), person),
)


class World:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.program = make_program(session)
        n = next(_seq)
        self.mentees = [participant(session, self.program, Role.MENTEE, f"Mentee {n}-{i}") for i in range(MENTEES)]
        self.mentors = [
            participant(session, self.program, Role.MENTOR, f"Mentor {n}-{j}", capacity=1) for j in range(MENTORS)
        ]
        self.coordinator = coordinator_user(session, self.program, f"Coordinator {n}")
        self.run = MatchRun(program_id=self.program.id, mode="max_matched", status=RunStatus.PUBLISHED)
        session.add(self.run)
        session.flush()

    def live(self, column: InstrumentedAttribute[int], membership: Membership) -> int:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(Mentorship)
                .where(column == membership.id, Mentorship.status.in_(OCCUPYING))
            )
            or 0
        )

    def capacity(self, membership: Membership) -> int:
        return self.session.scalar(select(Profile.capacity).where(Profile.membership_id == membership.id)) or 0

    def do(self, action: tuple[object, ...]) -> None:
        kind, *args = action
        getattr(self, f"_{kind}")(*args)

    def _request(self, i: int, j: int) -> None:
        self.session.add(
            MentorRequest(
                program_id=self.program.id,
                mentee_id=self.mentees[i].id,
                mentor_id=self.mentors[j].id,
                expires_at=utcnow() + timedelta(days=7),
            )
        )

    def _offer(self, i: int, j: int) -> None:
        self.session.add(
            Proposal(
                run_id=self.run.id,
                program_id=self.program.id,
                mentee_id=self.mentees[i].id,
                mentor_id=self.mentors[j].id,
                status=ProposalStatus.OFFERED,
            )
        )

    def _open(self, model: type[MentorRequest] | type[Proposal], status: object) -> list[int]:
        query = select(model.id).where(model.program_id == self.program.id, model.status == status)
        return list(self.session.scalars(query.order_by(model.id)))

    def _accept_request(self, k: int) -> None:
        ids = self._open(MentorRequest, RequestStatus.PENDING)
        if ids:
            request = self.session.get_one(MentorRequest, ids[k % len(ids)])
            mentor_requests.answer_request(
                self.session, request, self.session.get_one(Membership, request.mentor_id), True
            )

    def _accept_offer(self, k: int, side: str) -> None:
        ids = self._open(Proposal, ProposalStatus.OFFERED)
        if ids:
            offer = self.session.get_one(Proposal, ids[k % len(ids)])
            for who in {"mentee": [offer.mentee], "mentor": [offer.mentor], "both": [offer.mentee, offer.mentor]}[side]:
                assert who is not None
                service.respond(self.session, offer, self.session.get_one(User, who.user_id), Response.ACCEPTED)

    def _direct(self, i: int, j: int) -> None:
        lifecycle.create_direct(self.session, self.program, self.coordinator, self.mentors[j].id, self.mentees[i].id)

    def _capacity(self, j: int, capacity: int) -> None:
        self.session.execute(
            update(Profile).where(Profile.membership_id == self.mentors[j].id).values(capacity=capacity)
        )

    def _end(self, i: int) -> None:
        self.session.execute(
            update(Mentorship)
            .where(Mentorship.mentee_id == self.mentees[i].id, Mentorship.status.in_(OCCUPYING))
            .values(status=MentorshipStatus.ENDED_EARLY)
        )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_no_mentee_in_two_pairs_and_no_mentor_over_capacity(
    db_session: Session, steps: list[tuple[object, ...]]
) -> None:
    world = World(db_session)
    for action in steps:
        before = {m.id: world.live(Mentorship.mentor_id, m) for m in world.mentors}
        try:
            with db_session.begin_nested():
                world.do(action)
        except MentorloomError:
            pass  # refused: the savepoint rolled back, as the request's transaction would
        db_session.expire_all()
        for mentee in world.mentees:
            assert world.live(Mentorship.mentee_id, mentee) <= 1, (action, steps)
        for m in world.mentors:
            # Lowering a capacity below the current pairs is allowed; taking a new pair past it is not.
            after = world.live(Mentorship.mentor_id, m)
            assert after <= max(world.capacity(m), before[m.id]), (action, steps)
