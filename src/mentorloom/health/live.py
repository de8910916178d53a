"""Recompute a pair's health as soon as something that moves it happens (a held meeting, goal progress), so the
at-risk list and the pair's own panel do not wait for the daily job. Runs in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mentorloom import signals
from mentorloom.health import service
from mentorloom.mentorships.models import Mentorship


@signals.receiver("meeting_held")
def _after_meeting(session: Session, mentorship: Mentorship, data: dict[str, Any]) -> None:
    service.recompute_pair(session, mentorship)


@signals.receiver("goal_progress")
def _after_goal_progress(session: Session, mentorship: Mentorship, data: dict[str, Any]) -> None:
    service.recompute_pair(session, mentorship)
