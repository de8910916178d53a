"""Reminders the pair gets when something of theirs falls due: the fit check and the periodic review.

A sweep over the current state, once per person and occasion (the notification key): run daily by the worker,
and safe to run again after a crash.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mentorloom.db import as_utc
from mentorloom.mentorships import mails, review_rounds
from mentorloom.mentorships.fitcheck import DUE_AFTER
from mentorloom.mentorships.models import FitCheckAnswer, Mentorship, MentorshipStatus, Side
from mentorloom.programs.models import Membership, Program


def _members(mentorship: Mentorship) -> tuple[tuple[Side, Membership], ...]:
    return (Side.MENTOR, mentorship.mentor), (Side.MENTEE, mentorship.mentee)


def remind_fit_checks(session: Session, now: datetime) -> int:
    """Active pairs whose fit check is open (two weeks in, or opened early): each side that has not answered."""
    pairs = list(
        session.scalars(
            select(Mentorship)
            .where(Mentorship.status == MentorshipStatus.ACTIVE, Mentorship.started_at.is_not(None))
            .options(selectinload(Mentorship.mentor).selectinload(Membership.user))
            .options(selectinload(Mentorship.mentee).selectinload(Membership.user))
        )
    )
    due = [
        m
        for m in pairs
        if m.fit_check_opened_at is not None or (m.started_at and as_utc(m.started_at) + DUE_AFTER <= now)
    ]
    answered = {
        (mentorship_id, side)
        for mentorship_id, side in session.execute(
            select(FitCheckAnswer.mentorship_id, FitCheckAnswer.side).where(
                FitCheckAnswer.mentorship_id.in_([m.id for m in due])
            )
        )
    }
    sent = 0
    for mentorship in due:
        for side, member in _members(mentorship):
            if (mentorship.id, side) not in answered:
                sent += mails.remind_fit_check(session, mentorship, member)
    return sent


def remind_reviews(session: Session, now: datetime) -> int:
    """Each open review round: each side that has not answered it yet, once per round."""
    sent = 0
    for program in session.scalars(select(Program)):
        for pair in review_rounds.rounds(session, program, now):
            if not pair.is_open:
                continue
            for side, member in _members(pair.mentorship):
                if side not in pair.answered:
                    sent += mails.remind_review(session, pair.mentorship, member, pair.period)
    return sent
