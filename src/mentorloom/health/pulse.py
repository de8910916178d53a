"""The mentees' one-minute pulse: "How is it going?" 1-5 and, optionally, "I'm stuck on something".

When a program turns `health.pulse_enabled` on, the mentee of each active pair is asked once every
`pulse_every_weeks` weeks since the pair's (current cycle's) start: period = weeks since start // every + 1.
One answer per period; answering again in the same period changes that answer.

"Stuck" tells the mentor, with the mentee's line; nobody else ever reads the line or a single score: the
coordinator's pages, exports and notices get nothing per pair from here (`answered_count` is a program-wide
count, suppressed below `MIN_COUNT`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement.celebrations_common import pair_path, tell
from mentorloom.errors import Conflict, NotFound, PermissionDenied
from mentorloom.health.models import Pulse
from mentorloom.i18n import N_
from mentorloom.i18n import gettext as _
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.cycles import cycle_start
from mentorloom.mentorships.models import Mentorship, MentorshipStatus, Side
from mentorloom.mentorships.validation import Checks
from mentorloom.notifications.kinds import register_kind
from mentorloom.programs.models import Program
from mentorloom.programs.schemas import HealthSettings, ProgramSettings

register_kind("pulse_stuck", N_("Your mentee is stuck on something"))
register_kind("pulse_open", N_("A new pulse is waiting for you"))

MAX_TEXT = 1000
SCORES = range(1, 6)
MIN_COUNT = 5  # program-wide counts below this are not shown


@dataclass(frozen=True)
class Round:
    """One pulse period of a pair: its number, when it opened and when the next one opens."""

    period: int
    opened_at: datetime
    next_at: datetime


def settings_of(program: Program) -> HealthSettings:
    return ProgramSettings.model_validate(program.settings or {}).health


def round_at(started_at: datetime, every_weeks: int, now: datetime) -> Round:
    """The period `now` falls in for a pair that started at `started_at` (period 1 before the start, too)."""
    step = timedelta(weeks=every_weeks)
    weeks = max(0, (now - started_at).days // 7)
    period = weeks // every_weeks + 1
    opened = started_at + step * (period - 1)
    return Round(period, opened, opened + step)


def current_round(program: Program, mentorship: Mentorship, now: datetime | None = None) -> Round | None:
    """The open pulse period of an active pair of a program that asks for the pulse, else None."""
    settings = settings_of(program)
    if not settings.pulse_enabled or mentorship.status is not MentorshipStatus.ACTIVE:
        return None
    return round_at(cycle_start(mentorship), settings.pulse_every_weeks, now or utcnow())


def answer_of(session: Session, mentorship_id: int, period: int) -> Pulse | None:
    return session.scalar(select(Pulse).where(Pulse.mentorship_id == mentorship_id, Pulse.period == period))


def require_mentee(seat: Seat) -> None:
    """Only the mentee answers (and reads) the pulse: the mentor and coordinators get 403."""
    if seat.side is not Side.MENTEE:
        raise PermissionDenied(_("Only the mentee of this pair answers the pulse."))


def open_round(session: Session, seat: Seat, now: datetime | None = None) -> tuple[Round, Pulse | None]:
    """The mentee's open period and their answer to it so far; 404 when the program asks for no pulse now."""
    require_mentee(seat)
    current = current_round(seat.program, seat.mentorship, now)
    if current is None:
        raise NotFound(_("There is no pulse to answer for this mentorship."))
    return current, answer_of(session, seat.mentorship.id, current.period)


def unanswered(session: Session, seat: Seat, now: datetime | None = None) -> Round | None:
    """The open period if this seat is the mentee and has not answered it yet (for the pair home card)."""
    if seat.side is not Side.MENTEE:
        return None
    current = current_round(seat.program, seat.mentorship, now)
    if current is None or answer_of(session, seat.mentorship.id, current.period) is not None:
        return None
    return current


def answer(
    session: Session,
    seat: Seat,
    score: int,
    stuck: bool = False,
    text: str = "",
    now: datetime | None = None,
) -> Pulse:
    """Record (or change) the mentee's answer to the open period; "stuck" tells the mentor, with the line."""
    now = now or utcnow()
    current, _existing = open_round(session, seat, now)
    checks = Checks()
    if score not in SCORES:
        checks.fail("score", _("Choose how it is going, from 1 to 5."))
    line = checks.text(text, "text", MAX_TEXT)
    checks.done()
    line = line if stuck else ""  # the line is for the mentor only when something is stuck
    pulse = _upsert(session, seat.mentorship, current.period, score, stuck, line, now)
    if stuck:
        _tell_mentor(session, seat.mentorship, pulse)
    return pulse


def _upsert(
    session: Session, mentorship: Mentorship, period: int, score: int, stuck: bool, line: str, now: datetime
) -> Pulse:
    """One row per (pair, period): a double click or a second tab changes the row the first one wrote."""
    pulse = answer_of(session, mentorship.id, period)
    if pulse is None:
        pulse = Pulse(
            mentorship_id=mentorship.id,
            program_id=mentorship.program_id,
            period=period,
            score=score,
            stuck=stuck,
            stuck_text=line,
            created_at=now,
        )
        try:
            with session.begin_nested():  # a concurrent twin loses here, not the whole request
                session.add(pulse)
            return pulse
        except IntegrityError:
            pulse = answer_of(session, mentorship.id, period)
            if pulse is None:  # the unique violation came from something else
                raise Conflict(_("Your answer could not be saved. Please try again.")) from None
    pulse.score, pulse.stuck, pulse.stuck_text = score, stuck, line
    session.flush()
    return pulse


def _tell_mentor(session: Session, mentorship: Mentorship, pulse: Pulse) -> None:
    # Keyed by the line: sending the same answer twice tells once, a changed line tells again.
    digest = hashlib.sha256(pulse.stuck_text.encode()).hexdigest()[:16]
    tell(
        session,
        mentorship.mentor,
        mentorship,
        "pulse_stuck",
        f"pulse-stuck:{mentorship.id}:{pulse.period}:{digest}",
        f"{pair_path(mentorship)}/messages",
        mentee_name=mentorship.mentee.user.display_name,
        text=pulse.stuck_text,
    )


def invite_open(session: Session, program: Program, now: datetime | None = None) -> int:
    """Tell each mentee of an active pair once per period that a pulse is waiting (unless answered already)."""
    settings = settings_of(program)
    if not settings.pulse_enabled:
        return 0
    now = now or utcnow()
    pairs = session.scalars(
        select(Mentorship)
        .where(Mentorship.program_id == program.id, Mentorship.status == MentorshipStatus.ACTIVE)
        .order_by(Mentorship.id)
    )
    answered = {
        (mid, period)
        for mid, period in session.execute(
            select(Pulse.mentorship_id, Pulse.period).where(Pulse.program_id == program.id)
        )
    }
    told = 0
    for mentorship in pairs:
        current = round_at(cycle_start(mentorship), settings.pulse_every_weeks, now)
        if (mentorship.id, current.period) in answered:
            continue
        told += tell(
            session,
            mentorship.mentee,
            mentorship,
            "pulse_open",
            f"pulse-open:{mentorship.id}:{current.period}",
            f"{pair_path(mentorship)}/pulse",
        )
    return told


def answered_count(session: Session, program_id: int, since: datetime) -> int | None:
    """How many pulses the program's mentees answered since `since`; None below MIN_COUNT (never per pair)."""
    n = session.scalar(
        select(func.count()).select_from(Pulse).where(Pulse.program_id == program_id, Pulse.created_at >= since)
    )
    return n if n and n >= MIN_COUNT else None
