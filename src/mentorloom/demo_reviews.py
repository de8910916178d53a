"""Reviews in the demo: figures released for the coordinator, and a review open for Sophie to try.

Sophie and Jürgen answered their three review rounds so far; two later pairs (about six months in)
answered their first round, and their second opened a week ago (David has not answered it yet). So the
coordinator's review results show released figures; Jürgen opened the demo pair's fourth round early, so
it waits for Sophie now, and her answer completes the next batch. Everything goes through the services
(`reviews.submit` takes the moment it happens as `now`, so the answers go in in the order they were given
and the batches are released as they would have been); only the pairs' start is moved back, as in
demo_pair.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.demo_pair import Demo, start_pair
from mentorloom.mentorships import agreements, goals, reviews
from mentorloom.mentorships.agreements import AgreementChange
from mentorloom.mentorships.models import Agreement, Channel, MeetingFormat, ResponseTime
from mentorloom.programs.models import Cadence, Membership, Program, Role

Scores = list[int]


class Answer(NamedTuple):
    """One side's answer to a review round, `day` days after the round opened; scores in STATEMENTS order."""

    round: int
    day: int
    side: str
    scores: Scores
    suggestion: str = ""


# Two weeks after a round opened, a missing answer shows on the coordinator's to-do: the later pairs' second
# round opened a week ago, so David still has time.
LATER_WEEKS_AGO = 25
LATER_PAIRS: list[dict[str, Any]] = [
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
        answers=[
            Answer(1, 1, "mentor", [4, 4, 3, 5, 4, 4, 5]),
            Answer(1, 2, "mentee", [5, 4, 3, 5, 4, 3, 5]),
            Answer(2, 2, "mentor", [5, 4, 4, 5, 4, 4, 5]),
            Answer(2, 3, "mentee", [5, 5, 4, 5, 5, 4, 5]),
        ],
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
        # They stopped meeting two months ago (demo_meetings): Jonas says so, David has not answered yet.
        answers=[
            Answer(1, 3, "mentor", [3, 4, 3, 4, 3, 4, 4]),
            Answer(1, 4, "mentee", [3, 5, 4, 4, 4, 3, 4]),
            Answer(2, 4, "mentee", [1, 4, 3, 4, 3, 3, 4]),
        ],
    ),
]
# Sophie and Jürgen's rounds; the second came with the one meeting that went badly (demo_meetings).
PAIR_ANSWERS = [
    Answer(1, 3, "mentor", [5, 4, 4, 5, 4, 4, 5]),
    Answer(1, 4, "mentee", [4, 5, 3, 5, 4, 3, 5], "Mehr Rollenspiele zu echten Verhandlungen."),
    Answer(2, 2, "mentor", [4, 4, 4, 5, 4, 4, 5], "Pro Treffen ein konkretes Thema."),
    Answer(2, 3, "mentee", [3, 5, 4, 5, 4, 3, 5], "Kürzer vorbereiten: eine Frage vorab in die Agenda."),
    Answer(3, 7, "mentor", [5, 5, 5, 5, 4, 5, 5]),
    Answer(3, 10, "mentee", [5, 5, 5, 5, 5, 4, 5], "Rechtzeitig mit dem Abschluss anfangen."),
]
# Jürgen's answers when he opened the demo pair's fourth round early, yesterday.
EARLY_ANSWERS = [5, 5, 5, 5, 4, 5, 5]
EARLY_SUGGESTION = "Für die letzten Treffen: Was soll nach dem Mentoring bleiben?"

AddParticipant = Callable[[Session, Program, Role, dict[str, Any]], Membership]


def load_reviews(
    session: Session, program: Program, coordinator: User, pair: Demo, add_participant: AddParticipant
) -> list[Demo]:
    """The later pairs, every answer so far in the order given, then the demo pair's round opened early.

    Returns the later pairs (demo_meetings gives them their meetings).
    """
    answers: list[tuple[datetime, Demo, Answer]] = [(_when(pair, a), pair, a) for a in PAIR_ANSWERS]
    later = []
    for spec in LATER_PAIRS:
        mentor = add_participant(session, program, Role.MENTOR, spec["mentor"])
        mentee = add_participant(session, program, Role.MENTEE, spec["mentee"])
        demo = start_pair(session, program, coordinator, mentor, mentee, LATER_WEEKS_AGO)
        _agree(demo, spec["goal"])
        later.append(demo)
        answers += [(_when(demo, a), demo, a) for a in spec["answers"]]
    # The fifth answer released the first figures, the tenth (Sophie's third, 30 days later) the next.
    for when, demo, answer in sorted(answers, key=lambda found: found[0]):
        seat = demo.seats[answer.side]
        reviews.submit(session, seat, program, _scores(answer.scores), answer.suggestion, shared=True, now=when)
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
    return later


def _when(demo: Demo, answer: Answer) -> datetime:
    return demo.start + answer.round * reviews.interval(demo.program) + timedelta(days=answer.day)


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
