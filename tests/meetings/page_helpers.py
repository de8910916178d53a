"""A pair built through the services (no HTTP), for the meeting pages' tests and the browser test on a live server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.mentorships import agreements, goals
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.cycles import start_cycle
from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus, Side
from mentorloom.programs.models import Cadence, Membership, Program, Role
from tests.factories import make_program
from tests.matching.helpers import participant
from tests.matching.test_views import login

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


@asynccontextmanager
async def browser(app: FastAPI, session: Session, user: User) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A logged-in client of its own (cookies, CSRF token), so the two people can act in turn."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c, await login(c, session, user)


def plan_form(token: str, **changes: str) -> dict[str, str]:
    """The plan form as a person sends it: weekly on Tuesday at 18:00 in Berlin, from tomorrow."""
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    form = {
        "csrf_token": token,
        "cadence": "weekly",
        "weekday": "1",
        "local_time": "18:00",
        "timezone": "Europe/Berlin",
        "starts_on": tomorrow,
        "until": "",
        "monthly_by": "weekday",
        "week_of_month": "1",
        "day_of_month": "1",
        "duration_minutes": "60",
        "format": "video",
        "location": "",
    }
    return form | changes


def field_error(html: str, field_id: str) -> str:
    """The message shown under one field (its `<small id="f-…-error">`), or "" when there is none."""
    match = re.search(rf'<small id="{re.escape(field_id)}-error" class="field-error">(.*?)</small>', html, re.S)
    return match.group(1).strip() if match else ""


def meeting_ids(html: str) -> list[int]:
    """Meeting ids in the order the page links them."""
    return [int(i) for i in dict.fromkeys(re.findall(r'/meetings/(\d+)"', html))]
