"""What the pair home page and the coordinator's view of a mentorship are built from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import as_utc
from mentorloom.i18n import gettext as _
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.lifecycle import RULES, closure_label, status_label
from mentorloom.mentorships.models import (
    Agreement,
    AgreementStatus,
    Goal,
    GoalProgress,
    GoalRevision,
    Mentorship,
    MentorshipStatus,
    MentorshipTransition,
)

ACTIVITY_LIMIT = 20


@dataclass
class Activity:
    at: datetime
    kind: str  # transition | agreement | revision | progress
    text: str
    by: str | None


def names(
    mentorship: Mentorship, session: Session | None = None, others: set[int | None] | None = None
) -> dict[int | None, str]:
    """Display names by user id: the pair, plus `others` (e.g. coordinators who stepped in)."""
    found: dict[int | None, str] = {m.user_id: m.user.display_name for m in (mentorship.mentor, mentorship.mentee)}
    missing = {i for i in others or set() if i is not None and i not in found}
    if session is not None and missing:
        rows = session.execute(select(User.id, User.display_name).where(User.id.in_(missing)))
        found.update((user_id, name) for user_id, name in rows)
    return found


def transitions(session: Session, mentorship: Mentorship) -> list[MentorshipTransition]:
    """The recorded lifecycle, oldest first."""
    return list(
        session.scalars(
            select(MentorshipTransition)
            .where(MentorshipTransition.mentorship_id == mentorship.id)
            .order_by(MentorshipTransition.id)
        )
    )


def actions(seat: Seat) -> list[str]:
    """The lifecycle actions the caller may take now, as their URL names (for buttons; the service checks again)."""
    status = seat.mentorship.status
    allowed = [
        name.replace("_", "-")
        for name, rule in RULES.items()
        if status in rule.sources and seat.can(rule.permission) and name != "activate"
    ]
    if status is MentorshipStatus.PROPOSED and seat.side is not None:
        accepted = getattr(seat.mentorship, f"{seat.side.value}_accepted_at")
        allowed = (["accept"] if accepted is None else []) + allowed
    return allowed


def notice(mentorship: Mentorship) -> str | None:
    """A neutral line for an ended mentorship; a failed fit check never says who said no."""
    if mentorship.status is not MentorshipStatus.ENDED_EARLY:
        return None
    if mentorship.rematch_priority:  # only a failed fit check re-matches with priority
        return _("This mentorship has ended. The program will find a new match.")
    return _("This mentorship has ended early.")


def activity(session: Session, mentorship: Mentorship, limit: int = ACTIVITY_LIMIT) -> list[Activity]:
    """Recent events of the pair, newest first: state changes, agreement confirmations, goal changes, progress."""
    rows = transitions(session, mentorship)[-limit:]
    who = names(mentorship, session, {t.by_user_id for t in rows})
    items = [
        Activity(
            t.at,
            "transition",
            _("Now %(status)s.", status=status_label(t.to_status))
            + (f" ({closure_label(t.closure_reason)})" if t.closure_reason else ""),
            who.get(t.by_user_id),
        )
        for t in rows
    ]
    confirmed = session.scalars(
        select(Agreement)
        .where(Agreement.mentorship_id == mentorship.id, Agreement.status == AgreementStatus.CONFIRMED)
        .order_by(Agreement.id.desc())
        .limit(limit)
    )
    items += [
        Activity(
            max(as_utc(t) for t in (a.confirmed_by_mentor_at, a.confirmed_by_mentee_at, a.updated_at) if t),
            "agreement",
            _("Agreement version %(version)d confirmed by both.", version=a.version),
            None,
        )
        for a in confirmed
    ]
    items += _goal_activity(session, mentorship, who, limit)
    return sorted(items, key=lambda item: as_utc(item.at), reverse=True)[:limit]


def _goal_activity(session: Session, mentorship: Mentorship, who: dict[int | None, str], limit: int) -> list[Activity]:
    titles = {g.key: g.title for g in _latest_goals(session, mentorship)}
    revisions = session.scalars(
        select(GoalRevision)
        .where(GoalRevision.mentorship_id == mentorship.id)
        .order_by(GoalRevision.id.desc())
        .limit(limit)
    )
    items = [
        Activity(
            r.created_at,
            "revision",
            _('Goal "%(title)s" revised: %(reason)s', title=r.after.get("title", ""), reason=r.reason),
            who.get(r.author_id),
        )
        for r in revisions
    ]
    progress = session.scalars(
        select(GoalProgress)
        .where(GoalProgress.mentorship_id == mentorship.id)
        .order_by(GoalProgress.id.desc())
        .limit(limit)
    )
    items += [
        Activity(
            p.created_at,
            "progress",
            _('Goal "%(title)s": %(progress)d%%', title=titles.get(p.goal_key, ""), progress=p.progress)
            + (f" – {p.note}" if p.note else ""),
            who.get(p.author_id),
        )
        for p in progress
    ]
    return items


def _latest_goals(session: Session, mentorship: Mentorship) -> list[Goal]:
    # Oldest first, so the dict built from it keeps each goal's newest title.
    return list(session.scalars(select(Goal).where(Goal.mentorship_id == mentorship.id).order_by(Goal.id)))
