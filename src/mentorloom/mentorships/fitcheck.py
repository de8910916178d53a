"""The fit check after the first meeting: each side says privately whether the match feels right.

One "no" ends the mentorship without blame: nobody learns who said it, the partner reads only that the
program will find a new match, and the mentee is re-matched with priority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.db import as_utc, utcnow
from mentorloom.errors import Conflict
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import lifecycle
from mentorloom.mentorships.access import Seat, lock
from mentorloom.mentorships.models import FitCheckAnswer, Mentorship, MentorshipStatus, Side

# Until meetings exist, "after the first meeting" means two weeks into the mentorship (or when one side opens it).
DUE_AFTER = timedelta(days=14)


@dataclass
class FitCheck:
    due: bool
    opened: bool
    my_answer: bool | None
    passed: bool  # both said yes


def _answers(session: Session, mentorship: Mentorship) -> dict[Side, bool]:
    rows = session.scalars(select(FitCheckAnswer).where(FitCheckAnswer.mentorship_id == mentorship.id))
    return {row.side: row.fits for row in rows}


def state(session: Session, seat: Seat, now: datetime | None = None) -> FitCheck:
    """The fit check as the caller may see it: never the partner's answer."""
    mentorship, now = seat.mentorship, now or utcnow()
    answers = _answers(session, mentorship)
    passed = len(answers) == 2 and all(answers.values())
    opened = mentorship.fit_check_opened_at is not None or (
        mentorship.started_at is not None and as_utc(mentorship.started_at) + DUE_AFTER <= now
    )
    mine = answers.get(seat.side) if seat.side else None
    waiting = mine is None if seat.side else len(answers) < 2
    return FitCheck(
        mentorship.status is MentorshipStatus.ACTIVE and opened and waiting and not passed, opened, mine, passed
    )


def open_check(session: Session, seat: Seat) -> FitCheck:
    """Either side asks for the fit check now instead of waiting two weeks."""
    seat.require_pair()
    _require_active(seat.mentorship)
    if seat.mentorship.fit_check_opened_at is None:
        seat.mentorship.fit_check_opened_at = utcnow()
        session.flush()
    return state(session, seat)


def answer(session: Session, seat: Seat, fits: bool) -> FitCheck:
    """Record the caller's private answer; a "no" ends the mentorship for both, without blame."""
    side = seat.require_pair()
    lock(session, seat.mentorship)
    _require_active(seat.mentorship)
    if side in _answers(session, seat.mentorship):
        raise Conflict(_("You have already answered the fit check."))
    if seat.mentorship.fit_check_opened_at is None:
        seat.mentorship.fit_check_opened_at = utcnow()
    session.add(FitCheckAnswer(mentorship_id=seat.mentorship.id, side=side, fits=fits))
    session.flush()
    if not fits:
        lifecycle.end_for_mismatch(session, seat.mentorship)
    return state(session, seat)


def _require_active(mentorship: Mentorship) -> None:
    if mentorship.status is not MentorshipStatus.ACTIVE:
        raise Conflict(
            _(
                "The fit check is for active mentorships; this one is %(current)s.",
                current=lifecycle.status_label(mentorship.status),
            )
        )
