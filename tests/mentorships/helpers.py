"""A program with a mentor, a mentee and a coordinator, and their mentorship, for the API tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.mentorships.cycles import start_cycle
from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus
from mentorloom.programs.models import Membership, Program, Role
from tests.factories import make_program
from tests.matching.helpers import coordinator, headers_for, participant

_seq = itertools.count(1)


@dataclass
class Pair:
    program: Program
    mentor: Membership
    mentee: Membership
    mentorship: Mentorship
    mentor_h: dict[str, str]
    mentee_h: dict[str, str]
    coord_h: dict[str, str]

    @property
    def base(self) -> str:
        return f"/api/v1/programs/{self.program.id}/mentorships/{self.mentorship.id}"

    @property
    def program_base(self) -> str:
        return f"/api/v1/programs/{self.program.id}/mentorships"


def make_pair(
    session: Session,
    *,
    status: MentorshipStatus = MentorshipStatus.ACTIVE,
    started_days_ago: int = 1,
    program: Program | None = None,
    coordinator_headers: dict[str, str] | None = None,
    **program_fields: object,
) -> Pair:
    """An active mentorship as matching creates it (end planned, no agreement), started `started_days_ago` days ago."""
    program = program or make_program(session)
    for name, value in program_fields.items():
        setattr(program, name, value)
    n = next(_seq)
    mentor = participant(session, program, Role.MENTOR, f"Mentor Marta {n}", capacity=2)
    mentee = participant(session, program, Role.MENTEE, f"Mentee Moritz {n}")
    started = utcnow() - timedelta(days=started_days_ago)
    mentorship = Mentorship(
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        source=MentorshipSource.MATCHING,
        status=status,
    )
    if status is not MentorshipStatus.PROPOSED:
        start_cycle(mentorship, program.duration_months, at=started)
    session.add(mentorship)
    session.flush()
    coord = coordinator(session, program) if coordinator_headers is None else coordinator_headers
    return Pair(program, mentor, mentee, mentorship, headers_for(session, mentor), headers_for(session, mentee), coord)
