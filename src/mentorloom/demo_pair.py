"""The demo's live mentorship: Sophie (mentee) and Jürgen (mentor), about ten and a half months in.

Everything goes through the mentorship services (proposal, both acceptances, a monthly agreement, fit
check, a goal revision), so the rules hold. Only the timestamps the services stamp with "now" are moved
back afterwards, to read like a year of real use. Their meetings, with the goal progress recorded in them,
are demo_meetings'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.mentorships import agreements, fitcheck, goals, lifecycle
from mentorloom.mentorships.access import Seat, seat_for
from mentorloom.mentorships.agreements import AgreementChange
from mentorloom.mentorships.models import (
    Agreement,
    Channel,
    FitCheckAnswer,
    GoalRevision,
    MeetingFormat,
    Mentorship,
    MentorshipTransition,
    ResponseTime,
)
from mentorloom.programs.models import Cadence, Membership, Program

PAIR_MENTOR = "mentor@demo.mentorloom.org"
PAIR_MENTEE = "mentee@demo.mentorloom.org"
STARTED_WEEKS_AGO = 46  # ten monthly meetings held, the eleventh in the next days, the end two months ahead
TERMS: dict[str, dict[str, Any]] = {
    "mentee": dict(
        expectations="Ehrliches Feedback zu meinen Verhandlungen und Einblicke in dein erstes Führungsjahr. "
        "Ich bringe zu jedem Treffen eine konkrete Frage oder Situation mit.",
        preferred_channel=Channel.EMAIL,
        response_time=ResponseTime.TWO_DAYS,
        feedback_style="Direkt, gern auch unbequem – aber immer mit einem nächsten Schritt.",
    ),
    "mentor": dict(
        expectations="Sophie bestimmt die Themen und bereitet die Treffen vor; ich teile offen meine Erfahrungen "
        "aus 20 Jahren Vertrieb. Jedes dritte Treffen findet vor Ort in Berlin statt.",
        preferred_channel=Channel.CHAT,
        response_time=ResponseTime.SAME_DAY,
        feedback_style="Konkret und an Beispielen aus der Praxis.",
    ),
}
# (title, description, success criteria, months after the start, skills)
GOALS: list[tuple[str, str, str, int, list[str]]] = [
    (
        "Souverän verhandeln",
        "Gehalts- und Lieferantengespräche strukturiert vorbereiten: Ziel, Schmerzgrenze und Alternativen kennen.",
        "Drei echte Verhandlungen selbst geführt und mit Jürgen nachbesprochen.",
        6,
        ["Verhandlungsführung"],
    ),
    (
        "Auf die erste Teamleitung vorbereiten",
        "Klären, welcher Führungsstil zu mir passt, und die ersten Wochen als Teamleiterin planen.",
        "Ein 90-Tage-Plan für das neue Team liegt vor.",
        9,
        ["Leadership"],
    ),
    (
        "Feedbackgespräche sicher führen",
        "Schwierige Rückmeldungen klar und wertschätzend geben – auch an die eigene Führungskraft.",
        "Zwei Gespräche im Rollenspiel geübt und eines im Alltag geführt.",
        11,
        ["Leadership"],
    ),
]
# Goal 2 revised on day 26: an earlier target date, a sharper criterion, and why.
REVISED_MONTHS = 5
REVISED_CRITERIA = "Ein 90-Tage-Plan für das neue Team liegt vor und ist mit meiner Führungskraft abgestimmt."
REVISED_BECAUSE = "Die Teamleitung im Marketing wird früher frei als geplant – wir ziehen das Ziel vor."


@dataclass
class Demo:
    session: Session
    program: Program
    mentorship: Mentorship
    seats: dict[str, Seat]
    start: datetime
    goal_keys: list[str] = field(default_factory=list)  # in GOALS order

    def day(self, n: float) -> datetime:
        return self.start + timedelta(days=n)

    def month(self, n: int) -> date:
        return lifecycle.add_months(self.start.date(), n)

    def stamp(self, row: Any, n: float, *fields: str) -> None:
        """Move the service's "now" back to day `n` of the mentorship."""
        for name in fields:
            setattr(row, name, self.day(n))
        self.session.flush()


def load_pair(session: Session, program: Program, coordinator: User, people: dict[str, Membership]) -> Demo:
    """Propose, accept and start the demo mentorship: a confirmed agreement, a passed fit check, a revision."""
    demo = start_pair(session, program, coordinator, people[PAIR_MENTOR], people[PAIR_MENTEE], STARTED_WEEKS_AGO)
    demo.goal_keys = _agree(demo)
    _pass_fit_check(demo)
    _revise(demo, demo.goal_keys[1])
    return demo


def start_pair(
    session: Session, program: Program, coordinator: User, mentor: Membership, mentee: Membership, weeks_ago: int
) -> Demo:
    """The coordinator proposes a pair and both accept, as if it happened `weeks_ago` weeks back."""
    mentorship = lifecycle.create_direct(session, program, coordinator, mentor.id, mentee.id)
    seats = {
        "mentor": seat_for(session, mentor.user, program.id, mentorship.id),
        "mentee": seat_for(session, mentee.user, program.id, mentorship.id),
    }
    start = (utcnow() - timedelta(weeks=weeks_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
    demo = Demo(session, program, mentorship, seats, start)
    _accept(demo)
    return demo


def _accept(demo: Demo) -> None:
    """Both accept the coordinator's proposal; the start moves back, the planned end with it."""
    m = demo.mentorship
    for seat in demo.seats.values():
        lifecycle.accept(demo.session, seat, demo.program)
    demo.stamp(m, -2, "created_at")
    demo.stamp(m, -1, "mentor_accepted_at")
    demo.stamp(m, 0, "mentee_accepted_at", "started_at", "cycle_started_at")
    m.planned_end_on = demo.month(demo.program.duration_months or 12)
    for row in demo.session.scalars(select(MentorshipTransition).where(MentorshipTransition.mentorship_id == m.id)):
        demo.stamp(row, 0, "at")


def _agree(demo: Demo) -> list[str]:
    """Both write their side of the agreement, Sophie adds the goals, both confirm version 1."""
    for side, terms in TERMS.items():
        change = AgreementChange(
            lock_version=_current(demo).lock_version,
            cadence=Cadence.MONTHLY,
            format=MeetingFormat.VIDEO,
            planned_months=12,
            confidentiality=True,
            **terms,
        )
        agreements.update(demo.session, demo.seats[side], demo.program, change)
    keys = []
    for title, description, criteria, months, skills in GOALS:
        fields = dict(
            title=title,
            description=description,
            success_criteria=criteria,
            target_date=demo.month(months),
            skills=skills,
        )
        keys.append(goals.add_goal(demo.session, demo.seats["mentee"], demo.program, fields).key)
    _confirm(demo, 1, 5)
    return keys


def _confirm(demo: Demo, created: float, confirmed: float) -> None:
    for side in ("mentee", "mentor"):
        agreements.confirm(demo.session, demo.seats[side], demo.program, _current(demo).lock_version)
    agreement = _current(demo)
    for row in (agreement, *agreement.goals):
        demo.stamp(row, created, "created_at")
    demo.stamp(agreement, confirmed, "updated_at", "confirmed_by_mentee_at")
    demo.stamp(agreement, confirmed + 0.2, "confirmed_by_mentor_at")


def _current(demo: Demo) -> Agreement:
    agreement = agreements.ensure_current(demo.session, demo.mentorship, demo.program)
    assert agreement is not None
    return agreement


def _pass_fit_check(demo: Demo) -> None:
    """Two weeks in, both say privately that the match fits."""
    for seat in demo.seats.values():
        fitcheck.answer(demo.session, seat, True)
    demo.stamp(demo.mentorship, 14, "fit_check_opened_at")
    answers = select(FitCheckAnswer).where(FitCheckAnswer.mentorship_id == demo.mentorship.id)
    for n, row in enumerate(demo.session.scalars(answers)):
        demo.stamp(row, 14 + n / 4, "answered_at")


def _revise(demo: Demo, key: str) -> None:
    """The team lead role comes sooner: Sophie moves the goal forward with a reason, both confirm version 2."""
    seat, goal = demo.seats["mentee"], goals.goal_in(_current(demo), key)
    fields = dict(target_date=demo.month(REVISED_MONTHS), success_criteria=REVISED_CRITERIA)
    goals.change_goal(demo.session, seat, demo.program, key, fields, goal.lock_version, REVISED_BECAUSE)
    note = AgreementChange(lock_version=_current(demo).lock_version, note=REVISED_BECAUSE)
    agreements.update(demo.session, seat, demo.program, note)
    _confirm(demo, 26, 27)
    for row in demo.session.scalars(select(GoalRevision).where(GoalRevision.mentorship_id == demo.mentorship.id)):
        demo.stamp(row, 26, "created_at")
