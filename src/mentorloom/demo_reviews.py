"""Reviews in the demo: figures released for the coordinator, and a review open for Sophie to try.

Two pairs of an earlier start (about seven months in) answered their first two reviews, so the
coordinator's review results show released figures; Jürgen opened the demo pair's first review early, so
it waits for Sophie now, and her answer completes the next batch. Everything goes through the services
(`reviews.submit` takes the moment it happens as `now`); only the pairs' start is moved back, as in
demo_pair.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.demo_pair import Demo, start_pair
from mentorloom.mentorships import agreements, goals, reviews
from mentorloom.mentorships.agreements import AgreementChange
from mentorloom.mentorships.models import Agreement, Channel, MeetingFormat, ResponseTime
from mentorloom.programs.models import Cadence, Membership, Program, Role

EARLIER_WEEKS_AGO = 30  # the second review round (week 24) is answered, the third (week 36) not open yet
EARLIER_PAIRS: list[dict[str, Any]] = [
    dict(
        mentor=dict(
            email="hannah@demo.mentorloom.org",
            name="Hannah Schneider",
            department="HR",
            languages=["de", "en"],
            timezone="Europe/Berlin",
            values=["fairness", "responsibility"],
            interests=["Yoga"],
            expertise=[("Feedback", 5)],
            capacity=1,
            bio="Personalentwicklerin; ich übe gern schwierige Gespräche mit Ihnen.",
        ),
        mentee=dict(
            email="lea@demo.mentorloom.org",
            name="Lea Wagner",
            department="HR",
            languages=["de"],
            timezone="Europe/Berlin",
            values=["fairness", "growth"],
            interests=["Yoga"],
            wanted=[("Feedback", 1)],
            bio="Neu im Recruiting; ich möchte sicherer Feedback geben.",
        ),
        goal="Feedback klar und wertschätzend geben",
        # (days into the round, mentor's and mentee's scores per round), statements in STATEMENTS order
        answers=[(3, [4, 4, 3, 5, 4, 4, 5], [5, 4, 3, 5, 4, 3, 5]), (2, [5, 4, 4, 5, 4, 4, 5], [5, 5, 4, 5, 5, 4, 5])],
    ),
    dict(
        mentor=dict(
            email="david@demo.mentorloom.org",
            name="David Okafor",
            department="Engineering",
            languages=["en"],
            timezone="Europe/London",
            values=["learning", "creativity"],
            interests=["Chess"],
            expertise=[("System design", 5)],
            capacity=1,
            bio="Principal engineer; I enjoy helping people think in systems.",
        ),
        mentee=dict(
            email="jonas@demo.mentorloom.org",
            name="Jonas Richter",
            department="Engineering",
            languages=["en", "de"],
            timezone="Europe/Berlin",
            values=["learning", "autonomy"],
            interests=["Chess"],
            wanted=[("System design", 1)],
            bio="Backend developer who wants to design larger systems.",
        ),
        goal="Design a service end to end",
        answers=[(5, [3, 4, 3, 4, 3, 4, 4], [3, 5, 4, 4, 4, 3, 4]), (4, [4, 4, 4, 4, 4, 4, 4], [4, 5, 4, 5, 4, 4, 5])],
    ),
]
# Jürgen's answers when he opened the demo pair's first review early, yesterday.
EARLY_ANSWERS = [5, 4, 4, 5, 4, 5, 5]
EARLY_SUGGESTION = "Öfter konkrete Verhandlungssituationen im Rollenspiel üben."

AddParticipant = Callable[[Session, Program, Role, dict[str, Any]], Membership]
Scores = list[int]


def load_reviews(
    session: Session, program: Program, coordinator: User, pair: Demo, add_participant: AddParticipant
) -> None:
    """The earlier pairs with their released review answers, then the demo pair's review opened early."""
    earlier: list[tuple[Demo, list[tuple[int, Scores, Scores]]]] = []
    for spec in EARLIER_PAIRS:
        mentor = add_participant(session, program, Role.MENTOR, spec["mentor"])
        mentee = add_participant(session, program, Role.MENTEE, spec["mentee"])
        demo = start_pair(session, program, coordinator, mentor, mentee, EARLIER_WEEKS_AGO)
        _agree(demo, spec["goal"])
        earlier.append((demo, spec["answers"]))
    for round_no in (1, 2):  # round by round, as the answers came in: the fifth one released the figures
        for demo, answers in earlier:
            _answer_round(demo, round_no, *answers[round_no - 1])
    reviews.submit(
        session,
        pair.seats["mentor"],
        program,
        _scores(EARLY_ANSWERS),
        EARLY_SUGGESTION,
        shared=True,
        now=utcnow() - timedelta(days=1),
        early=True,
    )


def _answer_round(demo: Demo, round_no: int, day: int, mentor: Scores, mentee: Scores) -> None:
    """Both answer round `round_no`, the mentor `day` days after it opened and the mentee a day later."""
    opened = demo.start + round_no * reviews.interval(demo.program)
    for n, (side, scores) in enumerate((("mentor", mentor), ("mentee", mentee))):
        when = opened + timedelta(days=day + n)
        reviews.submit(demo.session, demo.seats[side], demo.program, _scores(scores), "", shared=True, now=when)


def _scores(values: Scores) -> dict[str, int]:
    return dict(zip(reviews.STATEMENTS, values, strict=True))


def _agree(demo: Demo, goal: str) -> None:
    """A short agreement with one goal, confirmed by both: these pairs are past their first steps."""
    for side in ("mentor", "mentee"):
        change = AgreementChange(
            lock_version=_current(demo).lock_version,
            cadence=Cadence.MONTHLY,
            format=MeetingFormat.VIDEO,
            planned_months=12,
            confidentiality=True,
            expectations="Offen sprechen, gut vorbereitet kommen.",
            preferred_channel=Channel.CHAT,
            response_time=ResponseTime.TWO_DAYS,
        )
        agreements.update(demo.session, demo.seats[side], demo.program, change)
    goals.add_goal(demo.session, demo.seats["mentee"], demo.program, dict(title=goal, target_date=demo.month(9)))
    for side in ("mentee", "mentor"):
        agreements.confirm(demo.session, demo.seats[side], demo.program, _current(demo).lock_version)
    agreement = _current(demo)
    demo.stamp(agreement, 10, "created_at", "updated_at", "confirmed_by_mentee_at", "confirmed_by_mentor_at")


def _current(demo: Demo) -> Agreement:
    agreement = agreements.ensure_current(demo.session, demo.mentorship, demo.program)
    assert agreement is not None
    return agreement
