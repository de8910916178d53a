"""Milestones of a pair: planned by the two people (optionally for an agreed goal) or reached automatically.

Automatic ones carry a stable code and are found from the pair's state by `detect` (first meeting held; 3, 6
and 12 months together; 10, 25 and 50 meetings held; a goal achieved; every goal of the agreement achieved; a
cycle completed). `detect` is idempotent: a code is inserted once per pair (unique (mentorship_id, code)) in a
savepoint, so a second or concurrent detection finds it there and does nothing. It runs when a meeting is held
and a goal's progress is recorded (signals), after a cycle ends (transition hook) and daily for the months
(`engagement.milestones` job). Reaching a milestone tells both people (`milestone_reached`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorloom import signals
from mentorloom.accounts.models import User
from mentorloom.db import as_utc, utcnow
from mentorloom.engagement.celebrations_common import agreed_goals, pair_path, people, tell
from mentorloom.engagement.models import Milestone, PairEngagementSettings
from mentorloom.errors import Conflict, NotFound
from mentorloom.i18n import N_, gettext, use_locale
from mentorloom.i18n import gettext as _
from mentorloom.meetings.models import Meeting, MeetingStatus
from mentorloom.mentorships import agreements, goals, hooks
from mentorloom.mentorships.access import Seat, lock
from mentorloom.mentorships.cycles import add_months
from mentorloom.mentorships.models import (
    Goal,
    GoalStatus,
    Mentorship,
    MentorshipStatus,
    MentorshipTransition,
    Side,
)
from mentorloom.mentorships.validation import Checks
from mentorloom.notifications.kinds import register_kind
from mentorloom.programs.mails import mail_locale

register_kind("milestone_reached", N_("A milestone of your mentorship was reached"))

MAX_TITLE = 200
MAX_NOTE = 2000
MONTHS = (3, 6, 12)
GOAL_PREFIX = "Goal achieved: "
MEETING_COUNTS = (10, 25, 50)
# Mentorships whose months are counted by the daily sweep (a finished one keeps what it reached).
COUNTING = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED, MentorshipStatus.COMPLETING)
_TITLES = {
    "first_meeting": N_("First meeting held"),
    "months_3": N_("3 months together"),
    "months_6": N_("6 months together"),
    "months_12": N_("12 months together"),
    "meetings_10": N_("10 meetings held"),
    "meetings_25": N_("25 meetings held"),
    "meetings_50": N_("50 meetings held"),
}


def display_title(milestone: Milestone) -> str:
    """The milestone's title in the current language: automatic ones by their code, the pair's own as written.

    `Milestone.title` of an automatic one holds the same title in English, for readers that take it as it is.
    """
    code = milestone.code or ""
    if code in _TITLES:
        return gettext(_TITLES[code])
    if code.startswith("goal:"):  # stored in English as GOAL_PREFIX + the goal's title, as the pair wrote it
        return _("Goal achieved: %(title)s", title=milestone.title.removeprefix(GOAL_PREFIX))
    if code.startswith("all_goals:"):
        return _("Every goal of your agreement achieved")
    if code.startswith("cycle:"):
        return _("Cycle %(cycle)s completed", cycle=code.partition(":")[2])
    return milestone.title


# --- reading ----------------------------------------------------------------------------------------------


def of_pair(session: Session, mentorship: Mentorship) -> list[Milestone]:
    """Every milestone of the pair: reached ones newest first, then the planned ones by target date."""
    rows = list(session.scalars(select(Milestone).where(Milestone.mentorship_id == mentorship.id)))
    reached = sorted((m for m in rows if m.reached_at), key=lambda m: (as_utc(m.reached_at), m.id), reverse=True)  # type: ignore[arg-type]
    planned = sorted((m for m in rows if not m.reached_at), key=lambda m: (m.target_on or date.max, m.id))
    return reached + planned


def recent(session: Session, mentorship: Mentorship, limit: int = 3) -> list[Milestone]:
    return list(
        session.scalars(
            select(Milestone)
            .where(Milestone.mentorship_id == mentorship.id, Milestone.reached_at.is_not(None))
            .order_by(Milestone.reached_at.desc(), Milestone.id.desc())
            .limit(limit)
        )
    )


def milestone_of(session: Session, seat: Seat, milestone_id: int) -> Milestone:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None or milestone.mentorship_id != seat.mentorship.id:
        raise NotFound(_("Milestone not found."))
    return milestone


# --- the pair's own milestones ------------------------------------------------------------------------------


def _checked(session: Session, seat: Seat, fields: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    checks = Checks()
    values: dict[str, Any] = {}
    if creating or "title" in fields:
        values["title"] = checks.text(fields.get("title"), "title", MAX_TITLE, required=True)
    if "goal_key" in fields:
        key = (fields["goal_key"] or "").strip() or None
        if key is not None and key not in agreed_goals(session, seat.mentorship):
            checks.fail("goal_key", _("Choose one of the goals of your agreement."))
        values["goal_key"] = key
    if "target_on" in fields:
        values["target_on"] = fields["target_on"]
    checks.done()
    return values


def create(session: Session, seat: Seat, fields: Mapping[str, Any]) -> Milestone:
    """A milestone the pair plans: a title, optionally an agreed goal, optionally a target date."""
    seat.require_pair()
    values = _checked(session, seat, fields, creating=True)
    milestone = Milestone(
        mentorship_id=seat.mentorship.id,
        program_id=seat.mentorship.program_id,
        created_by_id=seat.user.id,
        **values,
    )
    session.add(milestone)
    session.flush()
    return milestone


def _require_open(milestone: Milestone) -> None:
    if milestone.reached_at is not None:
        raise Conflict(_("This milestone is reached already; it stays as it was celebrated."))
    if milestone.code is not None:
        raise Conflict(_("Automatic milestones cannot be changed."))


def update(session: Session, seat: Seat, milestone: Milestone, fields: Mapping[str, Any]) -> Milestone:
    """Change a planned milestone (either person of the pair); a reached one stays as it was."""
    seat.require_pair()
    values = _checked(session, seat, fields, creating=False)
    _require_open(milestone)
    for name, value in values.items():
        setattr(milestone, name, value)
    session.flush()
    return milestone


def delete(session: Session, seat: Seat, milestone: Milestone) -> None:
    seat.require_pair()
    _require_open(milestone)
    session.delete(milestone)
    session.flush()


def reach(session: Session, seat: Seat, milestone: Milestone, note: str = "") -> Milestone:
    """Mark a planned milestone reached, with a note; both people are told."""
    seat.require_pair()
    checks = Checks()
    note = checks.text(note, "note", MAX_NOTE)
    checks.done()
    lock(session, seat.mentorship)
    session.refresh(milestone)
    if milestone.reached_at is not None:
        raise Conflict(_("This milestone is reached already."))
    milestone.reached_at, milestone.reached_by_id, milestone.note = utcnow(), seat.user.id, note
    session.flush()
    _celebrate(session, seat.mentorship, milestone)
    return milestone


def _celebrate(session: Session, mentorship: Mentorship, milestone: Milestone) -> None:
    for member in people(mentorship):
        with use_locale(mail_locale(session, member)):
            title = display_title(milestone)
        tell(
            session,
            member,
            mentorship,
            "milestone_reached",
            f"milestone:{milestone.id}:{member.user_id}",
            f"{pair_path(mentorship)}/milestones",
            milestone_title=title,
            note=milestone.note,
        )


# --- sharing with the program --------------------------------------------------------------------------------


def settings_of(session: Session, mentorship: Mentorship) -> PairEngagementSettings:
    """The pair's consent (both off when neither has chosen yet); not added to the session."""
    found = session.get(PairEngagementSettings, mentorship.id)
    return found or PairEngagementSettings(
        mentorship_id=mentorship.id, mentor_shares_celebrations=False, mentee_shares_celebrations=False
    )


def set_sharing(session: Session, seat: Seat, shares: bool) -> PairEngagementSettings:
    """One person's choice whether the pair's celebrations appear in the program's feed (both must agree)."""
    side = seat.require_pair()
    lock(session, seat.mentorship)
    row = session.get(PairEngagementSettings, seat.mentorship.id)
    if row is None:
        row = PairEngagementSettings(
            mentorship_id=seat.mentorship.id, mentor_shares_celebrations=False, mentee_shares_celebrations=False
        )
        session.add(row)
    if side is Side.MENTOR:
        row.mentor_shares_celebrations = shares
    else:
        row.mentee_shares_celebrations = shares
    session.flush()
    return row


# --- automatic milestones ---------------------------------------------------------------------------------------


def _add(session: Session, mentorship: Mentorship, code: str, title: str, at: datetime) -> Milestone | None:
    """Insert the automatic milestone `code` unless the pair has it; a concurrent twin loses in its savepoint."""
    if session.scalar(select(Milestone.id).where(Milestone.mentorship_id == mentorship.id, Milestone.code == code)):
        return None
    milestone = Milestone(
        mentorship_id=mentorship.id, program_id=mentorship.program_id, code=code, title=title[:MAX_TITLE], reached_at=at
    )
    try:
        with session.begin_nested():
            session.add(milestone)
    except IntegrityError:
        return None
    _celebrate(session, mentorship, milestone)
    return milestone


def _month_moment(start: datetime, months: int) -> datetime:
    start = as_utc(start)
    day = add_months(start.date(), months)
    return datetime.combine(day, time(start.hour, start.minute, start.second), tzinfo=start.tzinfo)


def _months(session: Session, mentorship: Mentorship, now: datetime) -> list[Milestone]:
    if mentorship.started_at is None:
        return []
    until = min(as_utc(now), as_utc(mentorship.ended_at)) if mentorship.ended_at else as_utc(now)
    found = []
    for months in MONTHS:
        moment = _month_moment(mentorship.started_at, months)
        if moment <= until and (
            m := _add(session, mentorship, f"months_{months}", _TITLES[f"months_{months}"], moment)
        ):
            found.append(m)
    return found


def _meetings(session: Session, mentorship: Mentorship, now: datetime) -> list[Milestone]:
    held = (
        session.scalar(
            select(func.count())
            .select_from(Meeting)
            .where(Meeting.mentorship_id == mentorship.id, Meeting.status == MeetingStatus.HELD)
        )
        or 0
    )
    found = []
    for count, code in ((1, "first_meeting"), *((n, f"meetings_{n}") for n in MEETING_COUNTS)):
        if held >= count and (m := _add(session, mentorship, code, _TITLES[code], now)):
            found.append(m)
    return found


def _goal_title(session: Session, mentorship: Mentorship, key: str) -> str:
    title = session.scalar(
        select(Goal.title).where(Goal.mentorship_id == mentorship.id, Goal.key == key).order_by(Goal.id.desc()).limit(1)
    )
    return title or key


def _goals(session: Session, mentorship: Mentorship, now: datetime) -> list[Milestone]:
    found = []
    states = goals.states(session, mentorship)
    for key, state in states.items():
        if state.status is GoalStatus.ACHIEVED and (
            m := _add(session, mentorship, f"goal:{key}", GOAL_PREFIX + _goal_title(session, mentorship, key), now)
        ):
            found.append(m)
    agreement = agreements.in_force(session, mentorship)
    if agreement is not None:
        counted = [states.get(g.key) for g in agreement.goals]
        live = [s for s in counted if s is None or s.status is not GoalStatus.DROPPED]
        if live and all(s is not None and s.status is GoalStatus.ACHIEVED for s in live):
            code = f"all_goals:{agreement.cycle}"
            if m := _add(session, mentorship, code, "Every goal of the agreement achieved", now):
                found.append(m)
    return found


def _cycles(session: Session, mentorship: Mentorship, now: datetime) -> list[Milestone]:
    completed = (
        session.scalar(
            select(func.count())
            .select_from(MentorshipTransition)
            .where(
                MentorshipTransition.mentorship_id == mentorship.id,
                MentorshipTransition.from_status == MentorshipStatus.COMPLETING,
                MentorshipTransition.to_status.in_((MentorshipStatus.COMPLETED, MentorshipStatus.ACTIVE)),
            )
        )
        or 0
    )
    found = []
    for n in range(1, completed + 1):
        if m := _add(session, mentorship, f"cycle:{n}", f"Cycle {n} completed", now):
            found.append(m)
    return found


def detect(session: Session, mentorship: Mentorship, now: datetime | None = None) -> list[Milestone]:
    """Find every automatic milestone the pair has reached and does not have yet; returns the new ones."""
    now = as_utc(now or utcnow())
    return [
        *_meetings(session, mentorship, now),
        *_months(session, mentorship, now),
        *_goals(session, mentorship, now),
        *_cycles(session, mentorship, now),
    ]


def sweep(session: Session, now: datetime) -> int:
    """The daily job: the months-together milestones of every mentorship that is under way."""
    live = session.scalars(
        select(Mentorship).where(Mentorship.status.in_(COUNTING), Mentorship.started_at.is_not(None))
    ).all()
    return sum(len(_months(session, mentorship, now)) for mentorship in live)


@signals.receiver("meeting_held")
def _on_meeting_held(session: Session, mentorship: Mentorship, data: dict[str, Any]) -> None:
    at = data.get("at")
    _meetings(session, mentorship, as_utc(at) if isinstance(at, datetime) else utcnow())


@signals.receiver("goal_progress")
def _on_goal_progress(session: Session, mentorship: Mentorship, data: dict[str, Any]) -> None:
    if data.get("status") in (GoalStatus.ACHIEVED.value, GoalStatus.DROPPED.value):  # dropping one may finish all
        _goals(session, mentorship, utcnow())


@hooks.after_transition
def _on_transition(session: Session, mentorship: Mentorship, record: MentorshipTransition, by: User | None) -> None:
    if record.from_status is MentorshipStatus.COMPLETING and record.to_status in (
        MentorshipStatus.COMPLETED,
        MentorshipStatus.ACTIVE,
    ):
        _cycles(session, mentorship, utcnow())
