"""Automatic conclusion after silence: a program option (`health.auto_conclude_days`, off by default, 90 suggested).

A pair under way (active, or completing after its planned end; a paused pair rests on purpose and is left alone)
whose last activity lies N days back is concluded by the program. Activity is the latest of: the pair's (cycle)
start, a return to active (resume, renew), a held meeting, a message, a shared link, goal progress, a review
answer, a milestone reached, kudos between the two, a pulse answer. Only dates are read, never words.

Seven days before the conclusion date both people get one warning (`inactivity_warning`), recorded in
`InactivityWarning` with the last activity it was about: once per quiet stretch. Activity after it starts a new
stretch (the row goes, a later silence warns again). Nothing is concluded unless the warning went out at least
`WARNING_DAYS` earlier, so a program that turns the option on does not end pairs that night: their conclusion
date moves to a week after the warning.

Concluding: an active pair ends early (`end_early`, closure reason "other": the program does not know why the
pair fell silent, and "lack of time" would put words in their mouth); a completing pair, already past its
planned end, is finished (`finish`, completed), as a coordinator would. The program acts (by=None), so both
people get the usual "your mentoring has ended" mail.

Crash-safe: the warning row and the mails (outbox, keyed) commit together; a rerun finds the row and sends
nothing twice. The caller commits, per program (see `health.tasks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.dates import format_day
from mentorloom.db import as_utc
from mentorloom.engagement.celebrations_common import pair_path, tell
from mentorloom.engagement.models import Kudos, Message, Milestone, Resource
from mentorloom.health.facts import kudos_between_the_two, pair_reached_milestone
from mentorloom.health.models import InactivityWarning, Pulse
from mentorloom.i18n import N_
from mentorloom.meetings.models import Meeting, MeetingStatus
from mentorloom.mentorships import lifecycle
from mentorloom.mentorships.access import lock
from mentorloom.mentorships.models import (
    ClosureReason,
    GoalProgress,
    Mentorship,
    MentorshipStatus,
    MentorshipTransition,
    ReviewSubmission,
)
from mentorloom.notifications.kinds import register_kind
from mentorloom.notifications.service import MailObsolete, mail_context
from mentorloom.programs.models import Program
from mentorloom.programs.schemas import ProgramSettings

register_kind("inactivity_warning", N_("Your pair will be concluded after a long silence"))

WARNING_DAYS = 7
WATCHED = (MentorshipStatus.ACTIVE, MentorshipStatus.COMPLETING)
# Transitions that start a pair's work again: the moment counts as activity (a pair resumed after a long pause
# is not warned the next night).
RESTARTS = (MentorshipStatus.ACTIVE, MentorshipStatus.COMPLETING)


@dataclass
class Outcome:
    warned: list[int] = field(default_factory=list)
    concluded: list[int] = field(default_factory=list)


def limit_of(program: Program) -> int | None:
    return ProgramSettings.model_validate(program.settings or {}).health.auto_conclude_days


def watched(program_id: int) -> Select[Any]:
    return select(Mentorship.id).where(Mentorship.program_id == program_id, Mentorship.status.in_(WATCHED))


def last_activity(session: Session, program_id: int, scope: Select[Any]) -> dict[int, datetime]:
    """The latest activity of each pair in `scope` (ids): grouped queries, one per source, never one per pair."""
    sources: Iterable[Select[Any, Any]] = (
        select(
            Mentorship.id, func.coalesce(Mentorship.cycle_started_at, Mentorship.started_at, Mentorship.created_at)
        ).where(Mentorship.id.in_(scope)),
        select(MentorshipTransition.mentorship_id, func.max(MentorshipTransition.at))
        .where(MentorshipTransition.mentorship_id.in_(scope), MentorshipTransition.to_status.in_(RESTARTS))
        .group_by(MentorshipTransition.mentorship_id),
        select(Meeting.mentorship_id, func.max(Meeting.starts_at))
        .where(Meeting.program_id == program_id, Meeting.mentorship_id.in_(scope), Meeting.status == MeetingStatus.HELD)
        .group_by(Meeting.mentorship_id),
        select(Message.mentorship_id, func.max(Message.created_at))
        .where(Message.mentorship_id.in_(scope))
        .group_by(Message.mentorship_id),
        select(Resource.mentorship_id, func.max(Resource.created_at))
        .where(Resource.program_id == program_id, Resource.mentorship_id.in_(scope))
        .group_by(Resource.mentorship_id),
        select(GoalProgress.mentorship_id, func.max(GoalProgress.created_at))
        .where(GoalProgress.mentorship_id.in_(scope))
        .group_by(GoalProgress.mentorship_id),
        select(ReviewSubmission.mentorship_id, func.max(ReviewSubmission.submitted_at))
        .where(ReviewSubmission.program_id == program_id, ReviewSubmission.mentorship_id.in_(scope))
        .group_by(ReviewSubmission.mentorship_id),
        select(Milestone.mentorship_id, func.max(Milestone.reached_at))
        .where(Milestone.program_id == program_id, Milestone.mentorship_id.in_(scope), pair_reached_milestone())
        .group_by(Milestone.mentorship_id),
        select(Kudos.mentorship_id, func.max(Kudos.created_at))
        .where(Kudos.program_id == program_id, Kudos.mentorship_id.in_(scope), kudos_between_the_two())
        .group_by(Kudos.mentorship_id),
        select(Pulse.mentorship_id, func.max(Pulse.created_at))
        .where(Pulse.program_id == program_id, Pulse.mentorship_id.in_(scope))
        .group_by(Pulse.mentorship_id),
    )
    out: dict[int, datetime] = {}
    for query in sources:
        for mid, at in session.execute(query):
            if mid is not None and at is not None:
                at = as_utc(at)
                out[mid] = max(out.get(mid, at), at)
    return out


def sweep_program(session: Session, program: Program, now: datetime) -> Outcome:
    """Warn the pairs of one program that fall silent and conclude those warned in time (flushes, never commits)."""
    outcome = Outcome()
    limit = limit_of(program)
    scope = watched(program.id)
    if limit is None:
        # Off: forget earlier warnings, so turning it on again warns afresh instead of concluding at once.
        session.execute(
            delete(InactivityWarning).where(
                InactivityWarning.mentorship_id.in_(select(Mentorship.id).where(Mentorship.program_id == program.id))
            )
        )
        return outcome
    activity = last_activity(session, program.id, scope)
    warnings = {
        w.mentorship_id: w
        for w in session.scalars(
            select(InactivityWarning).where(
                InactivityWarning.mentorship_id.in_(select(Mentorship.id).where(Mentorship.program_id == program.id))
            )
        )
    }
    for mid, last in sorted(activity.items()):
        warning = warnings.pop(mid, None)
        if warning is not None and last > as_utc(warning.last_activity_at):
            session.delete(warning)  # the pair came back to life: this stretch is over
            warning = None
        if warning is None:
            if now >= last + timedelta(days=limit - WARNING_DAYS):
                _warn(session, session.get_one(Mentorship, mid), last, limit, now)
                outcome.warned.append(mid)
        elif _due(warning, last, limit, now) and _conclude(session, session.get_one(Mentorship, mid)):
            outcome.concluded.append(mid)
    for stale in warnings.values():  # paused or ended meanwhile: a later silence warns anew
        session.delete(stale)
    session.flush()
    return outcome


def _due(warning: InactivityWarning, last: datetime, limit: int, now: datetime) -> bool:
    """The conclusion date has come (never earlier than the warning said, nor a week after the warning)."""
    concludes_at = max(as_utc(warning.concludes_on), last + timedelta(days=limit))
    return now >= concludes_at and now - as_utc(warning.warned_at) >= timedelta(days=WARNING_DAYS)


def _warn(session: Session, mentorship: Mentorship, last: datetime, limit: int, now: datetime) -> None:
    concludes_at = max(last + timedelta(days=limit), now + timedelta(days=WARNING_DAYS))
    session.add(
        InactivityWarning(mentorship_id=mentorship.id, last_activity_at=last, warned_at=now, concludes_on=concludes_at)
    )
    stamp = int(last.timestamp())
    for member in (mentorship.mentor, mentorship.mentee):
        tell(
            session,
            member,
            mentorship,
            "inactivity_warning",
            f"inactivity-warning:{mentorship.id}:{stamp}:{member.id}",
            pair_path(mentorship),
            mentorship_id=mentorship.id,
            quiet_days=(now - last).days,
            limit_days=limit,
            concludes_at=concludes_at.isoformat(),
        )


def _conclude(session: Session, mentorship: Mentorship) -> bool:
    lock(session, mentorship)  # a person acting at this moment (or a second worker) is seen, not overwritten
    if mentorship.status is MentorshipStatus.COMPLETING:
        lifecycle.transition(session, mentorship, "finish", None)
        return True
    if mentorship.status is MentorshipStatus.ACTIVE:
        mentorship.closure_reason, mentorship.rematch_requested = ClosureReason.OTHER, False
        lifecycle.transition(session, mentorship, "end_early", None, closure_reason=ClosureReason.OTHER)
        return True
    return False


def warning_of(session: Session, mentorship_id: int) -> InactivityWarning | None:
    return session.get(InactivityWarning, mentorship_id)


@mail_context("inactivity_warning")
def _warning_mail(session: Session, settings: Settings, context: dict[str, Any]) -> dict[str, Any]:
    """The conclusion day in the reader's language and zone; no mail once the pair is no longer quiet."""
    mentorship = session.get(Mentorship, context.get("mentorship_id"))
    if mentorship is None or mentorship.status not in WATCHED or warning_of(session, mentorship.id) is None:
        raise MailObsolete()
    return {**context, "concludes_day": format_day(datetime.fromisoformat(str(context["concludes_at"])), "long")}
