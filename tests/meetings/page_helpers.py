"""A pair built through the services (no HTTP), for the meeting pages' tests and the browser test on a live server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.mentorships import agreements, goals
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.cycles import start_cycle
from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus, Side
from mentorloom.programs.models import Cadence, Membership, Program, Role
from tests.factories import make_program
from tests.matching.helpers import participant

# Berlin 18:00-19:00 is New York 12:00-13:00, except in the weeks when only one of them keeps summer time.
BERLIN_EVENINGS = [{"day": 1, "start": "18:00", "end": "19:00"}]
NEW_YORK_NOONS = [{"day": 1, "start": "12:00", "end": "13:00"}]


@dataclass
class ServicePair:
    program: Program
    mentor: Membership
    mentee: Membership
    mentorship: Mentorship

    @property
    def meetings(self) -> str:
        return f"/programs/{self.program.id}/mentorships/{self.mentorship.id}/meetings"

    @property
    def home(self) -> str:
        return f"/programs/{self.program.id}/mentorships/{self.mentorship.id}"

    def seat(self, side: Side) -> Seat:
        member = self.mentor if side is Side.MENTOR else self.mentee
        return Seat(self.mentorship, member.user, side, self.program)


def service_pair(
    session: Session,
    *,
    names: tuple[str, str] = ("Ana Mentor", "Ben Mentee"),
    zones: tuple[str, str] = ("Europe/Berlin", "America/New_York"),
    windows: tuple[list[dict[str, Any]], list[dict[str, Any]]] = (BERLIN_EVENINGS, NEW_YORK_NOONS),
    cadence: Cadence = Cadence.WEEKLY,
    started_days_ago: int = 30,
    confirmed: bool = True,
    program: Program | None = None,
) -> ServicePair:
    """An active pair (24 months planned) whose agreement with one goal both confirmed, unless `confirmed` is off."""
    program = program or make_program(session)
    mentor = participant(session, program, Role.MENTOR, names[0], timezone=zones[0], availability=windows[0])
    mentee = participant(session, program, Role.MENTEE, names[1], timezone=zones[1], availability=windows[1])
    mentorship = Mentorship(
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        source=MentorshipSource.MATCHING,
        status=MentorshipStatus.ACTIVE,
    )
    start_cycle(mentorship, 24, at=utcnow() - timedelta(days=started_days_ago))
    session.add(mentorship)
    session.flush()
    pair = ServicePair(program, mentor, mentee, mentorship)
    draft = agreements.ensure_current(session, mentorship, program)
    assert draft is not None
    draft.cadence = cadence
    goals.add_goal(session, pair.seat(Side.MENTOR), program, {"title": "Give a talk at the conference"})
    if confirmed:
        for side in (Side.MENTOR, Side.MENTEE):
            current = agreements.current(session, mentorship)
            assert current is not None
            agreements.confirm(session, pair.seat(side), program, current.lock_version)
    session.flush()
    return pair
